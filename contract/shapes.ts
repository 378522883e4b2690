/**
 * The API's request and response bodies and parameters as valibot schemas, named as they appear in
 * the OpenAPI document's `components.schemas` (openapi.ts builds the document from them). The
 * tutorial's request shapes are built from the payload schemas the function validates with
 * (inputs.ts), so the document cannot describe another request than the one the handler takes.
 * The REST bodies and every response are stated here, next to the constants the handler enforces,
 * and the contract tests drive the handler to check that every answer it gives matches them.
 *
 * Runtime-safe, but only the generator imports it: esbuild keeps a module's unused valibot calls
 * (valibot's `@__NO_SIDE_EFFECTS__` marks do not carry across modules), so what the function
 * needs is in inputs.ts and these schemas stay out of its bundle.
 */
import * as v from "valibot";
import {
  DEFAULT_LIMIT,
  KEY,
  MAX_ID_BYTES,
  MAX_LIMIT,
  PAYLOAD_SCHEMAS,
  TUTORIAL_OPERATIONS,
  VERSION,
  anyJson,
  jsonObject,
  type TutorialOperation,
} from "./inputs";

// --- Values ------------------------------------------------------------------------------------

const attributes = v.pipe(
  jsonObject,
  v.description(
    'DynamoDB attributes as JSON. Numbers are exact (up to 38 significant digits); sets are {"$SS": [...]}, {"$NS": [...]} or {"$BS": [...]} and binary {"$B": "<base64>"}.',
  ),
);

const itemId = v.pipe(
  v.string(),
  v.minLength(1),
  v.description(`The partition key \`${KEY}\`: 1 to ${MAX_ID_BYTES} bytes of UTF-8.`),
);

const version = v.pipe(
  v.number(),
  v.integer(),
  v.minValue(0),
  v.description(
    "Server-managed version, also sent as the ETag. Items the tutorial API wrote have none (version 0).",
  ),
);

// --- Errors ------------------------------------------------------------------------------------

/** Every error, the function's and API Gateway's own (its gateway responses use this shape). */
export const ErrorResponse = v.pipe(
  v.strictObject({
    error: v.strictObject({
      code: v.pipe(
        v.string(),
        v.description(
          "What went wrong: the function's codes are PascalCase (ItemNotFound, ValidationError, ...); API Gateway's are its response types (THROTTLED, REQUEST_TOO_LARGE, INTEGRATION_TIMEOUT, ...).",
        ),
      ),
      message: v.pipe(v.string(), v.description("What to change before retrying.")),
    }),
  }),
  v.description("The one error shape: every 4xx and 5xx answer has it."),
);

// --- The tutorial's endpoint -------------------------------------------------------------------

const tableName = v.pipe(
  v.string(),
  v.description("Optional; if given, it must be the configured table."),
);

/** `{"operation": OP, "payload": ..., "tableName"?}` for one operation. */
function managerRequest(operation: TutorialOperation) {
  const payload =
    operation === "echo"
      ? v.optional(anyJson)
      : operation === "ping"
        ? v.optional(anyJson)
        : operation === "list"
          ? v.optional(v.strictObject(PAYLOAD_SCHEMAS.list.entries))
          : v.strictObject(PAYLOAD_SCHEMAS[operation].entries);
  return v.strictObject({
    operation: v.literal(operation),
    payload,
    tableName: v.optional(tableName),
  });
}

export const ManagerCreateRequest = managerRequest("create");
export const ManagerReadRequest = managerRequest("read");
export const ManagerUpdateRequest = managerRequest("update");
export const ManagerDeleteRequest = managerRequest("delete");
export const ManagerListRequest = managerRequest("list");
export const ManagerEchoRequest = managerRequest("echo");
export const ManagerPingRequest = managerRequest("ping");

/** The envelope the parser reads first; one of the per-operation shapes above. */
export const ManagerRequest = v.pipe(
  v.union([
    ManagerCreateRequest,
    ManagerReadRequest,
    ManagerUpdateRequest,
    ManagerDeleteRequest,
    ManagerListRequest,
    ManagerEchoRequest,
    ManagerPingRequest,
  ]),
  v.description(
    `The tutorial's request: {"operation", "payload", "tableName"?}; operation is one of ${TUTORIAL_OPERATIONS.join(", ")}.`,
  ),
);

/** The same JSON sent as text, as `curl -d` does (form-urlencoded) or as text/plain. */
export const ManagerRequestText = v.pipe(
  v.string(),
  v.description(
    "A ManagerRequest as JSON text. `curl -d` sends it as application/x-www-form-urlencoded, which this endpoint also accepts.",
  ),
);

export const ManagerWriteResult = v.pipe(
  v.strictObject({ Attributes: v.optional(attributes) }),
  v.description("create, update, delete: {} or, with ReturnValues, {Attributes}."),
);
export const ManagerReadResult = v.pipe(
  v.strictObject({ Item: v.optional(attributes) }),
  v.description("read: {Item}, or {} when there is no such item."),
);
export const ManagerListResult = v.pipe(
  v.strictObject({
    Items: v.array(attributes),
    Count: v.pipe(v.number(), v.integer(), v.minValue(0)),
    LastEvaluatedKey: v.optional(attributes),
  }),
  v.description("list: one page of the scan; pass LastEvaluatedKey as ExclusiveStartKey for more."),
);
export const Pong = v.pipe(v.literal("pong"), v.description('ping: "pong".'));
export const EchoResult = v.pipe(anyJson, v.description("echo: the payload, unchanged."));

export const ManagerResult = v.union([
  ManagerWriteResult,
  ManagerReadResult,
  ManagerListResult,
  Pong,
  EchoResult,
]);

// --- REST items --------------------------------------------------------------------------------

export const Item = v.pipe(
  v.looseObject({ [KEY]: itemId, [VERSION]: v.optional(version) }),
  v.description("A stored item: its id, its version and any other attributes."),
);

export const ItemCreate = v.pipe(
  v.looseObject({ [KEY]: v.optional(itemId) }),
  v.description(
    `Attributes of a new item. Without \`${KEY}\` a UUID is generated; \`${VERSION}\` is assigned by the server.`,
  ),
);

export const ItemReplace = v.pipe(
  v.looseObject({ [KEY]: v.optional(itemId), [VERSION]: v.optional(version) }),
  v.description(
    `The item's new attributes. \`${KEY}\` may repeat the path's; \`${VERSION}\` works like If-Match.`,
  ),
);

export const ItemPatch = v.pipe(
  v.looseObject({ [KEY]: v.optional(itemId), [VERSION]: v.optional(version) }),
  v.description("Attributes to set; an attribute set to null is removed. At least one is needed."),
);

export const ItemPage = v.strictObject({
  items: v.array(Item),
  nextCursor: v.pipe(
    v.nullable(v.string()),
    v.description("Pass as `cursor` for the next page; null on the last one."),
  ),
});

export const OpenApiDocument = v.pipe(
  v.looseObject({ openapi: v.string(), info: jsonObject, paths: jsonObject }),
  v.description("This document, with the deployment's base path as its server."),
);

// --- Parameters ----------------------------------------------------------------------------------

export const ItemIdParameter = itemId;
export const LimitParameter = v.pipe(
  v.number(),
  v.integer(),
  v.minValue(1),
  v.maxValue(MAX_LIMIT),
  v.description(`Page size, 1 to ${MAX_LIMIT} (default ${DEFAULT_LIMIT}).`),
);
export const CursorParameter = v.pipe(
  v.string(),
  v.description("nextCursor from the previous page, unchanged."),
);
export const IfMatchParameter = v.pipe(
  v.string(),
  v.description('`*` or the ETag(s) the change is based on, e.g. "3"; a stale one gives 412.'),
);

/** The parameters' schemas, by the names the operation table uses. */
export const PARAMETERS = {
  ItemId: ItemIdParameter,
  Limit: LimitParameter,
  Cursor: CursorParameter,
  IfMatch: IfMatchParameter,
} as const;

export type ParameterName = keyof typeof PARAMETERS;

/** Every named schema, in the order the document lists them. */
export const SCHEMAS = {
  Error: ErrorResponse,
  ManagerRequest,
  ManagerCreateRequest,
  ManagerReadRequest,
  ManagerUpdateRequest,
  ManagerDeleteRequest,
  ManagerListRequest,
  ManagerEchoRequest,
  ManagerPingRequest,
  ManagerRequestText,
  ManagerResult,
  ManagerWriteResult,
  ManagerReadResult,
  ManagerListResult,
  Pong,
  EchoResult,
  Item,
  ItemCreate,
  ItemReplace,
  ItemPatch,
  ItemPage,
  OpenApiDocument,
} as const;

export type SchemaName = keyof typeof SCHEMAS;
