/**
 * THE operation table: every method of every path the API serves, with what a client must know of
 * it (parameters, bodies, statuses, headers, examples), who may call it and whether it takes an
 * Idempotency-Key. Everything else derives from it: the routes the handler dispatches on and the
 * media types it accepts (handlers/core/request.ts), the OpenAPI document (openapi.ts, then
 * `npm run openapi`), the REST API's body (components/api/) and so the local cloud's routes, and
 * each method's security requirement (security.ts).
 *
 * Schemas are named (`SchemaName`, `ParameterName` of shapes.ts), not imported, so the function's
 * bundle carries this table without the valibot schemas only the document needs.
 *
 * To add an endpoint: one entry here, one branch in the handler (`parseRequest` in
 * handlers/core/request.ts, which TypeScript holds to every `operationId`), then `npm run openapi`.
 */
import type { ParameterName, SchemaName } from "./shapes";

export type HttpMethod = "GET" | "POST" | "PUT" | "PATCH" | "DELETE";

/**
 * Who may call an operation: anyone, whatever the stack's authentication; or a caller of the
 * stack's read or write scope group (security.ts; Cognito scopes per group).
 */
export type AuthGroup = "open" | "read" | "write";

/** Response headers the operations document; browsers may read them all (CORS). */
export const RESPONSE_HEADERS = ["ETag", "Location", "Retry-After", "Idempotent-Replayed"] as const;
export type ResponseHeader = (typeof RESPONSE_HEADERS)[number];

export interface ResponseSpec {
  description: string;
  /** Body schema; none for 204. */
  schema?: SchemaName;
  /** Headers every such response carries. */
  headers?: readonly ResponseHeader[];
  /** Headers only some such responses carry (a replay's marker, a 409's Retry-After). */
  optionalHeaders?: readonly ResponseHeader[];
}

export interface Example {
  summary: string;
  value: unknown;
}

export interface Operation {
  method: HttpMethod;
  /** API Gateway resource path, with `{name}` path parameters. */
  path: string;
  operationId: string;
  summary: string;
  description?: string;
  tag: "Tutorial" | "Items" | "Documents";
  auth: AuthGroup;
  /** The schema of each `{name}` of the path. */
  pathParameters?: Readonly<Record<string, ParameterName>>;
  /** Query parameters (all optional). */
  query?: Readonly<Record<string, ParameterName>>;
  /** Request headers it reads (all optional); `Idempotency-Key` comes with `idempotent`. */
  headers?: Readonly<Record<string, ParameterName>>;
  /** Takes `Idempotency-Key` (a write): the answers the key brings are added to `responses`. */
  idempotent?: boolean;
  body?: {
    /** Media type → schema; the first is the one to use, and the one a 415 names. */
    content: Readonly<Record<string, SchemaName>>;
    /** Also takes a body without Content-Type, read as JSON (the tutorial's clients send none). */
    contentTypeOptional?: boolean;
    /** Examples of the first media type. */
    examples?: Readonly<Record<string, Example>>;
  };
  /** Every status the function answers this operation with. */
  responses: Readonly<Record<number, ResponseSpec>>;
}

const error = (description: string): ResponseSpec => ({ description, schema: "Error" });
const unavailable: ResponseSpec = {
  description: "DynamoDB is throttling or unreachable: retry after Retry-After seconds.",
  schema: "Error",
  headers: ["Retry-After"],
};
const internal = error("An unexpected failure, logged with the request id.");
const badRequest = (what: string) => error(`Malformed or refused input: ${what}.`);
const tooLarge = error(
  "The body is over DynamoDB's 400 KB item limit (PayloadTooLarge), or the item would be (ItemTooLarge).",
);
const wrongType = error("Wrong Content-Type (UnsupportedMediaType).");
const conflictWrite = "another writer's transaction holds the item (TransactionConflict)";
const stale = error(
  "If-Match (or the body's version) names another version, or the item is gone (PreconditionFailed).",
);
const notFound = error("No item with this id (ItemNotFound).");

const TUTORIAL_EXAMPLES: Record<string, Example> = {
  create: {
    summary: "Create the tutorial's item",
    value: { operation: "create", payload: { Item: { id: "1234ABCD", number: 5 } } },
  },
  read: {
    summary: "Read it",
    value: { operation: "read", payload: { Key: { id: "1234ABCD" } } },
  },
  update: {
    summary: "Set number to 10",
    value: {
      operation: "update",
      payload: {
        Key: { id: "1234ABCD" },
        UpdateExpression: "SET #num = :newNum",
        ExpressionAttributeNames: { "#num": "number" },
        ExpressionAttributeValues: { ":newNum": 10 },
      },
    },
  },
  list: { summary: "Scan the table", value: { operation: "list", payload: {} } },
  delete: {
    summary: "Delete it",
    value: { operation: "delete", payload: { Key: { id: "1234ABCD" } } },
  },
  echo: {
    summary: "Echo a payload",
    value: { operation: "echo", payload: { somekey1: "somevalue1" } },
  },
  ping: { summary: "Ping", value: { operation: "ping", payload: {} } },
  foreignTable: {
    summary: "Another table's name: refused with 400 TableNotAllowed",
    value: { operation: "read", payload: { Key: { id: "1" } }, tableName: "other-table" },
  },
};

export const OPERATIONS = [
  {
    method: "POST",
    path: "/DynamoDBManager",
    operationId: "dynamoDbManager",
    auth: "write",
    idempotent: true,
    tag: "Tutorial",
    summary: "Run one of the tutorial's operations",
    description:
      "The AWS tutorial's endpoint: create (PutItem), read (GetItem), update (UpdateItem), delete (DeleteItem), list (Scan), echo and ping. `payload` takes only the DynamoDB parameters listed for each operation; any other (TableName included) is refused with 400.",
    body: {
      content: {
        "application/json": "ManagerRequest",
        // The tutorial's curl examples send JSON with `curl -d`, i.e. as form-urlencoded.
        "application/x-www-form-urlencoded": "ManagerRequestForm",
        "text/plain": "ManagerRequestText",
      },
      contentTypeOptional: true,
      examples: TUTORIAL_EXAMPLES,
    },
    responses: {
      200: { description: "The operation's result.", schema: "ManagerResult" },
      400: badRequest(
        "malformed JSON, an unknown operation or parameter, another table's name, or a request DynamoDB refuses",
      ),
      409: error(
        `The ConditionExpression did not hold (ConditionalCheckFailed), or ${conflictWrite}.`,
      ),
      413: tooLarge,
      415: wrongType,
      500: internal,
      503: unavailable,
    },
  },
  {
    method: "GET",
    path: "/items",
    operationId: "listItems",
    auth: "read",
    tag: "Items",
    summary: "List items, one page at a time",
    query: { limit: "Limit", cursor: "Cursor" },
    responses: {
      200: { description: "One page of items.", schema: "ItemPage" },
      400: badRequest(
        "an invalid limit, a forged or foreign cursor, or an unknown query parameter",
      ),
      500: internal,
      503: unavailable,
    },
  },
  {
    method: "POST",
    path: "/items",
    operationId: "createItem",
    auth: "write",
    idempotent: true,
    tag: "Items",
    summary: "Create an item",
    body: {
      content: { "application/json": "ItemCreate" },
      examples: {
        ada: {
          summary: "An item with a string set",
          value: { id: "42", name: "Ada", tags: { $SS: ["a", "b"] } },
        },
      },
    },
    responses: {
      201: {
        description: "Created: the stored item.",
        schema: "Item",
        headers: ["ETag", "Location"],
      },
      400: badRequest("malformed JSON, a non-object body, an invalid id or value, or a version"),
      409: error(`An item with this id exists (ItemExists), or ${conflictWrite}.`),
      413: tooLarge,
      415: wrongType,
      500: internal,
      503: unavailable,
    },
  },
  {
    method: "GET",
    path: "/items/{id}",
    operationId: "getItem",
    auth: "read",
    tag: "Items",
    summary: "Read an item",
    pathParameters: { id: "ItemId" },
    responses: {
      200: { description: "The item.", schema: "Item", headers: ["ETag"] },
      400: badRequest("an invalid id or a query parameter"),
      404: notFound,
      500: internal,
      503: unavailable,
    },
  },
  {
    method: "PUT",
    path: "/items/{id}",
    operationId: "replaceItem",
    auth: "write",
    idempotent: true,
    tag: "Items",
    summary: "Create or replace an item",
    pathParameters: { id: "ItemId" },
    headers: { "If-Match": "IfMatch" },
    body: {
      content: { "application/json": "ItemReplace" },
      examples: { replace: { summary: "Replace the whole item", value: { name: "Grace" } } },
    },
    responses: {
      200: { description: "Replaced: the stored item.", schema: "Item", headers: ["ETag"] },
      201: { description: "Created: the stored item.", schema: "Item", headers: ["ETag"] },
      400: badRequest("malformed JSON, a non-object body, an invalid id, version or value"),
      409: error(`Other writers kept changing the item (Conflict), or ${conflictWrite}.`),
      412: stale,
      413: tooLarge,
      415: wrongType,
      500: internal,
      503: unavailable,
    },
  },
  {
    method: "PATCH",
    path: "/items/{id}",
    operationId: "updateItem",
    auth: "write",
    idempotent: true,
    tag: "Items",
    summary: "Change some attributes of an item",
    pathParameters: { id: "ItemId" },
    headers: { "If-Match": "IfMatch" },
    body: {
      content: {
        "application/json": "ItemPatch",
        "application/merge-patch+json": "ItemPatch",
      },
      examples: {
        rename: { summary: "Set name, remove tags", value: { name: "Grace", tags: null } },
      },
    },
    responses: {
      200: { description: "Changed: the stored item.", schema: "Item", headers: ["ETag"] },
      400: badRequest(
        "malformed JSON, an empty or non-object body, an invalid id, version or value",
      ),
      404: notFound,
      409: error(`The change conflicts: ${conflictWrite}.`),
      412: stale,
      413: tooLarge,
      415: wrongType,
      500: internal,
      503: unavailable,
    },
  },
  {
    method: "DELETE",
    path: "/items/{id}",
    operationId: "deleteItem",
    auth: "write",
    idempotent: true,
    tag: "Items",
    summary: "Delete an item",
    pathParameters: { id: "ItemId" },
    headers: { "If-Match": "IfMatch" },
    responses: {
      204: { description: "Deleted." },
      400: badRequest("an invalid id, If-Match or query parameter"),
      404: notFound,
      409: error(`The delete conflicts: ${conflictWrite}.`),
      412: stale,
      500: internal,
      503: unavailable,
    },
  },
  {
    method: "GET",
    path: "/openapi.json",
    operationId: "getOpenApiDocument",
    // The document says how to authenticate, so it is open in every stack.
    auth: "open",
    tag: "Documents",
    summary: "This document",
    responses: {
      200: { description: "The OpenAPI document of this API.", schema: "OpenApiDocument" },
      500: internal,
    },
  },
] as const satisfies readonly Operation[];

/** An `operationId` of the table: what the handler's dispatch must cover. */
export type OperationId = (typeof OPERATIONS)[number]["operationId"];

/**
 * Catch-all resource. With it (and an `ANY` method beside each path's methods) every request
 * reaches the function, which answers 404, 405 with `Allow`, or a CORS preflight, instead of
 * API Gateway's bare 403 "Missing Authentication Token".
 */
export const CATCH_ALL_PATH = "/{proxy+}";

/** A path and the methods the function implements on it. */
export interface Route {
  /** API Gateway resource path, with `{name}` path parameters. */
  readonly path: string;
  readonly methods: readonly HttpMethod[];
}

/** The table's paths, in its order, each with its methods in the table's order. */
export function routesOf(operations: readonly Operation[]): Route[] {
  const routes = new Map<string, HttpMethod[]>();
  for (const op of operations) {
    const methods = routes.get(op.path) ?? [];
    methods.push(op.method);
    routes.set(op.path, methods);
  }
  return [...routes].map(([path, methods]) => ({ path, methods }));
}

/** The API's routes: path → methods, from the table. */
export const ROUTES: readonly Route[] = routesOf(OPERATIONS);

/** The operation a method of a path runs, if the table has it. */
export function findOperation(
  operations: readonly Operation[],
  method: string,
  path: string,
): Operation | undefined {
  return operations.find((op) => op.method === method && op.path === path);
}

/** The names of a path's `{parameters}` (a greedy `{proxy+}` included, without its `+`). */
export function pathParameterNames(path: string): string[] {
  return [...path.matchAll(/\{([^}]+?)\+?\}/g)].map((m) => m[1]!);
}
