/**
 * What the components' Args schemas share: valibot pieces for plain settings, the limits they
 * check against, and the one way a component checks its args. A component validates its args with
 * the same schema the stack config is validated with (`config.ts` composes them), so a direct user
 * of a component gets the same errors as a stack file.
 */
import * as pulumi from "@pulumi/pulumi";
import * as v from "valibot";
import { API_GATEWAY_INTEGRATION_TIMEOUT_SECONDS } from "../contract/limits";

/**
 * API Gateway stops waiting for an integration after 29 s, so a longer function timeout (or a
 * latency target above it) only describes work no client will ever see the result of.
 */
export const API_GATEWAY_MAX_TIMEOUT_SECONDS = API_GATEWAY_INTEGRATION_TIMEOUT_SECONDS;

/** Retention periods CloudWatch Logs accepts (days). Zero ("never expire") is deliberately absent. */
export const LOG_RETENTION_DAYS = [
  1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288,
  3653,
] as const;
export type LogRetentionDays = (typeof LOG_RETENTION_DAYS)[number];

/**
 * How a field reads in `docs/configuration.md` when its schema alone does not say it well (a
 * string with a format, a list of them).
 */
export const docType = <TInput>(type: string) => v.metadata<TInput, { type: string }>({ type });

// The message of the option that came closest: a union's own message would only say "wrong type".
const firstMessage = (issue: v.UnionIssue<v.BaseIssue<unknown>>) =>
  issue.issues?.[0]?.message ?? "has the wrong type";

export const bool = (description: string) =>
  v.pipe(v.boolean("must be true or false"), v.description(description));

/**
 * A plain setting a program may also pass as an Output or a Promise (say, the ARN of a key it
 * creates itself). Only plain values are checked; the stack config only ever has plain ones.
 */
export function orInput<TSchema extends v.GenericSchema<unknown, string>>(schema: TSchema) {
  const unresolved = v.custom<Exclude<pulumi.Input<string>, string>>(
    (value) => pulumi.Output.isInstance(value) || value instanceof Promise,
  );
  return v.union([schema, unresolved], firstMessage);
}

/**
 * An optional setting that an empty string switches off, so a stack file can list the key
 * without a value (`kmsKeyArn: ""`: the AWS-managed key).
 */
export function unsetIfEmpty<TSchema extends v.GenericSchema>(schema: TSchema) {
  const empty = v.pipe(
    v.literal(""),
    v.transform(() => undefined),
  );
  return v.optional(v.union([empty, schema], firstMessage));
}

/** Shared by the function and the API: the stack config sets each once, for both. */
export const SHARED_FIELDS = {
  logRetentionDays: v.optional(
    v.pipe(
      v.picklist(LOG_RETENTION_DAYS, `must be one of ${LOG_RETENTION_DAYS.join(", ")}`),
      v.description("Days CloudWatch Logs keeps the logs."),
    ),
    30,
  ),
  tracing: v.optional(bool("Active X-Ray tracing."), false),
  corsAllowOrigins: v.optional(
    v.pipe(
      v.array(
        v.pipe(
          v.string("must be a list of origins"),
          v.regex(/^(\*|https?:\/\/[^/\s,]+)$/, 'must be origins like "https://app.example.com"'),
        ),
        "must be a list of origins",
      ),
      v.description(
        "Browser origins allowed to call the API: the function's CORS headers, and API Gateway's " +
          "own error answers where it can match them. Empty sends no CORS headers.",
      ),
      docType('list of origins (`https://app.example.com`, `http://localhost:5173` or `"*"`)'),
    ),
    [],
  ),
} as const;

/** An entry of an object schema, whatever wraps it (optional, union, pipe). */
type AnySchema = {
  entries?: Record<string, AnySchema>;
  wrapped?: AnySchema;
  options?: AnySchema[];
  pipe?: readonly unknown[];
  type?: string;
};

/** The entries of the object schema inside `schema`, if there is one. */
export function entriesOf(schema: unknown): Record<string, AnySchema> | undefined {
  let s = schema as AnySchema | undefined;
  while (s) {
    if (s.entries) return s.entries;
    if (s.wrapped) s = s.wrapped;
    else if (s.options) return s.options.map(entriesOf).find((e) => e !== undefined);
    else return undefined;
  }
  return undefined;
}

/** The value at a path of an input, or undefined. */
function valueAt(input: unknown, keys: readonly PropertyKey[]): unknown {
  let value = input;
  for (const key of keys) {
    if (!value || typeof value !== "object") return undefined;
    value = (value as Record<PropertyKey, unknown>)[key];
  }
  return value;
}

/** A value as an error message shows it. */
export function shown(value: unknown): string {
  if (pulumi.Output.isInstance(value)) return "an Output";
  if (value instanceof Promise) return "a Promise";
  return value === undefined ? "nothing" : JSON.stringify(value);
}

export interface Problem {
  /** Where, as a dot path below the schema's root (`thresholds.lambdaErrors`). */
  keys: string[];
  /** What is wrong and what to do, e.g. "must be at least 1 (errors)". */
  message: string;
  /** The value found there. */
  got: unknown;
}

/** Every issue of a failed parse, as the key it is about, what to do, and the value found. */
export function problemsOf(
  schema: unknown,
  issues: readonly v.BaseIssue<unknown>[],
  input: unknown,
): Problem[] {
  return issues.flatMap((issue) => {
    const keys = (issue.path ?? []).map((item) => String(item.key));
    // A strict object reports only the first key it does not know (an issue expecting "never"):
    // report every unknown key of that object, so one run lists them all.
    if (issue.type === "strict_object" && issue.expected === "never") {
      const at = keys.slice(0, -1);
      let here: unknown = schema;
      for (const key of at) here = entriesOf(here)?.[key];
      const known = Object.keys(entriesOf(here) ?? {});
      const given = Object.keys((valueAt(input, at) as object | undefined) ?? {});
      return given
        .filter((key) => !known.includes(key))
        .map((key) => ({
          keys: [...at, key],
          message: `is not a known key: fix the spelling or remove it (known here: ${known.join(", ")})`,
          got: valueAt(input, [...at, key]),
        }));
    }
    return [{ keys, message: issue.message, got: valueAt(input, keys) }];
  });
}

/**
 * Checks a component's plain args with its schema and returns them with the defaults filled in.
 * Fields the schema does not cover (Outputs of other components, `transform`) are left to the
 * component.
 */
export function parseArgs<TSchema extends v.GenericSchema>(
  schema: TSchema,
  args: object,
  component: string,
): v.InferOutput<TSchema> {
  const input = Object.fromEntries(
    Object.keys(entriesOf(schema) ?? {})
      .filter((key) => (args as Record<string, unknown>)[key] !== undefined)
      .map((key) => [key, (args as Record<string, unknown>)[key]]),
  );
  const result = v.safeParse(schema, input);
  if (result.success) return result.output;
  const lines = problemsOf(schema, result.issues, input).map(
    (p) => `  ${p.keys.join(".")} ${p.message} (got ${shown(p.got)})`,
  );
  throw new Error(`${component}: invalid args\n${lines.join("\n")}`);
}
