/**
 * Runs the real Pulumi program (`index.ts`) without the Pulumi CLI, under `pulumi.runtime.setMocks`,
 * and records every resource it registers with its resolved inputs.
 *
 * This is the single path by which the program is materialised outside a real deployment: the
 * unit tests assert on what it records, and the local cloud serves what it records.
 */
/* eslint-disable @typescript-eslint/no-explicit-any -- resource inputs and provider state are untyped data */
import * as fs from "node:fs";
import * as path from "node:path";
import * as crypto from "node:crypto";
import * as pulumi from "@pulumi/pulumi";
import { parse as parseYaml } from "yaml";

// Not in the public typings, but exported: resolves once every outstanding registration is answered.
// eslint-disable-next-line @typescript-eslint/no-require-imports
const { waitForRPCs } = require("@pulumi/pulumi/runtime/settings") as {
  waitForRPCs: () => Promise<void>;
};

export const PROJECT_DIR = path.resolve(__dirname, "..");

/** A resource as the program registered it. */
export interface RecordedResource {
  /** Pulumi type token, e.g. `aws:dynamodb/table:Table`. */
  type: string;
  /** Logical name given to the constructor. */
  name: string;
  /** Physical id the mock cloud assigned. */
  id: string;
  /** Inputs with every Output resolved. */
  inputs: Record<string, any>;
  /** Inputs plus the attributes the mock cloud computed (arn, invokeArn, ...). */
  state: Record<string, any>;
  /** Whether it is a real cloud resource (false for ComponentResources). */
  custom: boolean;
}

export interface ProgramRun {
  stack: string;
  project: string;
  /** Region the stack deploys to (`aws:region`). */
  region: string;
  /** Every resource registered, in registration order. */
  resources: RecordedResource[];
  /** The stack's exported outputs, resolved. */
  outputs: Record<string, unknown>;
  /** Resources of one type token. */
  ofType(type: string): RecordedResource[];
}

export interface RunProgramOptions {
  /** Stack whose `Pulumi.<stack>.yaml` supplies the config. @default "dev" */
  stack?: string;
  /** Directory holding `Pulumi.yaml`, the stack files and the program. @default the repository root */
  projectDir?: string;
  /** Program entry relative to `projectDir`. @default "index.ts" */
  program?: string;
  /** Config overrides, keys fully qualified (`lambda-apigateway:stageName`). Applied last. */
  config?: Record<string, unknown>;
}

export const ACCOUNT_ID = "000000000000";

/** Reads `Pulumi.yaml` and `Pulumi.<stack>.yaml` into the flat `ns:key → string` map Pulumi uses. */
export function readStackConfig(
  projectDir: string,
  stack: string,
): { project: string; config: Record<string, string> } {
  const projectFile = path.join(projectDir, "Pulumi.yaml");
  const project = String(parseYaml(fs.readFileSync(projectFile, "utf8"))?.name ?? "");
  if (!project) throw new Error(`${projectFile} has no project name`);
  const stackFile = path.join(projectDir, `Pulumi.${stack}.yaml`);
  if (!fs.existsSync(stackFile)) {
    const known = fs
      .readdirSync(projectDir)
      .map((f) => /^Pulumi\.(.+)\.yaml$/.exec(f)?.[1])
      .filter((s): s is string => !!s);
    throw new Error(`Unknown stack "${stack}": no ${stackFile}. Known stacks: ${known.join(", ")}`);
  }
  const raw = (parseYaml(fs.readFileSync(stackFile, "utf8"))?.config ?? {}) as Record<
    string,
    unknown
  >;
  const config: Record<string, string> = {};
  for (const [key, value] of Object.entries(raw)) {
    const fullKey = key.includes(":") ? key : `${project}:${key}`;
    if (value && typeof value === "object" && "secure" in value) {
      throw new Error(
        `${stackFile}: "${key}" is an encrypted secret, which only the Pulumi CLI can decrypt; ` +
          `pass a plain value through RunProgramOptions.config to run this stack without the CLI`,
      );
    }
    config[fullKey] = typeof value === "string" ? value : JSON.stringify(value);
  }
  return { project, config };
}

/**
 * The mock cloud: assigns ids and computes the attributes AWS would (ARNs, invoke URLs, API root
 * resource ids), so Outputs that depend on them resolve as they would after `pulumi up`.
 */
export class MockCloud implements pulumi.runtime.Mocks {
  readonly resources: RecordedResource[] = [];
  private readonly byId = new Map<string, RecordedResource>();

  constructor(private readonly region: string) {}

  call(args: pulumi.runtime.MockCallArgs): Record<string, unknown> {
    switch (args.token) {
      case "aws:index/getRegion:getRegion":
        return { name: this.region, region: this.region, id: this.region };
      case "aws:index/getCallerIdentity:getCallerIdentity":
        return { accountId: ACCOUNT_ID, arn: `arn:aws:iam::${ACCOUNT_ID}:root`, userId: "mock" };
      case "aws:index/getPartition:getPartition":
        return { partition: "aws", dnsSuffix: "amazonaws.com", id: "aws" };
      default:
        return {};
    }
  }

  newResource(args: pulumi.runtime.MockResourceArgs): { id: string; state: Record<string, any> } {
    const inputs = args.inputs ?? {};
    const id = args.id || this.physicalId(args);
    const state: Record<string, any> = { ...inputs, ...this.computed(args.type, id, inputs) };
    const record: RecordedResource = {
      type: args.type,
      name: args.name,
      id,
      inputs,
      state,
      custom: args.custom ?? true,
    };
    this.resources.push(record);
    this.byId.set(id, record);
    return { id, state };
  }

  private physicalId(args: pulumi.runtime.MockResourceArgs): string {
    const suffix = crypto
      .createHash("sha1")
      .update(args.type + args.name)
      .digest("hex")
      .slice(0, 7);
    if (args.type.startsWith("aws:apigateway/")) return suffix + "abc"; // API Gateway ids are short
    return args.inputs?.name ?? `${args.name}-${suffix}`;
  }

  private computed(type: string, id: string, inputs: Record<string, any>): Record<string, any> {
    const r = this.region;
    switch (type) {
      case "aws:dynamodb/table:Table":
        return { name: id, arn: `arn:aws:dynamodb:${r}:${ACCOUNT_ID}:table/${id}` };
      case "aws:lambda/function:Function": {
        const arn = `arn:aws:lambda:${r}:${ACCOUNT_ID}:function:${id}`;
        return {
          name: id,
          arn,
          qualifiedArn: `${arn}:$LATEST`,
          invokeArn: `arn:aws:apigateway:${r}:lambda:path/2015-03-31/functions/${arn}/invocations`,
          version: "$LATEST",
        };
      }
      case "aws:iam/role:Role":
        return { name: id, arn: `arn:aws:iam::${ACCOUNT_ID}:role/${id}` };
      case "aws:iam/policy:Policy":
        return { name: id, arn: `arn:aws:iam::${ACCOUNT_ID}:policy/${id}` };
      case "aws:cloudwatch/logGroup:LogGroup":
        return { name: id, arn: `arn:aws:logs:${r}:${ACCOUNT_ID}:log-group:${id}` };
      case "aws:kms/key:Key":
        return { keyId: id, arn: `arn:aws:kms:${r}:${ACCOUNT_ID}:key/${id}` };
      case "aws:apigateway/restApi:RestApi":
        return {
          rootResourceId: `${id}root`,
          executionArn: `arn:aws:execute-api:${r}:${ACCOUNT_ID}:${id}`,
          arn: `arn:aws:apigateway:${r}::/restapis/${id}`,
        };
      case "aws:apigateway/resource:Resource": {
        const parent = this.byId.get(inputs.parentId);
        const parentPath = parent?.state.path ?? "";
        return { path: `${parentPath === "/" ? "" : parentPath}/${inputs.pathPart}` };
      }
      case "aws:apigateway/stage:Stage":
        return {
          invokeUrl: `https://${inputs.restApi}.execute-api.${r}.amazonaws.com/${inputs.stageName}`,
          executionArn: `arn:aws:execute-api:${r}:${ACCOUNT_ID}:${inputs.restApi}/${inputs.stageName}`,
          arn: `arn:aws:apigateway:${r}::/restapis/${inputs.restApi}/stages/${inputs.stageName}`,
        };
      case "aws:apigateway/apiKey:ApiKey":
        return {
          value: crypto.randomBytes(20).toString("hex"),
          arn: `arn:aws:apigateway:${r}::/apikeys/${id}`,
        };
      case "random:index/randomPassword:RandomPassword":
        return { result: crypto.randomBytes(24).toString("base64url") };
      default:
        return {};
    }
  }
}

// How Pulumi marks a secret value on the wire and in mock inputs (e.g. an environment that holds
// a generated key).
const SECRET_SIG_KEY = "4dabf18193072939515e22adb298388d";
const SECRET_SIG = "1b47061264138c4ac30d75fd1eb44270";

/** Whether a recorded value is wrapped as a Pulumi secret. */
export function isSecret(value: unknown): boolean {
  return !!value && typeof value === "object" && (value as any)[SECRET_SIG_KEY] === SECRET_SIG;
}

/** The value with every secret wrapper removed (assets and archives are left as they are). */
export function reveal(value: any): any {
  if (!value || typeof value !== "object") return value;
  if (isSecret(value)) return reveal(value.value);
  if (Array.isArray(value)) return value.map(reveal);
  if (Object.getPrototypeOf(value) !== Object.prototype) return value;
  return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, reveal(v)]));
}

/**
 * Forgets the program's own modules so the next run evaluates them afresh with the new config.
 * The handlers' modules are kept: the program reads only their constant facts, and a test that
 * already holds the handler would otherwise meet a second copy of its classes (`instanceof` fails
 * across them) in whatever the handler imports lazily afterwards.
 */
function forgetProgramModules(projectDir: string): void {
  const nodeModules = path.join(projectDir, "node_modules");
  const handlers = path.join(projectDir, "handlers") + path.sep;
  for (const key of Object.keys(require.cache)) {
    if (
      key.startsWith(projectDir) &&
      !key.startsWith(nodeModules) &&
      !key.startsWith(handlers) &&
      key !== __filename
    ) {
      delete require.cache[key];
    }
  }
}

/** Waits until every Output in a value tree has resolved, and returns the plain value. */
async function resolveDeep(value: unknown): Promise<unknown> {
  if (pulumi.Output.isInstance(value)) {
    return resolveDeep(await new Promise((resolve) => value.apply(resolve)));
  }
  if (value instanceof Promise) return resolveDeep(await value);
  if (Array.isArray(value)) return Promise.all(value.map(resolveDeep));
  if (value && typeof value === "object" && Object.getPrototypeOf(value) === Object.prototype) {
    const entries = await Promise.all(
      Object.entries(value).map(async ([k, v]) => [k, await resolveDeep(v)] as const),
    );
    return Object.fromEntries(entries);
  }
  return value;
}

/**
 * Runs the program once under mocks with the given stack's config and returns what it registered.
 * Runs are serialised: Pulumi's runtime is process-global.
 */
export async function runProgram(options: RunProgramOptions = {}): Promise<ProgramRun> {
  const run = queue.then(() => runProgramNow(options));
  queue = run.catch(() => undefined);
  return run;
}
let queue: Promise<unknown> = Promise.resolve();

async function runProgramNow(options: RunProgramOptions): Promise<ProgramRun> {
  const stack = options.stack ?? "dev";
  const projectDir = path.resolve(options.projectDir ?? PROJECT_DIR);
  const { project, config } = readStackConfig(projectDir, stack);
  for (const [key, value] of Object.entries(options.config ?? {})) {
    config[key] = typeof value === "string" ? value : JSON.stringify(value);
  }
  const region = config["aws:region"] ?? "us-east-1";
  const cloud = new MockCloud(region);

  pulumi.runtime.setAllConfig(config);
  await pulumi.runtime.setMocks(cloud, project, stack, false);
  forgetProgramModules(projectDir);

  const programPath = path.join(projectDir, options.program ?? "index.ts");
  let exports: Record<string, unknown>;
  try {
    // require, not import(): the CommonJS cache is the one forgetProgramModules can clear.
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    exports = require(programPath) as Record<string, unknown>;
  } catch (err) {
    const message = err instanceof Error ? err.message : String(err);
    throw new Error(`The Pulumi program ${programPath} failed under mocks: ${message}`, {
      cause: err,
    });
  }
  const outputs: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(exports)) {
    if (key === "default" || key === "__esModule") continue;
    outputs[key] = await resolveDeep(value);
  }
  // Resources that feed no output may still be registering: wait for every outstanding RPC.
  await waitForRPCs();

  return {
    stack,
    project,
    region,
    resources: cloud.resources,
    outputs,
    ofType: (type) => cloud.resources.filter((res) => res.type === type),
  };
}
