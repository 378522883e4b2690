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

const ATTRIBUTES_AS_JSON =
  'DynamoDB attributes as JSON: numbers are exact (up to 38 significant digits); sets are {"$SS": [...]}, {"$NS": [...]} or {"$BS": [...]}, binary {"$B": "<base64>"}, and a map holding one of these tags (or $M) as a key is {"$M": {...}}.';

const attributes = v.pipe(jsonObject, v.description(ATTRIBUTES_AS_JSON));

/**
 * An item's other attributes: any name, any JSON value. Declared (`additionalProperties`), not
 * left to JSON Schema's default, because generators (hey-api, orval) close an object that does
 * not declare it, and the API stores whatever attributes a client sends.
 */
function withAnyAttributes<const E extends v.ObjectEntries>(entries: E) {
  return v.objectWithRest(entries, anyJson);
}

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
          "What went wrong: the function's codes are PascalCase (ItemNotFound, ValidationError, ...); API Gateway's are its response types (THROTTLED, INTEGRATION_TIMEOUT, ...).",
        ),
      ),
      message: v.pipe(v.string(), v.description("What to change before retrying.")),
    }),
  }),
  v.description(
    "The error shape of every 4xx and 5xx answer, but for API Gateway's 413s (ApiGatewayMessage, or plain text), which cannot be customised.",
  ),
);

/**
 * API Gateway's own `{"message": ...}`: its 413 when the request would make an event over Lambda's
 * 6 MB invoke limit, which no gateway response reshapes (contract/limits.ts has the capture).
 */
export const ApiGatewayMessage = v.pipe(
  v.strictObject({ message: v.string() }),
  v.description(
    'API Gateway\'s own answer, which cannot be customised: {"message": "Request Too Long"} for a request over Lambda\'s 6 MB invoke limit.',
  ),
);

/** API Gateway's plain-text answer: its 413 for a body over its payload limit (contract/limits.ts). */
export const ApiGatewayText = v.pipe(
  v.string(),
  v.description(
    "API Gateway's own answer, which cannot be customised: plain text for a body over its 10 MB limit.",
  ),
);

/** A 413 of an operation whose function refuses large bodies too: the function's, or API Gateway's. */
export const TooLarge = v.pipe(
  v.union([ErrorResponse, ApiGatewayMessage]),
  v.description(
    "The function's PayloadTooLarge or ItemTooLarge (Error), or API Gateway's Request Too Long (ApiGatewayMessage).",
  ),
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

/** The same JSON sent as text/plain. */
export const ManagerRequestText = v.pipe(
  v.string(),
  v.description("A ManagerRequest as JSON text."),
);

/**
 * The same JSON as `curl -d` sends it: labelled application/x-www-form-urlencoded. A form's schema
 * describes its fields, and a validating proxy (Prism) decodes the body into them before it
 * checks; decoded so, any text is fields of strings. The function never reads fields: it parses
 * the whole body as a ManagerRequest.
 */
export const ManagerRequestForm = v.pipe(
  v.record(v.string(), v.string()),
  v.description(
    "A ManagerRequest as JSON text, as `curl -d` sends it (labelled form-urlencoded). The function parses the raw body as JSON, not as form fields: decoded as a form, the text is one or more fields whose names and values are pieces of the JSON.",
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
export const ManagerPingResult = v.pipe(v.literal("pong"), v.description('ping: "pong".'));
/**
 * Any JSON value, spelled out type by type: an empty schema would make every generated result
 * type `unknown`, whatever the other operations give. OpenAPI 3.0 has no `null` type, so null
 * rides on the object branch (`nullable`).
 */
export const ManagerEchoResult = v.pipe(
  v.union([
    v.nullable(v.record(v.string(), anyJson)),
    v.array(anyJson),
    v.string(),
    v.number(),
    v.boolean(),
  ]),
  v.description("echo: the payload, unchanged (null without one)."),
);

/**
 * One of the operation's results; which one follows from the request's `operation`. anyOf, not
 * oneOf: the results overlap (`{}` is a create's, a read's of a missing item and the echo of `{}`),
 * and oneOf would refuse a body that matches more than one.
 */
export const ManagerResult = v.pipe(
  v.union([
    ManagerWriteResult,
    ManagerReadResult,
    ManagerListResult,
    ManagerPingResult,
    ManagerEchoResult,
  ]),
  v.description(
    "The result of the request's operation: ManagerWriteResult (create, update, delete), ManagerReadResult, ManagerListResult, ManagerEchoResult or ManagerPingResult.",
  ),
);

// --- REST items --------------------------------------------------------------------------------

const ANY_ATTRIBUTES = `Any other attribute, of any name, is stored as it is. ${ATTRIBUTES_AS_JSON}`;

export const Item = v.pipe(
  withAnyAttributes({ [KEY]: itemId, [VERSION]: v.optional(version) }),
  v.description(`A stored item: its id, its version and its other attributes. ${ANY_ATTRIBUTES}`),
);

export const ItemCreate = v.pipe(
  withAnyAttributes({ [KEY]: v.optional(itemId) }),
  v.description(
    `Attributes of a new item. Without \`${KEY}\` a UUID is generated; \`${VERSION}\` is assigned by the server. ${ANY_ATTRIBUTES}`,
  ),
);

export const ItemReplace = v.pipe(
  withAnyAttributes({ [KEY]: v.optional(itemId), [VERSION]: v.optional(version) }),
  v.description(
    `The item's new attributes. \`${KEY}\` may repeat the path's; \`${VERSION}\` works like If-Match. ${ANY_ATTRIBUTES}`,
  ),
);

export const ItemPatch = v.pipe(
  withAnyAttributes({ [KEY]: v.optional(itemId), [VERSION]: v.optional(version) }),
  v.description(
    `Attributes to set; an attribute set to null is removed. At least one is needed. ${ANY_ATTRIBUTES}`,
  ),
);

export const ItemPage = v.strictObject({
  items: v.array(Item),
  nextCursor: v.pipe(
    v.nullable(v.string()),
    v.description("Pass as `cursor` for the next page; null on the last one."),
  ),
});

export const OpenApiDocument = v.pipe(
  withAnyAttributes({ openapi: v.string(), info: jsonObject, paths: jsonObject }),
  v.description("This document, with the deployment's base path as its server."),
);

// --- Parameters ----------------------------------------------------------------------------------

export const ItemIdParameter = v.pipe(
  itemId,
  v.description(
    `The item's \`${KEY}\`: 1 to ${MAX_ID_BYTES} bytes of UTF-8, percent-encoded. \`/items/\` (an empty id) is not an item: API Gateway drops the trailing slash and lists items.`,
  ),
);
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
  ApiGatewayMessage,
  ApiGatewayText,
  TooLarge,
  ManagerRequest,
  ManagerCreateRequest,
  ManagerReadRequest,
  ManagerUpdateRequest,
  ManagerDeleteRequest,
  ManagerListRequest,
  ManagerEchoRequest,
  ManagerPingRequest,
  ManagerRequestText,
  ManagerRequestForm,
  ManagerResult,
  ManagerWriteResult,
  ManagerReadResult,
  ManagerListResult,
  ManagerEchoResult,
  ManagerPingResult,
  Item,
  ItemCreate,
  ItemReplace,
  ItemPatch,
  ItemPage,
  OpenApiDocument,
} as const;

export type SchemaName = keyof typeof SCHEMAS;
