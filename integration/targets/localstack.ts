/**
 * The LocalStack target: the real Pulumi program deployed with the Automation API into LocalStack
 * started by testcontainers, then destroyed. What the deployment needs (the aws provider's
 * endpoints, the stack config) is derived from what the program registers and from its stack
 * config file, never listed by hand. LocalStack itself starts every service on first use, so no
 * service list can leave out one that a service calls internally (DynamoDB's encryption → KMS).
 *
 * `up` and `destroy` run under deadlines of their own (`./deadline.ts`), shorter than mocha's hook
 * timeout, so a hang ends here: the pulumi process is interrupted, the temporary directory
 * removed, the container stopped, and the container's last log lines printed.
 */
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import * as crypto from "node:crypto";
import { parse as parseYaml } from "yaml";
import type { ProjectSettings } from "@pulumi/pulumi/automation";
import { PROJECT_DIR, configPathValue, secretPath, withConfigPath } from "../../local/program";
import { withDeadline } from "./deadline";
import {
  DOCKER_MISSING,
  PULUMI_MISSING,
  dockerAvailable,
  pulumiAvailable,
  skipLine,
  type StartedTarget,
  type Target,
  type TargetOptions,
} from "./target";

/**
 * The last LocalStack community image that starts without an auth token. From 2026.03 on (and on
 * `latest` since 23 March 2026) the single consolidated image exits at startup unless
 * `LOCALSTACK_AUTH_TOKEN` is set; 4.14.0 (26 February 2026) is the last release without that gate.
 * With a token, pass `LOCALSTACK_IMAGE` to run a newer image.
 */
export const LOCALSTACK_IMAGE = "localstack/localstack:4.14.0";

/** An AWS service the aws provider calls for the stack: its key in the provider's `endpoints`. */
export interface AwsService {
  /** Key in `aws:endpoints` (pulumi-aws `ProviderEndpoint`). */
  endpoint: string;
}

// Pulumi type tokens are `aws:<module>/<resource>:<Type>`; the module names the AWS service. The
// CloudWatch module holds both CloudWatch (alarms, dashboards) and CloudWatch Logs (log groups).
const SERVICE_OF_MODULE: Record<string, AwsService | ((resource: string) => AwsService)> = {
  apigateway: { endpoint: "apigateway" },
  cloudwatch: (resource) =>
    resource.startsWith("log") ? { endpoint: "logs" } : { endpoint: "cloudwatch" },
  dynamodb: { endpoint: "dynamodb" },
  iam: { endpoint: "iam" },
  kms: { endpoint: "kms" },
  lambda: { endpoint: "lambda" },
  s3: { endpoint: "s3" },
  sns: { endpoint: "sns" },
  sqs: { endpoint: "sqs" },
};

// The provider itself calls STS (account id, caller identity), whatever the program declares.
const STS: AwsService = { endpoint: "sts" };

/**
 * The AWS services the provider calls for a program's resource types (from `runProgram`), whose
 * endpoints must point at the container. Non-AWS types (components, `random:*`, providers) need
 * none. An AWS module this table does not know fails loudly rather than reaching for real AWS.
 */
export function servicesFor(resourceTypes: Iterable<string>): AwsService[] {
  const byEndpoint = new Map<string, AwsService>([[STS.endpoint, STS]]);
  for (const type of resourceTypes) {
    const match = /^aws:([^/:]+)\/([^:]+):/.exec(type);
    if (!match) continue;
    const [, module, resource] = match as unknown as [string, string, string];
    const known = SERVICE_OF_MODULE[module];
    if (!known) {
      throw new Error(
        `The program registers ${type}, but integration/targets/localstack.ts does not know which ` +
          `provider endpoint serves the "${module}" module: add it to SERVICE_OF_MODULE`,
      );
    }
    const service = typeof known === "function" ? known(resource) : known;
    byEndpoint.set(service.endpoint, service);
  }
  return [...byEndpoint.values()].sort((a, b) => a.endpoint.localeCompare(b.endpoint));
}

/**
 * The container's environment. No `SERVICES`: LocalStack 4 starts each service lazily on its first
 * request, so a list saves nothing, and one derived from the program misses the services LocalStack
 * calls internally (a table with server-side encryption makes DynamoDB create a KMS key; Lambda
 * uses S3 and STS), which fails `pulumi up` after the table already exists.
 */
export function localStackEnvironment(authToken: string | undefined): Record<string, string> {
  const env: Record<string, string> = {
    // The program defaults to arm64 functions; run them on whatever the CI host is.
    LAMBDA_IGNORE_ARCHITECTURE: "1",
  };
  if (authToken) env.LOCALSTACK_AUTH_TOKEN = authToken;
  return env;
}

/**
 * Config for the default aws provider: every used service's endpoint at the container, test
 * credentials, and the flags that stop the provider from validating them against real AWS. The
 * account id is requested (from LocalStack's STS), so ARNs the program builds name a real account.
 */
export function awsProviderConfig(
  endpoint: string,
  services: readonly AwsService[],
  region: string,
): Record<string, unknown> {
  const endpoints = Object.fromEntries(services.map((s) => [s.endpoint, endpoint]));
  return {
    "aws:region": region,
    "aws:accessKey": "test",
    "aws:secretKey": "test",
    "aws:skipCredentialsValidation": true,
    "aws:skipMetadataApiCheck": true,
    "aws:skipRegionValidation": true,
    ...(endpoints.s3 ? { "aws:s3UsePathStyle": true } : {}),
    "aws:endpoints": [endpoints],
  };
}

/** The URL LocalStack serves a REST API stage at. */
export function executeApiUrl(endpoint: string, apiId: string, stage: string): string {
  if (!apiId || !stage) throw new Error(`Need an API id and a stage, got "${apiId}", "${stage}"`);
  const base = endpoint.replace(/\/+$/, "");
  return `${base}/_aws/execute-api/${encodeURIComponent(apiId)}/${encodeURIComponent(stage)}`;
}

/**
 * What a throwaway stack must differ in from the stack whose config it borrows, and why. Each is
 * applied whatever that stack says, and printed when it changes a value. Keys use Pulumi's path
 * syntax (`ns:group.key`, as `pulumi config set --path` takes them).
 */
export const THROWAWAY_OVERRIDES: readonly { key: string; value: unknown; why: string }[] = [
  {
    key: "lambda-apigateway:production",
    value: false,
    why: "a protected, retained table would stop `pulumi destroy` from cleaning up",
  },
  {
    key: "lambda-apigateway:api.apiKeyRequired",
    value: false,
    why: "LocalStack checks API keys and the CRUD flow sends none",
  },
  {
    key: "lambda-apigateway:auth",
    value: "none",
    why: "Cognito is not in LocalStack's free image and LocalStack does not check SigV4 on APIs; the local cloud tests the authorizers",
  },
  {
    key: "lambda-apigateway:table.kmsKeyArn",
    value: "",
    why: "a customer KMS key of a real account does not exist in LocalStack",
  },
];

export interface ThrowawayConfig {
  config: Record<string, unknown>;
  /** Each override that changed the borrowed stack's value, as a line to print. */
  changes: string[];
}

/**
 * Config for the throwaway stack: the chosen stack's own config file (structured values kept as
 * they are), minus its aws provider settings (profiles, assumed roles, allowed accounts would reach
 * for real AWS), with `THROWAWAY_OVERRIDES` applied, plus the LocalStack provider config. The
 * region stays the stack's.
 */
export function throwawayStackConfig(
  stackConfig: Record<string, unknown>,
  endpoint: string,
  services: readonly AwsService[],
): ThrowawayConfig {
  const region =
    typeof stackConfig["aws:region"] === "string" ? stackConfig["aws:region"] : "us-east-1";
  let own = Object.fromEntries(Object.entries(stackConfig).filter(([k]) => !k.startsWith("aws:")));
  for (const [key, value] of Object.entries(own)) {
    if (secretPath(value) !== undefined) {
      throw new Error(
        `"${key}" is a secret encrypted for the real stack; the LocalStack target cannot decrypt it. ` +
          `Give it a plain value in a stack file used only for tests, and pass --stack with that name`,
      );
    }
  }
  const changes: string[] = [];
  for (const { key, value, why } of THROWAWAY_OVERRIDES) {
    const before = configPathValue(own, key);
    const unset = before === undefined || before === "";
    if (!(unset && value === "") && before !== value) {
      changes.push(
        `${key}: ${unset ? "(unset)" : JSON.stringify(before)} → ${JSON.stringify(value)}, because ${why}`,
      );
    }
    own = withConfigPath(own, key, value);
  }
  return { config: { ...own, ...awsProviderConfig(endpoint, services, region) }, changes };
}

/** Reads a stack's config file as Pulumi does, structured values kept. */
export function readRawStackConfig(projectDir: string, stack: string): Record<string, unknown> {
  const file = path.join(projectDir, `Pulumi.${stack}.yaml`);
  if (!fs.existsSync(file)) throw new Error(`Unknown stack "${stack}": ${file} does not exist`);
  return ((parseYaml(fs.readFileSync(file, "utf8")) ?? {}).config ?? {}) as Record<string, unknown>;
}

/**
 * Project settings for a workspace in a temporary directory that runs the program in `projectDir`:
 * the real `Pulumi.yaml` with `main` pointing back at it, so the throwaway stack's files and state
 * never touch the repository.
 */
export function throwawayProjectSettings(projectDir: string, workDir: string): ProjectSettings {
  const project = parseYaml(
    fs.readFileSync(path.join(projectDir, "Pulumi.yaml"), "utf8"),
  ) as ProjectSettings;
  const main = path.resolve(projectDir, project.main ?? ".");
  return { ...project, main: path.relative(workDir, main) || "." };
}

function errorMessage(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}

/** How long each step may take before the target gives up on it and cleans up. */
export interface Deadlines {
  /** `pulumi up` of the throwaway stack. */
  upMs: number;
  /** `pulumi destroy` of it. */
  destroyMs: number;
  /** After each interrupt, how long the pulumi process gets to exit. */
  graceMs: number;
  /** Starting the container until LocalStack says it is ready (testcontainers' startup timeout). */
  containerMs: number;
}

/**
 * Generous for a stack of a dozen resources whose slowest step is LocalStack starting Lambda's
 * container; past them, something hangs. Mocha's hooks (`integration/flows/suite.ts`) allow longer
 * than all of these together, so these fire first and the target cleans up after itself.
 */
export const DEADLINES: Deadlines = {
  upMs: 12 * 60_000,
  destroyMs: 6 * 60_000,
  graceMs: 30_000,
  containerMs: 4 * 60_000,
};

/** Total time a start and a stop may take with every deadline reached (hooks must allow more). */
export function worstCaseMs(d: Deadlines): number {
  // up and destroy each: the deadline, then two interrupts with a grace period each.
  return d.containerMs + d.upMs + d.destroyMs + 4 * d.graceMs;
}

/** The last lines a stream wrote, for printing when something fails. */
export class LogTail {
  private readonly lines: string[] = [];
  private partial = "";
  constructor(private readonly keep = 300) {}
  write(chunk: string): void {
    const parts = (this.partial + chunk).split(/\r?\n/);
    this.partial = parts.pop() ?? "";
    this.lines.push(...parts);
    if (this.lines.length > this.keep) this.lines.splice(0, this.lines.length - this.keep);
  }
  get(): string[] {
    return (this.partial ? [...this.lines, this.partial] : this.lines).slice(-this.keep);
  }
}

/** A started LocalStack container, as the target uses it. */
export interface LocalStackContainer {
  /** `http://host:port` of LocalStack's edge port. */
  endpoint: string;
  /** The container's most recent log lines. */
  recentLogs(): string[];
  stop(): Promise<void>;
}

/** The throwaway stack, as the target uses it (the Automation API's `Stack`, in production). */
export interface ThrowawayStack {
  up(opts: {
    onOutput: (line: string) => void;
    signal: AbortSignal;
  }): Promise<{ outputs: Record<string, { value: unknown } | undefined> }>;
  destroy(opts: { onOutput: (line: string) => void; signal: AbortSignal }): Promise<unknown>;
  /** Removes the stack from its (temporary) backend. */
  remove(): Promise<void>;
}

/** Everything the target does to the machine; tests replace it with fakes. */
export interface LocalStackWorkspace {
  /** The resource types the program registers for a stack (under mocks). */
  resourceTypes(stack: string): Promise<string[]>;
  startContainer(image: string, env: Record<string, string>): Promise<LocalStackContainer>;
  makeWorkDir(): string;
  removeWorkDir(dir: string): void;
  createStack(args: {
    workDir: string;
    stackName: string;
    config: Record<string, unknown>;
    envVars: Record<string, string>;
  }): Promise<ThrowawayStack>;
}

/** The real workspace: testcontainers, the Automation API, the program under mocks. */
export const MACHINE_WORKSPACE: LocalStackWorkspace = {
  async resourceTypes(stack) {
    const { runProgram } = await import("../../local/program");
    return (await runProgram({ stack })).resources.map((r) => r.type);
  },
  async startContainer(image, env) {
    const [tc, { LocalstackContainer }] = await Promise.all([
      import("testcontainers"),
      import("@testcontainers/localstack"),
    ]);
    const runtime = await tc.getContainerRuntimeClient();
    const tail = new LogTail();
    const container = await new LocalstackContainer(image)
      .withEnvironment(env)
      // LocalStack runs each Lambda in a sibling container through the host's Docker engine.
      .withBindMounts([
        { source: runtime.info.containerRuntime.remoteSocketPath, target: "/var/run/docker.sock" },
      ])
      .withStartupTimeout(DEADLINES.containerMs)
      .withLogConsumer((stream) => stream.on("data", (d: Buffer) => tail.write(d.toString())))
      .start();
    return {
      endpoint: container.getConnectionUri(),
      recentLogs: () => tail.get(),
      stop: async () => {
        await container.stop();
      },
    };
  },
  makeWorkDir: () => fs.mkdtempSync(path.join(os.tmpdir(), "lambda-apigateway-localstack-")),
  removeWorkDir: (dir) => fs.rmSync(dir, { recursive: true, force: true }),
  async createStack({ workDir, stackName, config, envVars }) {
    const auto = await import("@pulumi/pulumi/automation");
    const stack = await auto.LocalWorkspace.createStack(
      { stackName, workDir },
      {
        workDir,
        projectSettings: throwawayProjectSettings(PROJECT_DIR, workDir),
        stackSettings: { [stackName]: { config } },
        envVars,
      },
    );
    return {
      up: (opts) => stack.up(opts),
      destroy: (opts) => stack.destroy(opts),
      remove: () => stack.workspace.removeStack(stackName),
    };
  },
};

/**
 * Starts LocalStack, deploys the program into a throwaway stack and returns the started target.
 * On any failure, and in `stop()`, it destroys the stack, removes the temporary directory and
 * stops the container, each under its deadline and each even when an earlier one failed; a
 * failure prints the container's last log lines through `report`.
 */
export async function deployToLocalStack(options: {
  stack: string;
  workspace: LocalStackWorkspace;
  deadlines?: Deadlines;
  image?: string;
  authToken?: string;
  log?: (line: string) => void;
  /** Where what must always be seen goes (config changes, the container's log). @default stderr */
  report?: (text: string) => void;
}): Promise<StartedTarget> {
  const ws = options.workspace;
  const deadlines = options.deadlines ?? DEADLINES;
  const log = options.log ?? (() => undefined);
  const report = options.report ?? ((text: string) => process.stderr.write(text));
  const image = options.image ?? LOCALSTACK_IMAGE;

  const services = servicesFor(await ws.resourceTypes(options.stack));
  log(`localstack: starting ${image}`);
  const container = await ws.startContainer(image, localStackEnvironment(options.authToken));

  const cleanups: { what: string; run: () => Promise<unknown> }[] = [
    { what: "stop the LocalStack container", run: () => container.stop() },
  ];
  const printLogs = (why: string) => {
    const lines = container.recentLogs();
    report(
      `\n---- LocalStack container log, last ${lines.length} lines (${why}) ----\n` +
        `${lines.join("\n")}\n---- end of LocalStack container log ----\n`,
    );
  };
  let stopped = false;
  const stop = async (): Promise<void> => {
    if (stopped) return;
    stopped = true;
    const failures: string[] = [];
    // Last started, first stopped; every step runs even when an earlier one fails.
    for (const step of [...cleanups].reverse()) {
      try {
        await step.run();
      } catch (err) {
        failures.push(`could not ${step.what}: ${errorMessage(err)}`);
      }
    }
    if (failures.length) {
      printLogs("cleanup failed");
      throw new Error(`LocalStack target cleanup: ${failures.join("; ")}`);
    }
  };

  try {
    const workDir = ws.makeWorkDir();
    cleanups.push({ what: `remove ${workDir}`, run: async () => ws.removeWorkDir(workDir) });
    const stateDir = path.join(workDir, "state");
    const throwaway = `localstack-${crypto.randomBytes(4).toString("hex")}`;
    const { config, changes } = throwawayStackConfig(
      readRawStackConfig(PROJECT_DIR, options.stack),
      container.endpoint,
      services,
    );
    // Always said, not only with --verbose: the stack deployed is not quite the one asked for.
    for (const change of changes) report(`localstack: throwaway stack config ${change}\n`);
    const stack = await ws.createStack({
      workDir,
      stackName: throwaway,
      config,
      envVars: {
        PULUMI_BACKEND_URL: `file://${stateDir}`,
        PULUMI_CONFIG_PASSPHRASE: crypto.randomBytes(16).toString("hex"),
        PULUMI_SKIP_UPDATE_CHECK: "true",
        // Anything that bypasses the provider config still never reaches real AWS.
        AWS_ACCESS_KEY_ID: "test",
        AWS_SECRET_ACCESS_KEY: "test",
        AWS_ENDPOINT_URL: container.endpoint,
      },
    });
    cleanups.push({
      what: `destroy the throwaway stack ${throwaway}`,
      run: async () => {
        await withDeadline(
          `pulumi destroy ${throwaway}`,
          deadlines.destroyMs,
          deadlines.graceMs,
          (signal) => stack.destroy({ onOutput: log, signal }),
        );
        await stack.remove();
      },
    });

    log(`localstack: pulumi up ${throwaway} (config of stack ${options.stack})`);
    const up = await withDeadline(
      `pulumi up ${throwaway}`,
      deadlines.upMs,
      deadlines.graceMs,
      (signal) => stack.up({ onOutput: log, signal }),
    );
    const apiId = up.outputs.apiId?.value;
    const stage = up.outputs.stageName?.value;
    const tableName = up.outputs.tableName?.value;
    if (typeof apiId !== "string" || typeof stage !== "string") {
      throw new Error(
        `The program's outputs lack apiId or stageName (got: ${Object.keys(up.outputs).join(", ")})`,
      );
    }
    return {
      baseUrl: executeApiUrl(container.endpoint, apiId, stage),
      tableName: typeof tableName === "string" ? tableName : undefined,
      stop,
    };
  } catch (err) {
    printLogs(`the deployment failed: ${errorMessage(err)}`);
    await stop().catch((cleanupErr) => report(`${errorMessage(cleanupErr)}\n`));
    throw err;
  }
}

/** The machine checks a target makes; replaceable in unit tests. */
export interface Probes {
  docker: () => Promise<boolean>;
  pulumi: () => Promise<boolean>;
}
export const MACHINE_PROBES: Probes = { docker: dockerAvailable, pulumi: pulumiAvailable };

export class LocalStackTarget implements Target {
  readonly name = "localstack";
  constructor(
    private readonly options: TargetOptions,
    private readonly probes: Probes = MACHINE_PROBES,
    private readonly workspace: LocalStackWorkspace = MACHINE_WORKSPACE,
  ) {}

  async skipReason(): Promise<string | undefined> {
    const [docker, pulumi] = await Promise.all([this.probes.docker(), this.probes.pulumi()]);
    const missing = [...(docker ? [] : [DOCKER_MISSING]), ...(pulumi ? [] : [PULUMI_MISSING])];
    return skipLine(missing, "Without them: npm run test:integration -- --target local");
  }

  start(): Promise<StartedTarget> {
    return deployToLocalStack({
      stack: this.options.stack ?? "dev",
      workspace: this.workspace,
      image: process.env.LOCALSTACK_IMAGE || LOCALSTACK_IMAGE,
      authToken: process.env.LOCALSTACK_AUTH_TOKEN,
      log: this.options.log,
    });
  }
}
