/**
 * What the Monitoring component takes: the resources it watches, and its plain settings (topic,
 * evaluation, thresholds) with the schema that checks them.
 */
import type * as aws from "@pulumi/aws";
import type * as pulumi from "@pulumi/pulumi";
import * as v from "valibot";
import type { RestApi } from "../api";
import type { CrudFunction } from "../function";
import { API_GATEWAY_MAX_TIMEOUT_SECONDS, docType, orInput, unsetIfEmpty } from "../schema";
import type { Transform } from "../transform";

/** CloudWatch evaluates an alarm over at most one day: period × evaluation periods. */
export const MAX_EVALUATION_SECONDS = 86_400;

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
const count = (what: string, description: string) =>
  v.pipe(wholeAtLeast1(what), v.description(description));

/** The thresholds, production-grade by default (the type is `AlarmThresholds`). */
const THRESHOLDS = v.strictObject(
  {
    lambdaErrors: v.optional(
      count("errors", "Failed invocations (unhandled errors, timeouts, crashes) in one period."),
      1,
    ),
    lambdaThrottles: v.optional(count("throttles", "Throttled invocations in one period."), 1),
    durationP99PercentOfTimeout: v.optional(
      v.pipe(
        percent("percent of the timeout"),
        v.description("The function's p99 duration, as a percentage of its timeout."),
      ),
      80,
    ),
    api5xxPercent: v.optional(
      v.pipe(
        percent("percent of requests"),
        v.description("5XX responses as a percentage of the stage's requests."),
      ),
      1,
    ),
    api4xxPercent: v.optional(
      v.pipe(
        percent("percent of requests"),
        v.description("4XX responses as a percentage of the stage's requests."),
      ),
      10,
    ),
    apiLatencyP99Ms: v.optional(
      v.pipe(
        positive("milliseconds"),
        v.maxValue(
          API_GATEWAY_MAX_TIMEOUT_SECONDS * 1000,
          `must be at most ${API_GATEWAY_MAX_TIMEOUT_SECONDS * 1000} ms, API Gateway's integration timeout`,
        ),
        v.description("The stage's p99 latency, in ms."),
      ),
      1000,
    ),
    minRequests: v.optional(
      count(
        "requests",
        "Requests a period needs before a percentage alarm judges it (one 5XX of 2 is no 50% outage).",
      ),
      20,
    ),
    dynamoDbThrottles: v.optional(
      count("throttled requests", "Throttled DynamoDB requests on a table in one period."),
      1,
    ),
    dynamoDbSystemErrors: v.optional(
      count("errors", "DynamoDB system errors (HTTP 500) on a table in one period."),
      1,
    ),
    dynamoDbUserErrorsPercent: v.optional(
      v.pipe(
        v.number("must be a number (percent of requests; 0 turns the alarm off)"),
        v.minValue(0, "must be at least 0 (0 turns the alarm off)"),
        v.maxValue(100, "must be at most 100 (percent of requests)"),
        v.description(
          "DynamoDB user errors (HTTP 400, account-wide) as a percentage of the stage's " +
            "requests; 0 turns the alarm off.",
        ),
      ),
      5,
    ),
  },
  "must be a map of thresholds",
);

const SETTINGS = v.strictObject(
  {
    alarmEmails: v.optional(
      v.pipe(
        v.array(
          v.pipe(v.string("must be a list of email addresses"), v.email("must be email addresses")),
          "must be a list of email addresses",
        ),
        v.check(
          (emails) => new Set(emails.map((e) => e.toLowerCase())).size === emails.length,
          "must not list an address twice",
        ),
        v.description(
          "Addresses subscribed to the topic this component creates; each gets a confirmation " +
            "email from AWS and receives nothing until it confirms. Not with `alarmTopicArn`: " +
            "subscribe them on that topic instead.",
        ),
        docType("list of email addresses"),
      ),
      [],
    ),
    alarmTopicArn: unsetIfEmpty(
      orInput(
        v.pipe(
          v.string("must be a string"),
          v.regex(
            /^arn:aws[a-z-]*:sns:[a-z0-9-]+:\d{12}:[A-Za-z0-9_-]{1,256}$/,
            "must be an SNS topic ARN (arn:aws:sns:<region>:<account>:<name>)",
          ),
          v.description(
            "Notify this existing SNS topic (e.g. the team's on-call topic) instead of creating " +
              "one; its access policy must let this account's CloudWatch alarms publish.",
          ),
          docType("SNS topic ARN, or empty"),
        ),
      ),
    ),
    periodSeconds: v.optional(
      v.pipe(
        v.number("must be a number of seconds"),
        v.integer("must be a whole number of seconds"),
        v.minValue(60, "must be at least 60 s (AWS's metrics have one-minute resolution)"),
        v.multipleOf(60, "must be a multiple of 60 s, as CloudWatch requires"),
        v.maxValue(MAX_EVALUATION_SECONDS, `must be at most ${MAX_EVALUATION_SECONDS} s (one day)`),
        v.description("Length of one evaluation period, in seconds."),
      ),
      60,
    ),
    evaluationPeriods: v.optional(
      count(
        "periods",
        "Periods a rate or latency alarm looks at (times `periodSeconds`, at most one day); " +
          "counting alarms (errors, throttles) fire on any one period.",
      ),
      5,
    ),
    datapointsToAlarm: v.optional(
      count(
        "periods",
        "Of `evaluationPeriods`, how many must breach before a rate or latency alarm fires.",
      ),
      3,
    ),
    thresholds: v.optional(THRESHOLDS, {}),
  },
  "must be a map of settings",
);

/**
 * The plain settings of `MonitoringArgs`: their types, allowed values and defaults, and what
 * CloudWatch and SNS refuse across them. The component checks its args with it, and the stack
 * config's `monitoring` group is this schema.
 */
export const MonitoringArgsSchema = v.pipe(
  SETTINGS,
  v.forward(
    v.partialCheck(
      [["datapointsToAlarm"], ["evaluationPeriods"]],
      (s) => s.datapointsToAlarm <= s.evaluationPeriods,
      (issue) => `must be at most evaluationPeriods (${issue.input.evaluationPeriods})`,
    ),
    ["datapointsToAlarm"],
  ),
  v.forward(
    v.partialCheck(
      [["periodSeconds"], ["evaluationPeriods"]],
      (s) => s.periodSeconds * s.evaluationPeriods <= MAX_EVALUATION_SECONDS,
      (issue) =>
        `times periodSeconds (${issue.input.periodSeconds}) must be at most ` +
        `${MAX_EVALUATION_SECONDS} s: CloudWatch evaluates at most one day`,
    ),
    ["evaluationPeriods"],
  ),
  v.forward(
    v.partialCheck(
      [["alarmEmails"], ["alarmTopicArn"]],
      (s) => !s.alarmTopicArn || s.alarmEmails.length === 0,
      "subscribe only to the topic this component creates: with alarmTopicArn set, subscribe " +
        "the addresses on that topic instead (unconfirmed subscriptions cannot be removed by the stack)",
    ),
    ["alarmEmails"],
  ),
);

/** Thresholds of the alarms; `docs/configuration.md` says what each means. */
export interface AlarmThresholds {
  /** Failed invocations (unhandled errors, timeouts, crashes) in one period. @default 1 */
  lambdaErrors: number;
  /** Throttled invocations in one period. @default 1 */
  lambdaThrottles: number;
  /** p99 Duration above this percentage of the function's timeout. @default 80 */
  durationP99PercentOfTimeout: number;
  /** 5XX responses as a percentage of the stage's requests. @default 1 */
  api5xxPercent: number;
  /** 4XX responses as a percentage of the stage's requests. @default 10 */
  api4xxPercent: number;
  /** p99 of the stage's Latency, in ms (at most 29000). @default 1000 */
  apiLatencyP99Ms: number;
  /** Requests a period needs before a percentage alarm judges it (one 5XX of 2 is no 50% outage). @default 20 */
  minRequests: number;
  /** Throttled DynamoDB requests on a table in one period. @default 1 */
  dynamoDbThrottles: number;
  /** DynamoDB system errors (HTTP 500) on a table in one period. @default 1 */
  dynamoDbSystemErrors: number;
  /** DynamoDB user errors (HTTP 400, account-wide) as a percentage of the stage's requests; 0 turns the alarm off. @default 5 */
  dynamoDbUserErrorsPercent: number;
}

/** The plain settings, checked, with the defaults filled in. */
export type MonitoringSettings = v.InferOutput<typeof MonitoringArgsSchema>;

export interface MonitoringArgs {
  /** The function to watch; its name, timeout and metrics namespace come from its outputs. */
  function: Pick<CrudFunction, "name" | "timeout" | "metricsNamespace">;
  /** The REST API to watch; API Gateway's metrics name it by `ApiName` and `Stage`. */
  api: Pick<RestApi, "name" | "stageName">;
  /**
   * Tables to watch (the `Table` component, or anything with a `name` output), each with the
   * DynamoDB operations the function sends it: its throttle and system-error alarms sum those.
   * @default operations: `dynamoDbOperations()` (the function's item actions and TransactWriteItems)
   * @example
   * ```ts
   * { tables: [table, { name: table.records.name, operations: dynamoDbOperations(RECORD_ACTIONS) }] }
   * ```
   */
  tables: { name: pulumi.Input<string>; operations?: readonly string[] }[];
  /**
   * Addresses subscribed to the topic this component creates. Each gets a confirmation email from
   * AWS and receives nothing until it confirms. Not allowed with `alarmTopicArn`.
   * @default []
   */
  alarmEmails?: string[];
  /**
   * Notify an existing SNS topic (e.g. the team's on-call topic) instead of creating one. Its
   * access policy must let CloudWatch alarms of this account publish. `""` is the same as unset.
   * @default undefined (a topic is created)
   */
  alarmTopicArn?: pulumi.Input<string>;
  /**
   * Length of one evaluation period, in seconds (a multiple of 60; times `evaluationPeriods` at
   * most one day).
   * @default 60
   */
  periodSeconds?: number;
  /**
   * Periods a rate or latency alarm looks at; counting alarms (errors, throttles) fire on any
   * one period.
   * @default 5
   */
  evaluationPeriods?: number;
  /**
   * Of `evaluationPeriods`, how many must breach before a rate or latency alarm fires.
   * @default 3
   */
  datapointsToAlarm?: number;
  /**
   * Alarm thresholds; unset ones take their defaults (see `AlarmThresholds`).
   * @default the production-grade default of each threshold
   */
  thresholds?: Partial<AlarmThresholds>;
  /**
   * Create the CloudWatch dashboard.
   * @default true
   */
  dashboard?: boolean;
  /**
   * Adjust the underlying resources' args. `alarm` is applied to every alarm (its `name` tells
   * which one it is).
   * @default undefined
   */
  transform?: {
    topic?: Transform<aws.sns.TopicArgs>;
    alarm?: Transform<aws.cloudwatch.MetricAlarmArgs>;
    dashboard?: Transform<aws.cloudwatch.DashboardArgs>;
  };
}
