/**
 * The stack: the tutorial's DynamoDB table, the CRUD function, the REST API in front of it, and the
 * alarms and dashboard that watch them.
 * Every setting comes from the stack config: one group per component, plus the switches they
 * share (`components/config.ts`, `docs/configuration.md`, `Pulumi.dev.yaml`).
 */
import * as pulumi from "@pulumi/pulumi";
import { RestApi } from "./components/api";
import { CognitoAuth } from "./components/auth";
import { loadConfig } from "./components/config";
import { ApiDomain } from "./components/domain";
import { CrudFunction, RECORD_ACTIONS } from "./components/function";
import { Monitoring, dynamoDbOperations } from "./components/monitoring";
import { Promotion, alarmWindowWarning } from "./components/promotion";
import { Table } from "./components/table";
import { tutorialNameWarnings } from "./components/tutorial";
import type { ApiSecurity } from "./contract/security";

const config = loadConfig();
// Said at preview, before a name the tutorial took can fail the first `pulumi up`.
if (pulumi.runtime.isDryRun()) {
  const names = { table: config.table.name, api: config.api.name, stage: config.api.stageName };
  for (const warning of tutorialNameWarnings(names)) pulumi.log.warn(warning);
}
const shared = {
  logRetentionDays: config.logRetentionDays,
  tracing: config.tracing,
  corsAllowOrigins: config.corsAllowOrigins,
};

const table = new Table("table", { ...config.table, production: config.production });

// Who may call the API: Cognito tokens, SigV4 (IAM) or anyone, plus the usage plan's API key.
const cognito =
  config.auth === "cognito"
    ? new CognitoAuth("auth", {
        ...config.cognito,
        callbackUrls: config.corsAllowOrigins.filter((origin) => origin !== "*"),
        production: config.production,
      })
    : undefined;
const security: ApiSecurity = {
  auth: config.auth,
  apiKey: config.api.apiKeyRequired,
  ...(cognito?.scopes ? { scopes: cognito.scopes } : {}),
};

const fn = new CrudFunction("crud", {
  table,
  ...config.function,
  ...shared,
  apiSecurity: security,
  // With promotion, CodeDeploy moves the alias; `pulumi up` only publishes versions.
  externalTrafficShifting: config.promotion.enabled,
});

const api = new RestApi("api", {
  function: fn,
  ...config.api,
  ...shared,
  security,
  cognitoUserPoolArns: cognito ? [cognito.userPoolArn] : [],
  disableExecuteApiEndpoint: config.domain?.disableExecuteApiEndpoint,
});

// A custom domain, when config names one: callers use it; the execute-api URL stays an output.
const domain = config.domain
  ? new ApiDomain("domain", {
      name: config.domain.name,
      hostedZoneId: config.domain.hostedZoneId,
      certificateArn: config.domain.certificateArn,
      basePath: config.domain.basePath,
      api,
    })
  : undefined;

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
  ...config.monitoring,
});

// A new version reaches callers through a CodeDeploy deployment that the stack's own alarms can
// stop and roll back; `npm run promote` starts it after `pulumi up` (docs/deploying.md).
const promotion = config.promotion.enabled
  ? new Promotion("promotion", {
      function: fn,
      alarmNames: monitoring.rollbackAlarmNames,
      deploymentConfig: config.promotion.deploymentConfig,
    })
  : undefined;
if (promotion) {
  const warning = alarmWindowWarning(promotion.deploymentConfig, config.monitoring);
  if (warning) pulumi.log.warn(warning);
}

/**
 * The URL callers use, and the smoke test: the custom domain's (`https://api.example.com/v1`)
 * when config sets `domain`, else the invoke URL. `POST ${url}/DynamoDBManager`.
 */
export const url = domain?.url ?? api.url;
/** The execute-api invoke URL including the stage (dead with `disableExecuteApiEndpoint`). */
export const apiUrl = api.url;
/** Custom domain: its name, and the host its DNS points at (CNAME it there without a zone). */
export const domainName = domain?.name;
export const domainTarget = domain?.target;
export const apiId = api.id;
export const stageName = api.stageName;
export const tableName = table.name;
export const tableArn = table.arn;
export const idempotencyTableName = table.records?.name;
export const functionName = fn.name;
/** The alias the API invokes, and the newest version `pulumi up` published (promote's target). */
export const functionAlias = fn.aliasName;
export const functionVersion = fn.version;
/** CodeDeploy, when promotion is on: what `npm run promote` deploys with, and what stops it. */
export const codeDeployApplication = promotion?.applicationName;
export const deploymentGroupName = promotion?.deploymentGroupName;
export const deploymentConfig = promotion?.deploymentConfig;
export const rollbackAlarms = promotion ? monitoring.rollbackAlarmNames : undefined;
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
