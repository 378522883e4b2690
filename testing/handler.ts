/**
 * Test support for the handler's integration tests: DynamoDB Local with the table the Pulumi
 * program declares, the function's environment variables as the program sets them, and a way to
 * invoke `handler` in-process with API Gateway proxy events.
 */
import { randomUUID } from "node:crypto";
import * as os from "node:os";
import { DynamoDBClient } from "@aws-sdk/client-dynamodb";
import type { APIGatewayProxyResult, Context } from "aws-lambda";
import { PROJECT_DIR, runProgram, type ProgramRun, type RecordedResource } from "../local/program";
import { eventFor, type ApiCall } from "../local/api-gateway";
import { startDynamoDbLocal, type StartedDynamoDbLocal } from "../local/dynamodb-local";
import { buildModel, type FunctionModel, type RestApiModel } from "../local/model";
import { materialiseTable } from "../local/tables";
import { ENV } from "../contract/env";

/**
 * The CRUD function (the one given a TABLE_NAME), its environment, its table and its API, as the
 * program declares them: from `run`, or from a fresh run of the dev stack.
 */
export async function declaredFunction(run?: ProgramRun): Promise<{
  fn: FunctionModel;
  env: Record<string, string>;
  table: RecordedResource;
  /** The Idempotency-Key records table, when the function is given one. */
  recordsTable?: RecordedResource;
  api: RestApiModel;
  region: string;
}> {
  run ??= await runProgram({ stack: "dev" });
  const model = await buildModel(run, PROJECT_DIR, os.tmpdir());
  const fn = model.functions.find((f) => ENV.tableName in f.environment);
  if (!fn) {
    throw new Error(`the program declares no function with ${ENV.tableName} in its environment`);
  }
  const env = fn.environment;
  const table = model.tables.find((t) => t.name === env[ENV.tableName])?.resource;
  if (!table) throw new Error(`the program declares no table named ${env[ENV.tableName]}`);
  const recordsName = env[ENV.idempotencyTableName];
  const recordsTable = recordsName
    ? model.tables.find((t) => t.name === recordsName)?.resource
    : undefined;
  if (recordsName && !recordsTable) {
    throw new Error(`the program declares no table named ${recordsName}`);
  }
  const api = model.apis[0];
  if (!api) throw new Error("the program declares no REST API");
  return { fn, env, table, recordsTable, api, region: model.region };
}

export interface Answer {
  status: number;
  headers: Record<string, string>;
  body: string;
  /** The body parsed with JSON.parse (undefined for an empty body). */
  json: unknown;
}

export function lambdaContext(functionName = "crud"): Context {
  return { awsRequestId: randomUUID(), functionName } as Context;
}

export interface HandlerEnvironment {
  dynamodb: StartedDynamoDbLocal;
  /** The function's environment variables as the program declares them. */
  env: Record<string, string>;
  tableName: string;
  /** The function's physical name, which the handler's invocations get as `context.functionName`. */
  functionName: string;
  /** The Idempotency-Key records table. */
  recordsTableName: string;
  /** The REST API the program declares, for building events. */
  api: RestApiModel;
  client: DynamoDBClient;
  invoke(call: ApiCall): Promise<Answer>;
  /** Stops DynamoDB Local and restores process.env. Safe to call twice. */
  stop(): Promise<void>;
}

export async function startHandlerEnvironment(): Promise<HandlerEnvironment> {
  const { env, table, recordsTable, api, fn } = await declaredFunction();
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
    if (recordsTable) await materialiseTable(client, recordsTable);
    // A fresh adapter per environment: its container caches (config, DynamoDB clients) belong to
    // this DynamoDB Local. The modules it uses stay shared, so their classes stay one.
    delete require.cache[require.resolve("../handlers/crud")];
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const { handler } = require("../handlers/crud") as typeof import("../handlers/crud");
    let stopped = false;
    return {
      dynamodb,
      env,
      tableName: env[ENV.tableName] ?? "",
      functionName: fn.name,
      recordsTableName: env[ENV.idempotencyTableName] ?? "",
      api,
      client,
      async invoke(call) {
        const result: APIGatewayProxyResult = await handler(
          eventFor(api, call),
          lambdaContext(fn.name),
        );
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
