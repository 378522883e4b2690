/**
 * Runs parsed commands against a Store and shapes the responses. It holds the REST rules that
 * need the database (existence, versions, retries on a lost race) but no AWS code: the store is
 * passed in, so this module stays free of the SDK.
 */
import type { AttrMap } from "./core/attributes";
import type { Config } from "./core/config";
import { corsHeaders } from "./core/cors";
import { encodeCursor } from "./core/cursor";
import { mapError } from "./core/errors";
import {
  ApiError,
  errorResponse,
  json,
  noContent,
  type HttpRequest,
  type HttpResponse,
} from "./core/http";
import {
  KEY,
  VERSION,
  etagOf,
  existsCondition,
  patchUpdate,
  satisfies,
  unchangedCondition,
  versionOf,
  type Expectation,
  type ItemsCommand,
} from "./core/items";
import { Num, type Serialisable } from "./core/json";
import type { ManagerCommand } from "./core/manager";
import { parseRequest, type Command } from "./core/request";
import { ConditionFailed, type Store } from "./core/store";

/** Attempts of a PUT's read-then-conditional-write before giving up on a busy item. */
const PUT_ATTEMPTS = 3;

export interface Deps {
  config: Config;
  store: () => Promise<Store>;
  generateId: () => string;
}

const notFound = (id: string) =>
  new ApiError(
    404,
    "ItemNotFound",
    `no item with id ${JSON.stringify(id)}; create it with POST /items or PUT /items/{id}`,
  );

const preconditionFailed = (id: string) =>
  new ApiError(
    412,
    "PreconditionFailed",
    `item ${JSON.stringify(id)} is not at the version If-Match names (or no longer exists): GET it for the current ETag, reapply your change, and retry`,
  );

function itemResponse(status: number, item: AttrMap, extra: Record<string, string> = {}) {
  return json(status, item, { etag: etagOf(item), ...extra });
}

function location(basePath: string, id: string) {
  return `${basePath}/items/${encodeURIComponent(id)}`;
}

async function runManager(
  cmd: ManagerCommand,
  store: Store,
  config: Config,
): Promise<HttpResponse> {
  switch (cmd.kind) {
    case "manager.create":
      return json(200, await store.put(cmd.params));
    case "manager.read":
      return json(200, await store.get(cmd.params));
    case "manager.update":
      return json(200, await store.update(cmd.params));
    case "manager.delete":
      return json(200, await store.delete(cmd.params));
    case "manager.list": {
      const page = await store.scan(cmd.params);
      return json(200, {
        Items: page.Items,
        Count: page.Count,
        LastEvaluatedKey: page.LastEvaluatedKey,
      });
    }
    default:
      throw new Error(`unexpected command ${cmd.kind} for ${config.tableName}`);
  }
}

async function putItem(
  store: Store,
  id: string,
  attributes: AttrMap,
  expected: Expectation | undefined,
): Promise<HttpResponse> {
  for (let attempt = 1; attempt <= PUT_ATTEMPTS; attempt++) {
    const { Item: current } = await store.get({ Key: { [KEY]: id }, ConsistentRead: true });
    if (expected && !satisfies(expected, current)) throw preconditionFailed(id);
    const item: AttrMap = {
      ...attributes,
      [KEY]: id,
      [VERSION]: Num.of((current ? versionOf(current) : 0) + 1),
    };
    try {
      await store.put({ Item: item, ...unchangedCondition(current) });
      return itemResponse(current ? 200 : 201, item);
    } catch (err) {
      if (!(err instanceof ConditionFailed)) throw err;
      // Someone wrote between our read and write. With If-Match that is a stale version;
      // without, read again and replace the newer item.
      if (expected) throw preconditionFailed(id);
    }
  }
  throw new ApiError(
    409,
    "Conflict",
    `item ${JSON.stringify(id)} is being changed by other writers; retry`,
  );
}

async function runItems(
  cmd: ItemsCommand,
  store: Store,
  config: Config,
  basePath: string,
): Promise<HttpResponse> {
  switch (cmd.kind) {
    case "items.create":
      try {
        await store.put({
          Item: cmd.item,
          ConditionExpression: "attribute_not_exists(#id)",
          ExpressionAttributeNames: { "#id": KEY },
        });
      } catch (err) {
        if (!(err instanceof ConditionFailed)) throw err;
        throw new ApiError(
          409,
          "ItemExists",
          `an item with id ${JSON.stringify(cmd.id)} already exists: use PUT /items/{id} to replace it or PATCH to change it`,
        );
      }
      return itemResponse(201, cmd.item, { location: location(basePath, cmd.id) });
    case "items.get": {
      const { Item } = await store.get({ Key: { [KEY]: cmd.id }, ConsistentRead: true });
      if (!Item) throw notFound(cmd.id);
      return itemResponse(200, Item);
    }
    case "items.put":
      return putItem(store, cmd.id, cmd.attributes, cmd.expected);
    case "items.patch":
      try {
        const { Attributes } = await store.update({
          Key: { [KEY]: cmd.id },
          ...patchUpdate(cmd.set, cmd.remove, cmd.expected),
          ReturnValues: "ALL_NEW",
          ReturnValuesOnConditionCheckFailure: "ALL_OLD",
        });
        return itemResponse(200, Attributes ?? {});
      } catch (err) {
        if (!(err instanceof ConditionFailed)) throw err;
        throw err.item || cmd.expected ? preconditionFailed(cmd.id) : notFound(cmd.id);
      }
    case "items.delete":
      try {
        await store.delete({
          Key: { [KEY]: cmd.id },
          ...existsCondition(cmd.expected),
          ReturnValuesOnConditionCheckFailure: "ALL_OLD",
        });
        return noContent();
      } catch (err) {
        if (!(err instanceof ConditionFailed)) throw err;
        throw err.item || cmd.expected ? preconditionFailed(cmd.id) : notFound(cmd.id);
      }
    case "items.list": {
      const page = await store.scan({ Limit: cmd.limit, ExclusiveStartKey: cmd.startKey });
      const nextCursor = page.LastEvaluatedKey
        ? encodeCursor(page.LastEvaluatedKey, config.tableName, config.cursorSecret)
        : null;
      return json(200, { items: page.Items, nextCursor });
    }
  }
}

/** The public OpenAPI document, with this deployment's base path as its server. */
async function openApiResponse(basePath: string): Promise<HttpResponse> {
  // A chunk of its own in the bundle: loaded on the first request for it, never at cold start.
  const { default: document } = await import("./openapi.json");
  return json(200, { ...document, servers: [{ url: basePath || "/" }] } as Serialisable);
}

async function run(command: Command, deps: Deps, basePath: string): Promise<HttpResponse> {
  if (command.kind === "respond") return command.response;
  if (command.kind === "openapi") return openApiResponse(basePath);
  const store = await deps.store();
  return command.kind.startsWith("manager.")
    ? runManager(command as ManagerCommand, store, deps.config)
    : runItems(command as ItemsCommand, store, deps.config, basePath);
}

export interface Outcome {
  response: HttpResponse;
  /** The command run, for logs. */
  command?: Command["kind"];
  /**
   * What the request asked for, for metrics: the command, or the operation a canned response
   * answers (ping, echo, preflight). Undefined when the request was refused before that was known.
   */
  operation?: string;
  /** What went wrong, for logs, when the response is an error. */
  error?: unknown;
}

/** Request in, response out; never throws. CORS headers go on every answer. */
export async function handleRequest(req: HttpRequest, deps: Deps): Promise<Outcome> {
  let command: Command | undefined;
  let response: HttpResponse;
  let error: unknown;
  try {
    command = parseRequest(req, { config: deps.config, generateId: deps.generateId });
    response = await run(command, deps, req.basePath);
  } catch (err) {
    error = err;
    // A ConditionFailed reaching here came from a tutorial operation's own ConditionExpression.
    response = errorResponse(
      mapError(err instanceof ConditionFailed ? { name: "ConditionalCheckFailedException" } : err),
    );
  }
  const cors = corsHeaders(req.headers["origin"], deps.config.corsAllowOrigins);
  return {
    response: { ...response, headers: { ...response.headers, ...cors } },
    command: command?.kind,
    operation: command?.kind === "respond" ? command.operation : command?.kind,
    error,
  };
}
