/**
 * The function's own metrics, as CloudWatch Embedded Metric Format (EMF) members of the one
 * structured "request" log line each request writes: CloudWatch Logs extracts them from the log
 * group, so they cost no API call and no extra line. Pure; the names are in contract/metrics.ts,
 * which the Monitoring component's alarms and dashboard read too.
 *
 * Lambda's JSON log format wraps what `console.*` writes in its own object (the EMF document would
 * end up inside `message`), but passes lines written straight to stdout through as they are, so
 * the `_aws` member stays at the root where CloudWatch looks for it. The line is INFO or ERROR:
 * an application log level above INFO would drop the metrics of successful requests with it.
 */

import { DIMENSION, METRIC, NO_OPERATION } from "../contract/metrics";

export interface RequestMetrics {
  namespace: string;
  functionName: string;
  /** Command kind, e.g. `items.get`, `manager.read`, `preflight`. */
  operation: string | undefined;
  status: number;
  coldStart: boolean;
  /** Milliseconds in DynamoDB calls; undefined when the request made none. */
  dynamoDbMs: number | undefined;
  /** Epoch milliseconds the metrics are recorded at. */
  timestamp: number;
}

/** `2xx` for 200–299, and so on. */
export function statusClass(status: number): string {
  return `${Math.floor(status / 100)}xx`;
}

/**
 * The EMF members to merge into the request's log line: `_aws` with two metric directives, and
 * the target members they reference. Dimension sets are few and low-cardinality on purpose:
 * every distinct combination is a custom metric CloudWatch bills for.
 */
export function emfMembers(m: RequestMetrics): Record<string, unknown> {
  const { functionName, operation, statusClass: byClass } = DIMENSION;
  const perFunction: { Name: string; Unit: string }[] = [
    { Name: METRIC.coldStarts, Unit: "Count" },
  ];
  const members: Record<string, unknown> = {
    [functionName]: m.functionName,
    [operation]: m.operation ?? NO_OPERATION,
    [byClass]: statusClass(m.status),
    [METRIC.requests]: 1,
    [METRIC.coldStarts]: m.coldStart ? 1 : 0,
  };
  if (m.dynamoDbMs !== undefined) {
    perFunction.push({ Name: METRIC.dynamoDbTime, Unit: "Milliseconds" });
    members[METRIC.dynamoDbTime] = Math.round(m.dynamoDbMs * 1000) / 1000;
  }
  return {
    _aws: {
      Timestamp: m.timestamp,
      CloudWatchMetrics: [
        {
          Namespace: m.namespace,
          Dimensions: [[functionName], [functionName, byClass], [functionName, operation, byClass]],
          Metrics: [{ Name: METRIC.requests, Unit: "Count" }],
        },
        { Namespace: m.namespace, Dimensions: [[functionName]], Metrics: perFunction },
      ],
    },
    ...members,
  };
}
