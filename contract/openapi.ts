/**
 * The API's OpenAPI 3.0 document, generated from the operation table (`operations.ts`) and the
 * valibot schemas (`shapes.ts`). Nothing in it is written as JSON Schema by hand. `npm run openapi`
 * (client/generate.ts) writes it to `contract/openapi.json`, which the function serves at
 * `GET /openapi.json`, and its TypeScript types to `client/schema.d.ts`; the RestApi component
 * deploys it as the REST API's body, with the `x-amazon-apigateway-*` extensions added
 * (components/api/).
 *
 * BUILD TIME ONLY: for the program and the tools, never for the function's bundle (the function
 * serves the generated JSON); handlers/bundle.test.ts holds the bundle to that.
 */
import { PREFLIGHT_RESPONSE_HEADERS } from "./cors";
import { toJsonSchemaDefs, type JsonSchema } from "@valibot/to-json-schema";
import type { OpenAPIV3 } from "openapi-types";
import type * as v from "valibot";
import { license as PACKAGE_LICENSE, version as PACKAGE_VERSION } from "../package.json";
import { COMMON_REQUEST_HEADERS, EXPOSED_HEADERS, RETRY_AFTER_SECONDS } from "./headers";
import {
  IDEMPOTENCY_ERRORS,
  IDEMPOTENCY_KEY_HEADER,
  IDEMPOTENCY_KEY_MAX_LENGTH,
  IDEMPOTENCY_KEY_PATTERN,
  IDEMPOTENT_REPLAYED_HEADER,
} from "./idempotency";
import {
  OPERATIONS,
  pathParameterNames,
  routesOf,
  type HttpMethod,
  type Operation,
  type ResponseHeader,
  type ResponseSpec,
  type Route,
} from "./operations";
import { API_GATEWAY_413, API_GATEWAY_PAYLOAD_BYTES, LAMBDA_SYNC_PAYLOAD_BYTES } from "./limits";
import { AUTH_REQUEST_HEADERS, API_KEY_HEADER } from "./security";
import { PARAMETERS, SCHEMAS, type ParameterName, type SchemaName } from "./shapes";
import { anyJson, jsonObject } from "./inputs";

export type Document = OpenAPIV3.Document;

/** `info.title`: the tutorial's API name, which is also the RestApi component's default name. */
export const API_TITLE = "DynamoDBOperations";

/** OpenAPI 3.0.x: API Gateway imports 3.0 documents, not 3.1. */
export const OPENAPI_VERSION = "3.0.3";

/** Where a name in `components.schemas` is referenced from. */
export const SCHEMA_REF = "#/components/schemas/";

const MB = 1024 * 1024;
const API_GATEWAY_PAYLOAD_MB = API_GATEWAY_PAYLOAD_BYTES / MB;

/** The media type of API Gateway's plain-text 413, as it labels it (without its charset). */
export const GATEWAY_TEXT_MEDIA_TYPE = API_GATEWAY_413.body.contentType.split(";")[0]!.trim();

/**
 * Statuses API Gateway answers by itself on any method: in the error shape (its gateway responses;
 * components/api/ declares them), but for its 413s, which cannot be customised (limits.ts).
 */
export const GATEWAY_STATUSES: Readonly<Record<number, string>> = {
  413: `API Gateway, in answers no API can customise: a body over ${API_GATEWAY_PAYLOAD_BYTES} bytes (${API_GATEWAY_PAYLOAD_MB} MB) gets the text "${API_GATEWAY_413.body.body}" (Content-Type: ${API_GATEWAY_413.body.contentType}); a smaller body whose event would pass Lambda's ${LAMBDA_SYNC_PAYLOAD_BYTES / MB} MB invoke limit gets ${API_GATEWAY_413.event.body} (x-amzn-ErrorType: ${API_GATEWAY_413.event.errorType}).`,
  429: "API Gateway: the stage's or the usage plan's rate is exceeded (THROTTLED, QUOTA_EXCEEDED).",
  502: "API Gateway: the function failed or gave a malformed answer.",
  504: "API Gateway: the function did not answer in time (INTEGRATION_TIMEOUT).",
};

const HEADERS: Record<ResponseHeader, OpenAPIV3.HeaderObject> = {
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

const error = (description: string): ResponseSpec => ({ description, schema: "Error" });

/**
 * An operation's answers: its own, plus those `Idempotency-Key` brings to a write (any 2xx may be
 * a replay; a bad key is 400; a key still in use 409 with Retry-After; a key reused for another
 * request 422). The codes come from `idempotency.ts`.
 */
export function responsesOf(spec: Operation): Record<number, ResponseSpec> {
  if (!spec.idempotent) return spec.responses;
  const { invalidKey, notSupported, inUse, mismatch } = IDEMPOTENCY_ERRORS;
  const out: Record<number, ResponseSpec> = {};
  for (const [status, r] of Object.entries(spec.responses)) {
    out[Number(status)] =
      Number(status) < 300
        ? { ...r, optionalHeaders: [...(r.optionalHeaders ?? []), "Idempotent-Replayed"] }
        : r;
  }
  const add = (
    status: number,
    description: string,
    optionalHeaders?: readonly ResponseHeader[],
  ) => {
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

/**
 * A parameter with its description on the parameter object, where Swagger UI and other viewers
 * show it (they leave `schema.description` out).
 */
function parameter(
  name: string,
  location: "path" | "query" | "header",
  schemaName: ParameterName,
): OpenAPIV3.ParameterObject {
  const { description, ...schema } = inlineSchema(PARAMETERS[schemaName] as v.GenericSchema);
  return {
    name,
    in: location,
    required: location === "path",
    ...(description ? { description } : {}),
    schema,
  };
}

function parametersOf(op: Operation): OpenAPIV3.ParameterObject[] {
  const parameters = pathParameterNames(op.path).map((name) =>
    parameter(name, "path", op.pathParameters![name]!),
  );
  for (const [name, schema] of Object.entries(op.query ?? {})) {
    parameters.push(parameter(name, "query", schema));
  }
  for (const [name, schema] of Object.entries(op.headers ?? {})) {
    parameters.push(parameter(name, "header", schema));
  }
  if (op.idempotent) {
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
  return parameters;
}

function operation(op: Operation): OpenAPIV3.OperationObject {
  const parameters = parametersOf(op);
  const own = responsesOf(op);
  const responses: OpenAPIV3.ResponsesObject = {};
  const statuses = new Set([
    ...Object.keys(own).map(Number),
    ...Object.keys(GATEWAY_STATUSES).map(Number),
  ]);
  for (const status of [...statuses].sort((a, b) => a - b)) {
    responses[String(status)] = response(status, own[status], GATEWAY_STATUSES[status]);
  }
  const out: OpenAPIV3.OperationObject = {
    operationId: op.operationId,
    tags: [op.tag],
    summary: op.summary,
    ...(op.description ? { description: op.description } : {}),
    ...(parameters.length ? { parameters } : {}),
    responses,
  };
  if (op.body) {
    const content: Record<string, OpenAPIV3.MediaTypeObject> = {};
    const types = Object.entries(op.body.content);
    for (const [i, [type, schema]] of types.entries()) {
      content[type] = {
        schema: ref(schema),
        ...(i === 0 && op.body.examples ? { examples: { ...op.body.examples } } : {}),
      };
    }
    out.requestBody = {
      // OpenAPI cannot state a body without Content-Type, so the description does.
      ...(op.body.contentTypeOptional
        ? { description: `A body without Content-Type is read as ${types[0]![0]}.` }
        : {}),
      required: true,
      content,
    };
  }
  return out;
}

/**
 * The answers of one status: the function's, API Gateway's (`gateway` describes them) or both.
 * API Gateway's 413s have shapes of their own: JSON `{"message"}` and plain text.
 */
function response(
  status: number,
  fn: ResponseSpec | undefined,
  gateway: string | undefined,
): OpenAPIV3.ResponseObject {
  const description = [fn?.description, gateway].filter(Boolean).join(" ");
  const headers: Record<string, OpenAPIV3.HeaderObject> = {
    ...Object.fromEntries((fn?.headers ?? []).map((h) => [h, { ...HEADERS[h], required: true }])),
    ...Object.fromEntries((fn?.optionalHeaders ?? []).map((h) => [h, HEADERS[h]])),
  };
  let content: Record<string, OpenAPIV3.MediaTypeObject> | undefined;
  if (gateway && status === API_GATEWAY_413.body.status) {
    content = {
      // The function's error shape too: its error mapping may give any write a 413 (ItemTooLarge).
      "application/json": { schema: ref("TooLarge") },
      // A model, not an inline string: API Gateway's import takes method responses as models.
      [GATEWAY_TEXT_MEDIA_TYPE]: {
        schema: ref("ApiGatewayText"),
        example: API_GATEWAY_413.body.body,
      },
    };
  } else {
    const schema = fn ? fn.schema : "Error";
    if (schema) content = { "application/json": { schema: ref(schema) } };
  }
  return {
    description,
    ...(Object.keys(headers).length ? { headers } : {}),
    ...(content ? { content } : {}),
  };
}

/** What a preflight allows browsers to send: the common headers, and each stack's own. */
const PREFLIGHT_REQUEST_HEADERS = [
  COMMON_REQUEST_HEADERS.join(", "),
  `plus those of the stack's authentication: ${AUTH_REQUEST_HEADERS.cognito.join(", ")} (Cognito); ${AUTH_REQUEST_HEADERS.iam.join(", ")} (IAM); ${API_KEY_HEADER} (API key)`,
].join(", ");

/** The CORS preflight every route answers (the function does, for any origin it is configured for). */
function preflight(route: Route, operations: readonly Operation[]): OpenAPIV3.OperationObject {
  const names = pathParameterNames(route.path);
  // A path parameter is the one its path's operations declare (the table refuses a path without).
  const schemaOf = (name: string) =>
    operations.find((op) => op.path === route.path && op.pathParameters?.[name])!.pathParameters![
      name
    ]!;
  return {
    operationId: `preflight${route.path.replace(/[^A-Za-z0-9]+(.)?/g, (_, c: string) => (c ?? "").toUpperCase())}`,
    tags: ["CORS"],
    summary: `CORS preflight for ${route.path}`,
    ...(names.length ? { parameters: names.map((n) => parameter(n, "path", schemaOf(n))) } : {}),
    responses: {
      "204": {
        description: `Allowed methods (Allow), and for a configured Origin the Access-Control-* headers (allowed request headers: ${PREFLIGHT_REQUEST_HEADERS}; exposed: ${EXPOSED_HEADERS}).`,
        // Every one a preflight can carry: API Gateway's MOCK answer may only set declared ones.
        headers: Object.fromEntries(
          PREFLIGHT_RESPONSE_HEADERS.map((h) => [h, { schema: { type: "string" } }]),
        ),
      },
      ...Object.fromEntries(
        Object.entries(GATEWAY_STATUSES).map(([status, description]) => [
          status,
          response(Number(status), undefined, description),
        ]),
      ),
    },
  };
}

/** Why a table cannot become a document: a repeated operation, or a path parameter without a schema. */
function tableProblems(operations: readonly Operation[]): string[] {
  const problems: string[] = [];
  const seen = new Set<string>();
  const ids = new Set<string>();
  for (const op of operations) {
    const key = `${op.method} ${op.path}`;
    if (seen.has(key)) problems.push(`${key} appears twice`);
    if (ids.has(op.operationId)) problems.push(`operationId ${op.operationId} appears twice`);
    seen.add(key);
    ids.add(op.operationId);
    const names = pathParameterNames(op.path);
    const declared = Object.keys(op.pathParameters ?? {});
    const missing = names.filter((n) => !declared.includes(n));
    const extra = declared.filter((n) => !names.includes(n));
    if (missing.length) problems.push(`${key} has no schema for {${missing.join("}, {")}}`);
    if (extra.length) problems.push(`${key} declares {${extra.join("}, {")}}, not in its path`);
  }
  return problems;
}

/**
 * The public document: every operation of the table with its parameters, bodies, statuses,
 * headers and examples, and each path's CORS preflight. Throws on a table it cannot describe.
 */
export function buildOpenApiDocument(operations: readonly Operation[] = OPERATIONS): Document {
  const problems = tableProblems(operations);
  if (problems.length) {
    throw new Error(
      `The operation table is not valid: ${problems.join("; ")} (contract/operations.ts)`,
    );
  }
  const paths: OpenAPIV3.PathsObject = {};
  for (const route of routesOf(operations)) {
    const item: OpenAPIV3.PathItemObject = {};
    for (const method of route.methods) {
      const op = operations.find((o) => o.method === method && o.path === route.path)!;
      item[METHODS[method]] = operation(op);
    }
    item.options = preflight(route, operations);
    paths[route.path] = item;
  }
  return {
    openapi: OPENAPI_VERSION,
    info: {
      title: API_TITLE,
      version: PACKAGE_VERSION,
      // package.json's license is an SPDX id, and SPDX publishes each licence's text.
      license: { name: PACKAGE_LICENSE, url: `https://spdx.org/licenses/${PACKAGE_LICENSE}.html` },
      description: [
        "The AWS tutorial's CRUD service over one DynamoDB table: the tutorial's operation endpoint (POST /DynamoDBManager) and a REST items API with cursor paging and optimistic concurrency (ETag / If-Match).",
        'Every error is {"error": {"code", "message"}}, API Gateway\'s own included, but for its 413s, which cannot be customised (see each operation\'s 413).',
        "An unknown path answers 404 and a method a path does not serve 405 with Allow, in that shape.",
        "A trailing slash is dropped before a path is matched, as API Gateway does: GET /items/ lists items.",
      ].join(" "),
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
