/**
 * What the local cloud serves, derived only from the resources a program run recorded: tables,
 * functions (code, handler, environment, timeout) and REST APIs (resource tree, methods,
 * integrations, stages, gateway responses, API key source), from their OpenAPI `body` or from
 * Resource/Method/Integration resources. Nothing here knows the real program's names.
 */
/* eslint-disable @typescript-eslint/no-explicit-any -- recorded inputs are untyped data */
import * as crypto from "node:crypto";
import * as fs from "node:fs";
import * as path from "node:path";
import * as pulumi from "@pulumi/pulumi";
import { issuerOf, parseUserPoolArn } from "../components/auth";
import type { LocalUserPool } from "./auth/issuer";
import { reveal, type ProgramRun, type RecordedResource } from "./program";
import { TABLE_TYPE } from "./tables";
import type { Quota, ThrottleLimit } from "./throttle";

export const FUNCTION_TYPE = "aws:lambda/function:Function";
/** An alias serves the function's newest code here: the local cloud runs one version. */
export const ALIAS_TYPE = "aws:lambda/alias:Alias";
const REST_API = "aws:apigateway/restApi:RestApi";
const RESOURCE = "aws:apigateway/resource:Resource";
const METHOD = "aws:apigateway/method:Method";
const INTEGRATION = "aws:apigateway/integration:Integration";
const STAGE = "aws:apigateway/stage:Stage";
const GATEWAY_RESPONSE = "aws:apigateway/response:Response";
const DEPLOYMENT = "aws:apigateway/deployment:Deployment";
const METHOD_SETTINGS = "aws:apigateway/methodSettings:MethodSettings";
const API_KEY = "aws:apigateway/apiKey:ApiKey";
const USAGE_PLAN = "aws:apigateway/usagePlan:UsagePlan";
const USAGE_PLAN_KEY = "aws:apigateway/usagePlanKey:UsagePlanKey";
const AUTHORIZER = "aws:apigateway/authorizer:Authorizer";
const USER_POOL = "aws:cognito/userPool:UserPool";
const USER_POOL_CLIENT = "aws:cognito/userPoolClient:UserPoolClient";
/** The app client of a user pool the program trusts but does not declare (given by ARN). */
export const LOCAL_CLIENT_ID = "local-client";

/** Types the local cloud turns into something running. */
const EMULATED = new Set([
  TABLE_TYPE,
  FUNCTION_TYPE,
  ALIAS_TYPE,
  REST_API,
  RESOURCE,
  METHOD,
  INTEGRATION,
  STAGE,
  DEPLOYMENT,
  GATEWAY_RESPONSE,
  METHOD_SETTINGS,
  API_KEY,
  USAGE_PLAN,
  USAGE_PLAN_KEY,
  AUTHORIZER,
  USER_POOL,
  USER_POOL_CLIENT,
  // The pool's scopes and domain shape the tokens callers get; the local issuer mints those.
  "aws:cognito/resourceServer:ResourceServer",
  "aws:cognito/userPoolDomain:UserPoolDomain",
]);

/** Why a type that is recorded but not emulated makes no difference locally (or does). */
const NOT_EMULATED_BECAUSE: [RegExp, string][] = [
  [/^aws:iam\//, "IAM is not enforced locally; the policy is checked by the unit tests"],
  [/^aws:lambda\/permission:/, "invoke permissions are not enforced locally"],
  [/^aws:cloudwatch\/logGroup:/, "function logs go to this terminal"],
  [/^aws:apigateway\/account:/, "the account's CloudWatch role has no local counterpart"],
  [/^aws:kms\//, "encryption at rest is not emulated"],
  [
    /^aws:codedeploy\//,
    "traffic shifting is not emulated: the alias serves the newest version at once",
  ],
  [
    /^aws:(acm|route53)\/|^aws:apigateway\/(domainName|basePathMapping):|^aws:apigatewayv2\/apiMapping:/,
    "the custom domain: served here on the API URL",
  ],
];

export interface TableModel {
  name: string;
  resource: RecordedResource;
}

export interface FunctionModel {
  /** Logical name in the program. */
  logicalName: string;
  /** Physical function name (what `AWS_LAMBDA_FUNCTION_NAME` says). */
  name: string;
  arn: string;
  invokeArn: string;
  /** Directory holding the deployed code (the FileArchive's directory). */
  codeDir: string;
  /** `file.export`, as Lambda's `handler` setting. */
  handler: string;
  /** Lambda's `runtime` setting, e.g. `nodejs22.x`. */
  runtime: string;
  /** `arm64` or `x86_64`. */
  architecture: string;
  /** The execution role's ARN. */
  role: string;
  /** The function's configured timeout. Lambda's default is 3 s. */
  timeoutMs: number;
  memoryMb: number;
  /** The environment variables the program gives it, outputs resolved. */
  environment: Record<string, string>;
  /** Reserved concurrency, when the program caps it. */
  reservedConcurrency?: number;
}

export interface MethodModel {
  httpMethod: string;
  /**
   * The operation's OpenAPI security requirements (body-defined APIs), e.g. `[{api_key: []}]`;
   * for Method resources, `[{api_key: []}]` when `apiKeyRequired`.
   */
  security: Record<string, string[]>[];
  /** `COGNITO_USER_POOLS`: the method's OAuth scopes (any one suffices); empty: ID tokens. */
  authorizationScopes: string[];
  /** `COGNITO_USER_POOLS`: the user pools whose tokens the authorizer takes. */
  providerArns: string[];
  /** The function an AWS_PROXY integration invokes; undefined for integrations not emulated. */
  functionName?: string;
  /** Set when the integration cannot be served locally, with the reason. */
  unsupported?: string;
  /** A MOCK integration: API Gateway answers by itself, from the integration's own mapping. */
  mock?: MockIntegration;
  /** `NONE`, `COGNITO_USER_POOLS`, `AWS_IAM` (or `CUSTOM`, not enforced). */
  authorization: string;
  apiKeyRequired: boolean;
}

/** A MOCK integration as its OpenAPI body declares it, read by `mockIntegration`. */
export interface MockIntegration {
  /** Request templates by media type; each one's `statusCode` picks the integration response. */
  requestTemplates: Record<string, string>;
  /** `NEVER`: a request whose Content-Type has no template is refused (415). */
  passthroughBehavior: string;
  /** Integration responses by selection pattern (`default` when none matches). */
  responses: Record<string, { statusCode: string; headers: Record<string, string> }>;
}

export interface ResourceModel {
  id: string;
  /** Full resource path, e.g. `/items/{id}`. */
  path: string;
  pathPart: string;
  children: ResourceModel[];
  /** By HTTP method (upper case, `ANY` included). */
  methods: Map<string, MethodModel>;
}

export interface StageModel {
  name: string;
  variables: Record<string, string> | null;
  /** The Deployment the stage serves (`requestContext.deploymentId`). */
  deploymentId: string;
  /** Throttling from MethodSettings: `*\/*` for every method, and methods' own (`/items GET`). */
  throttle: { default?: ThrottleLimit; methods: Record<string, ThrottleLimit> };
}

/** An API key and the usage plans it belongs to. */
export interface ApiKeyModel {
  id: string;
  name: string;
  value: string;
  enabled: boolean;
}

/** A usage plan: the stages it covers, its throttle and quota per key, and its keys. */
export interface UsagePlanModel {
  id: string;
  name: string;
  /** Stage names of this API the plan covers, with per-method throttles (`/items GET`). */
  stages: { name: string; methods: Record<string, ThrottleLimit> }[];
  throttle?: ThrottleLimit;
  quota?: Quota;
  keys: ApiKeyModel[];
}

/** A gateway response (`x-amazon-apigateway-gateway-responses` or an `aws.apigateway.Response`). */
export interface GatewayResponseModel {
  /** Overrides the status of the errors of this type. */
  statusCode?: number;
  /** `gatewayresponse.header.<Name>` → `'static'` or `method.request.header.<name>`. */
  responseParameters: Record<string, string>;
  /** Content type → template (`$context.error.messageString` and friends). */
  responseTemplates: Record<string, string>;
}

export interface RestApiModel {
  logicalName: string;
  id: string;
  name: string;
  root: ResourceModel;
  stages: StageModel[];
  /** Media types API Gateway treats as binary (`binaryMediaTypes`). */
  binaryMediaTypes: string[];
  /** Where API keys are read from: `HEADER` (`x-api-key`) or `AUTHORIZER`. */
  apiKeySource: string;
  /** Security schemes of the body, by name (`{type: "apiKey", name: "x-api-key", in: "header"}`). */
  securitySchemes: Record<string, Record<string, unknown>>;
  /** By response type (`DEFAULT_4XX`, `THROTTLED`, ...): what API Gateway answers its errors with. */
  gatewayResponses: Record<string, GatewayResponseModel>;
  /** The OpenAPI body the API was defined with, when it was (parsed). */
  body?: Record<string, any>;
  /** The usage plans covering a stage of this API. */
  usagePlans: UsagePlanModel[];
}

export interface LocalModel {
  region: string;
  tables: TableModel[];
  functions: FunctionModel[];
  apis: RestApiModel[];
  /** The Cognito user pools methods' authorizers trust, as the local issuer serves them. */
  userPools: LocalUserPool[];
  /** One line per recorded type the local cloud does not emulate: `type ×n (reason)`. */
  notEmulated: string[];
  /** Things declared but served differently from AWS (e.g. an authorizer that is not enforced). */
  warnings: string[];
}

const asString = (v: unknown): string => (v === undefined || v === null ? "" : String(v));

/** Where the deployed code is: a FileArchive directory, or an AssetArchive written out to `scratchDir`. */
async function codeDirectory(
  fn: RecordedResource,
  projectDir: string,
  scratchDir: string,
): Promise<string> {
  const code = fn.inputs.code;
  const where = `function "${fn.name}"`;
  if (!code) {
    throw new Error(`${where} has no \`code\` archive (S3 or image code cannot be served locally)`);
  }
  if (code instanceof pulumi.asset.FileArchive) {
    // Relative paths are relative to the program's working directory, which Pulumi makes the project.
    const dir = path.resolve(projectDir, await code.path);
    if (!fs.existsSync(dir)) {
      throw new Error(
        `${where}: its code archive ${dir} does not exist; the program should have built it`,
      );
    }
    if (!fs.statSync(dir).isDirectory()) {
      throw new Error(
        `${where}: its code archive ${dir} is a file; only directory archives are served locally`,
      );
    }
    return dir;
  }
  if (code instanceof pulumi.asset.AssetArchive) {
    const dir = path.join(scratchDir, fn.name);
    fs.mkdirSync(dir, { recursive: true });
    const assets = (await (code as any).assets) as Record<string, unknown>;
    for (const [file, asset] of Object.entries(assets)) {
      const target = path.join(dir, file);
      fs.mkdirSync(path.dirname(target), { recursive: true });
      if (asset instanceof pulumi.asset.StringAsset) {
        fs.writeFileSync(target, await asset.text);
      } else if (asset instanceof pulumi.asset.FileAsset) {
        fs.copyFileSync(path.resolve(projectDir, await asset.path), target);
      } else if (asset instanceof pulumi.asset.FileArchive) {
        fs.cpSync(path.resolve(projectDir, await asset.path), target, { recursive: true });
      } else {
        throw new Error(
          `${where}: archive entry "${file}" is a kind of asset the local cloud cannot unpack`,
        );
      }
    }
    return dir;
  }
  throw new Error(`${where}: only FileArchive and AssetArchive code can be served locally`);
}

export async function buildModel(
  run: ProgramRun,
  projectDir: string,
  scratchDir: string,
): Promise<LocalModel> {
  const warnings: string[] = [];
  const tables = run.ofType(TABLE_TYPE).map((r) => ({
    name: asString(reveal(r.state).name),
    resource: { ...r, inputs: reveal(r.inputs), state: reveal(r.state) },
  }));

  const functions: FunctionModel[] = [];
  for (const recorded of run.ofType(FUNCTION_TYPE)) {
    const r = { ...recorded, inputs: reveal(recorded.inputs), state: reveal(recorded.state) };
    const runtime = asString(r.inputs.runtime);
    if (runtime && !runtime.startsWith("nodejs")) {
      warnings.push(`function ${r.id} uses ${runtime}; it is run with this machine's Node.js`);
    }
    const environment: Record<string, string> = {};
    for (const [k, v] of Object.entries(r.inputs.environment?.variables ?? {})) {
      environment[k] = asString(v);
    }
    const reserved = Number(r.inputs.reservedConcurrentExecutions);
    functions.push({
      logicalName: r.name,
      name: asString(r.state.name ?? r.id),
      arn: asString(r.state.arn),
      invokeArn: asString(r.state.invokeArn),
      codeDir: await codeDirectory(r, projectDir, scratchDir),
      handler: asString(r.inputs.handler) || "index.handler",
      runtime,
      architecture: asString(r.inputs.architectures?.[0]) || "x86_64",
      role: asString(r.inputs.role),
      timeoutMs: Number(r.inputs.timeout ?? 3) * 1000,
      memoryMb: Number(r.inputs.memorySize ?? 128),
      environment,
      reservedConcurrency: reserved > 0 ? reserved : undefined,
    });
  }
  const byInvokeArn = new Map(functions.map((f) => [f.invokeArn, f]));
  // An integration may call an alias (`…:function:<name>:live`): locally it is the function.
  for (const alias of run.ofType(ALIAS_TYPE)) {
    const { inputs, state } = { inputs: reveal(alias.inputs), state: reveal(alias.state) };
    const target = functions.find(
      (f) => f.name === asString(inputs.functionName) || f.arn === asString(inputs.functionName),
    );
    if (target) byInvokeArn.set(asString(state.invokeArn), target);
  }

  const apis: RestApiModel[] = [];
  for (const recorded of run.ofType(REST_API)) {
    const api = { ...recorded, inputs: reveal(recorded.inputs), state: reveal(recorded.state) };
    const ofApi = (type: string) =>
      run
        .ofType(type)
        .map((r) => ({ ...r, inputs: reveal(r.inputs), state: reveal(r.state) }))
        .filter((r) => r.inputs.restApi === api.id);
    const root: ResourceModel = {
      id: asString(api.state.rootResourceId),
      path: "/",
      pathPart: "",
      children: [],
      methods: new Map(),
    };
    let body: Record<string, any> | undefined;
    if (typeof api.inputs.body === "string" && api.inputs.body.trim()) {
      try {
        body = JSON.parse(api.inputs.body) as Record<string, any>;
      } catch (err) {
        throw new Error(
          `REST API ${api.name}: its body is not JSON (${(err as Error).message}); the local cloud reads OpenAPI documents as JSON`,
          { cause: err },
        );
      }
      fromBody(body, root, byInvokeArn, warnings);
    }
    // Resources and methods declared beside (or instead of) a body, as API Gateway merges them.
    fromResources(
      ofApi(RESOURCE),
      ofApi(METHOD),
      ofApi(INTEGRATION),
      ofApi(AUTHORIZER),
      root,
      byInvokeArn,
      warnings,
    );

    const gatewayResponses: Record<string, GatewayResponseModel> = {};
    for (const [type, r] of Object.entries<any>(
      body?.["x-amazon-apigateway-gateway-responses"] ?? {},
    )) {
      gatewayResponses[type] = gatewayResponse(r);
    }
    for (const r of ofApi(GATEWAY_RESPONSE)) {
      gatewayResponses[asString(r.inputs.responseType)] = gatewayResponse(r.inputs);
    }

    const settings = ofApi(METHOD_SETTINGS);
    const stages = ofApi(STAGE).map((s) => ({
      name: asString(s.inputs.stageName),
      deploymentId: asString(s.inputs.deployment),
      throttle: stageThrottle(
        settings.filter((m) => asString(m.inputs.stageName) === asString(s.inputs.stageName)),
      ),
      variables:
        s.inputs.variables && Object.keys(s.inputs.variables).length
          ? Object.fromEntries(
              Object.entries(s.inputs.variables as Record<string, unknown>).map(([k, v]) => [
                k,
                asString(v),
              ]),
            )
          : null,
    }));
    if (!stages.length)
      warnings.push(`REST API ${api.name} has no stage, so it is not reachable (as in AWS)`);
    apis.push({
      logicalName: api.name,
      id: api.id,
      name: asString(api.inputs.name || body?.info?.title || api.name),
      root,
      stages,
      binaryMediaTypes: (
        api.inputs.binaryMediaTypes ??
        body?.["x-amazon-apigateway-binary-media-types"] ??
        []
      ).map(asString),
      apiKeySource: asString(
        api.inputs.apiKeySource ?? body?.["x-amazon-apigateway-api-key-source"] ?? "HEADER",
      ),
      securitySchemes: body?.components?.securitySchemes ?? {},
      gatewayResponses,
      body,
      usagePlans: usagePlansOf(run, api.id),
    });
  }
  const userPools = userPoolsOf(run, apis);

  const counts = new Map<string, number>();
  for (const r of run.resources) {
    // Components and providers are not cloud resources; random values are resolved by the mocks.
    if (!r.custom || r.type.startsWith("pulumi:") || r.type.startsWith("random:")) continue;
    if (EMULATED.has(r.type)) continue;
    counts.set(r.type, (counts.get(r.type) ?? 0) + 1);
  }
  const notEmulated = [...counts].map(([type, n]) => {
    const reason = NOT_EMULATED_BECAUSE.find(([re]) => re.test(type))?.[1] ?? "not emulated";
    return `${type} ×${n} (${reason})`;
  });

  return { region: run.region, tables, functions, apis, userPools, notEmulated, warnings };
}

const limitOf = (rate: unknown, burst: unknown): ThrottleLimit | undefined => {
  const r = Number(rate);
  const b = Number(burst);
  return Number.isFinite(r) &&
    r >= 0 &&
    Number.isFinite(b) &&
    b >= 0 &&
    (rate !== undefined || burst !== undefined)
    ? { rate: r, burst: b }
    : undefined;
};

/** `items/{id}/GET`, `~1items~1{id}/GET` or `*\/*` → `/items/{id} GET` (or "*"). */
function methodKey(methodPath: string): string {
  if (methodPath === "*/*") return "*";
  const decoded = methodPath.replace(/~1/g, "/");
  const slash = decoded.lastIndexOf("/");
  const path = decoded.slice(0, slash).replace(/^\/*/, "/");
  return `${path} ${decoded.slice(slash + 1).toUpperCase()}`;
}

function stageThrottle(settings: RecordedResource[]): StageModel["throttle"] {
  const out: StageModel["throttle"] = { methods: {} };
  for (const m of settings) {
    const limit = limitOf(
      m.inputs.settings?.throttlingRateLimit,
      m.inputs.settings?.throttlingBurstLimit,
    );
    if (!limit) continue;
    const key = methodKey(asString(m.inputs.methodPath));
    if (key === "*") out.default = limit;
    else out.methods[key] = limit;
  }
  return out;
}

function usagePlansOf(run: ProgramRun, apiId: string): UsagePlanModel[] {
  const all = (type: string) =>
    run.ofType(type).map((r) => ({ ...r, inputs: reveal(r.inputs), state: reveal(r.state) }));
  const keys = all(API_KEY);
  const links = all(USAGE_PLAN_KEY);
  return all(USAGE_PLAN)
    .filter((p) => (p.inputs.apiStages ?? []).some((s: any) => s?.apiId === apiId))
    .map((p) => {
      const quota = p.inputs.quotaSettings;
      return {
        id: p.id,
        name: asString(p.inputs.name || p.name),
        stages: (p.inputs.apiStages as any[])
          .filter((s) => s?.apiId === apiId)
          .map((s) => ({
            name: asString(s.stage),
            methods: Object.fromEntries(
              (s.throttles ?? []).flatMap((t: any) => {
                const limit = limitOf(t.rateLimit, t.burstLimit);
                return limit ? [[methodKey(asString(t.path)), limit]] : [];
              }),
            ),
          })),
        throttle: limitOf(
          p.inputs.throttleSettings?.rateLimit,
          p.inputs.throttleSettings?.burstLimit,
        ),
        quota:
          quota && Number(quota.limit) > 0
            ? {
                limit: Number(quota.limit),
                period: quota.period,
                offset: Number(quota.offset ?? 0),
              }
            : undefined,
        keys: links
          .filter(
            (l) => l.inputs.usagePlanId === p.id && (l.inputs.keyType ?? "API_KEY") === "API_KEY",
          )
          .flatMap((l) => keys.filter((k) => k.id === l.inputs.keyId))
          .map((k) => ({
            id: k.id,
            name: asString(k.inputs.name || k.name),
            value: asString(k.inputs.value ?? k.state.value),
            enabled: k.inputs.enabled !== false,
          })),
      };
    });
}

/** The pools the program declares (with their app clients), and those its authorizers name. */
function userPoolsOf(run: ProgramRun, apis: RestApiModel[]): LocalUserPool[] {
  const clients = run.ofType(USER_POOL_CLIENT).map((c) => reveal(c.inputs));
  const pools: LocalUserPool[] = run.ofType(USER_POOL).map((p) => ({
    id: p.id,
    arn: asString(reveal(p.state).arn),
    issuer: issuerOf(run.region, p.id),
    clientIds: run
      .ofType(USER_POOL_CLIENT)
      .filter((_, i) => clients[i]?.userPoolId === p.id)
      .map((c) => c.id),
  }));
  const named = new Set<string>();
  const visit = (r: ResourceModel): void => {
    for (const m of r.methods.values()) m.providerArns.forEach((a) => named.add(a));
    r.children.forEach(visit);
  };
  apis.forEach((a) => visit(a.root));
  for (const arn of named) {
    if (pools.some((p) => p.arn === arn)) continue;
    // An existing pool, given by ARN: the local issuer stands in for it with one app client.
    const { region, id } = parseUserPoolArn(arn);
    pools.push({ id, arn, issuer: issuerOf(region, id), clientIds: [LOCAL_CLIENT_ID] });
  }
  return pools;
}

function gatewayResponse(r: any): GatewayResponseModel {
  const status = Number(r.statusCode);
  return {
    statusCode: Number.isInteger(status) && status > 0 ? status : undefined,
    responseParameters: { ...(r.responseParameters ?? {}) },
    responseTemplates: { ...(r.responseTemplates ?? {}) },
  };
}

/** The resource at `path`, created (with its parents) when missing. */
function resourceAt(root: ResourceModel, path: string): ResourceModel {
  let node = root;
  for (const part of path.split("/").filter(Boolean)) {
    let child = node.children.find((c) => c.pathPart === part);
    if (!child) {
      const full = `${node.path === "/" ? "" : node.path}/${part}`;
      child = {
        // API Gateway gives resources short random ids; a digest of the path is stable.
        id: crypto.createHash("sha1").update(full).digest("hex").slice(0, 6),
        path: full,
        pathPart: part,
        children: [],
        methods: new Map(),
      };
      node.children.push(child);
    }
    node = child;
  }
  return node;
}

/**
 * A MOCK integration's answer, from its body: static header values only (a quoted `'value'`);
 * anything else is not emulated.
 */
function mockIntegration(integration: Record<string, any>): {
  mock?: MockIntegration;
  unsupported?: string;
} {
  const responses: MockIntegration["responses"] = {};
  for (const [selection, response] of Object.entries<any>(integration.responses ?? {})) {
    const headers: Record<string, string> = {};
    for (const [target, value] of Object.entries<unknown>(response?.responseParameters ?? {})) {
      const name = /^method\.response\.header\.(.+)$/.exec(target)?.[1];
      const text = /^'([^']*)'$/.exec(asString(value))?.[1];
      if (name === undefined || text === undefined) {
        return {
          unsupported: `its MOCK integration maps ${target} from ${asString(value)}, which is not emulated`,
        };
      }
      headers[name] = text;
    }
    responses[selection] = { statusCode: asString(response?.statusCode), headers };
  }
  return {
    mock: {
      requestTemplates: Object.fromEntries(
        Object.entries<unknown>(integration.requestTemplates ?? {}).map(([k, v]) => [
          k,
          asString(v),
        ]),
      ),
      passthroughBehavior: asString(
        integration.passthroughBehavior || "when_no_match",
      ).toUpperCase(),
      responses,
    },
  };
}

/** The function an integration calls, or why the method cannot be served locally. */
function integrationTarget(
  integration: { type?: unknown; uri?: unknown } | undefined,
  byInvokeArn: Map<string, FunctionModel>,
): { functionName?: string; unsupported?: string; mock?: MockIntegration } {
  if (!integration) return { unsupported: "it has no integration" };
  const type = asString(integration.type).toUpperCase();
  if (type === "MOCK") return mockIntegration(integration as Record<string, any>);
  if (type !== "AWS_PROXY") return { unsupported: `its ${type} integration is not emulated` };
  const target = byInvokeArn.get(asString(integration.uri));
  return target
    ? { functionName: target.name }
    : {
        unsupported: `its integration targets ${asString(integration.uri)}, which is no function of this program`,
      };
}

function addMethod(resource: ResourceModel, method: MethodModel, warnings: string[]): void {
  const where = `${method.httpMethod} ${resource.path}`;
  if (method.unsupported) warnings.push(`${where} answers 500: ${method.unsupported}`);
  if (!["NONE", "COGNITO_USER_POOLS", "AWS_IAM"].includes(method.authorization)) {
    warnings.push(`${where}: ${method.authorization} authorization is not enforced locally`);
  }
  resource.methods.set(method.httpMethod, method);
}

const OPENAPI_METHODS = ["get", "put", "post", "delete", "options", "head", "patch"];

/** Routes, methods and integrations of an OpenAPI body. */
function fromBody(
  body: Record<string, any>,
  root: ResourceModel,
  byInvokeArn: Map<string, FunctionModel>,
  warnings: string[],
): void {
  const schemes: Record<string, any> = body.components?.securitySchemes ?? {};
  for (const [path, item] of Object.entries<any>(body.paths ?? {})) {
    const resource = resourceAt(root, path);
    for (const [key, op] of Object.entries<any>(item ?? {})) {
      const httpMethod =
        key === "x-amazon-apigateway-any-method"
          ? "ANY"
          : OPENAPI_METHODS.includes(key)
            ? key.toUpperCase()
            : undefined;
      if (!httpMethod) continue;
      const security: Record<string, string[]>[] = op?.security ?? [];
      const auth = op?.["x-amazon-apigateway-auth"]?.type;
      // API Gateway applies the first requirement object: every scheme in it.
      const requirement = security[0] ?? {};
      let authorization = auth ? asString(auth).toUpperCase() : "NONE";
      let authorizationScopes: string[] = [];
      let providerArns: string[] = [];
      let apiKeyRequired = false;
      for (const [name, scopes] of Object.entries(requirement)) {
        const scheme = schemes[name];
        const authType = scheme?.["x-amazon-apigateway-authtype"];
        if (authType === "cognito_user_pools") {
          authorization = "COGNITO_USER_POOLS";
          authorizationScopes = [...(scopes ?? [])];
          providerArns = (scheme["x-amazon-apigateway-authorizer"]?.providerARNs ?? []).map(
            asString,
          );
        } else if (authType === "awsSigv4") {
          authorization = "AWS_IAM";
        } else if (authType) {
          authorization = "CUSTOM";
        } else if (scheme?.type === "apiKey") {
          apiKeyRequired = true;
        }
      }
      addMethod(
        resource,
        {
          httpMethod,
          security,
          authorization,
          authorizationScopes,
          providerArns,
          apiKeyRequired,
          ...integrationTarget(op?.["x-amazon-apigateway-integration"], byInvokeArn),
        },
        warnings,
      );
    }
  }
}

/** Routes declared as Resource, Method and Integration resources. */
function fromResources(
  records: RecordedResource[],
  methods: RecordedResource[],
  integrations: RecordedResource[],
  authorizers: RecordedResource[],
  root: ResourceModel,
  byInvokeArn: Map<string, FunctionModel>,
  warnings: string[],
): void {
  const byId = new Map<string, ResourceModel>([[root.id, root]]);
  for (const r of records) {
    byId.set(r.id, {
      id: r.id,
      path: asString(r.state.path),
      pathPart: asString(r.inputs.pathPart),
      children: [],
      methods: new Map(),
    });
  }
  for (const r of records) {
    const parent = byId.get(asString(r.inputs.parentId));
    if (parent) parent.children.push(byId.get(r.id)!);
    else
      warnings.push(`API resource ${r.name} has a parent outside its REST API; it is not served`);
  }
  for (const m of methods) {
    const resource = byId.get(asString(m.inputs.resourceId));
    if (!resource) continue;
    const httpMethod = asString(m.inputs.httpMethod).toUpperCase();
    const integration = integrations.find(
      (i) =>
        i.inputs.resourceId === m.inputs.resourceId &&
        asString(i.inputs.httpMethod).toUpperCase() === httpMethod,
    );
    const apiKeyRequired = !!m.inputs.apiKeyRequired;
    const authorizer = authorizers.find((a) => a.id === m.inputs.authorizerId);
    addMethod(
      resource,
      {
        httpMethod,
        security: apiKeyRequired ? [{ api_key: [] }] : [],
        authorization: asString(m.inputs.authorization || "NONE").toUpperCase(),
        authorizationScopes: (m.inputs.authorizationScopes ?? []).map(asString),
        providerArns: (authorizer?.inputs.providerArns ?? []).map(asString),
        apiKeyRequired,
        ...integrationTarget(integration?.inputs, byInvokeArn),
      },
      warnings,
    );
  }
}
