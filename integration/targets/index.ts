/**
 * The targets the CRUD flow runs against. Each is a small class in the testcontainers style:
 * `skipReason()` says whether it can run on this machine, `start()` returns a handle with the base
 * URL, and the handle's `stop()` tears down whatever `start()` created.
 *
 * Targets are loaded lazily: the LocalStack target pulls in testcontainers and the Automation API,
 * the local one the local cloud, and a run needs only one of them.
 */
import { authorizeWith, type Authorize } from "../flows/credentials";

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
  /** Invoke URL of a deployed API (stage included), for `stack` without the Pulumi CLI. */
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
  /** Invoke URL including the stage, without a trailing slash: requests go to `${baseUrl}/items`. */
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

/** Loads a target by name. Imports are lazy so a run loads only the target it uses. */
export async function loadTarget(name: TargetName, options: TargetOptions = {}): Promise<Target> {
  switch (name) {
    case "local":
      return new LocalTarget(options);
    case "localstack": {
      const { LocalStackTarget } = await import("./localstack");
      return new LocalStackTarget(options);
    }
    case "stack": {
      const { DeployedStackTarget } = await import("./stack");
      return new DeployedStackTarget(options);
    }
  }
}

/** The local cloud (DynamoDB Local + the program's API and function, no Docker), run in-process. */
export class LocalTarget implements Target {
  readonly name = "local";
  constructor(private readonly options: TargetOptions) {}

  async skipReason(): Promise<string | undefined> {
    const { assertJava } = await import("../../local/dynamodb-local");
    try {
      assertJava();
      return undefined;
    } catch (err) {
      // The local cloud's own message already names the package to install.
      return (err as Error).message;
    }
  }

  async start(): Promise<StartedTarget> {
    const { startLocalCloud } = await import("../../local");
    const cloud = await startLocalCloud({
      stack: this.options.stack ?? "dev",
      port: 0,
      log: this.options.log,
      // The flow checks CRUD semantics; throttling has tests of its own (local/access.int.test.ts).
      throttle: false,
    });
    try {
      const tableName = cloud.program.outputs.tableName;
      const auth = cloud.program.outputs.auth;
      return {
        baseUrl: cloud.apiUrl.replace(/\/+$/, ""),
        tableName: typeof tableName === "string" ? tableName : undefined,
        // What a caller of this stack holds: a token of its pool, its API key, or IAM credentials.
        authorize: authorizeWith({
          token:
            cloud.model.userPools.length > 0
              ? await cloud.issueToken({ lifetimeSeconds: 3600 })
              : undefined,
          apiKey: cloud.apiKeys[0],
          sigv4:
            auth === "iam" ? { region: cloud.region, credentials: cloud.iamCaller } : undefined,
        }),
        stop: () => cloud.stop(),
      };
    } catch (err) {
      await cloud.stop();
      throw err;
    }
  }
}
