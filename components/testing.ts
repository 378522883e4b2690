/**
 * Helpers for tests that read what the program registered under mocks: unwrap secrets, parse IAM
 * documents, load a stack's validated config the way the program does.
 */
/* eslint-disable @typescript-eslint/no-explicit-any -- recorded inputs are untyped data */
import type { RecordedResource } from "../integration/program";
import { PROJECT_DIR, readStackConfig } from "../integration/program";
import { CONFIG_NAMESPACE, parseConfig, type StackConfig } from "./config";

// How Pulumi marks a secret value on the wire (and in mock inputs).
const SECRET_SIG_KEY = "4dabf18193072939515e22adb298388d";
const SECRET_SIG = "1b47061264138c4ac30d75fd1eb44270";

export function isSecret(value: unknown): boolean {
  return !!value && typeof value === "object" && (value as any)[SECRET_SIG_KEY] === SECRET_SIG;
}

/** The value with every secret wrapper removed. */
export function reveal(value: any): any {
  if (isSecret(value)) return reveal(value.value);
  if (Array.isArray(value)) return value.map(reveal);
  if (value && typeof value === "object" && Object.getPrototypeOf(value) === Object.prototype) {
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, reveal(v)]));
  }
  return value;
}

/** The validated config of a committed stack file, exactly as `loadConfig` reads it. */
export function stackConfig(stack: string): StackConfig {
  const { config } = readStackConfig(PROJECT_DIR, stack);
  const prefix = `${CONFIG_NAMESPACE}:`;
  const raw: Record<string, string> = {};
  for (const [key, value] of Object.entries(config)) {
    if (key.startsWith(prefix)) raw[key.slice(prefix.length)] = value;
  }
  return parseConfig(stack, raw);
}

export interface IamStatement {
  Sid?: string;
  Effect: string;
  Action: string[];
  Resource: string[];
  NotAction?: unknown;
  NotResource?: unknown;
  Principal?: unknown;
}

/** Every statement of an IAM policy document (JSON string or object), with lists normalised. */
export function statementsOf(document: unknown): IamStatement[] {
  const doc = typeof document === "string" ? JSON.parse(document) : document;
  const raw = doc?.Statement;
  const list: any[] = Array.isArray(raw) ? raw : raw ? [raw] : [];
  const asList = (v: unknown): string[] =>
    v === undefined ? [] : Array.isArray(v) ? v.map(String) : [String(v)];
  return list.map((s) => ({ ...s, Action: asList(s.Action), Resource: asList(s.Resource) }));
}

/** Every permission policy document the stack declares, with the resource that declares it. */
export function permissionPolicies(
  resources: readonly RecordedResource[],
): { resource: RecordedResource; statements: IamStatement[] }[] {
  const out: { resource: RecordedResource; statements: IamStatement[] }[] = [];
  for (const r of resources) {
    const inputs = reveal(r.inputs);
    if (r.type === "aws:iam/rolePolicy:RolePolicy" || r.type === "aws:iam/policy:Policy") {
      out.push({ resource: r, statements: statementsOf(inputs.policy) });
    }
    if (r.type === "aws:iam/role:Role") {
      for (const inline of inputs.inlinePolicies ?? []) {
        out.push({ resource: r, statements: statementsOf(inline.policy) });
      }
    }
  }
  return out;
}
