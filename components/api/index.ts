/**
 * The REST API (API Gateway v1) in front of the CRUD function, deployed from one OpenAPI document
 * (`handlers/openapi.ts`) as its body: every route a Lambda proxy integration, gateway responses
 * in the function's error shape, one stage with throttling and (where the account allows)
 * JSON access logs.
 */
import * as crypto from "node:crypto";
import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import { EXPOSED_HEADERS, RETRY_AFTER_SECONDS } from "../contract/headers";
import { API_TITLE, buildOpenApiDocument, type Document } from "../contract/openapi";
import { CATCH_ALL_PATH } from "../contract/operations";
import { SCHEMES, type ApiSecurity } from "../contract/security";
import { securityRequirement, securitySchemes, withSecurity } from "../contract/openapi-security";
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

/** The name of the API key scheme in the body (`x-api-key` header, API Gateway's only key source here). */
export const API_KEY_SCHEME = SCHEMES.apiKey;

/** Gateway responses' body: the function's error shape, with API Gateway's response type as code. */
export const GATEWAY_RESPONSE_TEMPLATE =
  '{"error":{"code":"$context.error.responseType","message":$context.error.messageString}}';

/**
 * CORS headers of API Gateway's own answers, as gateway-response parameters. API Gateway can set
 * only static values (or copy a request header), so it can match the function only when there is
 * one answer for every origin: none configured, `*`, or a single origin. With several origins it
 * sends `Vary: Origin` only, and browsers see its errors as CORS failures; copying the request's
 * Origin instead would allow every origin, which the function never does.
 */
export function gatewayCorsParameters(allowOrigins: readonly string[]): Record<string, string> {
  const header = (name: string, value: string) => [`gatewayresponse.header.${name}`, `'${value}'`];
  if (!allowOrigins.length) return {};
  if (allowOrigins.includes("*")) {
    return Object.fromEntries([
      header("Access-Control-Allow-Origin", "*"),
      header("Access-Control-Expose-Headers", EXPOSED_HEADERS),
    ]);
  }
  if (allowOrigins.length === 1) {
    return Object.fromEntries([
      header("Access-Control-Allow-Origin", allowOrigins[0]!),
      header("Access-Control-Expose-Headers", EXPOSED_HEADERS),
      header("Vary", "Origin"),
    ]);
  }
  return Object.fromEntries([header("Vary", "Origin")]);
}

/** `x-amazon-apigateway-gateway-responses`: every API Gateway error in the function's shape. */
export function gatewayResponses(allowOrigins: readonly string[]): Record<string, GatewayResponse> {
  const cors = gatewayCorsParameters(allowOrigins);
  const json = { "application/json": GATEWAY_RESPONSE_TEMPLATE };
  return {
    DEFAULT_4XX: { responseParameters: cors, responseTemplates: json },
    DEFAULT_5XX: { responseParameters: cors, responseTemplates: json },
    // Like the function's 503: a client that honours Retry-After backs off.
    THROTTLED: {
      responseParameters: {
        ...cors,
        "gatewayresponse.header.Retry-After": `'${RETRY_AFTER_SECONDS}'`,
      },
      responseTemplates: json,
    },
  };
}

export interface GatewayResponse {
  statusCode?: string;
  responseParameters: Record<string, string>;
  responseTemplates: Record<string, string>;
}

export interface BodyOptions {
  /** `info.title`, which AWS takes as the API's name. */
  title: string;
  /** The function every method integrates with (Lambda proxy). */
  invokeArn: string;
  /** Who may call which method (the API key included). */
  security: ApiSecurity;
  /** The user pools a `cognito` stack's authorizer trusts. */
  cognitoUserPoolArns?: readonly string[];
  corsAllowOrigins: readonly string[];
  catchAllPath: string;
}

const pathParameterNames = (path: string) =>
  [...path.matchAll(/\{([^}]+?)\+?\}/g)].map((m) => m[1]!);

/**
 * The REST API's body: the public document plus what API Gateway needs to serve it: a Lambda
 * proxy integration on every operation, `ANY` on every path (so wrong methods reach the function
 * for its 405) and on a catch-all and the root (for its 404), the API key on every method but
 * CORS preflights when asked, and gateway responses in the function's error shape.
 */
export function restApiBody(document: Document, options: BodyOptions): Document {
  const integration = {
    type: "aws_proxy",
    httpMethod: "POST", // Lambda is always invoked with POST
    uri: options.invokeArn,
    passthroughBehavior: "when_no_match",
  };
  const requirement = (method: string, path: string) => {
    const security = securityRequirement(options.security, method, path);
    return security ? { security } : {};
  };
  const anyMethod = (path: string) => ({
    ...(pathParameterNames(path).length
      ? {
          parameters: pathParameterNames(path).map((name) => ({
            name,
            in: "path",
            required: true,
            schema: { type: "string" },
          })),
        }
      : {}),
    responses: {},
    ...requirement("ANY", path),
    "x-amazon-apigateway-integration": integration,
  });
  const paths: Record<string, Record<string, unknown>> = {};
  // The operations with their security and API Gateway's refusals, as the function serves them.
  const secured = withSecurity(document, options.security);
  for (const [path, item] of Object.entries(secured.paths)) {
    const out: Record<string, unknown> = {};
    for (const [method, operation] of Object.entries(item ?? {})) {
      out[method] = {
        ...(operation as object),
        "x-amazon-apigateway-integration": integration,
      };
    }
    out["x-amazon-apigateway-any-method"] = anyMethod(path);
    paths[path] = out;
  }
  paths[options.catchAllPath] = {
    "x-amazon-apigateway-any-method": anyMethod(options.catchAllPath),
  };
  paths["/"] = { "x-amazon-apigateway-any-method": anyMethod("/") };
  const schemes = gatewaySecuritySchemes(options);
  return {
    ...document,
    info: { ...document.info, title: options.title },
    paths: paths as Document["paths"],
    components: {
      ...secured.components,
      ...(Object.keys(schemes).length ? { securitySchemes: schemes } : {}),
    },
    "x-amazon-apigateway-api-key-source": "HEADER",
    "x-amazon-apigateway-gateway-responses": gatewayResponses(options.corsAllowOrigins),
  } as Document;
}

/**
 * The public security schemes plus what API Gateway needs to enforce them: a Cognito user pool
 * authorizer (`cognito_user_pools` with the pools' ARNs), or SigV4 (`awsSigv4`, AWS_IAM).
 */
export function gatewaySecuritySchemes(options: BodyOptions): Record<string, unknown> {
  const schemes: Record<string, unknown> = { ...securitySchemes(options.security) };
  const cognito = schemes[SCHEMES.cognito];
  if (cognito) {
    const providerARNs = [...(options.cognitoUserPoolArns ?? [])];
    if (!providerARNs.length) {
      throw new Error(
        "A cognito API needs the user pool ARNs its authorizer trusts (cognitoUserPoolArns)",
      );
    }
    schemes[SCHEMES.cognito] = {
      ...cognito,
      "x-amazon-apigateway-authtype": "cognito_user_pools",
      "x-amazon-apigateway-authorizer": { type: "cognito_user_pools", providerARNs },
    };
  }
  const iam = schemes[SCHEMES.iam];
  if (iam) schemes[SCHEMES.iam] = { ...iam, "x-amazon-apigateway-authtype": "awsSigv4" };
  return schemes;
}

/** Deployment trigger: a new Deployment whenever the body (the whole API) changes. */
export function deploymentTrigger(body: string): string {
  return crypto.createHash("sha256").update(body).digest("hex");
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
   * The API as an OpenAPI 3.0 document. It is deployed as the REST API's body with the
   * integrations, `ANY` methods, API key and gateway responses added (`restApiBody`).
   * @default the document of `handlers/openapi.ts` (routes of `handlers/routes.ts`)
   */
  document?: Document;
  /**
   * Origins the function allows (`corsAllowOrigins`); API Gateway's own errors carry the same
   * CORS headers where it can (see `gatewayCorsParameters`).
   * @default []
   */
  corsAllowOrigins?: readonly string[];
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
   * Who may call which method (`handlers/security.ts`): Cognito tokens or SigV4 on every method
   * but CORS preflights and `GET /openapi.json`, with OAuth scopes per method group. Its `apiKey`
   * must agree with `apiKeyRequired`. Give the CrudFunction the same value.
   * @default no authentication; the API key as `apiKeyRequired` says
   */
  security?: ApiSecurity;
  /**
   * The user pools the Cognito authorizer trusts (`security.auth: "cognito"`).
   * @default []
   */
  cognitoUserPoolArns?: pulumi.Input<string>[];
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
  apiName: API_TITLE,
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
  /** REST API name, as deployed: API Gateway's metrics carry it as the `ApiName` dimension. */
  public readonly name: pulumi.Output<string>;
  /** Stage name. */
  public readonly stageName: pulumi.Output<string>;
  /** Invoke URL of the stage, e.g. `https://abc.execute-api.us-east-1.amazonaws.com/test`. */
  public readonly url: pulumi.Output<string>;
  /** Execution ARN of the API (`arn:aws:execute-api:...:<id>`). */
  public readonly executionArn: pulumi.Output<string>;
  /** Id of the API key, when `apiKeyRequired`; read its value from `nodes.apiKey`. */
  public readonly apiKeyId: pulumi.Output<string | undefined>;
  /**
   * What IAM callers' policies allow `execute-api:Invoke` on: every method and path of this stage
   * (`arn:<partition>:execute-api:<region>:<account>:<api id>/<stage>/<method>/<path>` with both wildcards).
   */
  public readonly invokeResourceArn: pulumi.Output<string>;
  /** Who may call which method. */
  public readonly security: ApiSecurity;
  private readonly resources: {
    restApi: aws.apigateway.RestApi;
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
    const security: ApiSecurity = args.security ?? { auth: "none", apiKey: apiKeyRequired };
    if (security.apiKey !== apiKeyRequired) {
      throw new Error(
        `RestApi ${name}: security.apiKey (${security.apiKey}) and apiKeyRequired (${apiKeyRequired}) disagree`,
      );
    }

    const document = args.document ?? buildOpenApiDocument();
    const body = pulumi
      .all([fn.invokeArn, pulumi.all(args.cognitoUserPoolArns ?? [])])
      .apply(([invokeArn, cognitoUserPoolArns]) =>
        JSON.stringify(
          restApiBody(document, {
            title: apiName,
            invokeArn,
            security,
            cognitoUserPoolArns,
            corsAllowOrigins: args.corsAllowOrigins ?? [],
            catchAllPath: args.catchAllPath ?? CATCH_ALL_PATH,
          }),
        ),
      );

    const restApi = new aws.apigateway.RestApi(
      name,
      ...applyTransform(
        args.transform?.restApi,
        {
          name: apiName,
          description: `CRUD over DynamoDB (${project}/${stack})`,
          body,
          // Overwrite, never merge: the body is the whole API, so what it drops goes away.
          putRestApiMode: "overwrite",
          // The body cannot set the endpoint type.
          endpointConfiguration: { types: "REGIONAL" },
        },
        { parent: this },
      ),
    );

    // A Deployment snapshots the API: a new one whenever the body changes, created after the
    // RestApi's update (it reads restApi.id), so it never snapshots a half-updated API.
    const deployment = new aws.apigateway.Deployment(
      name,
      {
        restApi: restApi.id,
        description: `${apiName} from its OpenAPI document`,
        triggers: { redeployment: body.apply(deploymentTrigger) },
      },
      { parent: this },
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
      deployment,
      stage,
      methodSettings,
      accessLogGroup,
      permission,
      apiKey,
      usagePlan,
    };
    this.id = restApi.id;
    this.name = restApi.name;
    this.stageName = stage.stageName;
    this.url = stage.invokeUrl;
    this.executionArn = restApi.executionArn;
    this.apiKeyId = apiKey ? apiKey.id : pulumi.output(undefined);
    this.invokeResourceArn = pulumi.interpolate`${stage.executionArn}/*/*`;
    this.security = security;
    this.registerOutputs({ id: this.id, stageName: this.stageName, url: this.url });
  }

  /** The underlying resources, for reading any property the component does not re-export. */
  public get nodes() {
    return this.resources;
  }
}
