/**
 * What a target is, and what it needs from the machine. Each target is a small class in the
 * testcontainers style: `skipReason()` says whether it can run on this machine, `start()` returns
 * a handle with the base URL, and the handle's `stop()` tears down whatever `start()` created.
 *
 * This module imports no target: the targets import it, and `./index.ts` loads them by name.
 */
import { PROJECT_DIR } from "../../local/program";
import type { Authorize } from "../flows/credentials";

export const TARGET_NAMES = ["local", "localstack", "stack"] as const;
export type TargetName = (typeof TARGET_NAMES)[number];

export function isTargetName(name: string): name is TargetName {
  return (TARGET_NAMES as readonly string[]).includes(name);
}

export interface TargetOptions {
  /**
   * Stack whose config is used (`Pulumi.<stack>.yaml`) by `local` and `localstack`, or the
   * deployed stack whose outputs `stack` reads. @default "dev" for local and localstack
   */
  stack?: string;
  /**
   * URL of a deployed API (its `url` output: the custom domain's, or the invoke URL with the
   * stage), for `stack` without the Pulumi CLI.
   */
  apiUrl?: string;
  /** Progress lines (deploys take minutes); silent by default. */
  log?: (line: string) => void;
  /** Stack target: a Cognito token for a cognito stack (`API_TOKEN`). */
  token?: string;
  /** Stack target: the usage plan's API key (`API_KEY`). */
  apiKey?: string;
  /** Stack target: `iam` signs requests with the caller's AWS credentials (`API_AUTH=iam`). */
  auth?: "iam";
}

export interface StartedTarget {
  /** Adds the credentials the target's stack asks for (token, API key, signature) to a request. */
  readonly authorize?: Authorize;
  /**
   * The API's URL (invoke URL with the stage, or a custom domain's), without a trailing slash:
   * requests go to `${baseUrl}/items`.
   */
  readonly baseUrl: string;
  /** The table the function serves, when the target knows it (the tutorial's `tableName`). */
  readonly tableName?: string;
  /** Stops what `start()` created. Safe to call twice. */
  stop(): Promise<void>;
}

export interface Target {
  readonly name: TargetName;
  /**
   * What this machine lacks for the target and how to get it (one line, without the target's
   * name), or undefined when it can run.
   */
  skipReason(): Promise<string | undefined>;
  /** Starts the target; on failure, cleans up whatever it had started before rethrowing. */
  start(): Promise<StartedTarget>;
}

/** Something a target needs from the machine, and how to get it. */
export interface Requirement {
  /** What is missing, e.g. "no Docker engine". */
  missing: string;
  /** What to do, e.g. "start Docker or set DOCKER_HOST". */
  fix: string;
}

/**
 * The skip reason: everything missing, how to get each, and the alternative, in one line.
 * Undefined when nothing is missing.
 */
export function skipLine(
  missing: readonly Requirement[],
  alternative?: string,
): string | undefined {
  if (missing.length === 0) return undefined;
  const what = missing.map((r) => r.missing).join(" and ");
  const fixes = missing.map((r) => r.fix).join("; ");
  return `${what}. To run it: ${fixes}.${alternative ? ` ${alternative}` : ""}`;
}

// What the targets need from the machine, each with its check. The checks load their libraries
// lazily: a run needs only the checks of the target it uses.

export const DOCKER_MISSING: Requirement = {
  missing: "no Docker engine",
  fix: "start Docker (Docker Desktop, or `sudo systemctl start docker`) or point DOCKER_HOST at one",
};
export const PULUMI_MISSING: Requirement = {
  missing: "no Pulumi CLI",
  fix: "install Pulumi (`curl -fsSL https://get.pulumi.com | sh`, then put ~/.pulumi/bin on PATH)",
};
export const BACKEND_LOGIN_MISSING: Requirement = {
  missing: "no Pulumi backend login",
  fix: "run `pulumi login` (or set PULUMI_ACCESS_TOKEN, or PULUMI_BACKEND_URL for a self-managed backend)",
};

/** Whether testcontainers finds a working container runtime. */
export async function dockerAvailable(): Promise<boolean> {
  const { getContainerRuntimeClient } = await import("testcontainers");
  try {
    await getContainerRuntimeClient();
    return true;
  } catch {
    return false;
  }
}

/** Whether the Automation API finds a Pulumi CLI. */
export async function pulumiAvailable(): Promise<boolean> {
  const { PulumiCommand } = await import("@pulumi/pulumi/automation");
  try {
    await PulumiCommand.get({ skipVersionCheck: true });
    return true;
  } catch {
    return false;
  }
}

/** Whether the Pulumi CLI is logged in to a backend (`pulumi whoami`). */
export async function backendLoggedIn(): Promise<boolean> {
  const { LocalWorkspace } = await import("@pulumi/pulumi/automation");
  try {
    const workspace = await LocalWorkspace.create({ workDir: PROJECT_DIR });
    await workspace.whoAmI();
    return true;
  } catch {
    return false;
  }
}
