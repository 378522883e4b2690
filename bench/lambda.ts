/**
 * What Lambda hands a Node.js function, rebuilt for the benchmark's child processes: the runtime's
 * environment variables and API Gateway REST (v1) proxy events. Ours and the baseline get exactly
 * the same, so any difference in their figures is the functions' own.
 */
import type { APIGatewayProxyEvent } from "aws-lambda";

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
  };
}

export interface ProxyRequest {
  method: "GET" | "POST" | "PUT" | "PATCH" | "DELETE";
  /** API Gateway resource, e.g. `/items/{id}`. */
  resource: string;
  /** Concrete path, e.g. `/items/abc`. */
  path: string;
  pathParameters?: Record<string, string>;
  body?: unknown;
}

/** A REST API proxy-integration event as API Gateway sends it for a request to `stage`. */
export function proxyEvent(request: ProxyRequest, stage = "dev"): APIGatewayProxyEvent {
  const body = request.body === undefined ? null : JSON.stringify(request.body);
  const headers: Record<string, string> = {
    accept: "application/json",
    host: "abc123.execute-api.us-east-1.amazonaws.com",
    "user-agent": "lambda-apigateway-bench",
    "x-forwarded-for": "127.0.0.1",
    "x-forwarded-port": "443",
    "x-forwarded-proto": "https",
  };
  if (body !== null) headers["content-type"] = "application/json";
  return {
    resource: request.resource,
    path: request.path,
    httpMethod: request.method,
    headers,
    multiValueHeaders: Object.fromEntries(Object.entries(headers).map(([k, v]) => [k, [v]])),
    queryStringParameters: null,
    multiValueQueryStringParameters: null,
    pathParameters: request.pathParameters ?? null,
    stageVariables: null,
    requestContext: {
      accountId: "000000000000",
      apiId: "abc123",
      authorizer: undefined,
      protocol: "HTTP/1.1",
      httpMethod: request.method,
      path: `/${stage}${request.path}`,
      stage,
      requestId: "00000000-0000-4000-8000-000000000000",
      requestTimeEpoch: 0,
      resourceId: "res123",
      resourcePath: request.resource,
      identity: {
        accessKey: null,
        accountId: null,
        apiKey: null,
        apiKeyId: null,
        caller: null,
        clientCert: null,
        cognitoAuthenticationProvider: null,
        cognitoAuthenticationType: null,
        cognitoIdentityId: null,
        cognitoIdentityPoolId: null,
        principalOrgId: null,
        sourceIp: "127.0.0.1",
        user: null,
        userAgent: "lambda-apigateway-bench",
        userArn: null,
      },
    },
    body,
    isBase64Encoded: false,
  };
}

/** The tutorial's read request, `POST /DynamoDBManager`, which both handlers understand. */
export function tutorialReadEvent(id: string): APIGatewayProxyEvent {
  return proxyEvent({
    method: "POST",
    resource: "/DynamoDBManager",
    path: "/DynamoDBManager",
    body: { operation: "read", payload: { Key: { id } } },
  });
}

/** `GET /items/{id}` on our REST API. */
export function getItemEvent(id: string): APIGatewayProxyEvent {
  return proxyEvent({
    method: "GET",
    resource: "/items/{id}",
    path: `/items/${encodeURIComponent(id)}`,
    pathParameters: { id },
  });
}

/** `POST /items` on our REST API. */
export function createItemEvent(item: Record<string, unknown>): APIGatewayProxyEvent {
  return proxyEvent({ method: "POST", resource: "/items", path: "/items", body: item });
}
