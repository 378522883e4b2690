/**
 * Maps whatever a DynamoDB call threw to the response the client gets: its fault (400/409/413),
 * a transient outage it should retry (503 + Retry-After), or ours (500). Pure: it reads only the
 * error's name, code and message, never a stack, and never returns SDK metadata.
 */
import { ApiError } from "./http";

export const RETRY_AFTER_SECONDS = "1";

const THROTTLED = new Set([
  "ProvisionedThroughputExceededException",
  "ThrottlingException",
  "RequestLimitExceeded",
  "LimitExceededException",
  "InternalServerError",
  "ServiceUnavailable",
  "ServiceUnavailableException",
  "TimeoutError",
  "RequestTimeout",
  "RequestTimeoutException",
  "AbortError",
]);

const NETWORK_CODES = new Set([
  "ECONNREFUSED",
  "ECONNRESET",
  "ECONNABORTED",
  "ETIMEDOUT",
  "EPIPE",
  "ENOTFOUND",
  "EAI_AGAIN",
  "EHOSTUNREACH",
  "ENETUNREACH",
]);

interface ErrorLike {
  name?: unknown;
  code?: unknown;
  message?: unknown;
  $metadata?: { httpStatusCode?: number };
}

export function unavailable(): ApiError {
  return new ApiError(
    503,
    "ServiceUnavailable",
    "the database is busy or unreachable; retry after the delay in Retry-After",
    { "retry-after": RETRY_AFTER_SECONDS },
  );
}

export function mapError(error: unknown): ApiError {
  if (error instanceof ApiError) return error;
  const e = (typeof error === "object" && error !== null ? error : {}) as ErrorLike;
  const name = typeof e.name === "string" ? e.name : "";
  const code = typeof e.code === "string" ? e.code : "";
  const message = typeof e.message === "string" ? e.message : "";

  switch (name) {
    case "ConditionalCheckFailedException":
      return new ApiError(
        409,
        "ConditionalCheckFailed",
        "the ConditionExpression did not hold for the stored item; read it and retry with a condition that matches",
      );
    case "TransactionConflictException":
      return new ApiError(
        409,
        "TransactionConflict",
        "the item is being changed by a transaction; retry",
      );
    case "ValidationException":
      if (/item size (to update )?has exceeded/i.test(message)) {
        return new ApiError(
          413,
          "ItemTooLarge",
          "the item would exceed DynamoDB's 400 KB item size limit; store less data per item",
        );
      }
      // DynamoDB's validation messages describe the request (expression, key, types) and are
      // written for the caller; they hold no payload values.
      return new ApiError(400, "ValidationError", message || "DynamoDB refused the request");
    case "ItemCollectionSizeLimitExceededException":
      return new ApiError(400, "ItemCollectionTooLarge", message);
  }
  if (THROTTLED.has(name) || NETWORK_CODES.has(code) || NETWORK_CODES.has(name))
    return unavailable();
  const status = e.$metadata?.httpStatusCode;
  if (typeof status === "number" && status >= 500) return unavailable();
  return new ApiError(
    500,
    "InternalError",
    "internal error; it has been logged with this request's id",
  );
}
