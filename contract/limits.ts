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

// --- CodeDeploy: ---------------------------------------------------------------------------------
// https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/aws-properties-codedeploy-deploymentgroup-alarmconfiguration.html

/**
 * CloudWatch alarms per deployment group ("A maximum of 10 alarms can be added"; more fails with
 * AlarmsLimitExceededException).
 */
export const CODEDEPLOY_GROUP_ALARMS = 10;
