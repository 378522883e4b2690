/**
 * The function's configuration, read once per container from the environment variables the Pulumi
 * program sets (names in contract/env.ts).
 */
import { ENV } from "../../contract/env";
import { DEFAULT_IDEMPOTENCY_TTL_HOURS } from "../../contract/idempotency";

export interface Config {
  readonly tableName: string;
  readonly cursorSecret: string;
  /** Allowed origins; `*` allows any. Empty: no CORS headers. */
  readonly corsAllowOrigins: readonly string[];
  readonly dynamoDbTimeoutMs: number;
  readonly dynamoDbMaxAttempts: number;
  /** Records table for Idempotency-Key; undefined when the deployment keeps none. */
  readonly idempotencyTableName?: string;
  readonly idempotencyTtlSeconds: number;
  /**
   * Who may call which method, as JSON (contract/security.ts's ApiSecurity): the served document
   * states it, and preflights allow the request headers it needs.
   */
  readonly apiSecurity?: string;
}

/** Defaults that fail a request on a dead database within ~2 s, well inside any Lambda timeout. */
export const DEFAULT_TIMEOUT_MS = 1000;
export const DEFAULT_MAX_ATTEMPTS = 2;

export class ConfigError extends Error {
  override name = "ConfigError";
}

function positiveInt(env: Record<string, string | undefined>, name: string, fallback: number) {
  const raw = env[name];
  if (raw === undefined || raw === "") return fallback;
  const n = Number(raw);
  if (!Number.isInteger(n) || n < 1) {
    throw new ConfigError(`${name} must be a positive integer, got ${JSON.stringify(raw)}`);
  }
  return n;
}

export function readConfig(env: Record<string, string | undefined>): Config {
  const tableName = env[ENV.tableName];
  if (!tableName) throw new ConfigError(`${ENV.tableName} is not set: deploy the function with it`);
  const cursorSecret = env[ENV.cursorSecret];
  if (!cursorSecret || cursorSecret.length < 16) {
    throw new ConfigError(`${ENV.cursorSecret} must be set to at least 16 characters`);
  }
  return {
    tableName,
    cursorSecret,
    corsAllowOrigins: (env[ENV.corsAllowOrigins] ?? "")
      .split(",")
      .map((o) => o.trim())
      .filter(Boolean),
    dynamoDbTimeoutMs: positiveInt(env, ENV.dynamoDbTimeoutMs, DEFAULT_TIMEOUT_MS),
    dynamoDbMaxAttempts: positiveInt(env, ENV.dynamoDbMaxAttempts, DEFAULT_MAX_ATTEMPTS),
    ...(env[ENV.idempotencyTableName]
      ? { idempotencyTableName: env[ENV.idempotencyTableName] }
      : {}),
    ...(env[ENV.apiSecurity] ? { apiSecurity: env[ENV.apiSecurity] } : {}),
    idempotencyTtlSeconds: positiveInt(
      env,
      ENV.idempotencyTtlSeconds,
      DEFAULT_IDEMPOTENCY_TTL_HOURS * 3600,
    ),
  };
}
