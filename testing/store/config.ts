/** The handler's configuration for unit tests that run the service without DynamoDB. */
import type { Config } from "../../handlers/core/config";

export const TEST_CONFIG: Config = {
  tableName: "lambda-apigateway",
  cursorSecret: "0123456789abcdef0123",
  corsAllowOrigins: [],
  dynamoDbTimeoutMs: 1000,
  dynamoDbMaxAttempts: 2,
  idempotencyTableName: "lambda-apigateway-idempotency",
  idempotencyTtlSeconds: 86_400,
};
