/**
 * Helpers for tests that read what the program registered under mocks: parse IAM
 * documents, load a stack's validated config the way the program does.
 */
/* eslint-disable @typescript-eslint/no-explicit-any -- recorded inputs are untyped data */
import type { RecordedResource } from "../local/program";
import { PROJECT_DIR, readStackConfig, reveal } from "../local/program";

export { isSecret, reveal } from "../local/program";
import { CONFIG_NAMESPACE, parseConfig, type StackConfig } from "./config";

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
