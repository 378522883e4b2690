/**
 * Lambda entry point for API Gateway's REST proxy integration: turns the event into the core's
 * HttpRequest, runs it, and logs one structured line per request, which also carries the request's
 * metrics (handlers/metrics.ts). The DynamoDB module is imported on the first request that needs it,
 * so ping, echo and refusals never load the SDK.
 */
import { randomUUID } from "node:crypto";
import type { APIGatewayProxyEvent, APIGatewayProxyResult, Context } from "aws-lambda";
import { readConfig, type Config } from "./core/config";
import { corsHeaders } from "../contract/cors";
import {
  ApiError,
  decodePathParameter,
  errorResponse,
  type HttpRequest,
  type HttpResponse,
} from "./core/http";
import { stringifyJson } from "./core/json";
import type { RecordStore, Store } from "./core/store";
import { ENV } from "../contract/env";
import { idempotencyScope, type Caller } from "../contract/idempotency";
import { createLogger } from "./log";
import { DEFAULT_METRICS_NAMESPACE } from "../contract/metrics";
import { emfMembers } from "./metrics";
import { handleRequest } from "./service";
import { timed } from "./store/timed";

let coldStart = true;
let config: Config | undefined;
let store: Promise<Store> | undefined;
// Read once per container; an empty value turns the metrics off.
const metricsNamespace = process.env[ENV.metricsNamespace] ?? DEFAULT_METRICS_NAMESPACE;
let records: Promise<RecordStore> | undefined;
let clients: import("./store/dynamodb").Clients | undefined;

/**
 * The DynamoDB stores' module (handlers/store/index.ts: one module, so one split point in the
 * bundle), loaded by the first request that needs a store. Unit tests load in-memory stand-ins
 * here instead (handlers/crud.test.ts).
 */
export const storeModules: {
  dynamoDb(): Promise<
    Pick<typeof import("./store/dynamodb"), "createClients" | "createDynamoDbStore">
  >;
  records(): Promise<Pick<typeof import("./store/records"), "createRecordStore">>;
} = {
  dynamoDb: () => import("./store"),
  records: () => import("./store"),
};

/** The container's DynamoDB clients, shared by both stores. */
async function dynamoDb(cfg: Config) {
  const m = await storeModules.dynamoDb();
  clients ??= m.createClients({
    timeoutMs: cfg.dynamoDbTimeoutMs,
    maxAttempts: cfg.dynamoDbMaxAttempts,
  });
  return { m, clients };
}

function getStore(cfg: Config): Promise<Store> {
  store ??= dynamoDb(cfg).then(({ m, clients }) =>
    m.createDynamoDbStore(
      {
        tableName: cfg.tableName,
        timeoutMs: cfg.dynamoDbTimeoutMs,
        maxAttempts: cfg.dynamoDbMaxAttempts,
      },
      clients,
    ),
  );
  // A failed load (should not happen) is retried on the next request rather than cached.
  store.catch(() => (store = undefined));
  return store;
}

/** Loaded by the first request with an Idempotency-Key; the others never pay for it. */
function getRecordStore(cfg: Config, recordsTableName: string): Promise<RecordStore> {
  records ??= Promise.all([dynamoDb(cfg), storeModules.records()]).then(([{ clients }, m]) =>
    m.createRecordStore({ tableName: cfg.tableName, recordsTableName }, clients),
  );
  records.catch(() => (records = undefined));
  return records;
}

const utf8 = new TextDecoder("utf-8", { fatal: true });

/** API Gateway proxy event → core request. */
export function toHttpRequest(event: APIGatewayProxyEvent): HttpRequest {
  // Built with fromEntries, so a client's "__proto__" stays a name (own key) and sets no prototype.
  const headers: Record<string, string> = Object.fromEntries(
    Object.entries(event.headers ?? {})
      .filter((entry): entry is [string, string] => entry[1] !== undefined)
      .map(([name, value]) => [name.toLowerCase(), value]),
  );
  const multi = event.multiValueQueryStringParameters;
  const query: Record<string, string[]> = Object.fromEntries(
    Object.entries(multi ?? event.queryStringParameters ?? {})
      .filter((entry): entry is [string, string | string[]] => entry[1] !== undefined)
      .map(([name, value]) => [name, Array.isArray(value) ? value : [value]]),
  );
  // REST APIs deliver path parameters exactly as the client sent them, still percent-encoded
  // (`/items/a%2Fb` → "a%2Fb"), so they are decoded here, once.
  const pathParameters: Record<string, string> = Object.fromEntries(
    Object.entries(event.pathParameters ?? {})
      .filter((entry): entry is [string, string] => entry[1] !== undefined)
      .map(([name, value]) => [name, decodePathParameter(name, value)]),
  );
  let body: string | null = event.body ?? null;
  let bodyBytes = body === null ? 0 : Buffer.byteLength(body, "utf8");
  if (body !== null && event.isBase64Encoded) {
    const bytes = Buffer.from(body, "base64");
    bodyBytes = bytes.length;
    try {
      body = utf8.decode(bytes);
    } catch {
      throw new ApiError(400, "InvalidBody", "the body is not valid UTF-8: send UTF-8 JSON");
    }
  }
  const basePath = basePathOf(event.requestContext?.path ?? "", event.resource, event.path);
  return {
    method: (event.httpMethod ?? "").toUpperCase(),
    resource: event.resource ?? "",
    path: event.path ?? "",
    pathParameters,
    query,
    headers,
    body,
    bodyBytes,
    basePath,
    idempotencyScope: idempotencyScope(callerIdentity(event)),
  };
}

/** The fields of the event that name the caller, for the Idempotency-Key scope. */
function callerIdentity(event: APIGatewayProxyEvent): Caller {
  const claims = (event.requestContext?.authorizer as { claims?: Record<string, unknown> } | null)
    ?.claims;
  const identity = event.requestContext?.identity;
  const text = (v: unknown) => (typeof v === "string" && v ? v : undefined);
  return {
    sub: text(claims?.["sub"]),
    userArn: text(identity?.userArn),
    apiKeyId: text(identity?.apiKeyId),
  };
}

/**
 * What comes before the resource in the URL the caller used: `/<stage>` on the execute-api
 * endpoint, `/<basePath>` on a custom domain with a base path mapping, `` at a domain's root. On a
 * custom domain API Gateway leaves the base path in `path` as well as in `requestContext.path`
 * (localstack/localstack#12296 lists the cases), so the prefix is found by the resource's segment
 * count, not by `path`. Links the function writes (Location, the document's server) start with it.
 */
export function basePathOf(publicPath: string, resource?: string, path?: string): string {
  const segments = (p: string) => p.replace(/\/$/, "").split("/").slice(1);
  if (resource) {
    const wanted = segments(resource).filter(Boolean);
    const have = segments(publicPath);
    const tail = have.slice(have.length - wanted.length);
    const fits =
      have.length >= wanted.length &&
      wanted.every((part, i) => part.startsWith("{") || part === tail[i]);
    if (fits) {
      const prefix = have.slice(0, have.length - wanted.length);
      return prefix.length ? `/${prefix.join("/")}` : "";
    }
  }
  return path && publicPath.endsWith(path)
    ? publicPath.slice(0, publicPath.length - path.length)
    : "";
}

/**
 * Who API Gateway says is calling, for the request line: a Cognito token's subject, user name and
 * app client (`requestContext.authorizer.claims`), or an IAM caller (`requestContext.identity`).
 * Undefined for anonymous requests. Nothing else depends on it.
 */
export function callerOf(event: APIGatewayProxyEvent): Record<string, string> | undefined {
  const claims = (event.requestContext?.authorizer as { claims?: unknown } | null | undefined)
    ?.claims;
  const text = (v: unknown) => (typeof v === "string" && v ? v : undefined);
  if (claims && typeof claims === "object") {
    const c = claims as Record<string, unknown>;
    const fields = {
      sub: text(c["sub"]),
      username: text(c["cognito:username"]) ?? text(c["username"]),
      // ID tokens name the app client in aud, access tokens in client_id.
      clientId: text(c["client_id"]) ?? text(c["aud"]),
      tokenUse: text(c["token_use"]),
    };
    const present = Object.entries(fields).filter(([, v]) => v !== undefined);
    if (present.length) return Object.fromEntries(present) as Record<string, string>;
  }
  const identity = event.requestContext?.identity;
  const userArn = text(identity?.userArn);
  if (userArn) {
    return Object.fromEntries(
      Object.entries({
        userArn,
        accountId: text(identity?.accountId),
        caller: text(identity?.caller),
        accessKey: text(identity?.accessKey),
      }).filter(([, v]) => v !== undefined),
    ) as Record<string, string>;
  }
  return undefined;
}

function toResult(response: HttpResponse): APIGatewayProxyResult {
  return {
    statusCode: response.status,
    headers: response.headers,
    body: response.rawBody ?? (response.body === undefined ? "" : stringifyJson(response.body)),
  };
}

export async function handler(
  event: APIGatewayProxyEvent,
  context: Context,
): Promise<APIGatewayProxyResult> {
  const started = Date.now();
  const wasCold = coldStart;
  const log = createLogger({
    requestId: context.awsRequestId,
    apiRequestId: event.requestContext?.requestId,
    coldStart,
  });
  coldStart = false;
  const caller = callerOf(event);
  const fields = {
    method: event.httpMethod,
    resource: event.resource,
    ...(caller ? { caller } : {}),
  };
  let dynamoDbMs: number | undefined;
  const metrics = (status: number, operation: string | undefined) =>
    metricsNamespace
      ? emfMembers({
          namespace: metricsNamespace,
          functionName: context.functionName,
          operation,
          status,
          coldStart: wasCold,
          dynamoDbMs,
          timestamp: Date.now(),
        })
      : {};
  try {
    config ??= readConfig(process.env);
    const cfg = config;
    const recordsTable = cfg.idempotencyTableName;
    // Every DynamoDB call of the request counts toward its DynamoDBTime metric.
    const time = (ms: number) => (dynamoDbMs = (dynamoDbMs ?? 0) + ms);
    const outcome = await handleRequest(toHttpRequest(event), {
      config: cfg,
      store: () => getStore(cfg).then((s) => (metricsNamespace ? timed(s, time) : s)),
      generateId: randomUUID,
      records: recordsTable
        ? () =>
            getRecordStore(cfg, recordsTable).then((r) => (metricsNamespace ? timed(r, time) : r))
        : undefined,
      remainingMs: context.getRemainingTimeInMillis
        ? () => context.getRemainingTimeInMillis()
        : undefined,
    });
    const { status } = outcome.response;
    const error = outcome.error as {
      name?: string;
      code?: string;
      message?: string;
      stack?: string;
    };
    log.log(status >= 500 ? "ERROR" : "INFO", "request", {
      ...fields,
      command: outcome.command,
      status,
      durationMs: Date.now() - started,
      ...(error ? { errorName: error.name, errorCode: error.code } : {}),
      // Only our own failures get the detail; 4xx messages describe the client's request.
      ...(error && status >= 500 ? { errorMessage: error.message, stack: error.stack } : {}),
      ...metrics(status, outcome.operation),
    });
    return toResult(outcome.response);
  } catch (err) {
    const e = err as Error;
    const response =
      err instanceof ApiError
        ? errorResponse(err)
        : errorResponse(
            new ApiError(
              500,
              "InternalError",
              "internal error; it has been logged with this request's id",
            ),
          );
    if (config) {
      Object.assign(
        response.headers,
        corsHeaders(
          event.headers?.["origin"] ?? event.headers?.["Origin"],
          config.corsAllowOrigins,
        ),
      );
    }
    log.log(response.status >= 500 ? "ERROR" : "INFO", "request", {
      ...fields,
      status: response.status,
      durationMs: Date.now() - started,
      errorName: e.name,
      ...(response.status >= 500 ? { errorMessage: e.message, stack: e.stack } : {}),
      ...metrics(response.status, undefined),
    });
    return toResult(response);
  }
}
