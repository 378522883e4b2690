/**
 * Names of the environment variables the Function component sets and the handler reads. The values
 * come from the Pulumi program and its stack config; only the names live here.
 */
export const ENV = {
  /** Name of the DynamoDB table the function may touch; requests can reach no other. */
  tableName: "TABLE_NAME",
  /** HMAC key that makes list cursors tamper-evident (and foreign ones detectable). */
  cursorSecret: "CURSOR_SECRET",
  /** Comma-separated origins allowed by CORS; empty means no CORS headers. */
  corsAllowOrigins: "CORS_ALLOW_ORIGINS",
  /** Per-attempt DynamoDB request timeout in ms, so a dead database fails fast. */
  dynamoDbTimeoutMs: "DYNAMODB_TIMEOUT_MS",
  /** Total DynamoDB attempts per call (1 = no retry). */
  dynamoDbMaxAttempts: "DYNAMODB_MAX_ATTEMPTS",
  /** CloudWatch namespace of the handler's metrics (`metrics.ts`); empty turns them off. */
  metricsNamespace: "METRICS_NAMESPACE",
  /** Table of Idempotency-Key records; unset or empty: keyed writes are refused with 400. */
  idempotencyTableName: "IDEMPOTENCY_TABLE_NAME",
  /** How long a completed Idempotency-Key record is replayed, in seconds. */
  idempotencyTtlSeconds: "IDEMPOTENCY_TTL_SECONDS",
  /**
   * Who may call which method (`security.ts`'s ApiSecurity, as JSON): the served OpenAPI document
   * states it, and CORS preflights allow the request headers it needs.
   */
  apiSecurity: "API_SECURITY",
} as const;
