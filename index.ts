/**
 * The stack: the tutorial's DynamoDB table, the CRUD function and the REST API in front of it.
 * Every setting comes from the stack config (see `components/config.ts` and `Pulumi.dev.yaml`).
 */
import { RestApi } from "./components/api";
import { loadConfig } from "./components/config";
import { CrudFunction } from "./components/function";
import { Table } from "./components/table";

const config = loadConfig();

const table = new Table("table", {
  name: config.tableName,
  pointInTimeRecovery: config.pointInTimeRecovery,
  kmsKeyArn: config.kmsKeyArn,
  ttlAttribute: config.ttlAttribute,
  production: config.production,
});

const fn = new CrudFunction("crud", {
  table,
  memorySize: config.memorySize,
  timeout: config.timeout,
  architecture: config.architecture,
  logRetentionDays: config.logRetentionDays,
  tracing: config.tracing,
  corsAllowOrigins: config.corsAllowOrigins,
  idempotencyTtlHours: config.idempotencyTtlHours,
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
  manageAccountLogging: config.manageApiGatewayAccount,
});

/** Invoke URL including the stage: `POST ${apiUrl}/DynamoDBManager`. */
export const apiUrl = api.url;
export const apiId = api.id;
export const stageName = api.stageName;
export const tableName = table.name;
export const tableArn = table.arn;
export const idempotencyTableName = table.records?.name;
export const functionName = fn.name;
