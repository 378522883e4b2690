/**
 * The AWS limits this code relies on, each with the page that states it. AWS counts KB and MB in
 * binary units (1 KB = 1024 bytes), as these constants do. Values here are AWS's; what the code
 * does about them (refuse a body, end a page, cap a timeout) stays with the code that does it.
 */

// --- Lambda: https://docs.aws.amazon.com/lambda/latest/dg/gettingstarted-limits.html -----------

/** Request and response payload of a synchronous invocation (API Gateway's proxy integration). */
export const LAMBDA_SYNC_PAYLOAD_BYTES = 6 * 1024 * 1024;

/**
 * Payload of an asynchronous (`Event`) invocation, as the quotas page gives it. The Invoke API
 * reference (API_Invoke.html) now says 1 MB; the local cloud keeps the lower figure until checked.
 */
export const LAMBDA_ASYNC_PAYLOAD_BYTES = 256 * 1024;

/** All environment variables of a function, keys and values together. */
export const LAMBDA_ENVIRONMENT_BYTES = 4096;

/**
 * The init phase (loading the handler module) of an on-demand function
 * (https://docs.aws.amazon.com/lambda/latest/dg/lambda-runtime-environment.html).
 */
export const LAMBDA_INIT_TIMEOUT_MS = 10_000;

// --- API Gateway REST APIs: -------------------------------------------------------------------
// https://docs.aws.amazon.com/apigateway/latest/developerguide/api-gateway-execution-service-limits-table.html

/** Payload (request body) size. */
export const API_GATEWAY_PAYLOAD_BYTES = 10 * 1024 * 1024;

/** An answer API Gateway sends as it is, whatever gateway responses the API declares. */
export interface FixedAnswer {
  status: number;
  contentType: string;
  body: string;
  /** `x-amzn-ErrorType`, when it is sent. */
  errorType?: string;
  /** Whether `x-amzn-RequestId` and `x-amz-apigw-id` are sent. */
  requestIds: boolean;
}

/**
 * API Gateway's 413s, which no gateway response reshapes: "Customizing the default gateway
 * response for 413 REQUEST_TOO_LARGE isn't currently supported" (developer guide, "Amazon API
 * Gateway important notes", REST APIs). The bodies are those of the one published capture found,
 * of an edge-optimized REST API without gateway responses (koki-develop/lgtm-generator issue #10,
 * 2021): unverified for a regional endpoint such as this stack's.
 */
export const API_GATEWAY_413 = {
  /** A body over the payload limit: plain text, labelled `text`, no request id headers. */
  body: {
    status: 413,
    contentType: "text; charset=utf-8",
    body: `HTTP content length exceeded ${API_GATEWAY_PAYLOAD_BYTES} bytes.`,
    requestIds: false,
  },
  /** A body under it whose event would pass Lambda's invoke limit: the function never runs. */
  event: {
    status: 413,
    contentType: "application/json",
    body: '{"message": "Request Too Long"}',
    errorType: "BadRequestException",
    requestIds: true,
  },
} as const satisfies Record<string, FixedAnswer>;

/**
 * The request line and the header values together ("Total combined size of request line and
 * header values", the REST API quotas table of the page above). Issue 30 states it as header
 * values over 10,240 bytes; the quotas table was not re-read for this constant.
 */
export const API_GATEWAY_REQUEST_LINE_AND_HEADERS_BYTES = 10_240;

/**
 * API Gateway's answer to headers over its limit. Unverified: no capture of this answer was
 * found, so the status is HTTP's own for the case (RFC 6585, 431) and the body API Gateway's
 * built-in error shape (`{"message": ...}`), as its other fixed answers are.
 */
export const API_GATEWAY_431 = {
  status: 431,
  contentType: "application/json",
  body: '{"message":"Request Header Fields Too Large"}',
  requestIds: true,
} as const satisfies FixedAnswer;

/**
 * Characters a REST API's query string must not carry unencoded: "The plain text pipe character
 * (|) and the curly brace character ({ or }) are not supported for any request URL query string
 * and must be URL-encoded" (developer guide, "Amazon API Gateway important notes", REST APIs).
 */
export const API_GATEWAY_QUERY_REFUSED_CHARACTERS = ["|", "{", "}"] as const;

/**
 * API Gateway's answer to such a query. Unverified: the guide says they are not supported, not
 * what comes back; no capture was found. 400 in the built-in error shape until one is.
 */
export const API_GATEWAY_BAD_QUERY = {
  status: 400,
  contentType: "application/json",
  body: '{"message":"Bad Request"}',
  requestIds: true,
} as const satisfies FixedAnswer;

/**
 * Integration timeout: API Gateway stops waiting for the function after this. Regional and private
 * APIs may raise it through a quota request (AWS What's New, 2024-06-04); this stack does not.
 */
export const API_GATEWAY_INTEGRATION_TIMEOUT_SECONDS = 29;

// --- DynamoDB: https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/Constraints.html -

/** An item, attribute names and values together. */
export const DYNAMODB_ITEM_BYTES = 400 * 1024;

/** A partition key value (at least 1 byte). */
export const DYNAMODB_PARTITION_KEY_BYTES = 2048;

/** Significant digits of a Number. */
export const DYNAMODB_NUMBER_DIGITS = 38;

/**
 * What one Query or Scan reads before it stops and returns LastEvaluatedKey: what bounds a list
 * page's stored size (its JSON can be larger: a control character is 1 byte stored, 6 as JSON).
 */
export const DYNAMODB_PAGE_BYTES = 1024 * 1024;

/** Actions in one TransactWriteItems. */
export const DYNAMODB_TRANSACTION_ITEMS = 100;
