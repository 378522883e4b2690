/**
 * The alarms, as data: one row per alarm with what it measures, its threshold (from the
 * settings), how it compares and evaluates, what missing data means, and its runbook text (what
 * it means and what to check first). `alarmArgs` turns a row into a CloudWatch alarm's args.
 * Adding an alarm is adding a row here and, if it takes a new threshold, a field in `args.ts`.
 */
import type * as aws from "@pulumi/aws";
import type * as pulumi from "@pulumi/pulumi";
import { DYNAMODB_ACTIONS } from "../function";
import type { AlarmThresholds } from "./args";

/** An alarm's metric math may fetch at most 10 metrics (a hard CloudWatch limit). */
export const MAX_ALARM_METRICS = 10;

/** What an alarm looks at. */
export type Measure =
  /** One metric of the function or of the stage, as a sum or as its p99. */
  | {
      kind: "metric";
      namespace: "AWS/Lambda" | "AWS/ApiGateway";
      metricName: string;
      of: "function" | "stage";
      statistic: "Sum" | "p99";
    }
  /** An API Gateway error metric as a percentage of the stage's requests. */
  | { kind: "shareOfRequests"; metricName: "5XXError" | "4XXError" }
  /** A DynamoDB metric of one table, summed over the operations the function sends it. */
  | { kind: "sumOverOperations"; metricName: "ThrottledRequests" | "SystemErrors" }
  /** DynamoDB's account-wide UserErrors as a percentage of the stage's requests. */
  | { kind: "userErrorsShare" };

/** The settings every row reads its threshold and runbook from. */
export interface AlarmContext {
  thresholds: AlarmThresholds;
  periodSeconds: number;
  evaluationPeriods: number;
  datapointsToAlarm: number;
  /** The function's timeout in seconds, as deployed. */
  functionTimeout: pulumi.Output<number>;
}

export interface AlarmSpec {
  /** Suffix of the alarm's logical and physical name; per-table alarms add `-2`, `-3`… after the first table. */
  key: string;
  /** One alarm for the stack, or one per watched table. */
  per: "stack" | "table";
  measure: Measure;
  threshold: (c: AlarmContext) => pulumi.Input<number>;
  comparison: "GreaterThanOrEqualToThreshold" | "GreaterThanThreshold";
  /** `count`: any one breaching period fires; `trend`: `datapointsToAlarm` of `evaluationPeriods`. */
  evaluation: "count" | "trend";
  /** What a period without data means. */
  missingData: "notBreaching" | "ignore";
  /**
   * Whether a new function version can set it off, so a CodeDeploy deployment that sees it fire
   * stops and shifts traffic back (`Promotion`). Throttles, 4xx and DynamoDB's own errors are
   * left out: they come from callers, the account's limits or DynamoDB, not from a version.
   * @default false
   */
  rollback?: boolean;
  /** Whether the stack has this alarm. @default always */
  enabled?: (c: AlarmContext) => boolean;
  /** What the alarm means and what to check first; CloudWatch allows 1024 characters. */
  runbook: (c: AlarmContext) => string;
}

const trend = (c: AlarmContext) => `in ${c.datapointsToAlarm} of ${c.evaluationPeriods} periods`;

/** Every alarm, in the order they are created (the dashboard lists them so). */
export const ALARMS: readonly AlarmSpec[] = [
  {
    key: "lambda-errors",
    per: "stack",
    rollback: true,
    measure: {
      kind: "metric",
      namespace: "AWS/Lambda",
      metricName: "Errors",
      of: "function",
      statistic: "Sum",
    },
    threshold: (c) => c.thresholds.lambdaErrors,
    comparison: "GreaterThanOrEqualToThreshold",
    evaluation: "count",
    // Published only when invoked: no data means no failed invocation.
    missingData: "notBreaching",
    // A timeout or an out-of-memory death leaves only the invocation's REPORT (Lambda's system
    // log at INFO): "Task timed out" is no longer written (DataBiosphere/azul#8140).
    runbook: (c) =>
      `The function failed ${c.thresholds.lambdaErrors}+ invocation(s) in ${c.periodSeconds} s: ` +
      "an unhandled exception, a timeout or running out of memory (answered 5xx responses count " +
      "in the API alarms instead). First: its log group around the alarm time. The REPORT of " +
      "each failed invocation (type platform.report in the JSON log format) gives its status: " +
      "'Status: timeout', or 'Status: error' with 'Error Type: Runtime.OutOfMemory' when memory " +
      "ran out (record.status and record.errorType in JSON; older runtimes wrote 'Task timed " +
      "out'). Other errors: lines with level ERROR. Then the last deployment.",
  },
  {
    key: "lambda-throttles",
    per: "stack",
    measure: {
      kind: "metric",
      namespace: "AWS/Lambda",
      metricName: "Throttles",
      of: "function",
      statistic: "Sum",
    },
    threshold: (c) => c.thresholds.lambdaThrottles,
    comparison: "GreaterThanOrEqualToThreshold",
    evaluation: "count",
    missingData: "notBreaching",
    runbook: (c) =>
      `Lambda refused ${c.thresholds.lambdaThrottles}+ invocation(s) in ${c.periodSeconds} s for ` +
      "lack of concurrency, so clients got 5xx. First: the account's concurrency " +
      "(ConcurrentExecutions against the regional limit) and any reserved concurrency on the " +
      "function; then raise the limit or lower the stage's throttling.",
  },
  {
    key: "lambda-duration-p99",
    per: "stack",
    rollback: true,
    measure: {
      kind: "metric",
      namespace: "AWS/Lambda",
      metricName: "Duration",
      of: "function",
      statistic: "p99",
    },
    threshold: (c) =>
      c.functionTimeout.apply(
        (seconds) => seconds * 1000 * (c.thresholds.durationP99PercentOfTimeout / 100),
      ),
    comparison: "GreaterThanThreshold",
    evaluation: "trend",
    // No invocations say nothing about latency: keep the state.
    missingData: "ignore",
    runbook: (c) =>
      `The function's p99 duration is above ${c.thresholds.durationP99PercentOfTimeout}% of its ` +
      `timeout ${trend(c)}: the slowest requests are about to time out. First: the ` +
      "DynamoDBTime metric on the dashboard (a slow or throttled table), then cold starts and " +
      "the function's memory size.",
  },
  {
    key: "api-5xx-rate",
    per: "stack",
    rollback: true,
    measure: { kind: "shareOfRequests", metricName: "5XXError" },
    threshold: (c) => c.thresholds.api5xxPercent,
    comparison: "GreaterThanThreshold",
    evaluation: "trend",
    // No requests, no errors.
    missingData: "notBreaching",
    runbook: (c) =>
      `More than ${c.thresholds.api5xxPercent}% of the stage's requests got 5xx ${trend(c)}. ` +
      "First: the function's log group, lines with level ERROR (errorName tells a 503 from a " +
      "dead or throttled table from a 500 bug); a 502/504 without a function line is a crash or " +
      "timeout (see the Lambda alarms).",
  },
  {
    key: "api-4xx-rate",
    per: "stack",
    measure: { kind: "shareOfRequests", metricName: "4XXError" },
    threshold: (c) => c.thresholds.api4xxPercent,
    comparison: "GreaterThanThreshold",
    evaluation: "trend",
    missingData: "notBreaching",
    runbook: (c) =>
      `More than ${c.thresholds.api4xxPercent}% of the stage's requests got 4xx ${trend(c)}: a ` +
      "client sending bad requests after a release, or someone probing the API. First: the " +
      "stage's access log (status, path, ip, userAgent) to see which client; then the " +
      "function's request lines (errorName) for the reason.",
  },
  {
    key: "api-latency-p99",
    per: "stack",
    rollback: true,
    measure: {
      kind: "metric",
      namespace: "AWS/ApiGateway",
      metricName: "Latency",
      of: "stage",
      statistic: "p99",
    },
    threshold: (c) => c.thresholds.apiLatencyP99Ms,
    comparison: "GreaterThanThreshold",
    evaluation: "trend",
    missingData: "ignore",
    runbook: (c) =>
      `The stage's p99 latency is above ${c.thresholds.apiLatencyP99Ms} ms ${trend(c)}. First: ` +
      "IntegrationLatency against Latency on the dashboard (the function, or API Gateway " +
      "itself), then the function's duration, cold starts and DynamoDBTime.",
  },
  {
    key: "dynamodb-throttles",
    per: "table",
    measure: { kind: "sumOverOperations", metricName: "ThrottledRequests" },
    threshold: (c) => c.thresholds.dynamoDbThrottles,
    comparison: "GreaterThanOrEqualToThreshold",
    evaluation: "count",
    missingData: "notBreaching",
    runbook: (c) =>
      `DynamoDB throttled ${c.thresholds.dynamoDbThrottles}+ request(s) on the table in ` +
      `${c.periodSeconds} s; clients got 503 with Retry-After. On demand, that is a hot ` +
      "partition or a traffic jump beyond twice the previous peak. First: ThrottledRequests by " +
      "Operation and the consumed capacity on the dashboard; then look for one hot key in the " +
      "request logs.",
  },
  {
    key: "dynamodb-system-errors",
    per: "table",
    measure: { kind: "sumOverOperations", metricName: "SystemErrors" },
    threshold: (c) => c.thresholds.dynamoDbSystemErrors,
    comparison: "GreaterThanOrEqualToThreshold",
    evaluation: "count",
    missingData: "notBreaching",
    runbook: (c) =>
      `DynamoDB answered ${c.thresholds.dynamoDbSystemErrors}+ request(s) on the table with HTTP ` +
      `500 in ${c.periodSeconds} s; clients got 503. An AWS-side problem. First: the AWS Health ` +
      "Dashboard for DynamoDB in this region; the SDK already retried what it safely could.",
  },
  {
    key: "dynamodb-user-errors-rate",
    per: "stack",
    measure: { kind: "userErrorsShare" },
    threshold: (c) => c.thresholds.dynamoDbUserErrorsPercent,
    comparison: "GreaterThanThreshold",
    evaluation: "trend",
    missingData: "notBreaching",
    enabled: (c) => c.thresholds.dynamoDbUserErrorsPercent > 0,
    runbook: (c) =>
      "DynamoDB refused requests with HTTP 400 (UserErrors) at more than " +
      `${c.thresholds.dynamoDbUserErrorsPercent}% of the stage's request count ${trend(c)}. ` +
      "UserErrors counts the whole account and region. First: check this function's request " +
      "lines for errorName ValidationException. On /items those are a bug here (the handler " +
      "builds every request); on /DynamoDBManager, a client's expressions. None there means " +
      "another application in the account is the source.",
  },
];

/** What an alarm names: this stack's function, stage and (for per-table alarms) one table. */
export interface AlarmTargets {
  functionName: pulumi.Input<string>;
  api: { ApiName: pulumi.Input<string>; Stage: pulumi.Input<string> };
  table?: { name: pulumi.Input<string>; operations: readonly string[] };
}

/**
 * The Operation dimension of DynamoDB's metrics for what a function sends a table: each action's
 * name (`dynamodb:GetItem` → `GetItem`), plus `TransactWriteItems`, which keyed writes use and
 * which has no IAM action of its own.
 */
export function dynamoDbOperations(actions: readonly string[] = DYNAMODB_ACTIONS): string[] {
  return [...actions.map((a) => a.replace(/^dynamodb:/, "")), "TransactWriteItems"];
}

/** One row as a CloudWatch alarm's args, before its name, description and actions. */
export function alarmArgs(
  spec: AlarmSpec,
  c: AlarmContext,
  targets: AlarmTargets,
): Partial<aws.cloudwatch.MetricAlarmArgs> {
  return {
    ...(spec.evaluation === "count"
      ? { evaluationPeriods: 1, datapointsToAlarm: 1 }
      : { evaluationPeriods: c.evaluationPeriods, datapointsToAlarm: c.datapointsToAlarm }),
    ...measured(spec.measure, c, targets),
    threshold: spec.threshold(c),
    comparisonOperator: spec.comparison,
    treatMissingData: spec.missingData,
  };
}

function measured(
  m: Measure,
  c: AlarmContext,
  targets: AlarmTargets,
): Partial<aws.cloudwatch.MetricAlarmArgs> {
  const period = c.periodSeconds;
  const minRequests = c.thresholds.minRequests;
  const requests = apiQuery("requests", "Count", targets.api, period);
  switch (m.kind) {
    case "metric":
      return {
        namespace: m.namespace,
        metricName: m.metricName,
        dimensions: m.of === "function" ? { FunctionName: targets.functionName } : targets.api,
        ...(m.statistic === "p99"
          ? { extendedStatistic: "p99", evaluateLowSampleCountPercentiles: "ignore" }
          : { statistic: m.statistic }),
        period,
      };
    case "shareOfRequests":
      return {
        metricQueries: [
          requests,
          apiQuery("errors", m.metricName, targets.api, period),
          {
            id: "rate",
            expression: `IF(requests >= ${minRequests}, 100 * errors / requests, 0)`,
            label: `${m.metricName} % of requests (periods with at least ${minRequests} requests)`,
            returnData: true,
          },
        ],
      };
    case "sumOverOperations": {
      const table = targets.table;
      if (!table) throw new Error(`Monitoring: ${m.metricName} is measured per table`);
      const operations = table.operations;
      if (operations.length > MAX_ALARM_METRICS) {
        throw new Error(
          `Monitoring: ${operations.length} DynamoDB operations exceed the ${MAX_ALARM_METRICS} ` +
            "metrics an alarm's math may fetch; alarm on fewer operations",
        );
      }
      return {
        metricQueries: [
          ...operations.map((operation, j) => ({
            id: `m${j}`,
            metric: {
              namespace: "AWS/DynamoDB",
              metricName: m.metricName,
              dimensions: { TableName: table.name, Operation: operation },
              stat: "Sum",
              period,
            },
            returnData: false,
          })),
          {
            id: "total",
            // DynamoDB publishes these only when non-zero; a quiet period must count as 0.
            expression: operations.map((_, j) => `FILL(m${j}, 0)`).join(" + "),
            label: `${m.metricName} (${operations.join(", ")})`,
            returnData: true,
          },
        ],
      };
    }
    case "userErrorsShare":
      return {
        metricQueries: [
          {
            id: "userErrors",
            metric: { namespace: "AWS/DynamoDB", metricName: "UserErrors", stat: "Sum", period },
            returnData: false,
          },
          requests,
          {
            id: "rate",
            expression: `IF(requests >= ${minRequests}, 100 * FILL(userErrors, 0) / requests, 0)`,
            label: "DynamoDB UserErrors % of API requests",
            returnData: true,
          },
        ],
      };
  }
}

function apiQuery(
  id: string,
  metricName: string,
  dimensions: AlarmTargets["api"],
  period: number,
): aws.types.input.cloudwatch.MetricAlarmMetricQuery {
  return {
    id,
    metric: { namespace: "AWS/ApiGateway", metricName, dimensions, stat: "Sum", period },
    returnData: false,
  };
}
