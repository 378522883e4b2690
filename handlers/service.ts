/**
 * Runs parsed commands against a Store and shapes the responses. It holds the REST rules that
 * need the database (existence, versions, retries on a lost race) but no AWS code: the store is
 * passed in, so this module stays free of the SDK.
 */
import { encodeMap, type AttrMap } from "./core/attributes";
import type { Config } from "./core/config";
import { corsHeaders } from "../contract/cors";
import { encodeCursor } from "./core/cursor";
import { fitPage } from "./core/page";
import { mapError } from "./core/errors";
import {
  ApiError,
  errorResponse,
  json,
  noContent,
  type HttpRequest,
  type HttpResponse,
} from "./core/http";
import { KEY, VERSION } from "../contract/inputs";
import {
  etagOf,
  existsCondition,
  patchUpdate,
  satisfies,
  unchangedCondition,
  versionOf,
  type Expectation,
  type ItemsCommand,
} from "./core/items";
import { Num } from "../contract/json";
import type { Serialisable } from "./core/json";
import type { Planned } from "./core/idempotency";
import { stillAsRead, versionedCreate, type ManagerCommand } from "./core/manager";
import { parseRequest, type Command } from "./core/request";
import { ConditionFailed, type PutParams, type RecordStore, type Store } from "./core/store";
import {
  IDEMPOTENCY_KEY_HEADER,
  IDEMPOTENT_OPERATIONS,
  SHARED_SCOPE,
} from "../contract/idempotency";
import { API_GATEWAY_INTEGRATION_TIMEOUT_SECONDS } from "../contract/limits";
import { parseApiSecurity } from "../contract/security";

/** Attempts of a PUT's read-then-conditional-write before giving up on a busy item. */
const PUT_ATTEMPTS = 3;

/** Without a deadline from Lambda, a lock's lease: a second past API Gateway's integration timeout. */
const DEFAULT_LEASE_MS = (API_GATEWAY_INTEGRATION_TIMEOUT_SECONDS + 1) * 1000;

export interface Deps {
  config: Config;
  store: () => Promise<Store>;
  generateId: () => string;
  /** The Idempotency-Key records; absent when the deployment keeps none. */
  records?: () => Promise<RecordStore>;
  /** Epoch milliseconds. @default Date.now */
  now?: () => number;
  /** Time this invocation may still run, which bounds a key's lock. @default 30 s */
  remainingMs?: () => number;
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

const itemExists = (id: string) =>
  new ApiError(
    409,
    "ItemExists",
    `an item with id ${JSON.stringify(id)} already exists: use PUT /items/{id} to replace it or PATCH to change it`,
  );

const CREATE_CONDITION = {
  ConditionExpression: "attribute_not_exists(#id)",
  ExpressionAttributeNames: { "#id": KEY },
};

function itemResponse(status: number, item: AttrMap, extra: Record<string, string> = {}) {
  return json(status, encodeMap(item), { etag: etagOf(item), ...extra });
}

/** A tutorial write's or read's result with its items in the JSON convention. */
function encoded(result: { Item?: AttrMap; Attributes?: AttrMap }) {
  return {
    ...(result.Item ? { Item: encodeMap(result.Item) } : {}),
    ...(result.Attributes ? { Attributes: encodeMap(result.Attributes) } : {}),
  };
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
      return json(200, encoded(await createVersioned(store, cmd.params, cmd.expectedVersion)));
    case "manager.read":
      return json(200, encoded(await store.get(cmd.params)));
    case "manager.update":
      return json(200, encoded(await store.update(cmd.params)));
    case "manager.delete":
      return json(200, encoded(await store.delete(cmd.params)));
    case "manager.list": {
      const page = await store.scan(cmd.params);
      const fitted = fitPage(page.Items, page.LastEvaluatedKey, encodeMap);
      return json(200, {
        Items: fitted.items.map(encodeMap),
        Count: fitted.items.length,
        LastEvaluatedKey: fitted.lastKey && encodeMap(fitted.lastKey),
      });
    }
    default:
      throw new Error(`unexpected command ${cmd.kind} for ${config.tableName}`);
  }
}

/** Whether a tutorial create's `version` (if it gave one) names the stored item's. */
const atVersion = (current: AttrMap | undefined, expected: number | undefined) =>
  expected === undefined || (current !== undefined && versionOf(current) === expected);

/** The item a tutorial create writes to, when its Item names one; DynamoDB refuses the rest. */
function createdKey(params: PutParams): AttrMap | undefined {
  const id = params.Item[KEY];
  return typeof id === "string" ? { [KEY]: id } : undefined;
}

/**
 * A tutorial create that keeps `version` right (core/manager.ts `versionedCreate`): read, then
 * write only while the item is as read, again after a lost race.
 */
async function createVersioned(store: Store, params: PutParams, expected?: number) {
  const Key = createdKey(params);
  if (!Key) return store.put(params);
  for (let attempt = 1; attempt <= PUT_ATTEMPTS; attempt++) {
    const { Item: current } = await store.get({ Key, ConsistentRead: true });
    if (!atVersion(current, expected)) throw new ConditionFailed();
    try {
      return await store.put(versionedCreate(params, current));
    } catch (err) {
      // The item is as read, so the request's own condition failed: its answer, as DynamoDB's.
      if (!(err instanceof ConditionFailed) || stillAsRead(current, err.item)) {
        throw err instanceof ConditionFailed ? new ConditionFailed() : err;
      }
    }
  }
  throw new ApiError(409, "Conflict", "the item is being changed by other writers; retry");
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
        await store.put({ Item: cmd.item, ...CREATE_CONDITION });
      } catch (err) {
        if (!(err instanceof ConditionFailed)) throw err;
        throw itemExists(cmd.id);
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
      const fitted = fitPage(page.Items, page.LastEvaluatedKey, encodeMap);
      const nextCursor = fitted.lastKey
        ? encodeCursor(fitted.lastKey, config.tableName, config.cursorSecret)
        : null;
      return json(200, { items: fitted.items.map(encodeMap), nextCursor });
    }
  }
}

/**
 * The public OpenAPI document with this deployment's security (who may call what, from the
 * program's `API_SECURITY`) and its base path as the server.
 */
async function openApiResponse(basePath: string, config: Config): Promise<HttpResponse> {
  // Chunks of their own in the bundle: loaded on the first request for them, never at cold start.
  const [{ default: document }, { withSecurity }] = await Promise.all([
    import("../contract/openapi.json"),
    import("../contract/openapi-security"),
  ]);
  const secured = withSecurity(
    document as unknown as Parameters<typeof withSecurity>[0],
    parseApiSecurity(config.apiSecurity),
  );
  return json(200, { ...secured, servers: [{ url: basePath || "/" }] } as unknown as Serialisable);
}

async function run(command: Command, deps: Deps, basePath: string): Promise<HttpResponse> {
  if (command.kind === "respond") return command.response;
  if (command.kind === "openapi") return openApiResponse(basePath, deps.config);
  const store = await deps.store();
  return command.kind.startsWith("manager.")
    ? runManager(command as ManagerCommand, store, deps.config)
    : runItems(command as ItemsCommand, store, deps.config, basePath);
}

/** The tutorial's writes that take a key (contract/idempotency.ts), as command kinds. */
type KeyedManagerKind = `manager.${(typeof IDEMPOTENT_OPERATIONS)[number]}`;

/** The commands an Idempotency-Key applies to: every write. */
type WriteCommand = Extract<
  Command,
  { kind: "items.create" | "items.put" | "items.patch" | "items.delete" | KeyedManagerKind }
>;

const WRITE_KINDS: ReadonlySet<Command["kind"]> = new Set<WriteCommand["kind"]>([
  "items.create",
  "items.put",
  "items.patch",
  "items.delete",
  ...IDEMPOTENT_OPERATIONS.map((op): KeyedManagerKind => `manager.${op}`),
]);

const isWrite = (command: Command): command is WriteCommand => WRITE_KINDS.has(command.kind);

/**
 * Why a write cannot carry a key, or undefined. Its record is committed in the same transaction
 * as the change, and TransactWriteItems returns no values: a response built from values DynamoDB
 * returns (ReturnValues) cannot be recorded, and the legacy AttributeUpdates cannot be sent.
 */
function unkeyable(command: WriteCommand): string | undefined {
  if (!command.kind.startsWith("manager.")) return undefined;
  const params = (command as Extract<WriteCommand, { kind: `manager.${string}` }>).params;
  if (params.ReturnValues !== undefined && params.ReturnValues !== "NONE") {
    return `ReturnValues ${params.ReturnValues} returns values DynamoDB knows only after the write, so the response could not be recorded with it; leave ReturnValues out, or send the request without the key`;
  }
  if (command.kind === "manager.update" && command.params.UpdateExpression === undefined) {
    return "the update needs an UpdateExpression (the legacy AttributeUpdates form cannot run in a transaction with the key's record)";
  }
  return undefined;
}

/**
 * A tutorial write's parameters as TransactWriteItems takes them: without ReturnValues (absent or
 * NONE here, `unkeyable` refused the rest) and without the legacy AttributeUpdates (likewise).
 */
function forTransaction<P extends { ReturnValues?: string; AttributeUpdates?: unknown }>(
  params: P,
): Omit<P, "ReturnValues" | "AttributeUpdates"> {
  const copy = { ...params };
  delete copy.ReturnValues;
  delete copy.AttributeUpdates;
  return copy;
}

const conditionCheckFailed = () => mapError({ name: "ConditionalCheckFailedException" });

/** A keyed write: its response worked out before writing, and the one write that makes it true. */
async function planWrite(command: WriteCommand, store: Store, basePath: string): Promise<Planned> {
  switch (command.kind) {
    case "items.create":
      return {
        response: itemResponse(201, command.item, { location: location(basePath, command.id) }),
        write: { table: "items", put: { Item: command.item, ...CREATE_CONDITION } },
        onConditionFailed: () => itemExists(command.id),
      };
    case "items.put":
    case "items.patch": {
      const { id, expected } = command;
      const { Item: current } = await store.get({ Key: { [KEY]: id }, ConsistentRead: true });
      if (command.kind === "items.patch" && !current) {
        throw expected ? preconditionFailed(id) : notFound(id);
      }
      if (expected && !satisfies(expected, current)) throw preconditionFailed(id);
      const version = Num.of((current ? versionOf(current) : 0) + 1);
      let item: AttrMap;
      if (command.kind === "items.put") {
        item = { ...command.attributes, [KEY]: id, [VERSION]: version };
      } else {
        // PATCH as the whole new item, written only if the item is still as read.
        item = { ...current, ...command.set, [VERSION]: version };
        for (const name of command.remove) delete item[name];
      }
      return {
        response: itemResponse(current || command.kind === "items.patch" ? 200 : 201, item),
        write: { table: "items", put: { Item: item, ...unchangedCondition(current) } },
        // Changed since the read: a stale If-Match, or (without one) read again and reapply.
        onConditionFailed: () => (expected ? preconditionFailed(id) : "retry"),
      };
    }
    case "items.delete":
      return {
        response: noContent(),
        write: {
          table: "items",
          delete: {
            Key: { [KEY]: command.id },
            ...existsCondition(command.expected),
            ReturnValuesOnConditionCheckFailure: "ALL_OLD",
          },
        },
        onConditionFailed: (item) =>
          item || command.expected ? preconditionFailed(command.id) : notFound(command.id),
      };
    case "manager.create": {
      const Key = createdKey(command.params);
      const current = Key ? (await store.get({ Key, ConsistentRead: true })).Item : undefined;
      if (!atVersion(current, command.expectedVersion)) throw conditionCheckFailed();
      const params = forTransaction(command.params);
      return {
        response: json(200, {}),
        write: { table: "items", put: Key ? versionedCreate(params, current) : params },
        onConditionFailed: (item) =>
          !Key || stillAsRead(current, item) ? conditionCheckFailed() : "retry",
      };
    }
    case "manager.update": {
      const update = forTransaction(command.params);
      return {
        response: json(200, {}),
        write: {
          table: "items",
          update: { ...update, UpdateExpression: update.UpdateExpression! },
        },
        onConditionFailed: conditionCheckFailed,
      };
    }
    case "manager.delete":
      return {
        response: json(200, {}),
        write: { table: "items", delete: forTransaction(command.params) },
        onConditionFailed: conditionCheckFailed,
      };
  }
}

/** A write with an Idempotency-Key: see core/idempotency.ts, loaded only here. */
async function runKeyed(
  header: string,
  command: WriteCommand,
  req: HttpRequest,
  deps: Deps,
): Promise<HttpResponse> {
  const idempotency = await import("./core/idempotency");
  const key = idempotency.checkKey(header);
  const why = deps.records
    ? unkeyable(command)
    : "this deployment keeps no idempotency records (its Table has idempotencyRecords: false); send the request without the key";
  if (why) throw idempotency.notSupported(why);
  const [store, records] = await Promise.all([deps.store(), deps.records!()]);
  return idempotency.runKeyedWrite({
    key: idempotency.recordKey(req.idempotencyScope ?? SHARED_SCOPE, key),
    fingerprint: idempotency.fingerprint(req),
    records,
    now: deps.now ?? Date.now,
    leaseMs: deps.remainingMs?.() ?? DEFAULT_LEASE_MS,
    ttlSeconds: deps.config.idempotencyTtlSeconds,
    plan: () => planWrite(command, store, req.basePath),
    attempts: PUT_ATTEMPTS,
  });
}

const KEY_HEADER = IDEMPOTENCY_KEY_HEADER.toLowerCase();

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
    // Reads, and writes without the header, run as they always have.
    const key = Object.hasOwn(req.headers, KEY_HEADER) ? req.headers[KEY_HEADER] : undefined;
    response =
      key !== undefined && isWrite(command)
        ? await runKeyed(key, command, req, deps)
        : await run(command, deps, req.basePath);
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
