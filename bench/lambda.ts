/**
 * What Lambda hands a Node.js function, rebuilt for the benchmark's child processes: the runtime's
 * environment variables and API Gateway REST (v1) proxy events, routed over the API the program
 * declares by the local cloud's own API Gateway code. Ours and the baseline get exactly
 * the same, so any difference in their figures is the functions' own.
 */
import type { APIGatewayProxyEvent } from "aws-lambda";
import { eventFor } from "../local/api-gateway";
import type { RestApiModel } from "../local/model";

export interface LambdaEnvironmentOptions {
  /** The function's own variables, as the Pulumi program sets them. */
  functionVariables: Record<string, string>;
  functionName: string;
  memorySizeMb: number;
  region: string;
  /** DynamoDB Local's endpoint, given to the SDK through its standard variable. */
  dynamoDbEndpoint: string;
  /** The directory the code was unpacked to (Lambda's `/var/task`). */
  taskRoot: string;
  /** Variables only a peer reads (the Powertools peer's table), laid over the function's. */
  extra?: Record<string, string>;
}

/**
 * The environment the Node.js 22 runtime gives a function. Built from scratch rather than from
 * `process.env`, so nothing of the harness (NODE_OPTIONS, tsx's loaders, a developer's AWS
 * profile) leaks into what is measured. The credentials are dummies, in the variables where
 * Lambda puts the execution role's session, so the SDK resolves them the way it does on Lambda.
 */
export function lambdaEnvironment(options: LambdaEnvironmentOptions): Record<string, string> {
  return {
    PATH: process.env.PATH ?? "/usr/local/bin:/usr/bin:/bin",
    LANG: "en_US.UTF-8",
    TZ: ":UTC",
    LAMBDA_TASK_ROOT: options.taskRoot,
    AWS_EXECUTION_ENV: "AWS_Lambda_nodejs22.x",
    AWS_LAMBDA_INITIALIZATION_TYPE: "on-demand",
    AWS_LAMBDA_FUNCTION_NAME: options.functionName,
    AWS_LAMBDA_FUNCTION_VERSION: "$LATEST",
    AWS_LAMBDA_FUNCTION_MEMORY_SIZE: String(options.memorySizeMb),
    AWS_LAMBDA_LOG_GROUP_NAME: `/aws/lambda/${options.functionName}`,
    AWS_LAMBDA_LOG_STREAM_NAME: "2025/01/01/[$LATEST]0123456789abcdef0123456789abcdef",
    AWS_REGION: options.region,
    AWS_DEFAULT_REGION: options.region,
    AWS_ACCESS_KEY_ID: "ASIABENCHMARKLOCAL00",
    AWS_SECRET_ACCESS_KEY: "benchmark-local-secret-access-key-0000000",
    AWS_SESSION_TOKEN: "benchmark-local-session-token",
    AWS_ENDPOINT_URL_DYNAMODB: options.dynamoDbEndpoint,
    ...options.functionVariables,
    ...options.extra,
  };
}

/**
 * The same API as the tutorial deploys it, for the peers: it declares no binary media types, so
 * API Gateway hands their functions a JSON body as text. Ours declares its body types binary
 * (components/api/body.ts) and gets the bytes base64-encoded, which the tutorial's handler
 * (`JSON.parse(event.body)`) could not read. Each handler gets the event its own API sends.
 */
export function textBodiesApi(api: RestApiModel): RestApiModel {
  return { ...api, binaryMediaTypes: [] };
}

const JSON_HEADERS = { accept: "application/json", "content-type": "application/json" };

/** The tutorial's read request, `POST /DynamoDBManager`, which both handlers understand. */
export function tutorialReadEvent(api: RestApiModel, id: string): APIGatewayProxyEvent {
  return eventFor(api, {
    method: "POST",
    path: "/DynamoDBManager",
    headers: JSON_HEADERS,
    body: JSON.stringify({ operation: "read", payload: { Key: { id } } }),
  });
}

/** `GET /items/{id}` on our REST API. */
export function getItemEvent(api: RestApiModel, id: string): APIGatewayProxyEvent {
  return eventFor(api, {
    method: "GET",
    path: `/items/${encodeURIComponent(id)}`,
    headers: { accept: "application/json" },
  });
}

/** `POST /items` on our REST API. */
export function createItemEvent(
  api: RestApiModel,
  item: Record<string, unknown>,
): APIGatewayProxyEvent {
  return eventFor(api, {
    method: "POST",
    path: "/items",
    headers: JSON_HEADERS,
    body: JSON.stringify(item),
  });
}
