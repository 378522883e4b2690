/**
 * The names of the function's own CloudWatch metrics (Embedded Metric Format): the handler writes
 * them (handlers/metrics.ts) and the Monitoring component's alarms and dashboard read them.
 */

/** Namespace the handler's metrics go to unless the function is given another. */
export const DEFAULT_METRICS_NAMESPACE = "lambda-apigateway";

/** Metric names. */
export const METRIC = {
  /** One per request, by status class and by operation. */
  requests: "Requests",
  /** 1 on the first request of an execution environment, 0 after: the sum counts cold starts. */
  coldStarts: "ColdStarts",
  /** Time the request spent in DynamoDB calls (retries included), when it made any. */
  dynamoDbTime: "DynamoDBTime",
} as const;

/** Dimension names. */
export const DIMENSION = {
  functionName: "FunctionName",
  operation: "Operation",
  statusClass: "StatusClass",
} as const;

/** Operation of a request refused before it named one (unknown route, bad body, ...). */
export const NO_OPERATION = "none";
