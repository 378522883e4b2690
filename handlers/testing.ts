/**
 * Test support for the handler's integration tests: DynamoDB Local with the table the Pulumi
 * program declares, the function's environment variables as the program sets them, and a way to
 * invoke `handler` in-process with API Gateway proxy events.
 */
import { randomUUID } from "node:crypto";
import { DynamoDBClient } from "@aws-sdk/client-dynamodb";
import type { APIGatewayProxyEvent, APIGatewayProxyResult, Context } from "aws-lambda";
import { runProgram } from "../integration/program";
import {
  startDynamoDbLocal,
  type StartedDynamoDbLocal,
} from "../integration/targets/local/dynamodb-local";
import { TABLE_TYPE, materialiseTable } from "../integration/targets/local/tables";
import { ENV } from "./env";
import { CATCH_ALL_PATH, ROUTES } from "./routes";

const FUNCTION_TYPE = "aws:lambda/function:Function";
// How the Pulumi runtime marks a secret value in recorded inputs.
const SECRET_SIG = "4dabf18193072939515e22adb298388d";

function unsecret(value: unknown): unknown {
  if (value && typeof value === "object" && SECRET_SIG in value) {
    return unsecret((value as unknown as { value: unknown }).value);
  }
  return value;
}

/** The CRUD function's environment variables and table, as the program declares them. */
export async function declaredFunction(): Promise<{
  env: Record<string, string>;
  table: Awaited<ReturnType<typeof runProgram>>["resources"][number];
}> {
  const run = await runProgram({ stack: "dev" });
  const variablesOf = (f: { inputs: Record<string, unknown> }) =>
    (unsecret(f.inputs["environment"]) as { variables?: Record<string, unknown> } | undefined)
      ?.variables;
  const fn = run.ofType(FUNCTION_TYPE).find((f) => ENV.tableName in (variablesOf(f) ?? {}));
  if (!fn)
    throw new Error(`the program declares no function with ${ENV.tableName} in its environment`);
  const vars = variablesOf(fn) ?? {};
  const env: Record<string, string> = {};
  for (const [k, v] of Object.entries(vars)) env[k] = String(unsecret(v));
  const table = run.ofType(TABLE_TYPE).find((t) => t.state.name === env[ENV.tableName]);
  if (!table) throw new Error(`the program declares no table named ${env[ENV.tableName]}`);
  return { env, table };
}

export interface Call {
  method: string;
  /** Path below the stage, percent-encoded as a client sends it, with an optional query. */
  path: string;
  headers?: Record<string, string>;
  body?: string;
  isBase64Encoded?: boolean;
}

export interface Answer {
  status: number;
  headers: Record<string, string>;
  body: string;
  /** The body parsed with JSON.parse (undefined for an empty body). */
  json: unknown;
}

/** Maps a path to its API Gateway resource and (decoded) path parameters, as API Gateway does. */
export function resolveResource(path: string): {
  resource: string;
  pathParameters: Record<string, string> | null;
} {
  for (const route of ROUTES) {
    const pattern = new RegExp(`^${route.path.replace(/\{(\w+)\}/g, "(?<$1>[^/]+)")}$`);
    const m = pattern.exec(path);
    if (m) {
      const params = Object.fromEntries(
        Object.entries(m.groups ?? {}).map(([k, v]) => [k, decodeURIComponent(v)]),
      );
      return { resource: route.path, pathParameters: Object.keys(params).length ? params : null };
    }
  }
  return { resource: CATCH_ALL_PATH, pathParameters: { proxy: path.slice(1) } };
}

export const STAGE = "test";

export function proxyEvent(call: Call): APIGatewayProxyEvent {
  const [path = "", queryString] = call.path.split("?");
  const multi: Record<string, string[]> = {};
  for (const [k, v] of new URLSearchParams(queryString ?? "")) (multi[k] ??= []).push(v);
  const hasQuery = Object.keys(multi).length > 0;
  const { resource, pathParameters } = resolveResource(path);
  const headers = call.headers ?? {};
  return {
    httpMethod: call.method,
    resource,
    path,
    pathParameters,
    headers,
    multiValueHeaders: Object.fromEntries(Object.entries(headers).map(([k, v]) => [k, [v]])),
    queryStringParameters: hasQuery
      ? Object.fromEntries(Object.entries(multi).map(([k, v]) => [k, v[v.length - 1] ?? ""]))
      : null,
    multiValueQueryStringParameters: hasQuery ? multi : null,
    stageVariables: null,
    body: call.body ?? null,
    isBase64Encoded: call.isBase64Encoded ?? false,
    requestContext: {
      path: `/${STAGE}${path}`,
      stage: STAGE,
      requestId: randomUUID(),
      resourcePath: resource,
      httpMethod: call.method,
    } as APIGatewayProxyEvent["requestContext"],
  };
}

export function lambdaContext(): Context {
  return { awsRequestId: randomUUID(), functionName: "crud" } as Context;
}

export interface HandlerEnvironment {
  dynamodb: StartedDynamoDbLocal;
  /** The function's environment variables as the program declares them. */
  env: Record<string, string>;
  tableName: string;
  client: DynamoDBClient;
  invoke(call: Call): Promise<Answer>;
  /** Stops DynamoDB Local and restores process.env. Safe to call twice. */
  stop(): Promise<void>;
}

export async function startHandlerEnvironment(): Promise<HandlerEnvironment> {
  const { env, table } = await declaredFunction();
  const dynamodb = await startDynamoDbLocal();
  const saved = { ...process.env };
  try {
    const overrides = {
      ...env,
      AWS_ENDPOINT_URL_DYNAMODB: dynamodb.endpoint,
      AWS_REGION: "us-east-1",
      AWS_ACCESS_KEY_ID: "local",
      AWS_SECRET_ACCESS_KEY: "local",
      AWS_LAMBDA_LOG_LEVEL: process.env["AWS_LAMBDA_LOG_LEVEL"] ?? "WARN",
    };
    Object.assign(process.env, overrides);
    const client = new DynamoDBClient({
      endpoint: dynamodb.endpoint,
      region: "us-east-1",
      credentials: { accessKeyId: "local", secretAccessKey: "local" },
    });
    await materialiseTable(client, table);
    const { handler } = await import("./crud");
    let stopped = false;
    return {
      dynamodb,
      env,
      tableName: env[ENV.tableName] ?? "",
      client,
      async invoke(call) {
        const result: APIGatewayProxyResult = await handler(proxyEvent(call), lambdaContext());
        const headers = Object.fromEntries(
          Object.entries(result.headers ?? {}).map(([k, v]) => [k.toLowerCase(), String(v)]),
        );
        return {
          status: result.statusCode,
          headers,
          body: result.body,
          json: result.body ? JSON.parse(result.body) : undefined,
        };
      },
      async stop() {
        if (stopped) return;
        stopped = true;
        client.destroy();
        await dynamodb.stop();
        for (const key of Object.keys(process.env)) if (!(key in saved)) delete process.env[key];
        Object.assign(process.env, saved);
      },
    };
  } catch (err) {
    await dynamodb.stop();
    Object.assign(process.env, saved);
    throw err;
  }
}
