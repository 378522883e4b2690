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
import { partitionOfRegion } from "../components/partition";

// Not in the public typings, but exported: resolves once every outstanding registration is answered.
// eslint-disable-next-line @typescript-eslint/no-require-imports
const { waitForRPCs, getMonitor } = require("@pulumi/pulumi/runtime/settings") as {
  waitForRPCs: () => Promise<void>;
  getMonitor: () => unknown;
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
  /** The resource options Pulumi sent to the engine that decide what `destroy` does. */
  options: { protect: boolean; retainOnDelete: boolean };
  /** Read with `Resource.get`: the stack looks at it but does not own it. */
  external: boolean;
  /** Properties a later `pulumi up` leaves alone (`ignoreChanges`), e.g. an alias CodeDeploy moves. */
  ignoreChanges: string[];
}

export interface ProgramRun {
  stack: string;
  project: string;
  /** Region the stack deploys to (`aws:region`). */
  region: string;
  /** AWS partition of that region (`aws`, `aws-cn`, `aws-us-gov`). */
  partition: string;
  /** The stack's config as the program saw it (`ns:key` → raw string). */
  config: Record<string, string>;
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
  /**
   * Config overrides, keys fully qualified, applied last over the stack file's values (see
   * `withOverrides`): a plain object is merged into the stack's object for that key, key by key
   * and deeply (`{ "lambda-apigateway:api": { stageName: "v1" } }` changes one setting of the
   * group); any other value replaces the key's value; `undefined` removes a key.
   */
  config?: Record<string, unknown>;
  /** AWS partition the mock cloud answers `getPartition` with. @default derived from `aws:region` */
  partition?: string;
  /**
   * The role the mock account's API Gateway settings name in the region (what
   * `aws.apigateway.Account.get` reads); `""` for an account where `bootstrap/` never ran.
   * @default `MOCK_API_GATEWAY_CLOUDWATCH_ROLE`, as after `bootstrap/`
   */
  apiGatewayCloudWatchRoleArn?: string;
  /** Run as `pulumi preview` does (`pulumi.runtime.isDryRun()` is true). @default false */
  preview?: boolean;
}

export const ACCOUNT_ID = "000000000000";

/** The mock account's API Gateway CloudWatch role (its name is the mock's, not bootstrap's). */
export const MOCK_API_GATEWAY_CLOUDWATCH_ROLE = "api-gateway-cloudwatch";

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
    const secret = secretPath(value);
    if (secret !== undefined) {
      throw new Error(
        `${stackFile}: "${[key, ...secret].join(".")}" is an encrypted secret, which only the ` +
          `Pulumi CLI can decrypt; pass a plain value through RunProgramOptions.config to run ` +
          `this stack without the CLI`,
      );
    }
    config[fullKey] = configString(value);
  }
  return { project, config };
}

/**
 * A config value as Pulumi hands it to the program: strings as they are, everything else
 * (numbers, booleans, and the objects and lists of structured config) as JSON, which
 * `Config.getObject` parses. The CLI does the same: a YAML scalar is kept as its text, a map or a
 * list is marshalled to JSON (pulumi/pulumi sdk/go/common/resource/config/value.go).
 */
function configString(value: unknown): string {
  return typeof value === "string" ? value : JSON.stringify(value);
}

/** Where an encrypted value (`{ secure: ... }`) sits in a config value, if anywhere. */
export function secretPath(value: unknown): string[] | undefined {
  if (!value || typeof value !== "object") return undefined;
  const entries = Object.entries(value);
  if (!Array.isArray(value) && entries.length === 1 && entries[0]![0] === "secure") return [];
  for (const [key, inner] of entries) {
    const found = secretPath(inner);
    if (found) return [key, ...found];
  }
  return undefined;
}

const isPlainObject = (value: unknown): value is Record<string, unknown> =>
  !!value && typeof value === "object" && !Array.isArray(value);

/** `base` with `override` merged in: objects key by key and deeply, anything else replaced. */
function deepMerge(base: unknown, override: unknown): unknown {
  if (!isPlainObject(base) || !isPlainObject(override)) return override;
  const out: Record<string, unknown> = { ...base };
  for (const [key, value] of Object.entries(override)) {
    if (value === undefined) delete out[key];
    else out[key] = deepMerge(out[key], value);
  }
  return out;
}

/** A key in Pulumi's path syntax (`ns:group.key`, as `pulumi config set --path` takes it), split. */
function pathOf(key: string): [string, ...string[]] {
  return key.split(".") as [string, ...string[]];
}

/** The value at a path (`lambda-apigateway:api.apiKeyRequired`) of a stack file's structured config. */
export function configPathValue(config: Record<string, unknown>, key: string): unknown {
  let value: unknown = config;
  for (const part of pathOf(key)) value = isPlainObject(value) ? value[part] : undefined;
  return value;
}

/**
 * A stack file's structured config with the value at a path set; the objects along the path are
 * copied, never changed in place.
 */
export function withConfigPath(
  config: Record<string, unknown>,
  key: string,
  value: unknown,
): Record<string, unknown> {
  const set = (node: unknown, [part, ...rest]: string[]): Record<string, unknown> => {
    const copy = isPlainObject(node) ? { ...node } : {};
    copy[part!] = rest.length ? set(copy[part!], rest) : value;
    return copy;
  };
  return set(config, pathOf(key));
}

/**
 * A stack's config (`ns:key` → string, as `readStackConfig` returns it) with overrides applied: a
 * plain object is merged into the stack's object for that key (deeply, so one setting of a group
 * can change), any other value replaces the key's value, and `undefined` removes the key.
 */
export function withOverrides(
  config: Record<string, string>,
  overrides: Record<string, unknown>,
): Record<string, string> {
  const out = { ...config };
  for (const [key, value] of Object.entries(overrides)) {
    if (value === undefined) {
      delete out[key];
      continue;
    }
    let base: unknown;
    try {
      base = out[key] === undefined ? undefined : JSON.parse(out[key]!);
    } catch {
      base = out[key]; // a plain string value
    }
    out[key] = configString(deepMerge(base, value));
  }
  return out;
}

/** AWS partitions and their DNS suffixes (AWS General Reference, "AWS partitions"). */
export const PARTITIONS: Record<string, { dnsSuffix: string }> = {
  aws: { dnsSuffix: "amazonaws.com" },
  "aws-cn": { dnsSuffix: "amazonaws.com.cn" },
  "aws-us-gov": { dnsSuffix: "amazonaws.com" },
};

/**
 * The mock cloud: assigns ids and computes the attributes AWS would (ARNs, invoke URLs, API root
 * resource ids), so Outputs that depend on them resolve as they would after `pulumi up`. ARNs and
 * hostnames use the region's partition, or the one given.
 */
export class MockCloud implements pulumi.runtime.Mocks {
  readonly resources: RecordedResource[] = [];
  readonly partition: string;
  private readonly byId = new Map<string, RecordedResource>();
  private readonly options = new Map<string, RecordedResource["options"]>();
  private readonly ignored = new Map<string, string[]>();
  private readonly reads = new Set<string>();
  /** The role the account's API Gateway settings name; `""` when none is set. */
  readonly apiGatewayCloudWatchRoleArn: string;

  constructor(
    private readonly region: string,
    partition?: string,
    account: { apiGatewayCloudWatchRoleArn?: string } = {},
  ) {
    this.partition = partition ?? partitionOfRegion(region);
    this.apiGatewayCloudWatchRoleArn =
      account.apiGatewayCloudWatchRoleArn ??
      `arn:${this.partition}:iam::${ACCOUNT_ID}:role/${MOCK_API_GATEWAY_CLOUDWATCH_ROLE}`;
    if (!PARTITIONS[this.partition]) {
      throw new Error(
        `Unknown AWS partition "${this.partition}": use one of ${Object.keys(PARTITIONS).join(", ")}`,
      );
    }
  }

  /**
   * Remembers the options of the next registration of (type, name). The mock monitor hands
   * `newResource` only the inputs, so `runProgram` reads the options off the request first.
   */
  noteOptions(
    type: string,
    name: string,
    options: RecordedResource["options"],
    ignoreChanges: string[] = [],
  ): void {
    this.options.set(`${type}::${name}`, options);
    this.ignored.set(`${type}::${name}`, ignoreChanges);
  }

  /** Remembers that the next registration of (type, name) is a read (`Resource.get`). */
  noteRead(type: string, name: string): void {
    this.reads.add(`${type}::${name}`);
  }

  call(args: pulumi.runtime.MockCallArgs): Record<string, unknown> {
    const p = this.partition;
    switch (args.token) {
      case "aws:index/getRegion:getRegion":
        return { name: this.region, region: this.region, id: this.region };
      case "aws:index/getCallerIdentity:getCallerIdentity":
        return { accountId: ACCOUNT_ID, arn: `arn:${p}:iam::${ACCOUNT_ID}:root`, userId: "mock" };
      case "aws:index/getPartition:getPartition":
        return { partition: p, dnsSuffix: PARTITIONS[p]!.dnsSuffix, id: p };
      default:
        return {};
    }
  }

  newResource(args: pulumi.runtime.MockResourceArgs): { id: string; state: Record<string, any> } {
    const inputs = args.inputs ?? {};
    const id = args.id || this.physicalId(args);
    const external = this.reads.has(`${args.type}::${args.name}`);
    const state: Record<string, any> = external
      ? { ...inputs, ...this.read(args.type, id) }
      : { ...inputs, ...this.computed(args.type, id, inputs) };
    const record: RecordedResource = {
      type: args.type,
      name: args.name,
      id,
      inputs,
      state,
      custom: args.custom ?? true,
      options: this.options.get(`${args.type}::${args.name}`) ?? {
        protect: false,
        retainOnDelete: false,
      },
      external,
      ignoreChanges: this.ignored.get(`${args.type}::${args.name}`) ?? [],
    };
    this.resources.push(record);
    this.byId.set(id, record);
    return { id, state };
  }

  /** What reading an existing resource returns: the account's settings, as the mock has them. */
  private read(type: string, id: string): Record<string, any> {
    switch (type) {
      case "aws:apigateway/account:Account":
        return { id, cloudwatchRoleArn: this.apiGatewayCloudWatchRoleArn };
      default:
        return {};
    }
  }

  private physicalId(args: pulumi.runtime.MockResourceArgs): string {
    const suffix = crypto
      .createHash("sha1")
      .update(args.type + args.name)
      .digest("hex")
      .slice(0, 7);
    if (args.type.startsWith("aws:apigateway/")) return suffix + "abc"; // API Gateway ids are short
    // Cognito's formats: pools `<region>_<9 characters>`, app clients 26 lower-case characters.
    if (args.type === "aws:cognito/userPool:UserPool") {
      return `${this.region}_${crypto.createHash("sha1").update(args.name).digest("base64url").replace(/[-_]/g, "x").slice(0, 9)}`;
    }
    if (args.type === "aws:cognito/userPoolClient:UserPoolClient") {
      return crypto
        .createHash("sha1")
        .update(args.type + args.name)
        .digest("hex")
        .slice(0, 26);
    }
    return args.inputs?.name ?? `${args.name}-${suffix}`;
  }

  private computed(type: string, id: string, inputs: Record<string, any>): Record<string, any> {
    const r = this.region;
    const prefix = `arn:${this.partition}`;
    const dns = PARTITIONS[this.partition]!.dnsSuffix;
    switch (type) {
      case "aws:dynamodb/table:Table":
        return { name: id, arn: `${prefix}:dynamodb:${r}:${ACCOUNT_ID}:table/${id}` };
      case "aws:lambda/function:Function": {
        const arn = `${prefix}:lambda:${r}:${ACCOUNT_ID}:function:${id}`;
        // A function created with `publish` gets version 1; without, only `$LATEST` exists.
        const version = inputs.publish ? "1" : "$LATEST";
        return {
          name: id,
          arn,
          qualifiedArn: `${arn}:${version}`,
          invokeArn: lambdaInvokeArn(prefix, r, arn),
          qualifiedInvokeArn: lambdaInvokeArn(prefix, r, `${arn}:${version}`),
          version,
        };
      }
      case "aws:lambda/alias:Alias": {
        const fnArn = String(inputs.functionName).startsWith("arn:")
          ? String(inputs.functionName)
          : `${prefix}:lambda:${r}:${ACCOUNT_ID}:function:${inputs.functionName}`;
        const arn = `${fnArn}:${inputs.name}`;
        return { arn, invokeArn: lambdaInvokeArn(prefix, r, arn) };
      }
      case "aws:codedeploy/application:Application":
        return {
          name: id,
          applicationId: crypto.randomUUID(),
          arn: `${prefix}:codedeploy:${r}:${ACCOUNT_ID}:application:${id}`,
        };
      case "aws:codedeploy/deploymentGroup:DeploymentGroup":
        return {
          deploymentGroupId: crypto.randomUUID(),
          arn: `${prefix}:codedeploy:${r}:${ACCOUNT_ID}:deploymentgroup:${inputs.appName}/${inputs.deploymentGroupName}`,
        };
      case "aws:iam/role:Role":
        return { name: id, arn: `${prefix}:iam::${ACCOUNT_ID}:role/${id}` };
      case "aws:iam/policy:Policy":
        return { name: id, arn: `${prefix}:iam::${ACCOUNT_ID}:policy/${id}` };
      case "aws:cloudwatch/logGroup:LogGroup":
        return { name: id, arn: `${prefix}:logs:${r}:${ACCOUNT_ID}:log-group:${id}` };
      case "aws:kms/key:Key":
        return { keyId: id, arn: `${prefix}:kms:${r}:${ACCOUNT_ID}:key/${id}` };
      case "aws:apigateway/restApi:RestApi":
        return {
          rootResourceId: `${id}root`,
          executionArn: `${prefix}:execute-api:${r}:${ACCOUNT_ID}:${id}`,
          arn: `${prefix}:apigateway:${r}::/restapis/${id}`,
        };
      case "aws:apigateway/resource:Resource": {
        const parent = this.byId.get(inputs.parentId);
        const parentPath = parent?.state.path ?? "";
        return { path: `${parentPath === "/" ? "" : parentPath}/${inputs.pathPart}` };
      }
      case "aws:apigateway/stage:Stage":
        return {
          invokeUrl: `https://${inputs.restApi}.execute-api.${r}.${dns}/${inputs.stageName}`,
          executionArn: `${prefix}:execute-api:${r}:${ACCOUNT_ID}:${inputs.restApi}/${inputs.stageName}`,
          arn: `${prefix}:apigateway:${r}::/restapis/${inputs.restApi}/stages/${inputs.stageName}`,
        };
      case "aws:apigateway/apiKey:ApiKey":
        return {
          value: crypto.randomBytes(20).toString("hex"),
          arn: `${prefix}:apigateway:${r}::/apikeys/${id}`,
        };
      case "aws:cognito/userPool:UserPool":
        return {
          arn: `${prefix}:cognito-idp:${r}:${ACCOUNT_ID}:userpool/${id}`,
          endpoint: `cognito-idp.${r}.${dns}/${id}`,
        };
      case "aws:cognito/resourceServer:ResourceServer":
        return {
          scopeIdentifiers: (inputs.scopes ?? []).map(
            (scope: { scopeName: string }) => `${inputs.identifier}/${scope.scopeName}`,
          ),
        };
      case "aws:sns/topic:Topic":
        return { name: id, arn: `${prefix}:sns:${r}:${ACCOUNT_ID}:${id}` };
      case "aws:sns/topicSubscription:TopicSubscription":
        // An email subscription stays pending until its recipient confirms.
        return {
          arn: `${inputs.topic}:${id}`,
          pendingConfirmation: inputs.protocol === "email" || inputs.protocol === "email-json",
        };
      case "aws:cloudwatch/metricAlarm:MetricAlarm":
        return { arn: `${prefix}:cloudwatch:${r}:${ACCOUNT_ID}:alarm:${id}` };
      case "aws:cloudwatch/dashboard:Dashboard":
        return {
          dashboardArn: `${prefix}:cloudwatch::${ACCOUNT_ID}:dashboard/${inputs.dashboardName}`,
        };
      // A custom domain (components/domain.ts): what ACM asks for and API Gateway answers with.
      // The hashes and the zone id are made up; only their shapes are AWS's.
      case "aws:acm/certificate:Certificate": {
        const names: string[] = [inputs.domainName, ...(inputs.subjectAlternativeNames ?? [])];
        const token = (name: string) =>
          "_" + crypto.createHash("md5").update(`${id}:${name}`).digest("hex");
        return {
          arn: `${prefix}:acm:${r}:${ACCOUNT_ID}:certificate/${token(id).slice(1, 37)}`,
          status: "PENDING_VALIDATION",
          domainValidationOptions: names.map((name) => ({
            domainName: name,
            resourceRecordName: `${token(name)}.${name}.`,
            resourceRecordType: "CNAME",
            resourceRecordValue: `${token(`value:${name}`)}.acm-validations.aws.`,
          })),
        };
      }
      case "aws:route53/record:Record":
        return { fqdn: String(inputs.name ?? "").replace(/\.$/, "") };
      case "aws:apigateway/domainName:DomainName":
        return {
          arn: `${prefix}:apigateway:${r}::/domainnames/${inputs.domainName}`,
          regionalDomainName: `d-${id}.execute-api.${r}.${dns}`,
          regionalZoneId: `Z${crypto.createHash("sha1").update(r).digest("hex").slice(0, 12).toUpperCase()}`,
        };
      case "random:index/randomPassword:RandomPassword":
        return { result: crypto.randomBytes(24).toString("base64url") };
      default:
        return {};
    }
  }
}

/** The ARN API Gateway integrations call for a function, version or alias ARN. */
function lambdaInvokeArn(prefix: string, region: string, functionArn: string): string {
  return `${prefix}:apigateway:${region}:lambda:path/2015-03-31/functions/${functionArn}/invocations`;
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
 * The handlers' and the contract's modules are kept: the program reads only constant facts of
 * the contract, and a test that already holds the handler would otherwise meet a second copy of
 * their classes (`instanceof` fails across them, e.g. contract/json.ts's Num) in whatever the
 * handler imports lazily afterwards.
 */
function forgetProgramModules(projectDir: string): void {
  const kept = ["node_modules", "handlers", "contract"].map(
    (d) => path.join(projectDir, d) + path.sep,
  );
  for (const key of Object.keys(require.cache)) {
    if (
      key.startsWith(projectDir) &&
      !kept.some((dir) => key.startsWith(dir)) &&
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
 * Hands the mock cloud each registration's protect and retainOnDelete (what `pulumi destroy` will
 * do to a resource is decided by them, and tests assert it), and which registrations are reads.
 */
function recordOptions(cloud: MockCloud): void {
  const monitor = getMonitor() as unknown as {
    registerResource: (req: any, callback: (err: any, res: any) => void) => unknown;
    readResource: (req: any, callback: (err: any, res: any) => void) => unknown;
  };
  const register = monitor.registerResource.bind(monitor);
  monitor.registerResource = (req, callback) => {
    cloud.noteOptions(
      req.getType(),
      req.getName(),
      { protect: !!req.getProtect(), retainOnDelete: !!req.getRetainondelete() },
      req.getIgnorechangesList(),
    );
    return register(req, callback);
  };
  const read = monitor.readResource.bind(monitor);
  monitor.readResource = (req, callback) => {
    cloud.noteRead(req.getType(), req.getName());
    return read(req, callback);
  };
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
  const { project, config: fromFile } = readStackConfig(projectDir, stack);
  const config = withOverrides(fromFile, options.config ?? {});
  const region = config["aws:region"] ?? "us-east-1";
  const cloud = new MockCloud(region, options.partition, {
    apiGatewayCloudWatchRoleArn: options.apiGatewayCloudWatchRoleArn,
  });

  pulumi.runtime.setAllConfig(config);
  await pulumi.runtime.setMocks(cloud, project, stack, options.preview ?? false);
  recordOptions(cloud);
  forgetProgramModules(projectDir);

  const programPath = path.join(projectDir, options.program ?? "index.ts");
  const failed = (err: unknown) =>
    new Error(
      `The Pulumi program ${programPath} failed under mocks: ${err instanceof Error ? err.message : String(err)}`,
      { cause: err },
    );
  // A registration whose input fails (an apply that throws) rejects no Output the program holds;
  // Pulumi reports it as an unhandled rejection and the CLI fails the run. So does this.
  let onRejection: (reason: unknown) => void = () => undefined;
  const rejected = new Promise<never>((_, reject) => {
    onRejection = (reason) => reject(failed(reason));
  });
  rejected.catch(() => undefined);
  process.on("unhandledRejection", onRejection);
  const outputs: Record<string, unknown> = {};
  try {
    let exports: Record<string, unknown>;
    try {
      // require, not import(): the CommonJS cache is the one forgetProgramModules can clear.
      // eslint-disable-next-line @typescript-eslint/no-require-imports
      exports = require(programPath) as Record<string, unknown>;
    } catch (err) {
      throw failed(err);
    }
    const settled = (async () => {
      for (const [key, value] of Object.entries(exports)) {
        if (key === "default" || key === "__esModule") continue;
        outputs[key] = await resolveDeep(value);
      }
      // Resources that feed no output may still be registering: wait for every outstanding RPC.
      await waitForRPCs();
    })();
    await Promise.race([settled, rejected]);
  } finally {
    process.off("unhandledRejection", onRejection);
  }

  return {
    stack,
    project,
    region,
    partition: cloud.partition,
    config,
    resources: cloud.resources,
    outputs,
    ofType: (type) => cloud.resources.filter((res) => res.type === type),
  };
}
