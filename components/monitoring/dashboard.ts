/**
 * The dashboard's body: what one screen shows of the stack, built from resolved names so every
 * metric line names this stack's resources.
 */
import { DIMENSION, METRIC } from "../../contract/metrics";

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
            "Every alarm notifies the stack's alarm topic on ALARM and on OK; its description, " +
            "and the Monitoring section of docs/deploying.md, say what it means and what to " +
            "check first.",
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
