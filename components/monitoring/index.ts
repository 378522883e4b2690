/**
 * What tells someone before users do: CloudWatch alarms on the function, the REST API stage and the
 * tables, an SNS topic they notify (with optional email subscriptions, or an existing topic), and
 * one dashboard. Every alarm names this stack's resources through the components' outputs.
 */
import * as crypto from "node:crypto";
import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import { DIMENSION, METRIC } from "../contract/metrics";
import type { RestApi } from "./api";
import { DYNAMODB_ACTIONS, type CrudFunction } from "./function";
import { applyTransform, type Transform } from "./transform";

/** CloudWatch evaluates an alarm over at most one day: period × evaluation periods. */
export const MAX_EVALUATION_SECONDS = 86_400;

/** An alarm's metric math may fetch at most 10 metrics (a hard CloudWatch limit). */
export const MAX_ALARM_METRICS = 10;

/** Defaults of `MonitoringArgs`, production-grade; the stack config falls back to the same values. */
export const MONITORING_DEFAULTS = {
  periodSeconds: 60,
  evaluationPeriods: 5,
  datapointsToAlarm: 3,
  lambdaErrors: 1,
  lambdaThrottles: 1,
  durationP99PercentOfTimeout: 80,
  api5xxPercent: 1,
  api4xxPercent: 10,
  apiLatencyP99Ms: 1000,
  minRequests: 20,
  dynamoDbThrottles: 1,
  dynamoDbSystemErrors: 1,
  dynamoDbUserErrorsPercent: 5,
} as const;

/** Thresholds of the alarms; see the README's Monitoring section for what each means. */
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
  /** p99 of the stage's Latency, in ms. @default 1000 */
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
   * access policy must let CloudWatch alarms of this account publish.
   * @default undefined (a topic is created)
   */
  alarmTopicArn?: pulumi.Input<string>;
  /**
   * Length of one evaluation period, in seconds (a multiple of 60).
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
   * Alarm thresholds; unset ones take `MONITORING_DEFAULTS`.
   * @default MONITORING_DEFAULTS
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

/** One alarm as the component declares it, before actions and shared settings are added. */
interface AlarmSpec {
  /** Suffix of the alarm's logical and physical name. */
  key: string;
  /** What it means and what to check first; CloudWatch allows 1024 characters. */
  description: string;
  args: Partial<aws.cloudwatch.MetricAlarmArgs>;
}

/** Physical names: CloudWatch alarm names may be 1–255 characters without control characters. */
const MAX_ALARM_NAME = 255;
const MAX_DESCRIPTION = 1024;

/** Dashboard and topic names allow letters, digits, `-` and `_` only. */
export function resourceSafeName(name: string): string {
  return name.replace(/[^A-Za-z0-9_-]/g, "-");
}

/**
 * The Operation dimension of DynamoDB's metrics for what a function sends a table: each action's
 * name (`dynamodb:GetItem` → `GetItem`), plus `TransactWriteItems`, which keyed writes use and
 * which has no IAM action of its own.
 */
export function dynamoDbOperations(actions: readonly string[] = DYNAMODB_ACTIONS): string[] {
  return [...actions.map((a) => a.replace(/^dynamodb:/, "")), "TransactWriteItems"];
}

/**
 * Alarms, a topic and a dashboard for the CRUD service.
 *
 * @example
 * Minimal: alarms notify a new topic; subscribe to it in the console or with `alarmEmails`.
 * ```ts
 * new Monitoring("monitoring", { function: fn, api, tables: [table] });
 * ```
 * @example
 * Page the on-call topic, with a tighter latency target.
 * ```ts
 * new Monitoring("monitoring", {
 *   function: fn, api, tables: [table],
 *   alarmTopicArn: "arn:aws:sns:us-east-1:123456789012:on-call",
 *   thresholds: { apiLatencyP99Ms: 500 },
 * });
 * ```
 */
export class Monitoring extends pulumi.ComponentResource {
  /** ARN of the topic every alarm notifies (on ALARM and on OK). */
  public readonly topicArn: pulumi.Output<string>;
  /** Dashboard name, when the dashboard is created. */
  public readonly dashboardName: pulumi.Output<string | undefined>;
  private readonly resources: {
    topic?: aws.sns.Topic;
    subscriptions: aws.sns.TopicSubscription[];
    alarms: Record<string, aws.cloudwatch.MetricAlarm>;
    dashboard?: aws.cloudwatch.Dashboard;
  };

  constructor(name: string, args: MonitoringArgs, opts?: pulumi.ComponentResourceOptions) {
    super("lambda-apigateway:cloudwatch:Monitoring", name, {}, opts);
    const prefix = `${pulumi.getProject()}-${pulumi.getStack()}`;
    const t: AlarmThresholds = { ...MONITORING_DEFAULTS, ...args.thresholds };
    const period = args.periodSeconds ?? MONITORING_DEFAULTS.periodSeconds;
    const evaluationPeriods = args.evaluationPeriods ?? MONITORING_DEFAULTS.evaluationPeriods;
    const datapointsToAlarm = args.datapointsToAlarm ?? MONITORING_DEFAULTS.datapointsToAlarm;
    checkEvaluation(period, evaluationPeriods, datapointsToAlarm);
    const emails = args.alarmEmails ?? [];
    if (args.alarmTopicArn && emails.length > 0) {
      throw new Error(
        "Monitoring: alarmEmails subscribes to the topic this component creates; with alarmTopicArn " +
          "set, subscribe the addresses on that topic instead",
      );
    }

    // The topic, unless an existing one is given.
    let topic: aws.sns.Topic | undefined;
    const subscriptions: aws.sns.TopicSubscription[] = [];
    if (!args.alarmTopicArn) {
      const [topicArgs, topicOpts] = applyTransform(
        args.transform?.topic,
        {
          name: resourceSafeName(`${prefix}-alarms`).slice(0, 256),
          displayName: `${prefix} alarms`.slice(0, 100),
        },
        { parent: this },
      );
      if (topicArgs.kmsMasterKeyId === "alias/aws/sns") {
        throw new Error(
          "Monitoring: CloudWatch cannot publish to a topic encrypted with the AWS-managed key " +
            "alias/aws/sns (its key policy cannot be changed); use a customer-managed key that " +
            "lets cloudwatch.amazonaws.com call kms:Decrypt and kms:GenerateDataKey*",
        );
      }
      topic = new aws.sns.Topic(`${name}-alarms`, topicArgs, topicOpts);
      for (const email of emails) {
        // Named by address, not position: reordering the list must not re-send confirmations.
        const id = crypto
          .createHash("sha256")
          .update(email.toLowerCase())
          .digest("hex")
          .slice(0, 8);
        subscriptions.push(
          new aws.sns.TopicSubscription(
            `${name}-email-${id}`,
            { topic: topic.arn, protocol: "email", endpoint: email },
            // Unconfirmed email subscriptions cannot be deleted through the API; deleting the
            // topic removes them, so they live and die with it.
            { parent: this, deleteBeforeReplace: true },
          ),
        );
      }
    }
    const topicArn = topic ? topic.arn : pulumi.output(args.alarmTopicArn!);

    // The alarms.
    const fn = args.function;
    const apiDimensions = { ApiName: args.api.name, Stage: args.api.stageName };
    const countAlarm = { evaluationPeriods: 1, datapointsToAlarm: 1 };
    const trendAlarm = { evaluationPeriods, datapointsToAlarm };
    const rate = (metric: string, threshold: number): Partial<aws.cloudwatch.MetricAlarmArgs> => ({
      ...trendAlarm,
      metricQueries: [
        apiQuery("requests", "Count", "Sum", apiDimensions, period),
        apiQuery("errors", metric, "Sum", apiDimensions, period),
        {
          id: "rate",
          expression: `IF(requests >= ${t.minRequests}, 100 * errors / requests, 0)`,
          label: `${metric} % of requests (periods with at least ${t.minRequests} requests)`,
          returnData: true,
        },
      ],
      threshold,
      comparisonOperator: "GreaterThanThreshold",
      // No requests, no errors.
      treatMissingData: "notBreaching",
    });
    const specs: AlarmSpec[] = [
      {
        key: "lambda-errors",
        description:
          `The function failed ${t.lambdaErrors}+ invocation(s) in ${period} s: an unhandled ` +
          "exception, a timeout or running out of memory (answered 5xx responses count in the " +
          "API alarms instead). First: its log group, lines with level ERROR or 'Task timed " +
          "out', around the alarm time; then the last deployment.",
        args: {
          ...countAlarm,
          namespace: "AWS/Lambda",
          metricName: "Errors",
          dimensions: { FunctionName: fn.name },
          statistic: "Sum",
          period,
          threshold: t.lambdaErrors,
          comparisonOperator: "GreaterThanOrEqualToThreshold",
          // Published only when invoked: no data means no failed invocation.
          treatMissingData: "notBreaching",
        },
      },
      {
        key: "lambda-throttles",
        description:
          `Lambda refused ${t.lambdaThrottles}+ invocation(s) in ${period} s for lack of ` +
          "concurrency, so clients got 5xx. First: the account's concurrency (ConcurrentExecutions " +
          "against the regional limit) and any reserved concurrency on the function; then raise " +
          "the limit or lower the stage's throttling.",
        args: {
          ...countAlarm,
          namespace: "AWS/Lambda",
          metricName: "Throttles",
          dimensions: { FunctionName: fn.name },
          statistic: "Sum",
          period,
          threshold: t.lambdaThrottles,
          comparisonOperator: "GreaterThanOrEqualToThreshold",
          treatMissingData: "notBreaching",
        },
      },
      {
        key: "lambda-duration-p99",
        description:
          `The function's p99 duration is above ${t.durationP99PercentOfTimeout}% of its timeout ` +
          `in ${datapointsToAlarm} of ${evaluationPeriods} periods: the slowest requests are ` +
          "about to time out. First: the DynamoDBTime metric on the dashboard (a slow or " +
          "throttled table), then cold starts and the function's memory size.",
        args: {
          ...trendAlarm,
          namespace: "AWS/Lambda",
          metricName: "Duration",
          dimensions: { FunctionName: fn.name },
          extendedStatistic: "p99",
          period,
          threshold: fn.timeout.apply(
            (seconds) => seconds * 1000 * (t.durationP99PercentOfTimeout / 100),
          ),
          comparisonOperator: "GreaterThanThreshold",
          // No invocations say nothing about latency: keep the state.
          treatMissingData: "ignore",
          evaluateLowSampleCountPercentiles: "ignore",
        },
      },
      {
        key: "api-5xx-rate",
        description:
          `More than ${t.api5xxPercent}% of the stage's requests got 5xx in ${datapointsToAlarm} ` +
          `of ${evaluationPeriods} periods. First: the function's log group, lines with level ` +
          "ERROR (errorName tells a 503 from a dead or throttled table from a 500 bug); a 502/504 " +
          "without a function line is a crash or timeout (see the Lambda alarms).",
        args: rate("5XXError", t.api5xxPercent),
      },
      {
        key: "api-4xx-rate",
        description:
          `More than ${t.api4xxPercent}% of the stage's requests got 4xx in ${datapointsToAlarm} ` +
          `of ${evaluationPeriods} periods: a client sending bad requests after a release, or ` +
          "someone probing the API. First: the stage's access log (status, path, ip, userAgent) " +
          "to see which client; then the function's request lines (errorName) for the reason.",
        args: rate("4XXError", t.api4xxPercent),
      },
      {
        key: "api-latency-p99",
        description:
          `The stage's p99 latency is above ${t.apiLatencyP99Ms} ms in ${datapointsToAlarm} of ` +
          `${evaluationPeriods} periods. First: IntegrationLatency against Latency on the ` +
          "dashboard (the function, or API Gateway itself), then the function's duration, cold " +
          "starts and DynamoDBTime.",
        args: {
          ...trendAlarm,
          namespace: "AWS/ApiGateway",
          metricName: "Latency",
          dimensions: apiDimensions,
          extendedStatistic: "p99",
          period,
          threshold: t.apiLatencyP99Ms,
          comparisonOperator: "GreaterThanThreshold",
          treatMissingData: "ignore",
          evaluateLowSampleCountPercentiles: "ignore",
        },
      },
    ];

    args.tables.forEach((table, i) => {
      const operations = table.operations ?? dynamoDbOperations();
      if (operations.length > MAX_ALARM_METRICS) {
        throw new Error(
          `Monitoring: ${operations.length} DynamoDB operations exceed the ${MAX_ALARM_METRICS} ` +
            "metrics an alarm's math may fetch; alarm on fewer operations",
        );
      }
      const suffix = i === 0 ? "" : `-${i + 1}`;
      const perOperation = (metricName: string, threshold: number) => ({
        ...countAlarm,
        metricQueries: [
          ...operations.map((operation, j) => ({
            id: `m${j}`,
            metric: {
              namespace: "AWS/DynamoDB",
              metricName,
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
            label: `${metricName} (${operations.join(", ")})`,
            returnData: true,
          },
        ],
        threshold,
        comparisonOperator: "GreaterThanOrEqualToThreshold",
        treatMissingData: "notBreaching",
      });
      specs.push(
        {
          key: `dynamodb-throttles${suffix}`,
          description:
            `DynamoDB throttled ${t.dynamoDbThrottles}+ request(s) on the table in ${period} s; ` +
            "clients got 503 with Retry-After. On demand, that is a hot partition or a traffic " +
            "jump beyond twice the previous peak. First: ThrottledRequests by Operation and the " +
            "consumed capacity on the dashboard; then look for one hot key in the request logs.",
          args: perOperation("ThrottledRequests", t.dynamoDbThrottles),
        },
        {
          key: `dynamodb-system-errors${suffix}`,
          description:
            `DynamoDB answered ${t.dynamoDbSystemErrors}+ request(s) on the table with HTTP 500 ` +
            `in ${period} s; clients got 503. An AWS-side problem. First: the AWS Health Dashboard ` +
            "for DynamoDB in this region; the SDK already retried what it safely could.",
          args: perOperation("SystemErrors", t.dynamoDbSystemErrors),
        },
      );
    });
    if (t.dynamoDbUserErrorsPercent > 0) {
      specs.push({
        key: "dynamodb-user-errors-rate",
        description:
          "DynamoDB refused requests with HTTP 400 (UserErrors) at more than " +
          `${t.dynamoDbUserErrorsPercent}% of the stage's request count in ${datapointsToAlarm} ` +
          `of ${evaluationPeriods} periods. UserErrors counts the whole account and region. First: ` +
          "check this function's request lines for errorName ValidationException. On /items those " +
          "are a bug here (the handler builds every request); on /DynamoDBManager, a client's " +
          "expressions. None there means another application in the account is the source.",
        args: {
          ...trendAlarm,
          metricQueries: [
            {
              id: "userErrors",
              metric: {
                namespace: "AWS/DynamoDB",
                metricName: "UserErrors",
                stat: "Sum",
                period,
              },
              returnData: false,
            },
            apiQuery("requests", "Count", "Sum", apiDimensions, period),
            {
              id: "rate",
              expression: `IF(requests >= ${t.minRequests}, 100 * FILL(userErrors, 0) / requests, 0)`,
              label: "DynamoDB UserErrors % of API requests",
              returnData: true,
            },
          ],
          threshold: t.dynamoDbUserErrorsPercent,
          comparisonOperator: "GreaterThanThreshold",
          treatMissingData: "notBreaching",
        },
      });
    }

    const alarms: Record<string, aws.cloudwatch.MetricAlarm> = {};
    for (const spec of specs) {
      const alarmName = `${prefix}-${spec.key}`;
      if (alarmName.length > MAX_ALARM_NAME || hasControlCharacter(alarmName)) {
        throw new Error(
          `Monitoring: alarm name "${alarmName}" must be 1–${MAX_ALARM_NAME} characters without ` +
            "control characters; use a shorter project or stack name",
        );
      }
      if (spec.description.length > MAX_DESCRIPTION) {
        throw new Error(`Monitoring: the description of ${spec.key} exceeds ${MAX_DESCRIPTION}`);
      }
      alarms[spec.key] = new aws.cloudwatch.MetricAlarm(
        `${name}-${spec.key}`,
        ...applyTransform(
          args.transform?.alarm,
          {
            name: alarmName,
            alarmDescription: spec.description,
            ...spec.args,
            actionsEnabled: true,
            alarmActions: [topicArn],
            okActions: [topicArn],
          },
          { parent: this },
        ),
      );
    }

    // The dashboard.
    let dashboard: aws.cloudwatch.Dashboard | undefined;
    if (args.dashboard ?? true) {
      const dashboardName = resourceSafeName(prefix).slice(0, 255);
      const region = aws.getRegionOutput({}, { parent: this }).region;
      const body = pulumi
        .output({
          region,
          functionName: fn.name,
          timeout: fn.timeout,
          apiName: args.api.name,
          stage: args.api.stageName,
          tables: args.tables.map((tb) => tb.name),
          alarmArns: Object.values(alarms).map((a) => a.arn),
        })
        .apply((d) =>
          JSON.stringify(
            dashboardBody({
              ...d,
              period,
              metricsNamespace: fn.metricsNamespace,
              latencyThresholdMs: t.apiLatencyP99Ms,
              durationThresholdMs: d.timeout * 1000 * (t.durationP99PercentOfTimeout / 100),
              title: `${pulumi.getProject()} / ${pulumi.getStack()}`,
            }),
          ),
        );
      dashboard = new aws.cloudwatch.Dashboard(
        `${name}-dashboard`,
        ...applyTransform(
          args.transform?.dashboard,
          { dashboardName, dashboardBody: body },
          { parent: this },
        ),
      );
    }

    this.resources = { topic, subscriptions, alarms, dashboard };
    this.topicArn = topicArn;
    this.dashboardName = dashboard ? dashboard.dashboardName : pulumi.output(undefined);
    this.registerOutputs({ topicArn: this.topicArn, dashboardName: this.dashboardName });
  }

  /** The underlying resources, for reading any property the component does not re-export. */
  public get nodes() {
    return this.resources;
  }
}

/** Whether a name holds an ASCII control character, which CloudWatch refuses in alarm names. */
export function hasControlCharacter(text: string): boolean {
  return [...text].some((c) => c.charCodeAt(0) < 0x20 || c.charCodeAt(0) === 0x7f);
}

function checkEvaluation(period: number, evaluationPeriods: number, datapointsToAlarm: number) {
  if (!Number.isInteger(period) || period < 60 || period % 60 !== 0) {
    throw new Error(`Monitoring: periodSeconds ${period} must be a multiple of 60 s`);
  }
  if (!Number.isInteger(evaluationPeriods) || evaluationPeriods < 1) {
    throw new Error(
      `Monitoring: evaluationPeriods ${evaluationPeriods} must be a whole number ≥ 1`,
    );
  }
  if (period * evaluationPeriods > MAX_EVALUATION_SECONDS) {
    throw new Error(
      `Monitoring: periodSeconds × evaluationPeriods (${period * evaluationPeriods} s) must be at most ${MAX_EVALUATION_SECONDS} s`,
    );
  }
  if (!Number.isInteger(datapointsToAlarm) || datapointsToAlarm < 1) {
    throw new Error(
      `Monitoring: datapointsToAlarm ${datapointsToAlarm} must be a whole number ≥ 1`,
    );
  }
  if (datapointsToAlarm > evaluationPeriods) {
    throw new Error(
      `Monitoring: datapointsToAlarm (${datapointsToAlarm}) must be at most evaluationPeriods (${evaluationPeriods})`,
    );
  }
}

function apiQuery(
  id: string,
  metricName: string,
  stat: string,
  dimensions: Record<string, pulumi.Input<string>>,
  period: number,
): aws.types.input.cloudwatch.MetricAlarmMetricQuery {
  return {
    id,
    metric: { namespace: "AWS/ApiGateway", metricName, dimensions, stat, period },
    returnData: false,
  };
}

/** What the dashboard shows, resolved. */
export interface DashboardInput {
  title: string;
  region: string;
  period: number;
  functionName: string;
  /** The handler's metrics namespace; `""` leaves its metrics off the dashboard. */
  metricsNamespace: string;
  apiName: string;
  stage: string;
  tables: string[];
  alarmArns: string[];
  latencyThresholdMs: number;
  durationThresholdMs: number;
}

type MetricLine = (string | Record<string, unknown>)[];

/**
 * The dashboard body: alarm status, requests, errors by class, p50/p99 latency, cold starts,
 * DynamoDB capacity, throttles and time. Every metric is written out in full (no `"."` shorthand)
 * and names only the resources given.
 */
export function dashboardBody(d: DashboardInput): { widgets: Record<string, unknown>[] } {
  const fn = ["FunctionName", d.functionName];
  const api = ["ApiName", d.apiName, "Stage", d.stage];
  const own = (metric: string, dims: string[], render: Record<string, unknown>): MetricLine[] =>
    d.metricsNamespace ? [[d.metricsNamespace, metric, ...dims, render]] : [];
  const graph = (
    x: number,
    y: number,
    title: string,
    metrics: MetricLine[],
    extra: Record<string, unknown> = {},
  ) => ({
    type: "metric",
    x,
    y,
    width: 8,
    height: 6,
    properties: {
      title,
      region: d.region,
      view: "timeSeries",
      stacked: false,
      period: d.period,
      metrics,
      ...extra,
    },
  });
  return {
    widgets: [
      {
        type: "text",
        x: 0,
        y: 0,
        width: 24,
        height: 2,
        properties: {
          markdown:
            `# ${d.title}\n` +
            "Every alarm notifies the stack's alarm topic on ALARM and on OK; the README's " +
            "Monitoring section says what each means and what to check first.",
        },
      },
      {
        type: "alarm",
        x: 0,
        y: 2,
        width: 24,
        height: 4,
        properties: { title: "Alarms", alarms: d.alarmArns, sortBy: "stateUpdatedTimestamp" },
      },
      graph(0, 6, "Requests", [
        ["AWS/ApiGateway", "Count", ...api, { stat: "Sum", label: "API requests" }],
        ["AWS/Lambda", "Invocations", ...fn, { stat: "Sum", label: "function invocations" }],
        ...own(METRIC.requests, fn, { stat: "Sum", label: "handled requests" }),
      ]),
      graph(8, 6, "Errors by class", [
        ["AWS/ApiGateway", "4XXError", ...api, { stat: "Sum", label: "API 4xx" }],
        ["AWS/ApiGateway", "5XXError", ...api, { stat: "Sum", label: "API 5xx" }],
        ...own(METRIC.requests, [...fn, DIMENSION.statusClass, "4xx"], {
          stat: "Sum",
          label: "handler 4xx",
        }),
        ...own(METRIC.requests, [...fn, DIMENSION.statusClass, "5xx"], {
          stat: "Sum",
          label: "handler 5xx",
        }),
        ["AWS/Lambda", "Errors", ...fn, { stat: "Sum", label: "failed invocations" }],
        ["AWS/Lambda", "Throttles", ...fn, { stat: "Sum", label: "throttled invocations" }],
      ]),
      graph(
        16,
        6,
        "Latency p50 / p99 (ms)",
        [
          ["AWS/ApiGateway", "Latency", ...api, { stat: "p50", label: "API p50" }],
          ["AWS/ApiGateway", "Latency", ...api, { stat: "p99", label: "API p99" }],
          [
            "AWS/ApiGateway",
            "IntegrationLatency",
            ...api,
            { stat: "p99", label: "integration p99" },
          ],
          ["AWS/Lambda", "Duration", ...fn, { stat: "p50", label: "function p50" }],
          ["AWS/Lambda", "Duration", ...fn, { stat: "p99", label: "function p99" }],
        ],
        {
          annotations: {
            horizontal: [
              { label: "API p99 alarm", value: d.latencyThresholdMs },
              { label: "function p99 alarm", value: d.durationThresholdMs },
            ],
          },
        },
      ),
      graph(0, 12, "Cold starts", [
        ...own(METRIC.coldStarts, fn, { stat: "Sum", label: "cold starts" }),
        [
          "AWS/Lambda",
          "ConcurrentExecutions",
          ...fn,
          { stat: "Maximum", label: "concurrent executions" },
        ],
      ]),
      graph(
        8,
        12,
        "DynamoDB consumed capacity",
        d.tables.flatMap((table): MetricLine[] => [
          [
            "AWS/DynamoDB",
            "ConsumedReadCapacityUnits",
            "TableName",
            table,
            { stat: "Sum", label: `${table} read units` },
          ],
          [
            "AWS/DynamoDB",
            "ConsumedWriteCapacityUnits",
            "TableName",
            table,
            { stat: "Sum", label: `${table} write units` },
          ],
        ]),
      ),
      graph(16, 12, "DynamoDB throttles and time", [
        ...d.tables.flatMap((table): MetricLine[] => [
          [
            "AWS/DynamoDB",
            "ReadThrottleEvents",
            "TableName",
            table,
            { stat: "Sum", label: `${table} read throttles` },
          ],
          [
            "AWS/DynamoDB",
            "WriteThrottleEvents",
            "TableName",
            table,
            { stat: "Sum", label: `${table} write throttles` },
          ],
        ]),
        ...own(METRIC.dynamoDbTime, fn, {
          stat: "p50",
          label: "DynamoDB time p50 (ms)",
          yAxis: "right",
        }),
        ...own(METRIC.dynamoDbTime, fn, {
          stat: "p99",
          label: "DynamoDB time p99 (ms)",
          yAxis: "right",
        }),
      ]),
    ],
  };
}
