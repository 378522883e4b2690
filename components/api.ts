/**
 * The REST API (API Gateway v1) in front of the CRUD function: the routes of `handlers/routes.ts`
 * as Lambda proxy integrations, one stage with throttling and (where the account allows) JSON
 * access logs.
 */
import * as crypto from "node:crypto";
import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import { CATCH_ALL_PATH, ROUTES, type Route } from "../handlers/routes";
import type { CrudFunction } from "./function";
import { applyTransform, type Transform } from "./transform";

/** One access-log line per request, as JSON. Keys are ours; values are API Gateway variables. */
export const ACCESS_LOG_FORMAT = {
  requestId: "$context.requestId",
  extendedRequestId: "$context.extendedRequestId",
  ip: "$context.identity.sourceIp",
  userAgent: "$context.identity.userAgent",
  apiKeyId: "$context.identity.apiKeyId",
  requestTime: "$context.requestTimeEpoch",
  httpMethod: "$context.httpMethod",
  resourcePath: "$context.resourcePath",
  path: "$context.path",
  status: "$context.status",
  responseLength: "$context.responseLength",
  responseLatency: "$context.responseLatency",
  integrationStatus: "$context.integration.status",
  integrationLatency: "$context.integration.latency",
  errorMessage: "$context.error.message",
  errorType: "$context.error.responseType",
} as const;

/** What a method and its integration look like; the deployment is replaced when any changes. */
export interface MethodSpec {
  path: string;
  httpMethod: string;
  authorization: string;
  apiKeyRequired: boolean;
  integrationType: string;
  integrationHttpMethod: string;
  uri: string;
}

/** Deployment trigger: a digest of every method and integration, independent of their order. */
export function deploymentTrigger(specs: readonly MethodSpec[]): string {
  const canonical = specs
    .map((s) =>
      JSON.stringify([
        s.path,
        s.httpMethod,
        s.authorization,
        s.apiKeyRequired,
        s.integrationType,
        s.integrationHttpMethod,
        s.uri,
      ]),
    )
    .sort();
  return crypto.createHash("sha256").update(canonical.join("\n")).digest("hex");
}

export interface ApiArgs {
  /** Function every route integrates with (Lambda proxy integration). */
  function: CrudFunction;
  /**
   * REST API name shown in the console.
   * @default "DynamoDBOperations"
   */
  apiName?: string;
  /**
   * Routes to declare. Each gets its methods plus `ANY`, so wrong methods reach the function
   * and get a 405 with `Allow` rather than API Gateway's 403.
   * @default ROUTES from `handlers/routes.ts`
   */
  routes?: readonly Route[];
  /**
   * Greedy resource that sends unknown paths to the function (which answers 404).
   * @default CATCH_ALL_PATH ("/{proxy+}")
   */
  catchAllPath?: string;
  /**
   * Stage name; part of the URL. The tutorial uses `test`.
   * @default "test"
   */
  stageName?: string;
  /**
   * Steady-state requests per second allowed on the stage (all methods).
   * @default 100
   */
  throttleRateLimit?: number;
  /**
   * Burst of requests allowed above the rate.
   * @default 50
   */
  throttleBurstLimit?: number;
  /**
   * Days CloudWatch keeps the access logs.
   * @default 30
   */
  logRetentionDays?: number;
  /**
   * X-Ray tracing on the stage.
   * @default false
   */
  tracing?: boolean;
  /**
   * Require an API key (`x-api-key`) on every method except CORS preflights, and create a key and
   * a usage plan with the same throttle limits.
   * @default false
   */
  apiKeyRequired?: boolean;
  /**
   * Write one JSON access-log line per request to a CloudWatch log group. API Gateway refuses a
   * stage with access logs ("CloudWatch Logs role ARN must be set in account settings") until the
   * account has its CloudWatch role in this region, which `bootstrap/` sets once per account and
   * region. Turn this on only where that role is known to exist; while it is off, `pulumi up`
   * says so with a warning.
   * @default false
   */
  accessLogs?: boolean;
  /**
   * Adjust the underlying resources' args.
   * @default undefined
   */
  transform?: {
    restApi?: Transform<aws.apigateway.RestApiArgs>;
    stage?: Transform<aws.apigateway.StageArgs>;
    methodSettings?: Transform<aws.apigateway.MethodSettingsArgs>;
  };
}

/** Defaults of `RestApiArgs`; the stack config (`config.ts`) falls back to the same values. */
export const API_DEFAULTS = {
  apiName: "DynamoDBOperations",
  throttleRateLimit: 100,
  throttleBurstLimit: 50,
  logRetentionDays: 30,
  apiKeyRequired: false,
  tracing: false,
} as const;

/**
 * A REST API whose every route is a Lambda proxy integration to one function.
 *
 * @example
 * ```ts
 * const api = new RestApi("api", { function: fn, stageName: "test" });
 * export const url = api.url;
 * ```
 * @example
 * Keyed, with tighter limits.
 * ```ts
 * new RestApi("api", { function: fn, apiKeyRequired: true, throttleRateLimit: 20 });
 * ```
 */
export class RestApi extends pulumi.ComponentResource {
  /** REST API id. */
  public readonly id: pulumi.Output<string>;
  /** Stage name. */
  public readonly stageName: pulumi.Output<string>;
  /** Invoke URL of the stage, e.g. `https://abc.execute-api.us-east-1.amazonaws.com/test`. */
  public readonly url: pulumi.Output<string>;
  /** Execution ARN of the API (`arn:aws:execute-api:...:<id>`). */
  public readonly executionArn: pulumi.Output<string>;
  /** Id of the API key, when `apiKeyRequired`; read its value from `nodes.apiKey`. */
  public readonly apiKeyId: pulumi.Output<string | undefined>;
  private readonly resources: {
    restApi: aws.apigateway.RestApi;
    resources: Record<string, aws.apigateway.Resource>;
    methods: aws.apigateway.Method[];
    integrations: aws.apigateway.Integration[];
    deployment: aws.apigateway.Deployment;
    stage: aws.apigateway.Stage;
    methodSettings: aws.apigateway.MethodSettings;
    accessLogGroup?: aws.cloudwatch.LogGroup;
    permission: aws.lambda.Permission;
    apiKey?: aws.apigateway.ApiKey;
    usagePlan?: aws.apigateway.UsagePlan;
  };

  constructor(name: string, args: ApiArgs, opts?: pulumi.ComponentResourceOptions) {
    super("lambda-apigateway:apigateway:RestApi", name, {}, opts);
    const project = pulumi.getProject();
    const stack = pulumi.getStack();
    const apiName = args.apiName ?? API_DEFAULTS.apiName;
    const apiKeyRequired = args.apiKeyRequired ?? API_DEFAULTS.apiKeyRequired;
    const rateLimit = args.throttleRateLimit ?? API_DEFAULTS.throttleRateLimit;
    const burstLimit = args.throttleBurstLimit ?? API_DEFAULTS.throttleBurstLimit;
    const fn = args.function;

    const restApi = new aws.apigateway.RestApi(
      name,
      ...applyTransform(
        args.transform?.restApi,
        {
          name: apiName,
          description: `CRUD over DynamoDB (${project}/${stack})`,
          endpointConfiguration: { types: "REGIONAL" },
        },
        { parent: this },
      ),
    );

    // One API Gateway resource per distinct path prefix, parents first.
    const resources: Record<string, aws.apigateway.Resource> = {};
    const resourceId = (path: string): pulumi.Input<string> => {
      if (path === "/") return restApi.rootResourceId;
      const existing = resources[path];
      if (existing) return existing.id;
      const cut = path.lastIndexOf("/");
      const parentPath = cut === 0 ? "/" : path.slice(0, cut);
      const parentId = resourceId(parentPath);
      const resource = new aws.apigateway.Resource(
        `${name}${logicalPath(path)}`,
        { restApi: restApi.id, parentId, pathPart: path.slice(cut + 1) },
        { parent: this },
      );
      resources[path] = resource;
      return resource.id;
    };

    // Every route: its methods, plus ANY for the rest; the catch-all and the root: ANY only.
    const declared: { path: string; httpMethod: string; apiKeyRequired: boolean }[] = [];
    const paths = [...(args.routes ?? ROUTES)];
    const catchAll = args.catchAllPath ?? CATCH_ALL_PATH;
    for (const route of paths) {
      for (const m of [...route.methods, "ANY"]) {
        declared.push({ path: route.path, httpMethod: m, apiKeyRequired });
      }
    }
    declared.push({ path: catchAll, httpMethod: "ANY", apiKeyRequired });
    declared.push({ path: "/", httpMethod: "ANY", apiKeyRequired });
    if (apiKeyRequired) {
      // Browsers send CORS preflights without custom headers, so they cannot carry the key.
      for (const path of [...paths.map((r) => r.path), catchAll, "/"]) {
        declared.push({ path, httpMethod: "OPTIONS", apiKeyRequired: false });
      }
    }

    const methods: aws.apigateway.Method[] = [];
    const integrations: aws.apigateway.Integration[] = [];
    const specs: pulumi.Output<MethodSpec>[] = [];
    for (const d of declared) {
      const id = `${name}${logicalPath(d.path)}-${d.httpMethod.toLowerCase()}`;
      const method = new aws.apigateway.Method(
        id,
        {
          restApi: restApi.id,
          resourceId: resourceId(d.path),
          httpMethod: d.httpMethod,
          authorization: "NONE",
          apiKeyRequired: d.apiKeyRequired,
        },
        { parent: this },
      );
      const integration = new aws.apigateway.Integration(
        id,
        {
          restApi: restApi.id,
          resourceId: method.resourceId,
          httpMethod: method.httpMethod,
          type: "AWS_PROXY",
          integrationHttpMethod: "POST", // Lambda is always invoked with POST
          uri: fn.invokeArn,
        },
        { parent: this },
      );
      methods.push(method);
      integrations.push(integration);
      specs.push(
        // Read back from the resources, so whatever they are declared with is what redeploys.
        pulumi.output({
          path: d.path,
          httpMethod: method.httpMethod,
          authorization: method.authorization,
          apiKeyRequired: method.apiKeyRequired.apply((required) => required ?? false),
          integrationType: integration.type,
          integrationHttpMethod: integration.integrationHttpMethod.apply((m) => m ?? ""),
          uri: integration.uri.apply((uri) => uri ?? ""),
        }),
      );
    }

    const deployment = new aws.apigateway.Deployment(
      name,
      {
        restApi: restApi.id,
        description: `${apiName} routes and integrations`,
        triggers: { redeployment: pulumi.all(specs).apply(deploymentTrigger) },
      },
      { parent: this, dependsOn: [...methods, ...integrations] },
    );

    const accessLogGroup = args.accessLogs
      ? new aws.cloudwatch.LogGroup(
          `${name}-access-logs`,
          {
            name: `/aws/apigateway/${project}/${stack}/${name}-access`,
            retentionInDays: args.logRetentionDays ?? API_DEFAULTS.logRetentionDays,
          },
          { parent: this },
        )
      : undefined;
    if (!accessLogGroup) {
      pulumi.log.warn(
        `Access logs are off for this API: API Gateway writes them only once the account has its ` +
          `CloudWatch role in this region. Run bootstrap/ once per account and region, then set ` +
          `lambda-apigateway:apiGatewayCloudWatchRoleSet to true (README, "Deploying").`,
        this,
      );
    }

    const stage = new aws.apigateway.Stage(
      name,
      ...applyTransform(
        args.transform?.stage,
        {
          restApi: restApi.id,
          deployment: deployment.id,
          stageName: args.stageName ?? "test",
          accessLogSettings: accessLogGroup
            ? { destinationArn: accessLogGroup.arn, format: JSON.stringify(ACCESS_LOG_FORMAT) }
            : undefined,
          xrayTracingEnabled: args.tracing ?? API_DEFAULTS.tracing,
        },
        { parent: this },
      ),
    );

    const methodSettings = new aws.apigateway.MethodSettings(
      `${name}-throttle`,
      ...applyTransform(
        args.transform?.methodSettings,
        {
          restApi: restApi.id,
          stageName: stage.stageName,
          methodPath: "*/*", // every resource and method of the stage
          settings: {
            throttlingRateLimit: rateLimit,
            throttlingBurstLimit: burstLimit,
            metricsEnabled: true,
          },
        },
        { parent: this },
      ),
    );

    const permission = new aws.lambda.Permission(
      `${name}-invoke`,
      {
        function: fn.name,
        action: "lambda:InvokeFunction",
        principal: "apigateway.amazonaws.com",
        // Any stage, method and path of this API, and of no other.
        sourceArn: pulumi.interpolate`${restApi.executionArn}/*/*`,
      },
      { parent: this },
    );

    let apiKey: aws.apigateway.ApiKey | undefined;
    let usagePlan: aws.apigateway.UsagePlan | undefined;
    if (apiKeyRequired) {
      apiKey = new aws.apigateway.ApiKey(
        `${name}-key`,
        { name: `${apiName}-${stack}`, enabled: true },
        { parent: this },
      );
      usagePlan = new aws.apigateway.UsagePlan(
        `${name}-plan`,
        {
          name: `${apiName}-${stack}`,
          apiStages: [{ apiId: restApi.id, stage: stage.stageName }],
          throttleSettings: { rateLimit, burstLimit },
        },
        { parent: this },
      );
      new aws.apigateway.UsagePlanKey(
        `${name}-plan-key`,
        { keyId: apiKey.id, keyType: "API_KEY", usagePlanId: usagePlan.id },
        { parent: this },
      );
    }

    this.resources = {
      restApi,
      resources,
      methods,
      integrations,
      deployment,
      stage,
      methodSettings,
      accessLogGroup,
      permission,
      apiKey,
      usagePlan,
    };
    this.id = restApi.id;
    this.stageName = stage.stageName;
    this.url = stage.invokeUrl;
    this.executionArn = restApi.executionArn;
    this.apiKeyId = apiKey ? apiKey.id : pulumi.output(undefined);
    this.registerOutputs({ id: this.id, stageName: this.stageName, url: this.url });
  }

  /** The underlying resources, for reading any property the component does not re-export. */
  public get nodes() {
    return this.resources;
  }
}

/** `/items/{id}` → `-items-id`, a stable fragment for logical names. */
function logicalPath(path: string): string {
  if (path === "/") return "-root";
  return path
    .split("/")
    .filter(Boolean)
    .map((seg) => seg.replace(/[{}]/g, "").replace(/\+$/, "-greedy"))
    .map((seg) => `-${seg}`)
    .join("");
}
