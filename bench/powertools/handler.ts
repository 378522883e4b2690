/**
 * The Powertools peer: the handler a team would write for what ours does, the way Powertools for
 * AWS Lambda (TypeScript) documents it, bundled by exactly our esbuild build (bench/README.md).
 *
 * - Logger: one structured "request" line per request with the Lambda context (`addContext`,
 *   the manual form of `injectLambdaContext`: the same calls, without Middy or a decorator).
 * - Metrics: EMF, the cold-start metric (`captureColdStartMetric`), requests by function,
 *   operation and status class, DynamoDB time, flushed per request with `publishStoredMetrics`.
 * - Idempotency: the writes wrapped with `makeIdempotent` over the DynamoDB persistence layer,
 *   keyed by the `Idempotency-Key` header, a different request under the same key refused.
 * - Validation: valibot schemas of each request, as ours uses.
 *
 * It serves what the benchmark sends: the tutorial's `POST /DynamoDBManager` (all of its
 * operations) and `GET`/`POST`/`PUT`/`DELETE` on `/items`. Everything is created at module scope,
 * as the documentation shows.
 */
import {
  IdempotencyAlreadyInProgressError,
  IdempotencyConfig,
  IdempotencyValidationError,
  makeIdempotent,
} from "@aws-lambda-powertools/idempotency";
import { DynamoDBPersistenceLayer } from "@aws-lambda-powertools/idempotency/dynamodb";
import { Logger } from "@aws-lambda-powertools/logger";
import { Metrics, MetricUnit } from "@aws-lambda-powertools/metrics";
import { DynamoDBClient } from "@aws-sdk/client-dynamodb";
import {
  DeleteCommand,
  DynamoDBDocumentClient,
  GetCommand,
  PutCommand,
  ScanCommand,
  UpdateCommand,
} from "@aws-sdk/lib-dynamodb";
import type { APIGatewayProxyEvent, APIGatewayProxyResult, Context } from "aws-lambda";
import * as v from "valibot";
import { ENV } from "../../contract/env";
import { IDEMPOTENCY_KEY_HEADER } from "../../contract/idempotency";
import { DEFAULT_METRICS_NAMESPACE, DIMENSION, METRIC } from "../../contract/metrics";
import { POWERTOOLS_TABLE_ENV } from "./table";

const serviceName = "lambda-apigateway";
const logger = new Logger({ serviceName });
// One dimension set per request (service, function, operation, status class): Powertools 2.35
// warns on every flush when several sets share a key, as our three roll-up sets do.
const metrics = new Metrics({
  namespace: process.env[ENV.metricsNamespace] || DEFAULT_METRICS_NAMESPACE,
  serviceName,
  defaultDimensions: { [DIMENSION.functionName]: process.env["AWS_LAMBDA_FUNCTION_NAME"] ?? "" },
});
const persistenceStore = new DynamoDBPersistenceLayer({
  tableName: process.env[POWERTOOLS_TABLE_ENV] ?? "",
});
const idempotencyConfig = new IdempotencyConfig({
  eventKeyJmesPath: "key",
  // The same key with another request is refused (ours answers 422 too).
  payloadValidationJmesPath: "write",
  expiresAfterSeconds: Number(process.env[ENV.idempotencyTtlSeconds] ?? 86_400),
});
const doc = DynamoDBDocumentClient.from(new DynamoDBClient({}));
const TableName = process.env[ENV.tableName] ?? "";

const Id = v.pipe(v.string(), v.minLength(1), v.maxLength(2048));
const Key = v.strictObject({ id: Id });
const Item = v.looseObject({ id: Id });
const Names = v.optional(v.record(v.string(), v.string()));
const Values = v.optional(v.record(v.string(), v.unknown()));
const Update = v.strictObject({
  Key,
  UpdateExpression: v.pipe(v.string(), v.minLength(1)),
  ConditionExpression: v.optional(v.string()),
  ExpressionAttributeNames: Names,
  ExpressionAttributeValues: Values,
});
const ManagerRequest = v.variant("operation", [
  v.strictObject({ operation: v.literal("read"), payload: v.strictObject({ Key }) }),
  v.strictObject({ operation: v.literal("create"), payload: v.strictObject({ Item }) }),
  v.strictObject({ operation: v.literal("update"), payload: Update }),
  v.strictObject({ operation: v.literal("delete"), payload: v.strictObject({ Key }) }),
  v.strictObject({
    operation: v.literal("list"),
    payload: v.optional(
      v.strictObject({ Limit: v.optional(v.pipe(v.number(), v.integer(), v.minValue(1))) }),
    ),
  }),
  v.strictObject({ operation: v.literal("echo"), payload: v.unknown() }),
  v.strictObject({ operation: v.literal("ping"), payload: v.optional(v.unknown()) }),
]);

type Write =
  | { kind: "create"; item: v.InferOutput<typeof Item>; status: number }
  | { kind: "replace"; item: v.InferOutput<typeof Item> }
  | { kind: "update"; update: v.InferOutput<typeof Update> }
  | { kind: "delete"; key: v.InferOutput<typeof Key> };

interface Response {
  statusCode: number;
  body: unknown;
}

let dynamoDbMs: number | undefined;
async function send<T>(call: () => Promise<T>): Promise<T> {
  const started = performance.now();
  try {
    return await call();
  } finally {
    dynamoDbMs = (dynamoDbMs ?? 0) + performance.now() - started;
  }
}

/** A write, recorded under its Idempotency-Key and replayed for a retry with the same key. */
const runWrite = makeIdempotent(
  async (input: { key: string | null; write: Write }): Promise<Response> => {
    const w = input.write;
    if (w.kind === "create") {
      await send(() =>
        doc.send(
          new PutCommand({
            TableName,
            Item: w.item,
            ConditionExpression: "attribute_not_exists(id)",
          }),
        ),
      );
      return { statusCode: w.status, body: w.item };
    }
    if (w.kind === "replace") {
      await send(() => doc.send(new PutCommand({ TableName, Item: w.item })));
      return { statusCode: 200, body: w.item };
    }
    if (w.kind === "update") {
      const out = await send(() =>
        doc.send(new UpdateCommand({ TableName, ...w.update, ReturnValues: "ALL_NEW" })),
      );
      return { statusCode: 200, body: out.Attributes ?? {} };
    }
    await send(() => doc.send(new DeleteCommand({ TableName, Key: w.key })));
    return { statusCode: 204, body: null };
  },
  { persistenceStore, config: idempotencyConfig },
);

function header(event: APIGatewayProxyEvent, name: string): string | null {
  const wanted = name.toLowerCase();
  for (const [k, value] of Object.entries(event.headers ?? {})) {
    if (k.toLowerCase() === wanted && value !== undefined) return value;
  }
  return null;
}

function jsonBody(event: APIGatewayProxyEvent): unknown {
  const text = event.isBase64Encoded
    ? Buffer.from(event.body ?? "", "base64").toString("utf8")
    : (event.body ?? "");
  return JSON.parse(text);
}

async function route(event: APIGatewayProxyEvent): Promise<[string, Response]> {
  const key = header(event, IDEMPOTENCY_KEY_HEADER);
  const id = event.pathParameters?.["id"];
  switch (`${event.httpMethod} ${event.resource}`) {
    case "POST /DynamoDBManager": {
      const req = v.parse(ManagerRequest, jsonBody(event));
      const op = `manager.${req.operation}`;
      switch (req.operation) {
        case "ping":
          return [op, { statusCode: 200, body: "pong" }];
        case "echo":
          return [op, { statusCode: 200, body: req.payload }];
        case "read": {
          const out = await send(() =>
            doc.send(new GetCommand({ TableName, Key: req.payload.Key })),
          );
          return [op, { statusCode: 200, body: out.Item ? { Item: out.Item } : {} }];
        }
        case "list": {
          const out = await send(() =>
            doc.send(new ScanCommand({ TableName, Limit: req.payload?.Limit })),
          );
          return [op, { statusCode: 200, body: { Items: out.Items ?? [], Count: out.Count } }];
        }
        case "create":
          return [
            op,
            await runWrite({ key, write: { kind: "create", item: req.payload.Item, status: 200 } }),
          ];
        case "update":
          return [op, await runWrite({ key, write: { kind: "update", update: req.payload } })];
        case "delete":
          return [op, await runWrite({ key, write: { kind: "delete", key: req.payload.Key } })];
      }
      break;
    }
    case "GET /items/{id}": {
      const out = await send(() => doc.send(new GetCommand({ TableName, Key: { id } })));
      return [
        "items.get",
        out.Item
          ? { statusCode: 200, body: out.Item }
          : { statusCode: 404, body: { error: "NotFound" } },
      ];
    }
    case "POST /items": {
      const item = v.parse(Item, jsonBody(event));
      return [
        "items.create",
        await runWrite({ key, write: { kind: "create", item, status: 201 } }),
      ];
    }
    case "PUT /items/{id}": {
      const item = v.parse(v.looseObject({ id: v.literal(id ?? "") }), jsonBody(event));
      return ["items.put", await runWrite({ key, write: { kind: "replace", item } })];
    }
    case "DELETE /items/{id}":
      return [
        "items.delete",
        await runWrite({ key, write: { kind: "delete", key: { id: id ?? "" } } }),
      ];
  }
  return ["none", { statusCode: 404, body: { error: "RouteNotFound" } }];
}

function refusal(err: unknown): Response | undefined {
  if (err instanceof v.ValiError || err instanceof SyntaxError) {
    return { statusCode: 400, body: { error: "InvalidRequest", message: err.message } };
  }
  if (err instanceof IdempotencyValidationError) {
    return { statusCode: 422, body: { error: "IdempotencyKeyMismatch" } };
  }
  if (err instanceof IdempotencyAlreadyInProgressError) {
    return { statusCode: 409, body: { error: "IdempotencyKeyInUse" } };
  }
  if ((err as Error).name === "ConditionalCheckFailedException") {
    return { statusCode: 409, body: { error: "ItemExists" } };
  }
  return undefined;
}

export const handler = async (
  event: APIGatewayProxyEvent,
  context: Context,
): Promise<APIGatewayProxyResult> => {
  const started = Date.now();
  // What injectLambdaContext({ resetKeys: true }) and logMetrics({ captureColdStartMetric: true })
  // do around a handler.
  logger.refreshSampleRateCalculation();
  logger.addContext(context);
  logger.logEventIfEnabled(event);
  metrics.captureColdStartMetric();
  idempotencyConfig.registerLambdaContext(context);
  dynamoDbMs = undefined;
  let operation = "none";
  let response: Response;
  try {
    [operation, response] = await route(event);
  } catch (err) {
    const refused = refusal(err);
    if (!refused) {
      logger.error("request", {
        method: event.httpMethod,
        resource: event.resource,
        error: err as Error,
      });
    }
    response = refused ?? { statusCode: 500, body: { error: "InternalError" } };
  }
  const statusClass = `${Math.floor(response.statusCode / 100)}xx`;
  try {
    if (response.statusCode < 500) {
      logger.info("request", {
        method: event.httpMethod,
        resource: event.resource,
        apiRequestId: event.requestContext?.requestId,
        operation,
        status: response.statusCode,
        durationMs: Date.now() - started,
      });
    }
    metrics.addDimension(DIMENSION.operation, operation);
    metrics.addDimension(DIMENSION.statusClass, statusClass);
    metrics.addMetric(METRIC.requests, MetricUnit.Count, 1);
    if (dynamoDbMs !== undefined) {
      metrics.addMetric(METRIC.dynamoDbTime, MetricUnit.Milliseconds, dynamoDbMs);
    }
  } finally {
    metrics.publishStoredMetrics();
    logger.resetKeys();
  }
  return {
    statusCode: response.statusCode,
    headers: { "content-type": "application/json" },
    body: response.body === null ? "" : JSON.stringify(response.body),
  };
};
