/**
 * The stack: the tutorial's DynamoDB table, the CRUD function, the REST API in front of it, and the
 * alarms and dashboard that watch them.
 * Every setting comes from the stack config (see `components/config.ts` and `Pulumi.dev.yaml`).
 */
import { RestApi } from "./components/api";
import { CognitoAuth } from "./components/auth";
import { loadConfig } from "./components/config";
import { CrudFunction, RECORD_ACTIONS } from "./components/function";
import { Monitoring, dynamoDbOperations } from "./components/monitoring";
import { Table } from "./components/table";
import type { ApiSecurity } from "./contract/security";

const config = loadConfig();

const table = new Table("table", {
  name: config.tableName,
  pointInTimeRecovery: config.pointInTimeRecovery,
  kmsKeyArn: config.kmsKeyArn,
  ttlAttribute: config.ttlAttribute,
  production: config.production,
});

// Who may call the API: Cognito tokens, SigV4 (IAM) or anyone, plus the usage plan's API key.
const cognito =
  config.auth === "cognito"
    ? new CognitoAuth("auth", {
        userPoolArn: config.cognitoUserPoolArn,
        selfSignUp: config.cognitoSelfSignUp,
        passwordMinLength: config.cognitoPasswordMinLength,
        accessTokenMinutes: config.cognitoAccessTokenMinutes,
        idTokenMinutes: config.cognitoIdTokenMinutes,
        refreshTokenDays: config.cognitoRefreshTokenDays,
        resourceServer: config.cognitoResourceServer,
        domainPrefix: config.cognitoDomainPrefix,
        callbackUrls: config.corsAllowOrigins.filter((origin) => origin !== "*"),
        production: config.production,
      })
    : undefined;
const security: ApiSecurity = {
  auth: config.auth,
  apiKey: config.apiKeyRequired,
  ...(cognito?.scopes ? { scopes: cognito.scopes } : {}),
};

const fn = new CrudFunction("crud", {
  table,
  memorySize: config.memorySize,
  timeout: config.timeout,
  architecture: config.architecture,
  logRetentionDays: config.logRetentionDays,
  tracing: config.tracing,
  corsAllowOrigins: config.corsAllowOrigins,
  idempotencyTtlHours: config.idempotencyTtlHours,
  apiSecurity: security,
});

const api = new RestApi("api", {
  function: fn,
  apiName: config.apiName,
  stageName: config.stageName,
  throttleRateLimit: config.throttleRateLimit,
  throttleBurstLimit: config.throttleBurstLimit,
  logRetentionDays: config.logRetentionDays,
  tracing: config.tracing,
  apiKeyRequired: config.apiKeyRequired,
  security,
  cognitoUserPoolArns: cognito ? [cognito.userPoolArn] : [],
  corsAllowOrigins: config.corsAllowOrigins,
  accessLogs: config.apiGatewayCloudWatchRoleSet,
});

const monitoring = new Monitoring("monitoring", {
  function: fn,
  api,
  // The items table, and the Idempotency-Key records table with the only operations sent to it.
  tables: [
    table,
    ...(table.records
      ? [{ name: table.records.name, operations: dynamoDbOperations(RECORD_ACTIONS) }]
      : []),
  ],
  alarmEmails: config.alarmEmails,
  alarmTopicArn: config.alarmTopicArn,
  periodSeconds: config.alarmPeriodSeconds,
  evaluationPeriods: config.alarmEvaluationPeriods,
  datapointsToAlarm: config.alarmDatapointsToAlarm,
  thresholds: {
    lambdaErrors: config.alarmLambdaErrors,
    lambdaThrottles: config.alarmLambdaThrottles,
    durationP99PercentOfTimeout: config.alarmDurationP99PercentOfTimeout,
    api5xxPercent: config.alarmApi5xxPercent,
    api4xxPercent: config.alarmApi4xxPercent,
    apiLatencyP99Ms: config.alarmApiLatencyP99Ms,
    minRequests: config.alarmMinRequests,
    dynamoDbThrottles: config.alarmDynamoDbThrottles,
    dynamoDbSystemErrors: config.alarmDynamoDbSystemErrors,
    dynamoDbUserErrorsPercent: config.alarmDynamoDbUserErrorsPercent,
  },
});

/** Invoke URL including the stage: `POST ${apiUrl}/DynamoDBManager`. */
export const apiUrl = api.url;
export const apiId = api.id;
export const stageName = api.stageName;
export const tableName = table.name;
export const tableArn = table.arn;
export const idempotencyTableName = table.records?.name;
export const functionName = fn.name;
/** Topic every alarm notifies; subscribe to it to hear about them. */
export const alarmTopicArn = monitoring.topicArn;
export const dashboardName = monitoring.dashboardName;
/** How callers authenticate: none, cognito or iam. */
export const auth = config.auth;
/** Cognito stacks: the user pool, its token issuer and the app client this stack created. */
export const userPoolId = cognito?.userPoolId;
export const userPoolIssuer = cognito?.issuer;
export const userPoolClientId = cognito?.clientId;
/** IAM stacks: the resource callers' policies allow `execute-api:Invoke` on. */
export const invokeResourceArn = config.auth === "iam" ? api.invokeResourceArn : undefined;
