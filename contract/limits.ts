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
