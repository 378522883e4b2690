/**
 * The stack configuration, read once, typed and validated. Every key lives under the project's
 * namespace (`lambda-apigateway:<key>`); `Pulumi.dev.yaml` sets each one, so it doubles as the
 * reference. A wrong type or value fails `pulumi up` with a message naming the key.
 */
import * as pulumi from "@pulumi/pulumi";
import * as v from "valibot";
import { API_DEFAULTS } from "./api";
import { FUNCTION_DEFAULTS } from "./function";
import { IDEMPOTENCY_RECORD } from "../contract/keys";
import { API_GATEWAY_INTEGRATION_TIMEOUT_SECONDS } from "../contract/limits";
import { AUTH_MODES } from "../contract/security";
import { COGNITO_DEFAULTS, COGNITO_LIMITS } from "./auth";
import { MAX_EVALUATION_SECONDS, MONITORING_DEFAULTS } from "./monitoring";
import { MAX_TABLE_NAME_LENGTH, TABLE_DEFAULTS } from "./table";

/** Namespace of the project's config keys (the project name in `Pulumi.yaml`). */
export const CONFIG_NAMESPACE = "lambda-apigateway";

/** Retention periods CloudWatch Logs accepts (days). Zero ("never expire") is deliberately absent. */
export const LOG_RETENTION_DAYS = [
  1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288,
  3653,
] as const;

// API Gateway stops waiting for an integration after 29 s, so a longer function timeout only hides
// work that no client will ever see the result of.
const API_GATEWAY_MAX_TIMEOUT_SECONDS = API_GATEWAY_INTEGRATION_TIMEOUT_SECONDS;

// The Idempotency-Key records table is named after the items table, and must fit DynamoDB's limit too.
const MAX_NAME = MAX_TABLE_NAME_LENGTH - IDEMPOTENCY_RECORD.tableSuffix.length;
const TABLE_NAME = new RegExp(`^[A-Za-z0-9_.-]{3,${MAX_NAME}}$`);

/** A year: longer would keep records of requests no client still retries. */
const MAX_IDEMPOTENCY_TTL_HOURS = 8760;

const bool = v.boolean("must be true or false");
const tokenMinutes = (what: string) =>
  v.pipe(
    v.number(`must be a number of minutes (${what})`),
    v.integer(`must be a whole number of minutes (${what})`),
    v.minValue(
      COGNITO_LIMITS.tokenMinutes.min,
      `must be at least ${COGNITO_LIMITS.tokenMinutes.min} minutes (Cognito's limit for the ${what})`,
    ),
    v.maxValue(
      COGNITO_LIMITS.tokenMinutes.max,
      `must be at most ${COGNITO_LIMITS.tokenMinutes.max} minutes, one day (Cognito's limit for the ${what})`,
    ),
  );
const positive = (what: string) =>
  v.pipe(v.number(`must be a number (${what})`), v.minValue(1, `must be at least 1 (${what})`));
const wholeAtLeast1 = (what: string) =>
  v.pipe(positive(what), v.integer(`must be a whole number (${what})`));
const percent = (what: string) =>
  v.pipe(
    v.number(`must be a number (${what})`),
    v.gtValue(0, `must be above 0 (${what})`),
    v.maxValue(100, `must be at most 100 (${what})`),
  );

/** The schema of the stack config: types, allowed values and defaults. */
export const configSchema = (stack: string) =>
  v.object({
    tableName: v.optional(
      v.pipe(
        v.string("must be a string"),
        v.regex(
          TABLE_NAME,
          `must be 3–${MAX_NAME} characters of A-Z a-z 0-9 _ . - (DynamoDB allows 255, and the records table adds "${IDEMPOTENCY_RECORD.tableSuffix}")`,
        ),
      ),
      `${CONFIG_NAMESPACE}-${stack}`,
    ),
    production: v.optional(bool, TABLE_DEFAULTS.production),
    pointInTimeRecovery: v.optional(bool, TABLE_DEFAULTS.pointInTimeRecovery),
    kmsKeyArn: v.optional(
      v.pipe(
        v.string("must be a string"),
        v.regex(/^arn:aws[a-z-]*:kms:[a-z0-9-]+:\d{12}:(key|alias)\/.+$/, "must be a KMS key ARN"),
      ),
    ),
    ttlAttribute: v.optional(
      v.pipe(v.string("must be a string"), v.regex(/^.{1,255}$/, "must be 1–255 characters")),
    ),
    memorySize: v.optional(
      v.pipe(
        v.number("must be a number of MB"),
        v.integer("must be a whole number of MB"),
        v.minValue(128, "must be at least 128 MB"),
        v.maxValue(10240, "must be at most 10240 MB"),
      ),
      FUNCTION_DEFAULTS.memorySize,
    ),
    timeout: v.optional(
      v.pipe(
        v.number("must be a number of seconds"),
        v.integer("must be a whole number of seconds"),
        v.minValue(1, "must be at least 1 second"),
        v.maxValue(
          API_GATEWAY_MAX_TIMEOUT_SECONDS,
          `must be at most ${API_GATEWAY_MAX_TIMEOUT_SECONDS} s, API Gateway's integration timeout`,
        ),
      ),
      FUNCTION_DEFAULTS.timeout,
    ),
    logRetentionDays: v.optional(
      v.picklist(LOG_RETENTION_DAYS, `must be one of ${LOG_RETENTION_DAYS.join(", ")}`),
      FUNCTION_DEFAULTS.logRetentionDays,
    ),
    tracing: v.optional(bool, FUNCTION_DEFAULTS.tracing),
    architecture: v.optional(
      v.picklist(["arm64", "x86_64"], "must be arm64 or x86_64"),
      FUNCTION_DEFAULTS.architecture,
    ),
    apiName: v.optional(
      v.pipe(v.string("must be a string"), v.regex(/^.{1,1024}$/, "must be 1–1024 characters")),
      API_DEFAULTS.apiName,
    ),
    stageName: v.optional(
      v.pipe(
        v.string("must be a string"),
        v.regex(
          /^[A-Za-z0-9_-]{1,128}$/,
          "must be 1–128 characters of A-Z a-z 0-9 _ - (API Gateway's rule for stage names)",
        ),
      ),
      stack,
    ),
    throttleRateLimit: v.optional(positive("requests per second"), API_DEFAULTS.throttleRateLimit),
    throttleBurstLimit: v.optional(
      v.pipe(positive("requests"), v.integer("must be a whole number of requests")),
      API_DEFAULTS.throttleBurstLimit,
    ),
    apiKeyRequired: v.optional(bool, API_DEFAULTS.apiKeyRequired),
    corsAllowOrigins: v.optional(
      v.array(
        v.pipe(
          v.string("must be a list of origins"),
          v.regex(/^(\*|https?:\/\/[^/\s,]+)$/, 'must be origins like "https://app.example.com"'),
        ),
        "must be a list of origins",
      ),
      [],
    ),
    // API Gateway's account-wide CloudWatch role exists in this account and region (bootstrap/
    // sets it): only then may the stage write access logs.
    apiGatewayCloudWatchRoleSet: v.optional(bool, false),
    // Monitoring (components/monitoring.ts).
    alarmEmails: v.optional(
      v.array(
        v.pipe(v.string("must be a list of email addresses"), v.email("must be email addresses")),
        "must be a list of email addresses",
      ),
      [],
    ),
    alarmTopicArn: v.optional(
      v.pipe(
        v.string("must be a string"),
        v.regex(
          /^arn:aws[a-z-]*:sns:[a-z0-9-]+:\d{12}:[A-Za-z0-9_-]{1,256}$/,
          "must be an SNS topic ARN (arn:aws:sns:<region>:<account>:<name>)",
        ),
      ),
    ),
    alarmPeriodSeconds: v.optional(
      v.pipe(
        v.number("must be a number of seconds"),
        v.integer("must be a whole number of seconds"),
        v.minValue(60, "must be at least 60 s (AWS's metrics have one-minute resolution)"),
        v.multipleOf(60, "must be a multiple of 60 s, as CloudWatch requires"),
        v.maxValue(MAX_EVALUATION_SECONDS, "must be at most 86400 s (one day)"),
      ),
      MONITORING_DEFAULTS.periodSeconds,
    ),
    alarmEvaluationPeriods: v.optional(
      wholeAtLeast1("periods"),
      MONITORING_DEFAULTS.evaluationPeriods,
    ),
    alarmDatapointsToAlarm: v.optional(
      wholeAtLeast1("periods"),
      MONITORING_DEFAULTS.datapointsToAlarm,
    ),
    alarmLambdaErrors: v.optional(wholeAtLeast1("errors"), MONITORING_DEFAULTS.lambdaErrors),
    alarmLambdaThrottles: v.optional(
      wholeAtLeast1("throttles"),
      MONITORING_DEFAULTS.lambdaThrottles,
    ),
    alarmDurationP99PercentOfTimeout: v.optional(
      percent("percent of the timeout"),
      MONITORING_DEFAULTS.durationP99PercentOfTimeout,
    ),
    alarmApi5xxPercent: v.optional(
      percent("percent of requests"),
      MONITORING_DEFAULTS.api5xxPercent,
    ),
    alarmApi4xxPercent: v.optional(
      percent("percent of requests"),
      MONITORING_DEFAULTS.api4xxPercent,
    ),
    alarmApiLatencyP99Ms: v.optional(
      v.pipe(
        positive("milliseconds"),
        v.maxValue(
          API_GATEWAY_MAX_TIMEOUT_SECONDS * 1000,
          `must be at most ${API_GATEWAY_MAX_TIMEOUT_SECONDS * 1000} ms, API Gateway's integration timeout`,
        ),
      ),
      MONITORING_DEFAULTS.apiLatencyP99Ms,
    ),
    alarmMinRequests: v.optional(wholeAtLeast1("requests"), MONITORING_DEFAULTS.minRequests),
    alarmDynamoDbThrottles: v.optional(
      wholeAtLeast1("throttled requests"),
      MONITORING_DEFAULTS.dynamoDbThrottles,
    ),
    alarmDynamoDbSystemErrors: v.optional(
      wholeAtLeast1("errors"),
      MONITORING_DEFAULTS.dynamoDbSystemErrors,
    ),
    alarmDynamoDbUserErrorsPercent: v.optional(
      v.pipe(
        v.number("must be a number (percent of requests; 0 turns the alarm off)"),
        v.minValue(0, "must be at least 0 (0 turns the alarm off)"),
        v.maxValue(100, "must be at most 100 (percent of requests)"),
      ),
      MONITORING_DEFAULTS.dynamoDbUserErrorsPercent,
    ),
    idempotencyTtlHours: v.optional(
      v.pipe(
        v.number("must be a number of hours"),
        v.integer("must be a whole number of hours"),
        v.minValue(1, "must be at least 1 hour"),
        v.maxValue(
          MAX_IDEMPOTENCY_TTL_HOURS,
          `must be at most ${MAX_IDEMPOTENCY_TTL_HOURS} hours (a year)`,
        ),
      ),
      FUNCTION_DEFAULTS.idempotencyTtlHours,
    ),
    // Authentication (components/auth.ts, handlers/security.ts).
    auth: v.optional(
      v.picklist(AUTH_MODES, `must be one of ${AUTH_MODES.join(", ")}`),
      COGNITO_DEFAULTS.auth,
    ),
    cognitoUserPoolArn: v.optional(
      v.pipe(
        v.string("must be a string"),
        v.regex(
          /^arn:aws[a-z-]*:cognito-idp:[a-z0-9-]+:\d{12}:userpool\/[a-z0-9-]+_[0-9a-zA-Z]+$/,
          "must be a Cognito user pool ARN (arn:aws:cognito-idp:<region>:<account>:userpool/<region>_<id>)",
        ),
      ),
    ),
    cognitoSelfSignUp: v.optional(bool, COGNITO_DEFAULTS.selfSignUp),
    cognitoPasswordMinLength: v.optional(
      v.pipe(
        v.number("must be a number of characters"),
        v.integer("must be a whole number of characters"),
        v.minValue(
          COGNITO_LIMITS.passwordMinLength.min,
          `must be at least ${COGNITO_LIMITS.passwordMinLength.min} (a strong password policy; Cognito allows 6)`,
        ),
        v.maxValue(COGNITO_LIMITS.passwordMinLength.max, "must be at most 99 (Cognito's limit)"),
      ),
      COGNITO_DEFAULTS.passwordMinLength,
    ),
    cognitoAccessTokenMinutes: v.optional(
      tokenMinutes("access token"),
      COGNITO_DEFAULTS.accessTokenMinutes,
    ),
    cognitoIdTokenMinutes: v.optional(tokenMinutes("ID token"), COGNITO_DEFAULTS.idTokenMinutes),
    cognitoRefreshTokenDays: v.optional(
      v.pipe(
        v.number("must be a number of days"),
        v.integer("must be a whole number of days"),
        v.minValue(1, "must be at least 1 day"),
        v.maxValue(
          COGNITO_LIMITS.refreshTokenDays.max,
          "must be at most 3650 days (Cognito's limit: ten years)",
        ),
      ),
      COGNITO_DEFAULTS.refreshTokenDays,
    ),
    cognitoResourceServer: v.optional(
      v.pipe(
        v.string("must be a string"),
        v.regex(
          /^[\x21\x23-\x5B\x5D-\x7E]{1,256}$/,
          "must be 1–256 printable characters without spaces, quotes or backslashes (Cognito's rule for resource server identifiers)",
        ),
      ),
    ),
    cognitoDomainPrefix: v.optional(
      v.pipe(
        v.string("must be a string"),
        v.regex(
          /^[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?$/,
          "must be 1–63 lower-case letters, digits and hyphens, not starting or ending with a hyphen",
        ),
        v.check(
          (prefix) => !/aws|amazon|cognito/.test(prefix),
          'must not contain "aws", "amazon" or "cognito" (Cognito refuses such domains)',
        ),
      ),
    ),
  });

export type StackConfig = v.InferOutput<ReturnType<typeof configSchema>>;
export type ConfigKey = keyof StackConfig;

// Keys whose YAML value is a plain string; every other value arrives JSON-encoded (numbers,
// booleans, lists), which is how Pulumi hands non-string config to programs.
const STRING_KEYS: ReadonlySet<ConfigKey> = new Set<ConfigKey>([
  "tableName",
  "kmsKeyArn",
  "ttlAttribute",
  "architecture",
  "apiName",
  "stageName",
  "alarmTopicArn",
  "auth",
  "cognitoUserPoolArn",
  "cognitoResourceServer",
  "cognitoDomainPrefix",
]);

// Optional keys an empty string switches off, so a stack file can list them without a value.
const EMPTY_MEANS_UNSET: ReadonlySet<ConfigKey> = new Set<ConfigKey>([
  "kmsKeyArn",
  "ttlAttribute",
  "alarmTopicArn",
  "cognitoUserPoolArn",
  "cognitoResourceServer",
  "cognitoDomainPrefix",
]);

function decode(key: ConfigKey, raw: string): unknown {
  if (raw === "" && EMPTY_MEANS_UNSET.has(key)) return undefined;
  if (STRING_KEYS.has(key)) return raw;
  try {
    return JSON.parse(raw);
  } catch {
    return raw; // left for the schema to reject with a typed message
  }
}

/**
 * Validates raw config strings (as Pulumi stores them) against the schema. Pure, so tests can
 * call it directly; `loadConfig` is the program's entry.
 */
export function parseConfig(stack: string, raw: Record<string, string | undefined>): StackConfig {
  const schema = configSchema(stack);
  const known = Object.keys(schema.entries) as ConfigKey[];
  const unknown = Object.keys(raw).filter((k) => !known.includes(k as ConfigKey));
  if (unknown.length > 0) {
    throw new Error(
      `Unknown config key(s) ${unknown.map((k) => `${CONFIG_NAMESPACE}:${k}`).join(", ")} ` +
        `in stack "${stack}": fix the spelling or remove them. Known keys: ${known.join(", ")}`,
    );
  }
  const input: Record<string, unknown> = {};
  for (const key of known) {
    const value = raw[key];
    const decoded = value === undefined ? undefined : decode(key, value);
    if (decoded !== undefined) input[key] = decoded;
  }
  const result = v.safeParse(schema, input);
  const problems = result.success
    ? crossKeyProblems(result.output)
    : result.issues.map((issue) => ({
        key: v.getDotPath(issue) ?? "(config)",
        message: issue.message,
        got: issue.input,
      }));
  if (problems.length > 0 || !result.success) {
    const lines = problems.map(
      (p) => `  ${CONFIG_NAMESPACE}:${p.key} ${p.message} (got ${JSON.stringify(p.got)})`,
    );
    throw new Error(
      `Invalid config for stack "${stack}":\n${lines.join("\n")}\n` +
        `Fix it with \`pulumi config set ${CONFIG_NAMESPACE}:<key> <value>\` or in Pulumi.${stack}.yaml.`,
    );
  }
  return result.output;
}

/** Rules that tie keys together, each reported against the key to change. */
function crossKeyProblems(cfg: StackConfig): { key: string; message: string; got: unknown }[] {
  const problems: { key: string; message: string; got: unknown }[] = [];
  if (cfg.alarmDatapointsToAlarm > cfg.alarmEvaluationPeriods) {
    problems.push({
      key: "alarmDatapointsToAlarm",
      message: `must be at most alarmEvaluationPeriods (${cfg.alarmEvaluationPeriods})`,
      got: cfg.alarmDatapointsToAlarm,
    });
  }
  if (cfg.alarmPeriodSeconds * cfg.alarmEvaluationPeriods > MAX_EVALUATION_SECONDS) {
    problems.push({
      key: "alarmEvaluationPeriods",
      message:
        `times alarmPeriodSeconds (${cfg.alarmPeriodSeconds}) must be at most ` +
        `${MAX_EVALUATION_SECONDS} s: CloudWatch evaluates at most one day`,
      got: cfg.alarmEvaluationPeriods,
    });
  }
  if (cfg.alarmTopicArn && cfg.alarmEmails.length > 0) {
    problems.push({
      key: "alarmEmails",
      message:
        "subscribe only to the topic this stack creates: with alarmTopicArn set, subscribe the " +
        "addresses on that topic instead (unconfirmed subscriptions cannot be removed by the stack)",
      got: cfg.alarmEmails,
    });
  }
  problems.push(...authProblems(cfg));
  const seen = new Set<string>();
  for (const email of cfg.alarmEmails) {
    if (seen.has(email.toLowerCase())) {
      problems.push({ key: "alarmEmails", message: "must not list an address twice", got: email });
    }
    seen.add(email.toLowerCase());
  }
  return problems;
}

/** What Cognito refuses, or what leaves a cognito stack without a way to get the tokens it needs. */
function authProblems(cfg: StackConfig): { key: string; message: string; got: unknown }[] {
  if (cfg.auth !== "cognito" || cfg.cognitoUserPoolArn) return [];
  const problems: { key: string; message: string; got: unknown }[] = [];
  const refreshMinutes = cfg.cognitoRefreshTokenDays * 24 * 60;
  for (const key of ["cognitoAccessTokenMinutes", "cognitoIdTokenMinutes"] as const) {
    if (cfg[key] >= refreshMinutes) {
      problems.push({
        key: "cognitoRefreshTokenDays",
        message: `must outlast ${key} (${cfg[key]} minutes): Cognito refuses a refresh token that expires first`,
        got: cfg.cognitoRefreshTokenDays,
      });
    }
  }
  if (cfg.cognitoResourceServer) {
    if (!cfg.cognitoDomainPrefix) {
      problems.push({
        key: "cognitoDomainPrefix",
        message:
          "must be set with cognitoResourceServer: access tokens with custom scopes come only from the user pool's OAuth endpoints, on its domain",
        got: cfg.cognitoDomainPrefix,
      });
    }
    const callbacks = cfg.corsAllowOrigins.filter((o) => o !== "*");
    if (!callbacks.length) {
      problems.push({
        key: "corsAllowOrigins",
        message:
          "must name the browser app's origin with cognitoResourceServer: it is the app client's OAuth callback URL (Cognito takes no wildcard)",
        got: cfg.corsAllowOrigins,
      });
    }
    for (const origin of callbacks) {
      if (!/^https:\/\//.test(origin) && !/^http:\/\/localhost(:\d+)?$/.test(origin)) {
        problems.push({
          key: "corsAllowOrigins",
          message:
            "must be https (or http://localhost) with cognitoResourceServer: Cognito refuses other callback URLs",
          got: origin,
        });
      }
    }
  }
  return problems;
}

/** Reads and validates this stack's config. Call once, in `index.ts`, and pass the result down. */
export function loadConfig(): StackConfig {
  const prefix = `${CONFIG_NAMESPACE}:`;
  const raw: Record<string, string> = {};
  for (const [key, value] of Object.entries(pulumi.runtime.allConfig())) {
    if (key.startsWith(prefix)) raw[key.slice(prefix.length)] = value;
  }
  return parseConfig(pulumi.getStack(), raw);
}
