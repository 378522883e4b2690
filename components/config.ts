/**
 * The stack configuration, read once, typed and validated. It is one object per component
 * (`lambda-apigateway:table`, `:function`, `:api`, `:cognito`, `:monitoring`, `:promotion`) plus the switches
 * several components share (`production`, `tracing`, `logRetentionDays`, `corsAllowOrigins`,
 * `auth`). Each group is the component's own Args schema, the one the component checks its args
 * with: this file composes them, adds the stack's own defaults (table, API and stage named after
 * the stack) and the rules that tie groups together. A wrong key or value fails `pulumi up` with a
 * message naming its path. `docs/configuration.md` is generated from these schemas
 * (`config-reference.ts`); `Pulumi.dev.yaml` sets every key.
 */
import * as pulumi from "@pulumi/pulumi";
import * as v from "valibot";
import { ApiArgsSchema } from "./api";
import { CognitoAuthArgsSchema } from "./auth";
import { ApiDomainArgsSchema } from "./domain";
import { CrudFunctionArgsSchema } from "./function";
import { MonitoringArgsSchema } from "./monitoring";
import { PromotionArgsSchema } from "./promotion";
import { SHARED_FIELDS, bool, entriesOf, problemsOf, shown } from "./schema";
import { TableArgsSchema } from "./table";
import { API_TITLE } from "../contract/openapi";
import { AUTH_MODES, OPEN } from "../contract/security";

/** Namespace of the project's config keys (the project name in `Pulumi.yaml`). */
export const CONFIG_NAMESPACE = "lambda-apigateway";

/** Keys several components read: the stack config sets each once, at the top level. */
const SHARED_KEYS = ["logRetentionDays", "tracing", "corsAllowOrigins"] as const;

/** A top-level switch: a component's field, described for what it does across the stack. */
function shared<TEntry extends v.OptionalSchema<v.GenericSchema, unknown>>(
  entry: TEntry,
  description: string,
) {
  return v.optional(
    v.pipe(entry.wrapped, v.description(description)),
    entry.default,
  ) as unknown as TEntry;
}

type ObjectArgsSchema = v.StrictObjectSchema<v.ObjectEntries, v.ErrorMessage<v.StrictObjectIssue>>;
type PipedArgsSchema = v.SchemaWithPipe<
  readonly [ObjectArgsSchema, ...v.PipeItem<unknown, unknown, v.BaseIssue<unknown>>[]]
>;

/**
 * A component's Args schema as a config group: without the keys set at the top level (or derived
 * by the program), with the stack's own defaults where they differ from the component's, and
 * with the schema's rules. An unset group is `{}`: every key takes its default.
 */
function configGroup<
  TSchema extends ObjectArgsSchema | PipedArgsSchema,
  const TOmit extends string = never,
>(schema: TSchema, omit: readonly TOmit[], defaults: Record<string, unknown> = {}) {
  const [root, ...rules] = ("pipe" in schema ? schema.pipe : [schema]) as [
    ObjectArgsSchema,
    ...v.PipeItem<unknown, unknown, v.BaseIssue<unknown>>[],
  ];
  const entries = Object.fromEntries(
    Object.entries(root.entries)
      .filter(([key]) => !(omit as readonly string[]).includes(key))
      .map(([key, entry]) => [
        key,
        key in defaults
          ? v.optional((entry as v.OptionalSchema<v.GenericSchema, unknown>).wrapped, defaults[key])
          : entry,
      ]),
  );
  const object = v.strictObject(entries, root.message);
  const group = rules.length ? v.pipe(object, ...(rules as [])) : object;
  return v.optional(group, {}) as unknown as v.GenericSchema<
    Omit<v.InferInput<TSchema>, TOmit> | undefined,
    Omit<v.InferOutput<TSchema>, TOmit>
  >;
}

/**
 * A component the stack has only when its group is set (a custom domain needs a name the stack
 * cannot make up): its Args schema with its rules, plus fields of other components that only
 * make sense with it. Unset, the group is `undefined`.
 */
function optInGroup<TSchema extends v.GenericSchema, TExtra extends v.ObjectEntries>(
  schema: TSchema,
  extra: TExtra,
) {
  const [root, ...rules] = (schema as unknown as PipedArgsSchema).pipe as [
    ObjectArgsSchema,
    ...v.PipeItem<unknown, unknown, v.BaseIssue<unknown>>[],
  ];
  const object = v.strictObject({ ...root.entries, ...extra }, root.message);
  return v.optional(v.pipe(object, ...(rules as []))) as unknown as v.GenericSchema<
    (v.InferInput<TSchema> & v.InferInput<v.StrictObjectSchema<TExtra, undefined>>) | undefined,
    (v.InferOutput<TSchema> & v.InferOutput<v.StrictObjectSchema<TExtra, undefined>>) | undefined
  >;
}

// Cognito takes the app's origins as OAuth callback URLs, but no wildcard.
const callbackOrigins = (origins: readonly string[]) => origins.filter((o) => o !== "*");

/** The schema of the stack config: groups, types, allowed values, defaults and cross-group rules. */
export const configSchema = (stack: string) =>
  v.pipe(
    v.strictObject(
      {
        production: shared(
          TableArgsSchema.entries.production,
          "A production stack: deletion protection on the table and the user pool, plus Pulumi " +
            "`protect` and `retainOnDelete`, so neither a console click nor `pulumi destroy` " +
            "loses the data or the users.",
        ),
        tracing: shared(
          SHARED_FIELDS.tracing,
          "Active X-Ray tracing on the function and the stage.",
        ),
        logRetentionDays: shared(
          SHARED_FIELDS.logRetentionDays,
          "Days CloudWatch Logs keeps the function's logs and the stage's access logs.",
        ),
        corsAllowOrigins: shared(
          SHARED_FIELDS.corsAllowOrigins,
          "Browser origins allowed to call the API: the function's CORS headers, API Gateway's " +
            "own error answers where it can match them, and (with a Cognito resource server) the " +
            "app client's OAuth callback URLs, which must then include an https (or " +
            "http://localhost) origin. Empty sends no CORS headers.",
        ),
        auth: v.optional(
          v.pipe(
            v.picklist(AUTH_MODES, `must be one of ${AUTH_MODES.join(", ")}`),
            v.description(
              "Who may call the API: anyone (`none`, the tutorial's), holders of a Cognito " +
                "user pool's tokens (`cognito`, with the `cognito` group), or SigV4-signed IAM " +
                "callers (`iam`). CORS preflights and `GET /openapi.json` stay open.",
            ),
          ),
          OPEN.auth,
        ),
        table: configGroup(TableArgsSchema, ["production"], {
          name: `${CONFIG_NAMESPACE}-${stack}`,
        }),
        function: configGroup(CrudFunctionArgsSchema, SHARED_KEYS),
        // Named after the stack: API Gateway's metrics tell REST APIs apart by name and stage.
        api: configGroup(ApiArgsSchema, [...SHARED_KEYS, "disableExecuteApiEndpoint"], {
          stageName: stack,
          name: `${API_TITLE}-${stack}`,
        }),
        cognito: configGroup(CognitoAuthArgsSchema, ["production", "callbackUrls"]),
        monitoring: configGroup(MonitoringArgsSchema, []),
        // On by default; the LocalStack gate turns it off (CodeDeploy is not in its free image).
        promotion: v.optional(
          v.strictObject(
            {
              enabled: v.optional(
                bool(
                  "Gradual promotion with CodeDeploy: `pulumi up` publishes a version, and a " +
                    "deployment (`npm run promote`) shifts the `live` alias to it, rolling back " +
                    "when an alarm fires. Off: `pulumi up` moves the alias at once.",
                ),
                true,
              ),
              ...PromotionArgsSchema.entries,
            },
            PromotionArgsSchema.message,
          ),
          {},
        ),
        // Unset: no custom domain. Turning the execute-api URL off only makes sense with one.
        domain: optInGroup(ApiDomainArgsSchema, {
          disableExecuteApiEndpoint: ApiArgsSchema.entries.disableExecuteApiEndpoint,
        }),
      },
      "must be a map of config keys",
    ),
    // A created pool's resource server needs the app's origin as the app client's callback URL.
    v.forward(
      v.partialCheck(
        [["auth"], ["cognito"], ["corsAllowOrigins"]],
        (c) => !needsCallbackUrls(c) || callbackOrigins(c.corsAllowOrigins).length > 0,
        "must name the browser app's origin with cognito.resourceServer: it is the app client's " +
          "OAuth callback URL (Cognito takes no wildcard)",
      ),
      ["corsAllowOrigins"],
    ),
    v.forward(
      v.partialCheck(
        [["auth"], ["cognito"], ["corsAllowOrigins"]],
        (c) => !needsCallbackUrls(c) || callbackOrigins(c.corsAllowOrigins).every(isCallbackUrl),
        (issue) =>
          "must be https (or http://localhost) with cognito.resourceServer: Cognito refuses " +
          `other callback URLs (${callbackOrigins(issue.input.corsAllowOrigins)
            .filter((o) => !isCallbackUrl(o))
            .join(", ")})`,
      ),
      ["corsAllowOrigins"],
    ),
  );

/** Whether the stack creates a user pool with a resource server: its app client needs callback URLs. */
function needsCallbackUrls(c: {
  auth: string;
  cognito: { userPoolArn?: string; resourceServer?: unknown };
}): boolean {
  return c.auth === "cognito" && !c.cognito.userPoolArn && !!c.cognito.resourceServer;
}

/** What Cognito accepts as a callback URL: https, or http on localhost. */
function isCallbackUrl(origin: string): boolean {
  return /^https:\/\//.test(origin) || /^http:\/\/localhost(:\d+)?$/.test(origin);
}

export type StackConfig = v.InferOutput<ReturnType<typeof configSchema>>;

/**
 * Every key a stack file can set, as paths (`["monitoring", "thresholds", "lambdaErrors"]`);
 * with `optIn: false`, without the groups a stack has only when it sets them (`domain`).
 */
export function configKeyPaths(stack = "dev", options: { optIn?: boolean } = {}): string[][] {
  const walk = (schema: unknown, prefix: string[]): string[][] =>
    Object.entries(entriesOf(schema) ?? {}).flatMap(([key, entry]) =>
      entriesOf(entry) ? walk(entry, [...prefix, key]) : [[...prefix, key]],
    );
  const top = entriesOf(configSchema(stack)) ?? {};
  const optIn = (key: string) =>
    !!entriesOf(top[key]) &&
    v.getDefault(top[key] as v.OptionalSchema<v.GenericSchema, unknown>) === undefined;
  return walk(configSchema(stack), []).filter(([key]) => options.optIn !== false || !optIn(key!));
}

/**
 * Where each key of the flat config (before the groups) went, so a stack file that still uses one
 * is told its new place.
 */
export const MOVED_KEYS: Readonly<Record<string, string>> = {
  tableName: "table.name",
  pointInTimeRecovery: "table.pointInTimeRecovery",
  kmsKeyArn: "table.kmsKeyArn",
  ttlAttribute: "table.ttlAttribute",
  memorySize: "function.memorySize",
  timeout: "function.timeout",
  architecture: "function.architecture",
  idempotencyTtlHours: "function.idempotencyTtlHours",
  apiName: "api.name",
  stageName: "api.stageName",
  throttleRateLimit: "api.throttleRateLimit",
  throttleBurstLimit: "api.throttleBurstLimit",
  apiKeyRequired: "api.apiKeyRequired",
  apiGatewayCloudWatchRoleSet: "api.accessLogs",
  cognitoUserPoolArn: "cognito.userPoolArn",
  cognitoSelfSignUp: "cognito.selfSignUp",
  cognitoPasswordMinLength: "cognito.passwordMinLength",
  cognitoAccessTokenMinutes: "cognito.accessTokenMinutes",
  cognitoIdTokenMinutes: "cognito.idTokenMinutes",
  cognitoRefreshTokenDays: "cognito.refreshTokenDays",
  cognitoResourceServer: "cognito.resourceServer",
  cognitoDomainPrefix: "cognito.domainPrefix",
  alarmEmails: "monitoring.alarmEmails",
  alarmTopicArn: "monitoring.alarmTopicArn",
  alarmPeriodSeconds: "monitoring.periodSeconds",
  alarmEvaluationPeriods: "monitoring.evaluationPeriods",
  alarmDatapointsToAlarm: "monitoring.datapointsToAlarm",
  alarmLambdaErrors: "monitoring.thresholds.lambdaErrors",
  alarmLambdaThrottles: "monitoring.thresholds.lambdaThrottles",
  alarmDurationP99PercentOfTimeout: "monitoring.thresholds.durationP99PercentOfTimeout",
  alarmApi5xxPercent: "monitoring.thresholds.api5xxPercent",
  alarmApi4xxPercent: "monitoring.thresholds.api4xxPercent",
  alarmApiLatencyP99Ms: "monitoring.thresholds.apiLatencyP99Ms",
  alarmMinRequests: "monitoring.thresholds.minRequests",
  alarmDynamoDbThrottles: "monitoring.thresholds.dynamoDbThrottles",
  alarmDynamoDbSystemErrors: "monitoring.thresholds.dynamoDbSystemErrors",
  alarmDynamoDbUserErrorsPercent: "monitoring.thresholds.dynamoDbUserErrorsPercent",
};

/**
 * A raw config value as the program receives it. Pulumi hands every value over as a string:
 * objects and lists as JSON (what `Config.getObject` parses), numbers and booleans as their
 * text, strings as they are.
 */
function decode(entry: unknown, raw: string): unknown {
  let inner = entry as { type?: string; wrapped?: unknown; options?: unknown[] } | undefined;
  while (inner?.wrapped) inner = inner.wrapped as typeof inner;
  const text =
    inner?.type === "string" ||
    (inner?.type === "picklist" && !!inner.options?.every((o) => typeof o === "string"));
  if (text) return raw;
  try {
    return JSON.parse(raw);
  } catch {
    return raw; // left for the schema to reject with a typed message
  }
}

/**
 * Validates raw config strings (as Pulumi hands them to the program, keys without the namespace)
 * against the schema. Pure, so tests can call it directly; `loadConfig` is the program's entry.
 */
export function parseConfig(stack: string, raw: Record<string, string | undefined>): StackConfig {
  const schema = configSchema(stack);
  const input: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(raw)) {
    if (value !== undefined) input[key] = decode(schema.pipe[0].entries[key as "auth"], value);
  }
  const result = v.safeParse(schema, input);
  if (result.success) return result.output;
  const lines = problemsOf(schema, result.issues, input).map((p) => {
    const moved = p.keys.length === 1 ? MOVED_KEYS[p.keys[0]!] : undefined;
    const message = moved
      ? `has moved to ${CONFIG_NAMESPACE}:${moved} (the config is one object per component)`
      : p.message;
    return `  ${CONFIG_NAMESPACE}:${p.keys.join(".")} ${message} (got ${shown(p.got)})`;
  });
  throw new Error(
    `Invalid config for stack "${stack}":\n${lines.join("\n")}\n` +
      `Fix it in Pulumi.${stack}.yaml, or with \`pulumi config set --path <group>.<key> <value>\` ` +
      `(docs/configuration.md lists every key).`,
  );
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
