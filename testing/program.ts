/**
 * Helpers for tests that read what the program registered under mocks: parse IAM
 * documents, load a stack's validated config the way the program does.
 */
/* eslint-disable @typescript-eslint/no-explicit-any -- recorded inputs are untyped data */
import * as fs from "node:fs";
import * as path from "node:path";
import type { ProgramRun, RecordedResource } from "../local/program";
import { PROJECT_DIR, readStackConfig, reveal } from "../local/program";
import type { DeclaredStack } from "./aws-rules";

export { isSecret, reveal } from "../local/program";
import { CONFIG_NAMESPACE, parseConfig, type StackConfig } from "../components/config";

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
  Condition?: Record<string, Record<string, unknown>>;
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

/** The `bootstrap/` project: API Gateway's CloudWatch role, once per account and region. */
export const BOOTSTRAP_DIR = path.join(PROJECT_DIR, "bootstrap");

/** Stacks with a committed `Pulumi.<stack>.yaml` in a project folder, sorted. */
export function stacksIn(projectDir: string): string[] {
  return fs
    .readdirSync(projectDir)
    .map((f) => /^Pulumi\.(.+)\.yaml$/.exec(f)?.[1])
    .filter((s): s is string => !!s)
    .sort();
}

/** Every committed stack of the application and of `bootstrap/`, as `runProgram` options. */
export function committedStacks(): { label: string; projectDir: string; stack: string }[] {
  return [
    ...stacksIn(PROJECT_DIR).map((stack) => ({ label: stack, projectDir: PROJECT_DIR, stack })),
    ...stacksIn(BOOTSTRAP_DIR).map((stack) => ({
      label: `bootstrap/${stack}`,
      projectDir: BOOTSTRAP_DIR,
      stack,
    })),
  ];
}

/** A recorded run as the AWS rules read it: custom resources, secrets revealed. */
export function declaredStack(run: ProgramRun): DeclaredStack {
  return {
    config: run.config,
    resources: run.resources
      .filter((r) => r.custom)
      .map((r) => ({
        type: r.type,
        name: r.name,
        inputs: reveal(r.inputs),
        state: reveal(r.state),
        options: r.options,
        external: r.external,
      })),
  };
}
