/**
 * The API's OpenAPI 3.0 document, generated from the routes (`routes.ts`), the operation table
 * below and the valibot schemas of the handler (`shapes.ts`, `core/manager.ts`). Nothing in it is
 * written as JSON Schema by hand. `npm run openapi` writes it to `handlers/openapi.json` (which
 * the function serves at `GET /openapi.json`) and its TypeScript types to
 * `client/schema.d.ts`; the RestApi component deploys it as the REST API's body,
 * with the `x-amazon-apigateway-*` extensions added (components/api.ts).
 *
 * This module is for the program and the tools, never for the function's bundle: the function
 * serves the generated JSON.
 */
import { toJsonSchemaDefs, type JsonSchema } from "@valibot/to-json-schema";
import type { OpenAPIV3 } from "openapi-types";
import type * as v from "valibot";
import { version as PACKAGE_VERSION } from "../package.json";
import { ALLOWED_REQUEST_HEADERS, EXPOSED_HEADERS } from "./core/cors";
import { RETRY_AFTER_SECONDS } from "./core/errors";
import { anyJson, jsonObject } from "./core/manager";
import {
  IDEMPOTENCY_ERRORS,
  IDEMPOTENCY_KEY_HEADER,
  IDEMPOTENCY_KEY_MAX_LENGTH,
  IDEMPOTENCY_KEY_PATTERN,
  IDEMPOTENT_REPLAYED_HEADER,
} from "./idempotency";
import { ROUTES, type HttpMethod, type Route } from "./routes";
import {
  CursorParameter,
  IfMatchParameter,
  ItemIdParameter,
  LimitParameter,
  SCHEMAS,
  type SchemaName,
} from "./shapes";

export type Document = OpenAPIV3.Document;

/** `info.title`: the tutorial's API name, which is also the RestApi component's default name. */
export const API_TITLE = "DynamoDBOperations";

/** OpenAPI 3.0.x: API Gateway imports 3.0 documents, not 3.1. */
export const OPENAPI_VERSION = "3.0.3";

/** Where a name in `components.schemas` is referenced from. */
export const SCHEMA_REF = "#/components/schemas/";

// --- The operation table ---------------------------------------------------------------------

type Header = "ETag" | "Location" | "Retry-After" | "Idempotent-Replayed";

export interface ResponseSpec {
  description: string;
  /** Body schema; none for 204. */
  schema?: SchemaName;
  /** Headers every such response carries. */
  headers?: readonly Header[];
  /** Headers only some such responses carry (a replay's marker, a 409's Retry-After). */
  optionalHeaders?: readonly Header[];
}

export interface Example {
  summary: string;
  value: unknown;
}

export interface OperationSpec {
  operationId: string;
  summary: string;
  description?: string;
  tag: "Tutorial" | "Items" | "Documents";
  /** Schema of every `{param}` of the path. */
  pathParameter?: v.GenericSchema;
  query?: Record<string, { schema: v.GenericSchema; description?: string }>;
  /** Takes `If-Match`. */
  ifMatch?: boolean;
  /** Takes `Idempotency-Key` (a write): `responsesOf` adds the answers the key brings. */
  idempotencyKey?: boolean;
  body?: {
    /** Media type → schema. */
    content: Record<string, SchemaName>;
    /** Examples of the first (JSON) media type. */
    examples?: Record<string, Example>;
  };
  /** Every status the function answers this operation with. */
  responses: Record<number, ResponseSpec>;
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
  "The body is over DynamoDB's 400 KB item limit (PayloadTooLarge), or the item would be (ItemTooLarge); API Gateway refuses bodies over 10 MB the same way (REQUEST_TOO_LARGE).",
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

/** Keyed `"METHOD /path"`: every method of every route in `routes.ts` needs one. */
export const OPERATION_SPECS: Readonly<Record<string, OperationSpec>> = {
  "POST /DynamoDBManager": {
    operationId: "dynamoDbManager",
    idempotencyKey: true,
    tag: "Tutorial",
    summary: "Run one of the tutorial's operations",
    description:
      "The AWS tutorial's endpoint: create (PutItem), read (GetItem), update (UpdateItem), delete (DeleteItem), list (Scan), echo and ping. `payload` takes only the DynamoDB parameters listed for each operation; any other (TableName included) is refused with 400.",
    body: {
      content: {
        "application/json": "ManagerRequest",
        "application/x-www-form-urlencoded": "ManagerRequestText",
        "text/plain": "ManagerRequestText",
      },
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
  "GET /items": {
    operationId: "listItems",
    tag: "Items",
    summary: "List items, one page at a time",
    query: {
      limit: { schema: LimitParameter },
      cursor: { schema: CursorParameter },
    },
    responses: {
      200: { description: "One page of items.", schema: "ItemPage" },
      400: badRequest(
        "an invalid limit, a forged or foreign cursor, or an unknown query parameter",
      ),
      500: internal,
      503: unavailable,
    },
  },
  "POST /items": {
    operationId: "createItem",
    idempotencyKey: true,
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
  "GET /items/{id}": {
    operationId: "getItem",
    tag: "Items",
    summary: "Read an item",
    pathParameter: ItemIdParameter,
    responses: {
      200: { description: "The item.", schema: "Item", headers: ["ETag"] },
      400: badRequest("an invalid id or a query parameter"),
      404: notFound,
      500: internal,
      503: unavailable,
    },
  },
  "PUT /items/{id}": {
    operationId: "replaceItem",
    idempotencyKey: true,
    tag: "Items",
    summary: "Create or replace an item",
    pathParameter: ItemIdParameter,
    ifMatch: true,
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
  "PATCH /items/{id}": {
    operationId: "updateItem",
    idempotencyKey: true,
    tag: "Items",
    summary: "Change some attributes of an item",
    pathParameter: ItemIdParameter,
    ifMatch: true,
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
  "DELETE /items/{id}": {
    operationId: "deleteItem",
    idempotencyKey: true,
    tag: "Items",
    summary: "Delete an item",
    pathParameter: ItemIdParameter,
    ifMatch: true,
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
  "GET /openapi.json": {
    operationId: "getOpenApiDocument",
    tag: "Documents",
    summary: "This document",
    responses: {
      200: { description: "The OpenAPI document of this API.", schema: "OpenApiDocument" },
      500: internal,
    },
  },
};

/**
 * Statuses API Gateway answers by itself on any method, in the same error shape (its gateway
 * responses; components/api.ts declares them).
 */
export const GATEWAY_STATUSES: Readonly<Record<number, string>> = {
  413: "API Gateway: the body is over its 10 MB limit (REQUEST_TOO_LARGE).",
  429: "API Gateway: the stage's or the usage plan's rate is exceeded (THROTTLED, QUOTA_EXCEEDED).",
  502: "API Gateway: the function failed or gave a malformed answer.",
  504: "API Gateway: the function did not answer in time (INTEGRATION_TIMEOUT).",
};

const HEADERS: Record<Header, OpenAPIV3.HeaderObject> = {
  "Idempotent-Replayed": {
    description: `"true" when this is the stored response of an earlier request with the same ${IDEMPOTENCY_KEY_HEADER}: nothing was written this time.`,
    schema: { type: "string", enum: ["true"] },
  },
  ETag: {
    description: 'The item\'s version as an entity tag, e.g. "3"; send it back in If-Match.',
    schema: { type: "string" },
  },
  Location: {
    description: "Path of the new item, stage included.",
    schema: { type: "string" },
  },
  "Retry-After": {
    description: `Seconds to wait before retrying (${RETRY_AFTER_SECONDS}).`,
    schema: { type: "string" },
  },
};

/**
 * An operation's answers: its own, plus those `Idempotency-Key` brings to a write (any 2xx may be
 * a replay; a bad key is 400; a key still in use 409 with Retry-After; a key reused for another
 * request 422). The codes come from `handlers/idempotency.ts`.
 */
export function responsesOf(spec: OperationSpec): Record<number, ResponseSpec> {
  if (!spec.idempotencyKey) return spec.responses;
  const { invalidKey, notSupported, inUse, mismatch } = IDEMPOTENCY_ERRORS;
  const out: Record<number, ResponseSpec> = {};
  for (const [status, r] of Object.entries(spec.responses)) {
    out[Number(status)] =
      Number(status) < 300
        ? { ...r, optionalHeaders: [...(r.optionalHeaders ?? []), "Idempotent-Replayed"] }
        : r;
  }
  const add = (status: number, description: string, optionalHeaders?: readonly Header[]) => {
    const r = out[status] ?? error("");
    out[status] = {
      ...r,
      description: [r.description, description].filter(Boolean).join(" "),
      ...(optionalHeaders ? { optionalHeaders } : {}),
    };
  };
  add(
    invalidKey.status,
    `An ${IDEMPOTENCY_KEY_HEADER} that is empty, too long or not printable ASCII (${invalidKey.code}), or one this request cannot use (${notSupported.code}).`,
  );
  add(
    inUse.status,
    `A request with the same ${IDEMPOTENCY_KEY_HEADER} is still running (${inUse.code}): retry after Retry-After seconds.`,
    ["Retry-After"],
  );
  add(
    mismatch.status,
    `The ${IDEMPOTENCY_KEY_HEADER} was used for a different request: method, path or body (${mismatch.code}).`,
  );
  return out;
}

const METHODS: Record<HttpMethod, "get" | "post" | "put" | "patch" | "delete"> = {
  GET: "get",
  POST: "post",
  PUT: "put",
  PATCH: "patch",
  DELETE: "delete",
};

// --- Schemas -----------------------------------------------------------------------------------

/**
 * The named schemas as OpenAPI 3.0 schema objects. The parser's JSON values (numbers kept exact
 * in a `Num`) are checked with custom schemas; on the wire they are plain JSON.
 */
function schemaObjects(): Record<string, OpenAPIV3.SchemaObject> {
  const converted = toJsonSchemaDefs(SCHEMAS, {
    target: "openapi-3.0",
    // Bodies are described as the client sends and reads them: after the parser's transforms.
    typeMode: "output",
    overrideSchema: ({ valibotSchema }) => {
      if (valibotSchema === jsonObject) return { type: "object", additionalProperties: {} };
      if (valibotSchema === anyJson) return {};
      return undefined;
    },
    overrideRef: ({ referenceId }) => `${SCHEMA_REF}${referenceId}`,
  });
  return forOpenApi30(converted) as Record<string, OpenAPIV3.SchemaObject>;
}

/** What the converter writes that OpenAPI 3.0 refuses: an empty `required` list. */
function forOpenApi30(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(forOpenApi30);
  if (!value || typeof value !== "object") return value;
  return Object.fromEntries(
    Object.entries(value)
      .filter(([k, v]) => !(k === "required" && Array.isArray(v) && v.length === 0))
      .map(([k, v]) => [k, forOpenApi30(v)]),
  );
}

/** One inline schema (a parameter's), with no references. */
function inlineSchema(schema: v.GenericSchema): OpenAPIV3.SchemaObject {
  const { Parameter } = toJsonSchemaDefs({ Parameter: schema }, { target: "openapi-3.0" }) as {
    Parameter: JsonSchema;
  };
  return forOpenApi30(Parameter) as OpenAPIV3.SchemaObject;
}

const ref = (name: SchemaName): OpenAPIV3.ReferenceObject => ({ $ref: `${SCHEMA_REF}${name}` });

// --- The document ------------------------------------------------------------------------------

function pathParameters(route: Route, spec: OperationSpec): OpenAPIV3.ParameterObject[] {
  const names = [...route.path.matchAll(/\{([^}+]+)\}/g)].map((m) => m[1]!);
  if (names.length && !spec.pathParameter) {
    throw new Error(
      `${spec.operationId} (${route.path}) has path parameters but no pathParameter schema in OPERATION_SPECS`,
    );
  }
  return names.map((name) => ({
    name,
    in: "path",
    required: true,
    schema: inlineSchema(spec.pathParameter!),
  }));
}

function operation(route: Route, spec: OperationSpec): OpenAPIV3.OperationObject {
  const parameters: OpenAPIV3.ParameterObject[] = [...pathParameters(route, spec)];
  for (const [name, q] of Object.entries(spec.query ?? {})) {
    parameters.push({ name, in: "query", required: false, schema: inlineSchema(q.schema) });
  }
  if (spec.ifMatch) {
    parameters.push({
      name: "If-Match",
      in: "header",
      required: false,
      schema: inlineSchema(IfMatchParameter),
    });
  }
  if (spec.idempotencyKey) {
    parameters.push({
      name: IDEMPOTENCY_KEY_HEADER,
      in: "header",
      required: false,
      description: `Makes this write safe to retry: a repeat with the same key and request gets the first response (with ${IDEMPOTENT_REPLAYED_HEADER}: true) and writes nothing.`,
      schema: {
        type: "string",
        minLength: 1,
        maxLength: IDEMPOTENCY_KEY_MAX_LENGTH,
        pattern: IDEMPOTENCY_KEY_PATTERN,
      },
    });
  }
  const own = responsesOf(spec);
  const responses: OpenAPIV3.ResponsesObject = {};
  const statuses = new Set([
    ...Object.keys(own).map(Number),
    ...Object.keys(GATEWAY_STATUSES).map(Number),
  ]);
  for (const status of [...statuses].sort((a, b) => a - b)) {
    responses[String(status)] = response(own[status], GATEWAY_STATUSES[status]);
  }
  const op: OpenAPIV3.OperationObject = {
    operationId: spec.operationId,
    tags: [spec.tag],
    summary: spec.summary,
    ...(spec.description ? { description: spec.description } : {}),
    ...(parameters.length ? { parameters } : {}),
    responses,
  };
  if (spec.body) {
    const content: Record<string, OpenAPIV3.MediaTypeObject> = {};
    for (const [i, [type, schema]] of Object.entries(spec.body.content).entries()) {
      content[type] = {
        schema: ref(schema),
        ...(i === 0 && spec.body.examples ? { examples: spec.body.examples } : {}),
      };
    }
    op.requestBody = { required: true, content };
  }
  return op;
}

function response(
  fn: ResponseSpec | undefined,
  gateway: string | undefined,
): OpenAPIV3.ResponseObject {
  const description = [fn?.description, gateway].filter(Boolean).join(" ");
  const schema = fn ? fn.schema : "Error";
  const headers: Record<string, OpenAPIV3.HeaderObject> = {
    ...Object.fromEntries((fn?.headers ?? []).map((h) => [h, { ...HEADERS[h], required: true }])),
    ...Object.fromEntries((fn?.optionalHeaders ?? []).map((h) => [h, HEADERS[h]])),
  };
  return {
    description,
    ...(Object.keys(headers).length ? { headers } : {}),
    ...(schema ? { content: { "application/json": { schema: ref(schema) } } } : {}),
  };
}

/** The CORS preflight every route answers (the function does, for any origin it is configured for). */
function preflight(route: Route): OpenAPIV3.OperationObject {
  const names = [...route.path.matchAll(/\{([^}+]+)\}/g)].map((m) => m[1]!);
  return {
    operationId: `preflight${route.path.replace(/[^A-Za-z0-9]+(.)?/g, (_, c: string) => (c ?? "").toUpperCase())}`,
    tags: ["CORS"],
    summary: `CORS preflight for ${route.path}`,
    ...(names.length
      ? {
          parameters: names.map((name) => ({
            name,
            in: "path" as const,
            required: true,
            schema: { type: "string" as const },
          })),
        }
      : {}),
    responses: {
      "204": {
        description: `Allowed methods (Allow), and for a configured Origin the Access-Control-* headers (allowed request headers: ${ALLOWED_REQUEST_HEADERS}; exposed: ${EXPOSED_HEADERS}).`,
        headers: { Allow: { schema: { type: "string" } } },
      },
      ...Object.fromEntries(
        Object.entries(GATEWAY_STATUSES).map(([status, description]) => [
          status,
          { description, content: { "application/json": { schema: ref("Error") } } },
        ]),
      ),
    },
  };
}

/** The key of a route's method in `OPERATION_SPECS`. */
export const operationKey = (method: string, path: string) => `${method} ${path}`;

export interface DocumentSources {
  /** @default ROUTES */
  routes?: readonly Route[];
  /** @default OPERATION_SPECS */
  operations?: Readonly<Record<string, OperationSpec>>;
}

/**
 * The public document: every route and method with its parameters, bodies, statuses, headers and
 * examples. Throws when a route's method has no operation spec.
 */
export function buildOpenApiDocument(sources: DocumentSources = {}): Document {
  const routes = sources.routes ?? ROUTES;
  const operations = sources.operations ?? OPERATION_SPECS;
  const missing = routes.flatMap((r) =>
    r.methods.map((m) => operationKey(m, r.path)).filter((k) => !operations[k]),
  );
  if (missing.length) {
    throw new Error(
      `No operation spec (schemas, statuses) for ${missing.join(", ")}: add it to OPERATION_SPECS in handlers/openapi.ts`,
    );
  }
  const paths: OpenAPIV3.PathsObject = {};
  for (const route of routes) {
    const item: OpenAPIV3.PathItemObject = {};
    for (const method of route.methods) {
      item[METHODS[method]] = operation(route, operations[operationKey(method, route.path)]!);
    }
    item.options = preflight(route);
    paths[route.path] = item;
  }
  return {
    openapi: OPENAPI_VERSION,
    info: {
      title: API_TITLE,
      version: PACKAGE_VERSION,
      description:
        'The AWS tutorial\'s CRUD service over one DynamoDB table: the tutorial\'s operation endpoint (POST /DynamoDBManager) and a REST items API with cursor paging and optimistic concurrency (ETag / If-Match). Every error is {"error": {"code", "message"}}, API Gateway\'s own included. An unknown path answers 404 and a method a path does not serve 405 with Allow, in that shape.',
    },
    tags: [
      { name: "Tutorial", description: "The AWS tutorial's operation endpoint." },
      { name: "Items", description: "REST over the same table." },
      { name: "Documents", description: "This API's own description." },
      { name: "CORS", description: "Preflights, answered by the function." },
    ],
    paths,
    components: { schemas: schemaObjects() },
  };
}

function withoutExtensions(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(withoutExtensions);
  if (!value || typeof value !== "object") return value;
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(value)) {
    if (!k.startsWith("x-amazon-apigateway-")) out[k] = withoutExtensions(v);
  }
  return out;
}

/**
 * The public part of a deployed body: without the `x-amazon-apigateway-*` extensions (which hold
 * ARNs and account ids), and without the paths only they defined (the catch-all, `/`).
 */
export function publicDocument(body: Document): Document {
  const stripped = withoutExtensions(body) as Document;
  const paths = Object.entries(stripped.paths).filter(
    ([, item]) => item && Object.keys(item).some((k) => k !== "parameters"),
  );
  return { ...stripped, paths: Object.fromEntries(paths) };
}
