/**
 * The REST API (API Gateway v1) in front of the CRUD function, deployed from one OpenAPI document
 * (`contract/openapi.ts`) as its body: every route a Lambda proxy integration, gateway responses
 * in the function's error shape, one stage with throttling and (where the account allows)
 * JSON access logs.
 */
import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import * as v from "valibot";
import { API_TITLE, buildOpenApiDocument, type Document } from "../../contract/openapi";
import { CATCH_ALL_PATH } from "../../contract/operations";
import type { ApiSecurity } from "../../contract/security";
import type { CrudFunction } from "../function";
import { SHARED_FIELDS, bool, docType, parseArgs, type LogRetentionDays } from "../schema";
import { applyTransform, type Transform } from "../transform";
import { TUTORIAL_NAMES } from "../tutorial";
import { accountCloudWatchRole } from "./account";
import { deploymentTrigger, restApiBody } from "./body";

export {
  API_KEY_SCHEME,
  GATEWAY_RESPONSE_TEMPLATE,
  deploymentTrigger,
  gatewayCorsParameters,
  gatewayResponses,
  gatewaySecuritySchemes,
  restApiBody,
  type BodyOptions,
  type GatewayResponse,
} from "./body";

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

export interface ApiArgs {
  /** Function every route integrates with (Lambda proxy integration), through its alias. */
  function: CrudFunction;
  /**
   * REST API name shown in the console (the body's `info.title`); API Gateway's metrics carry it
   * as the `ApiName` dimension, and tell REST APIs apart by name and stage only, so two APIs of
   * the same name and stage in one account and region share their metrics and alarms.
   * @default "DynamoDBOperations" (the stack config's default adds the stack's name)
   */
  name?: string;
  /**
   * The API as an OpenAPI 3.0 document. It is deployed as the REST API's body with the
   * integrations, `ANY` methods, API key and gateway responses added (`restApiBody`).
   * @default the document of `contract/openapi.ts` (the operations of `contract/operations.ts`)
   */
  document?: Document;
  /**
   * Origins the function allows (`corsAllowOrigins`); API Gateway's own errors carry the same
   * CORS headers where it can (see `gatewayCorsParameters`).
   * @default []
   */
  corsAllowOrigins?: string[];
  /**
   * Greedy resource that sends unknown paths to the function (which answers 404).
   * @default CATCH_ALL_PATH ("/{proxy+}")
   */
  catchAllPath?: string;
  /**
   * Stage name (1–128 characters of `A-Z a-z 0-9 _ -`); part of the URL. The tutorial uses `test`.
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
   * Days CloudWatch keeps the access logs (one of the retentions CloudWatch Logs accepts).
   * @default 30
   */
  logRetentionDays?: LogRetentionDays;
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
   * Who may call which method (`contract/security.ts`): Cognito tokens or SigV4 on every method
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
   * region. When on, the component reads the account's setting (`accountCloudWatchRole`), so a
   * preview stops with the fix where the role is missing; while it is off, `pulumi up` says so
   * with a warning.
   * @default false
   */
  accessLogs?: boolean;
  /**
   * Turn off the default `https://<id>.execute-api.<region>.amazonaws.com` endpoint, so callers
   * can reach the API only through a custom domain (`ApiDomain`); `url` then stops serving.
   * @default false
   */
  disableExecuteApiEndpoint?: boolean;
  /**
   * API Gateway's detailed CloudWatch metrics (`metricsEnabled`): the stage's metrics per method
   * and resource as well, at extra CloudWatch charges
   * (https://docs.aws.amazon.com/apigateway/latest/developerguide/api-gateway-metrics-and-dimensions.html).
   * No alarm or dashboard widget of this project reads them: they are for a team that charts or
   * alarms per method itself.
   * @default false
   */
  detailedMetrics?: boolean;
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

/**
 * The plain settings of `ApiArgs`: their types, allowed values and defaults. The component checks
 * its args with it, and the stack config's `api` group (plus the shared `logRetentionDays`,
 * `tracing` and `corsAllowOrigins`) is this schema.
 */
export const ApiArgsSchema = v.strictObject(
  {
    name: v.optional(
      v.pipe(
        v.string("must be a string"),
        v.regex(/^.{1,1024}$/, "must be 1–1024 characters"),
        v.description(
          "REST API name shown in the console and in API Gateway's metrics, which tell REST " +
            "APIs apart by name and stage only: keep it unique in the account and region.",
        ),
        docType("1–1024 characters"),
      ),
      API_TITLE,
    ),
    stageName: v.optional(
      v.pipe(
        v.string("must be a string (quote a number in YAML)"),
        v.regex(
          /^[A-Za-z0-9_-]{1,128}$/,
          "must be 1–128 characters of A-Z a-z 0-9 _ - (API Gateway's rule for stage names)",
        ),
        v.description("Stage name; part of the URL (the tutorial's is `test`)."),
        docType("`[A-Za-z0-9_-]{1,128}`"),
      ),
      TUTORIAL_NAMES.stage,
    ),
    throttleRateLimit: v.optional(
      v.pipe(
        v.number("must be a number (requests per second)"),
        v.minValue(1, "must be at least 1 (requests per second)"),
        v.description("Steady-state requests per second allowed on the stage (all methods)."),
      ),
      100,
    ),
    throttleBurstLimit: v.optional(
      v.pipe(
        v.number("must be a number (requests)"),
        v.minValue(1, "must be at least 1 (requests)"),
        v.integer("must be a whole number of requests"),
        v.description("Burst of requests allowed above the rate."),
      ),
      50,
    ),
    apiKeyRequired: v.optional(
      bool(
        "Require an API key (`x-api-key`) on every method but CORS preflights and the document, " +
          "with a key and a usage plan of the same limits. Keys meter callers; they are no " +
          "authentication.",
      ),
      false,
    ),
    accessLogs: v.optional(
      bool(
        "One JSON access-log line per request. API Gateway refuses a stage with access logs " +
          "until the account has its CloudWatch role in the region (`bootstrap/` sets it): on, " +
          "`pulumi preview` reads the account's setting and stops with the fix where it is " +
          "missing; off, `pulumi up` warns.",
      ),
      false,
    ),
    detailedMetrics: v.optional(
      bool(
        "API Gateway's detailed CloudWatch metrics (`metricsEnabled`): every metric per method " +
          "and resource too, at extra CloudWatch charges. No alarm or widget here reads them; " +
          "the alarms use the stage's metrics, which API Gateway sends without this.",
      ),
      false,
    ),
    disableExecuteApiEndpoint: v.optional(
      bool(
        "Turn off the execute-api URL, so callers reach the API only through the custom domain " +
          "(the `apiUrl` output then stops serving).",
      ),
      false,
    ),
    ...SHARED_FIELDS,
  },
  "must be a map of settings",
);

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
    const settings = parseArgs(ApiArgsSchema, args, `RestApi "${name}"`);
    const apiName = settings.name;
    const apiKeyRequired = settings.apiKeyRequired;
    const rateLimit = settings.throttleRateLimit;
    const burstLimit = settings.throttleBurstLimit;
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
            corsAllowOrigins: settings.corsAllowOrigins,
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
          disableExecuteApiEndpoint: settings.disableExecuteApiEndpoint,
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

    const accessLogGroup = settings.accessLogs
      ? new aws.cloudwatch.LogGroup(
          `${name}-access-logs`,
          {
            name: `/aws/apigateway/${project}/${stack}/${name}-access`,
            retentionInDays: settings.logRetentionDays,
          },
          { parent: this },
        )
      : undefined;
    if (!accessLogGroup) {
      pulumi.log.warn(
        `Access logs are off for this API: API Gateway writes them only once the account has its ` +
          `CloudWatch role in this region. Run bootstrap/ once per account and region, then set ` +
          `accessLogs to true (stack config lambda-apigateway:api.accessLogs, ` +
          `docs/configuration.md).`,
        this,
      );
    }

    // The stage's access logs wait on the account's CloudWatch role: without one, the program
    // stops at preview with the fix, before anything is created.
    const cloudWatchRole = accessLogGroup
      ? accountCloudWatchRole(`${name}-account`, this)
      : undefined;
    const stage = new aws.apigateway.Stage(
      name,
      ...applyTransform(
        args.transform?.stage,
        {
          restApi: restApi.id,
          deployment: deployment.id,
          stageName: settings.stageName,
          accessLogSettings: accessLogGroup
            ? {
                destinationArn: pulumi
                  .all([accessLogGroup.arn, cloudWatchRole!])
                  .apply(([arn]) => arn),
                format: JSON.stringify(ACCESS_LOG_FORMAT),
              }
            : undefined,
          xrayTracingEnabled: settings.tracing,
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
            metricsEnabled: settings.detailedMetrics,
          },
        },
        { parent: this },
      ),
    );

    const permission = new aws.lambda.Permission(
      `${name}-invoke`,
      {
        function: fn.name,
        // The alias the integrations invoke: a permission on the bare function would not cover
        // calls to `<function>:<alias>`, and one on the alias covers whichever version it serves.
        qualifier: fn.aliasName,
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
