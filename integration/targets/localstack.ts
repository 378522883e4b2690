/**
 * The LocalStack target: the real Pulumi program deployed with the Automation API into LocalStack
 * started by testcontainers, then destroyed. What the deployment needs (the aws provider's
 * endpoints, the stack config) is derived from the config the throwaway stack deploys (the chosen
 * stack's file with `THROWAWAY_OVERRIDES` applied) and from what the program registers with it,
 * never listed by hand. LocalStack itself starts every service on first use, so no service list
 * can leave out one that a service calls internally (DynamoDB's encryption → KMS).
 *
 * `up` and `destroy` run under deadlines of their own (`./deadline.ts`), shorter than mocha's hook
 * timeout, so a hang ends here: the pulumi process is interrupted, the temporary directory
 * removed, the container stopped, and the container's last log lines printed. A container that
 * does not start at all puts its log in the error; the function is warmed before the flow runs.
 */
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import * as crypto from "node:crypto";
import type { Readable } from "node:stream";
import { parse as parseYaml } from "yaml";
import type { ProjectSettings } from "@pulumi/pulumi/automation";
import { PROJECT_DIR, configPathValue, secretPath, withConfigPath } from "../../local/program";
import { createApiClient } from "../../client/index";
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
 * The last LocalStack community image that starts without an auth token, pinned by digest. From
 * 2026.03 on (and on `latest` since 23 March 2026) the single consolidated image exits at startup
 * with code 55 unless `LOCALSTACK_AUTH_TOKEN` is set; 4.14.0 (26 February 2026) is the last
 * release without that gate, and the `localstack/localstack` repository is archived since. CI may
 * run another image through the `LOCALSTACK_IMAGE` environment variable (`localStackImage`).
 *
 * The digest was not read from Docker Hub (there was no registry access where this was written):
 * it is the one DataDog/dd-trace-dotnet pins for this tag in its `docker-compose.yml` (commit
 * 009bae4c4c843c892fe0a7cd34dd7b41ec17d088, services `localstack` and `localstack_arm64`), and
 * every other public pin found carries the same one. Check it once against the registry:
 * `docker buildx imagetools inspect localstack/localstack:4.14.0`. With both a tag and a digest,
 * Docker pulls and looks up the image by the digest (moby's `PullImage` and its reference store's
 * `Get` drop the tag), so the tag is only for readers.
 */
export const LOCALSTACK_IMAGE =
  "localstack/localstack:4.14.0@sha256:3ebc37595918b8accb852f8048fef2aff047d465167edd655528065b07bc364a";

// An image reference as Docker parses it: `name[:tag][@digest]`, the grammar of
// distribution/reference's reference.go (without bracketed IPv6 registry hosts).
const DOMAIN_COMPONENT = "(?:[a-zA-Z0-9]|[a-zA-Z0-9][a-zA-Z0-9-]*[a-zA-Z0-9])";
const DOMAIN = `${DOMAIN_COMPONENT}(?:\\.${DOMAIN_COMPONENT})*(?::[0-9]+)?`;
const PATH_COMPONENT = "[a-z0-9]+(?:(?:[_.]|__|[-]+)[a-z0-9]+)*";
const IMAGE_REFERENCE = new RegExp(
  `^(?:${DOMAIN}/)?${PATH_COMPONENT}(?:/${PATH_COMPONENT})*` +
    `(?::[\\w][\\w.-]{0,127})?(?:@[A-Za-z][A-Za-z0-9]*(?:[-_+.][A-Za-z][A-Za-z0-9]*)*:[0-9a-fA-F]{32,})?$`,
);

/**
 * The image to run: `LOCALSTACK_IMAGE` from the environment (CI sets it from a repository
 * variable; empty means unset), else the pinned default. A value Docker could not parse fails
 * here, before anything starts, instead of as a pull error minutes later.
 */
export function localStackImage(env: NodeJS.ProcessEnv = process.env): string {
  const image = env.LOCALSTACK_IMAGE?.trim() || LOCALSTACK_IMAGE;
  const sha256 = /@sha256:(.*)$/.exec(image);
  if (!IMAGE_REFERENCE.test(image) || (sha256 && !/^[0-9a-f]{64}$/.test(sha256[1]!))) {
    throw new Error(
      `LOCALSTACK_IMAGE "${image}" is not an image reference: use name[:tag][@sha256:<64 hex digits>], ` +
        `e.g. localstack/localstack:latest (which needs LOCALSTACK_AUTH_TOKEN), or unset it to run ` +
        LOCALSTACK_IMAGE,
    );
  }
  return image;
}

/** An AWS service the aws provider calls for the stack: its key in the provider's `endpoints`. */
export interface AwsService {
  /** Key in `aws:endpoints` (pulumi-aws `ProviderEndpoint`). */
  endpoint: string;
  /** What users call it, for messages. */
  name: string;
  /**
   * Whether the free image (`LOCALSTACK_IMAGE`, 4.14.0) serves it: community 4.14.0 registers its
   * provider (localstack-core/localstack/services/providers.py at tag v4.14.0), and LocalStack's
   * licensing table marks it Free. Cognito (Base plan) and CodeDeploy (Ultimate) need a token.
   */
  free: boolean;
}

const service = (endpoint: string, name: string, free = true): AwsService => ({
  endpoint,
  name,
  free,
});

// Pulumi type tokens are `aws:<module>/<resource>:<Type>`; the module names the AWS service. The
// CloudWatch module holds both CloudWatch (alarms, dashboards) and CloudWatch Logs (log groups);
// the Cognito module both user pools and identity pools.
const SERVICE_OF_MODULE: Record<string, AwsService | ((resource: string) => AwsService)> = {
  acm: service("acm", "ACM"),
  apigateway: service("apigateway", "API Gateway"),
  cloudwatch: (resource) =>
    resource.startsWith("log")
      ? service("logs", "CloudWatch Logs")
      : service("cloudwatch", "CloudWatch"),
  codedeploy: service("codedeploy", "CodeDeploy", false),
  cognito: (resource) =>
    resource.startsWith("identityPool")
      ? service("cognitoidentity", "Cognito identity pools", false)
      : service("cognitoidp", "Cognito user pools", false),
  dynamodb: service("dynamodb", "DynamoDB"),
  iam: service("iam", "IAM"),
  kms: service("kms", "KMS"),
  lambda: service("lambda", "Lambda"),
  route53: service("route53", "Route 53"),
  s3: service("s3", "S3"),
  sns: service("sns", "SNS"),
  sqs: service("sqs", "SQS"),
};

// The provider itself calls STS (account id, caller identity), whatever the program declares.
const STS: AwsService = service("sts", "STS");

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
    const found = typeof known === "function" ? known(resource) : known;
    byEndpoint.set(found.endpoint, found);
  }
  return [...byEndpoint.values()].sort((a, b) => a.endpoint.localeCompare(b.endpoint));
}

/**
 * Refuses, before a container starts, a throwaway stack that uses a service the free image lacks
 * when no token is set: the deploy would fail minutes later with a less helpful error.
 */
export function assertServedWithoutToken(
  services: readonly AwsService[],
  authToken: string | undefined,
): void {
  const paid = services.filter((s) => !s.free);
  if (!paid.length || authToken) return;
  throw new Error(
    `The throwaway stack uses ${paid.map((s) => s.name).join(" and ")}, which LocalStack's free ` +
      `image does not serve: add a THROWAWAY_OVERRIDES entry (integration/targets/localstack.ts) ` +
      `that turns it off, or set LOCALSTACK_AUTH_TOKEN and a LOCALSTACK_IMAGE whose plan includes it`,
  );
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
  {
    key: "lambda-apigateway:promotion.enabled",
    value: false,
    why: "CodeDeploy is not in LocalStack's free image; pulumi up moves the alias itself",
  },
];

export interface ThrowawayConfig {
  config: Record<string, unknown>;
  /** Each override that changed the borrowed stack's value, as a line to print. */
  changes: string[];
  /** The stack's region (`aws:region`), kept for the throwaway stack. */
  region: string;
}

/**
 * The program's config for the throwaway stack: the chosen stack's own config file (structured
 * values kept as they are), minus its aws provider settings (profiles, assumed roles, allowed
 * accounts would reach for real AWS), with `THROWAWAY_OVERRIDES` applied. This is the config the
 * throwaway deploy runs the program with, so the provider endpoints are derived from it.
 */
export function throwawayProgramConfig(stackConfig: Record<string, unknown>): ThrowawayConfig {
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
  return { config: own, changes, region };
}

/**
 * Config for the throwaway stack: the program's (`throwawayProgramConfig`) plus the LocalStack
 * provider config. The region stays the stack's.
 */
export function throwawayStackConfig(
  stackConfig: Record<string, unknown>,
  endpoint: string,
  services: readonly AwsService[],
): ThrowawayConfig {
  const program = throwawayProgramConfig(stackConfig);
  return {
    ...program,
    config: { ...program.config, ...awsProviderConfig(endpoint, services, program.region) },
  };
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
  /** The warming invoke (`warmFunction`): the function's first, cold, request. */
  warmMs: number;
}

/**
 * Generous for a stack of a dozen resources whose slowest step is LocalStack starting Lambda's
 * container; past them, something hangs. Mocha's hooks (`integration/flows/suite.ts`) allow longer
 * than all of these together, so these fire first and the target cleans up after itself.
 *
 * The warming invoke: LocalStack gives a new runtime environment 20 s to start
 * (`LAMBDA_RUNTIME_ENVIRONMENT_TIMEOUT`, localstack-core/localstack/config.py at v4.14.0; the
 * image is pulled before, while the function is Pending), then the function runs for at most its
 * timeout (29 s at most, API Gateway's integration limit). A healthy first invoke ends well within
 * 90 s; one that takes longer will not get faster.
 */
export const DEADLINES: Deadlines = {
  upMs: 12 * 60_000,
  destroyMs: 6 * 60_000,
  graceMs: 30_000,
  containerMs: 4 * 60_000,
  warmMs: 90_000,
};

/** Total time a start and a stop may take with every deadline reached (hooks must allow more). */
export function worstCaseMs(d: Deadlines): number {
  // up and destroy each: the deadline, then two interrupts with a grace period each.
  return d.containerMs + d.upMs + d.warmMs + d.destroyMs + 4 * d.graceMs;
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

/** The container's log as the target prints it: a header, the lines, an end marker. */
function logBlock(lines: readonly string[], why: string): string {
  return (
    `---- LocalStack container log, last ${lines.length} lines (${why}) ----\n` +
    `${lines.join("\n")}\n---- end of LocalStack container log ----`
  );
}

/**
 * What a LocalStack image without a token logs before it exits with code 55 (quoted from the log of
 * a 2026.3 image in microcks/microcks#2008; the licensing code that prints it is not public).
 */
export const TOKEN_REQUIRED_LINE = "LocalStack requires an account to run";

/** How many of the container's last lines a failed start puts in its error. */
export const START_ERROR_LINES = 60;

/**
 * The error of a container that did not start (testcontainers' own says only `Log stream ended and
 * message "Ready" was not received`, and it removes the container): what failed, what to do when
 * the image asks for a token, and the last lines the container logged.
 */
export function containerStartError(
  image: string,
  cause: unknown,
  lines: readonly string[],
): Error {
  const parts = [`LocalStack did not start from ${image}: ${errorMessage(cause)}`];
  if (lines.some((line) => line.includes(TOKEN_REQUIRED_LINE))) {
    parts.push(
      `The image asks for an auth token ("${TOKEN_REQUIRED_LINE}", exit code 55): set ` +
        `LOCALSTACK_AUTH_TOKEN to a valid token, or unset LOCALSTACK_IMAGE to run ${LOCALSTACK_IMAGE}, ` +
        `the last image that starts without one.`,
    );
  }
  parts.push(
    lines.length
      ? logBlock(lines.slice(-START_ERROR_LINES), "it did not start")
      : "The container logged nothing: look for a pull or Docker error above.",
  );
  return new Error(parts.join("\n"), { cause });
}

/** What starting a container with its log needs from testcontainers' `GenericContainer`. */
export interface LoggedStart<T> {
  withLogConsumer(consumer: (stream: Readable) => unknown): unknown;
  start(): Promise<T>;
}

/** How long a failed start waits for the rest of the container's log before reporting it. */
const LOG_DRAIN_MS = 2_000;

/**
 * Starts a container with its output collected from the first line: testcontainers hands the
 * consumer the log stream before it waits for readiness (generic-container.ts, v11.9.0), so the
 * lines of a container that exits at once are caught before testcontainers removes it. A failed
 * start throws `containerStartError` with them.
 */
export async function startWithLog<T>(
  image: string,
  container: LoggedStart<T>,
  tail: LogTail = new LogTail(),
): Promise<T> {
  let ended: Promise<unknown> = Promise.resolve();
  container.withLogConsumer((stream) => {
    ended = new Promise((resolve) => {
      stream.once("end", resolve);
      stream.once("close", resolve);
      stream.on("error", resolve);
    });
    stream.on("data", (chunk: string | Buffer) => tail.write(String(chunk)));
  });
  try {
    return await container.start();
  } catch (err) {
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([ended, new Promise((r) => (timer = setTimeout(r, LOG_DRAIN_MS)))]);
    clearTimeout(timer);
    throw containerStartError(image, err, tail.get());
  }
}

/** What warming sends: the tutorial's `ping`, the cheapest request that runs the function. */
export const WARM_OPERATION = { operation: "ping", payload: {} } as const;

/**
 * Invokes the function once through the API, so its cold start (LocalStack starts a container for
 * it) is paid here, under its own deadline, and not by the flow's first test under mocha's 20 s.
 * Fails, saying what came back, unless the answer is 200 "pong".
 */
export async function warmFunction(baseUrl: string, deadlineMs: number): Promise<void> {
  const url = `${baseUrl}/DynamoDBManager`;
  const what = `Warming the function (POST ${url}, operation ${WARM_OPERATION.operation})`;
  const hint =
    "LocalStack's log above says why; on a slow host, a runtime environment that times out during " +
    "startup needs a longer LAMBDA_RUNTIME_ENVIRONMENT_TIMEOUT (localStackEnvironment in " +
    "integration/targets/localstack.ts)";
  let answer: { data?: unknown; error?: unknown; response: Response };
  try {
    answer = await createApiClient(baseUrl).POST("/DynamoDBManager", {
      body: WARM_OPERATION,
      signal: AbortSignal.timeout(deadlineMs),
    });
  } catch (err) {
    const timedOut = err instanceof Error && err.name === "TimeoutError";
    const why = timedOut
      ? `got no answer within ${deadlineMs / 1000} s`
      : `failed: ${errorMessage(err)}`;
    throw new Error(`${what} ${why}. ${hint}`, { cause: err });
  }
  const { data, error, response } = answer;
  if (response.status !== 200 || data !== "pong") {
    const body = JSON.stringify(response.ok ? data : error) ?? "(no body)";
    throw new Error(`${what} answered HTTP ${response.status} ${body.slice(0, 300)}. ${hint}`);
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
  /**
   * The resource types the program registers (under mocks) for a stack's file with `config`
   * (fully qualified keys) over it: the throwaway stack's config.
   */
  resourceTypes(stack: string, config: Record<string, unknown>): Promise<string[]>;
  /** Starts LocalStack; a container that does not start throws `containerStartError`. */
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
  async resourceTypes(stack, config) {
    const { runProgram } = await import("../../local/program");
    return (await runProgram({ stack, config })).resources.map((r) => r.type);
  },
  async startContainer(image, env) {
    const [tc, { LocalstackContainer }] = await Promise.all([
      import("testcontainers"),
      import("@testcontainers/localstack"),
    ]);
    const runtime = await tc.getContainerRuntimeClient();
    const tail = new LogTail();
    const container = await startWithLog(
      image,
      new LocalstackContainer(image)
        .withEnvironment(env)
        // LocalStack runs each Lambda in a sibling container through the host's Docker engine.
        .withBindMounts([
          {
            source: runtime.info.containerRuntime.remoteSocketPath,
            target: "/var/run/docker.sock",
          },
        ])
        .withStartupTimeout(DEADLINES.containerMs),
      tail,
    );
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
 * Starts LocalStack, deploys the program into a throwaway stack, warms the function and returns
 * the started target. What to deploy (the config, the provider's endpoints) is settled before the
 * container starts, so a stack the target cannot deploy fails at once. On any failure, and in
 * `stop()`, it destroys the stack, removes the temporary directory and stops the container, each
 * under its deadline and each even when an earlier one failed; a failure prints the container's
 * last log lines through `report`.
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
  /** Warms the function at the deployed base URL. @default `warmFunction` under `warmMs` */
  warm?: (baseUrl: string) => Promise<void>;
}): Promise<StartedTarget> {
  const ws = options.workspace;
  const deadlines = options.deadlines ?? DEADLINES;
  const log = options.log ?? (() => undefined);
  const report = options.report ?? ((text: string) => process.stderr.write(text));
  const image = options.image ?? LOCALSTACK_IMAGE;
  const warm = options.warm ?? ((baseUrl: string) => warmFunction(baseUrl, deadlines.warmMs));

  // The endpoints follow what the throwaway stack deploys, not the stack file: prod's Cognito
  // is overridden off, so its endpoint is neither needed nor known to the free image.
  const program = throwawayProgramConfig(readRawStackConfig(PROJECT_DIR, options.stack));
  const services = servicesFor(await ws.resourceTypes(options.stack, program.config));
  assertServedWithoutToken(services, options.authToken);
  // Always said, not only with --verbose: the stack deployed is not quite the one asked for.
  for (const change of program.changes) report(`localstack: throwaway stack config ${change}\n`);

  log(`localstack: starting ${image}`);
  const container = await ws.startContainer(image, localStackEnvironment(options.authToken));

  const cleanups: { what: string; run: () => Promise<unknown> }[] = [
    { what: "stop the LocalStack container", run: () => container.stop() },
  ];
  const printLogs = (why: string) => {
    report(`\n${logBlock(container.recentLogs(), why)}\n`);
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
    const config = {
      ...program.config,
      ...awsProviderConfig(container.endpoint, services, program.region),
    };
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
    const baseUrl = executeApiUrl(container.endpoint, apiId, stage);
    log(`localstack: warming the function (${WARM_OPERATION.operation})`);
    await warm(baseUrl);
    return {
      baseUrl,
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

  async start(): Promise<StartedTarget> {
    return deployToLocalStack({
      stack: this.options.stack ?? "dev",
      workspace: this.workspace,
      image: localStackImage(),
      authToken: process.env.LOCALSTACK_AUTH_TOKEN,
      log: this.options.log,
    });
  }
}
