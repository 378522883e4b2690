/**
 * The bad-input battery's cases: requests no client should send, each with the exact 4xx the API
 * gives and the error code (or, for API Gateway's own answers that have no error shape, the exact
 * body) naming what is wrong. bad-input.int.test.ts sends them to the local cloud; the outside
 * tools' Prism test sends them through a validating proxy, which must find no answer that breaks
 * the document.
 */
import { expect } from "chai";
import { API_GATEWAY_413, LAMBDA_SYNC_PAYLOAD_BYTES } from "../../contract/limits";
import { INHERITED_NAMES } from "../../testing/arbitraries";
import { RESERVED_KEYS } from "../../handlers/core/json";
import { uniqueId, type CallOptions, type Reply } from "./harness";

/** What the cases may refer to: seed items written before the battery runs. */
export interface Seeds {
  /** REST-created items (with versions), and the ETag each was created with. */
  ids: string[];
  etags: string[];
  /** An item written through the tutorial API. */
  tutorialId: string;
  /** A genuine list cursor, to tamper with. */
  cursor: string;
  tableName: string;
}

export type Dynamic<T> = T | ((s: Seeds) => T);

export interface Case {
  category: string;
  name: string;
  method: string;
  path: Dynamic<string>;
  body?: Dynamic<string | Buffer | Record<string, unknown>>;
  headers?: Dynamic<Record<string, string | null>>;
  status: number;
  /** `error.code`: the function's, or API Gateway's response type for its own answers. */
  code?: string;
  /** The exact body, for API Gateway's answers that are not in the error shape (its 413s). */
  text?: string;
  /** Extra checks on the reply (headers such as Allow). */
  check?: (reply: Reply) => void;
}

export const M = "/DynamoDBManager";
export const op = (operation: unknown, payload?: unknown, extra: Record<string, unknown> = {}) => ({
  operation,
  payload,
  ...extra,
});
const nested = (depth: number, leaf: unknown): unknown =>
  depth === 0 ? leaf : { n: nested(depth - 1, leaf) };
const longId = "a".repeat(2049);
// 683 four-byte characters: 1366 UTF-16 units (under 2048) but 2732 UTF-8 bytes (over DynamoDB's
// 2048-byte key limit), so a length check in characters would let it through.
const emojiId = "😀".repeat(683);
const over400k = "x".repeat(401 * 1024);
const over10m = Buffer.alloc(10 * 1024 * 1024 + 1024, "x");
const over6m = "x".repeat(LAMBDA_SYNC_PAYLOAD_BYTES + 1024 * 1024);
const fortyDigits = "1234567890123456789012345678901234567890";
const beyondSafe = "9007199254740993"; // 2^53 + 1: a double would round it to ...992

/** Flips one character of a cursor's signature, keeping it valid base64url. */
const tamper = (cursor: string) =>
  cursor.slice(0, -2) + (cursor.at(-2) === "A" ? "B" : "A") + cursor.slice(-1);

export const CASES: Case[] = [
  // Malformed and truncated JSON.
  {
    category: "malformed JSON",
    name: "manager: missing value",
    method: "POST",
    path: M,
    body: '{"operation": "create", "payload": }',
    status: 400,
    code: "InvalidJson",
  },
  {
    category: "malformed JSON",
    name: "items POST: trailing comma",
    method: "POST",
    path: "/items",
    body: '{"id": "x",}',
    status: 400,
    code: "InvalidJson",
  },
  {
    category: "malformed JSON",
    name: "items PUT: single quotes",
    method: "PUT",
    path: "/items/battery-put",
    body: "{'name': 'x'}",
    status: 400,
    code: "InvalidJson",
  },
  {
    category: "malformed JSON",
    name: "manager: duplicate key (ambiguous)",
    method: "POST",
    path: M,
    body: '{"operation": "read", "operation": "delete", "payload": {"Key": {"id": "a"}}}',
    status: 400,
    code: "InvalidJson",
  },
  {
    category: "truncated JSON",
    name: "manager: cut mid-item",
    method: "POST",
    path: M,
    body: '{"operation": "create", "payload": {"Item": {"id": "trunc", "n": 1',
    status: 400,
    code: "InvalidJson",
  },
  {
    category: "truncated JSON",
    name: "items POST: cut mid-string",
    method: "POST",
    path: "/items",
    body: '{"id": "trunc',
    status: 400,
    code: "InvalidJson",
  },
  {
    category: "malformed JSON",
    name: "manager: empty body",
    method: "POST",
    path: M,
    body: "",
    status: 400,
    code: "InvalidJson",
  },
  // Bodies that are JSON but not objects.
  ...(
    [
      ["array", "[]"],
      ["string", '"create"'],
      ["null", "null"],
      ["number", "42"],
    ] as const
  ).map(([kind, body]): Case => ({
    category: "non-object body",
    name: `manager: ${kind}`,
    method: "POST",
    path: M,
    body,
    status: 400,
    code: "InvalidBody",
  })),
  {
    category: "non-object body",
    name: "items POST: array of items",
    method: "POST",
    path: "/items",
    body: '[{"id": "a"}]',
    status: 400,
    code: "InvalidBody",
  },
  {
    category: "non-object body",
    name: "items PUT: string",
    method: "PUT",
    path: (s) => `/items/${s.ids[0]}`,
    body: '"replace me"',
    status: 400,
    code: "InvalidBody",
  },
  {
    category: "non-object body",
    name: "items PATCH: null",
    method: "PATCH",
    path: (s) => `/items/${s.ids[0]}`,
    body: "null",
    status: 400,
    code: "InvalidBody",
  },
  // Size limits: DynamoDB's 400 KB item limit (the function), API Gateway's 10 MB (the gateway).
  {
    category: "body over 400 KB",
    name: "manager: create with a 401 KB attribute",
    method: "POST",
    path: M,
    body: op("create", { Item: { id: "big", blob: over400k } }),
    status: 413,
    code: "PayloadTooLarge",
  },
  {
    category: "body over 400 KB",
    name: "items POST: 401 KB attribute",
    method: "POST",
    path: "/items",
    body: { id: "big", blob: over400k },
    status: 413,
    code: "PayloadTooLarge",
  },
  {
    category: "body over 400 KB",
    name: "items PUT: 401 KB attribute",
    method: "PUT",
    path: (s) => `/items/${s.ids[1]}`,
    body: { blob: over400k },
    status: 413,
    code: "PayloadTooLarge",
  },
  {
    category: "body over 10 MB",
    name: "manager: 10 MB + 1 KB",
    method: "POST",
    path: M,
    body: over10m,
    status: 413,
    // API Gateway's own answer, before the function runs: no gateway response reshapes it.
    text: API_GATEWAY_413.body.body,
  },
  {
    category: "body over 10 MB",
    name: "items POST: 10 MB + 1 KB",
    method: "POST",
    path: "/items",
    body: over10m,
    status: 413,
    text: API_GATEWAY_413.body.body,
  },
  {
    category: "event over Lambda's 6 MB",
    name: "items POST: a 7 MB attribute",
    method: "POST",
    path: "/items",
    body: { id: "seven", blob: over6m },
    status: 413,
    // API Gateway's own answer: the function never runs; the API's gateway responses do not apply.
    text: API_GATEWAY_413.event.body,
  },
  // Bytes that are not UTF-8: API Gateway hands them over base64-encoded (the API declares its body
  // media types binary), and the function refuses them rather than store U+FFFD.
  ...["application/json", "application/json; charset=utf-8"].map((contentType): Case => ({
    category: "invalid UTF-8",
    name: `items POST: a lone 0xFF byte in a string (${contentType})`,
    method: "POST",
    path: "/items",
    body: Buffer.concat([
      Buffer.from('{"id":"bad-utf8","name":"'),
      Buffer.from([0xff]),
      Buffer.from('"}'),
    ]),
    headers: { "content-type": contentType },
    status: 400,
    code: "InvalidBody",
  })),
  {
    category: "invalid UTF-8",
    name: "manager: a truncated UTF-8 sequence in the tutorial's form body",
    method: "POST",
    path: M,
    body: Buffer.concat([
      Buffer.from('{"operation":"create","payload":{"Item":{"id":"bad-utf8","n":"'),
      Buffer.from([0xe2, 0x82]),
      Buffer.from('"}}}'),
    ]),
    headers: { "content-type": "application/x-www-form-urlencoded" },
    status: 400,
    code: "InvalidBody",
  },
  // Deep nesting: past DynamoDB's 32 levels, and past what the parser will descend into.
  {
    category: "deep nesting",
    name: "manager: item nested 40 maps deep",
    method: "POST",
    path: M,
    body: op("create", { Item: { id: "deep", n: nested(40, 1) } }),
    status: 400,
    code: "ValidationError",
  },
  {
    category: "deep nesting",
    name: "items POST: 100,000 nested arrays",
    method: "POST",
    path: "/items",
    body: `{"id": "deep", "a": ${"[".repeat(100_000)}${"]".repeat(100_000)}}`,
    status: 400,
    code: "InvalidJson",
  },
  // Ids.
  {
    category: "empty id",
    name: "manager: create with id ''",
    method: "POST",
    path: M,
    body: op("create", { Item: { id: "", n: 1 } }),
    status: 400,
    code: "ValidationError",
  },
  {
    category: "empty id",
    name: "items POST: id ''",
    method: "POST",
    path: "/items",
    body: { id: "" },
    status: 400,
    code: "InvalidId",
  },
  {
    category: "oversized id",
    name: "manager: read with a 2049-byte id",
    method: "POST",
    path: M,
    body: op("read", { Key: { id: longId } }),
    status: 400,
    code: "ValidationError",
  },
  {
    category: "oversized id",
    name: "items POST: 2049-byte id",
    method: "POST",
    path: "/items",
    body: { id: longId },
    status: 400,
    code: "InvalidId",
  },
  {
    category: "oversized id",
    name: "items GET: 2049-byte id in the path",
    method: "GET",
    path: `/items/${longId}`,
    status: 400,
    code: "InvalidId",
  },
  {
    category: "non-string id",
    name: "manager: create with numeric id",
    method: "POST",
    path: M,
    body: op("create", { Item: { id: 5, n: 1 } }),
    status: 400,
    code: "ValidationError",
  },
  {
    category: "non-string id",
    name: "items POST: numeric id",
    method: "POST",
    path: "/items",
    body: { id: 5 },
    status: 400,
    code: "InvalidId",
  },
  {
    category: "non-string id",
    name: "items POST: object id",
    method: "POST",
    path: "/items",
    body: { id: { S: "x" } },
    status: 400,
    code: "InvalidId",
  },
  {
    category: "unicode id",
    name: "items POST: 683 emoji (1366 chars, 2732 bytes)",
    method: "POST",
    path: "/items",
    body: { id: emojiId },
    status: 400,
    code: "InvalidId",
  },
  {
    category: "unicode id",
    name: "items DELETE: 683 emoji in the path",
    method: "DELETE",
    path: `/items/${encodeURIComponent(emojiId)}`,
    status: 400,
    code: "InvalidId",
  },
  {
    category: "percent-encoding",
    name: "items GET: a malformed percent-escape in the id",
    method: "GET",
    path: "/items/%zz",
    status: 400,
    code: "InvalidPathEncoding",
  },
  {
    category: "percent-encoding",
    name: "items PUT: a truncated UTF-8 escape in the id",
    method: "PUT",
    path: "/items/%E0%A4%A",
    body: { x: 1 },
    status: 400,
    code: "InvalidPathEncoding",
  },
  {
    category: "unicode id",
    name: "manager: create with a lone surrogate id",
    method: "POST",
    path: M,
    body: '{"operation": "create", "payload": {"Item": {"id": "\\ud800"}}}',
    status: 400,
    code: "InvalidJson",
  },
  // Keys that would reach a prototype.
  {
    category: "__proto__ / constructor / prototype",
    name: "manager: __proto__ beside operation",
    method: "POST",
    path: M,
    body: '{"operation": "list", "__proto__": {"tableName": "other"}}',
    status: 400,
    code: "InvalidJson",
  },
  {
    category: "__proto__ / constructor / prototype",
    name: "manager: constructor in payload",
    method: "POST",
    path: M,
    body: '{"operation": "create", "payload": {"Item": {"id": "c"}, "constructor": {}}}',
    status: 400,
    code: "InvalidJson",
  },
  {
    category: "__proto__ / constructor / prototype",
    name: "items POST: prototype attribute",
    method: "POST",
    path: "/items",
    body: '{"id": "proto", "prototype": {"admin": true}}',
    status: 400,
    code: "InvalidJson",
  },
  {
    category: "__proto__ / constructor / prototype",
    name: "items PATCH: nested __proto__",
    method: "PATCH",
    path: (s) => `/items/${s.ids[0]}`,
    body: '{"profile": {"__proto__": {"admin": true}}}',
    status: 400,
    code: "InvalidJson",
  },
  // Operations.
  {
    category: "unknown operation",
    name: "manager: drop",
    method: "POST",
    path: M,
    body: op("drop", {}),
    status: 400,
    code: "UnknownOperation",
  },
  {
    category: "unknown operation",
    name: "manager: CREATE (case matters)",
    method: "POST",
    path: M,
    body: op("CREATE", { Item: { id: "upper" } }),
    status: 400,
    code: "UnknownOperation",
  },
  {
    category: "unknown operation",
    name: "manager: operation missing",
    method: "POST",
    path: M,
    body: { payload: { Item: { id: "noop" } } },
    status: 400,
    code: "ValidationError",
  },
  {
    category: "unknown operation",
    name: "manager: operation is a number",
    method: "POST",
    path: M,
    body: op(1, {}),
    status: 400,
    code: "ValidationError",
  },
  {
    category: "unknown operation",
    name: "manager: unknown envelope field",
    method: "POST",
    path: M,
    body: op("list", {}, { Operation: "delete" }),
    status: 400,
    code: "ValidationError",
  },
  // Parameters the operation does not allow.
  {
    category: "parameter not allowed",
    name: "manager: create with TableName",
    method: "POST",
    path: M,
    body: (s) => op("create", { TableName: `${s.tableName}-other`, Item: { id: "tn" } }),
    status: 400,
    code: "ParameterNotAllowed",
  },
  {
    category: "parameter not allowed",
    name: "manager: list with TableName (even the right one)",
    method: "POST",
    path: M,
    body: (s) => op("list", { TableName: s.tableName }),
    status: 400,
    code: "ParameterNotAllowed",
  },
  {
    category: "parameter not allowed",
    name: "manager: list with FilterExpression",
    method: "POST",
    path: M,
    body: op("list", { FilterExpression: "attribute_exists(id)" }),
    status: 400,
    code: "ParameterNotAllowed",
  },
  {
    category: "parameter not allowed",
    name: "manager: read with ConditionExpression",
    method: "POST",
    path: M,
    body: (s) => op("read", { Key: { id: s.ids[0] }, ConditionExpression: "attribute_exists(id)" }),
    status: 400,
    code: "ParameterNotAllowed",
  },
  {
    category: "parameter not allowed",
    name: "manager: read with ReturnConsumedCapacity",
    method: "POST",
    path: M,
    body: (s) => op("read", { Key: { id: s.ids[0] }, ReturnConsumedCapacity: "TOTAL" }),
    status: 400,
    code: "ParameterNotAllowed",
  },
  {
    category: "parameter not allowed",
    name: "manager: delete with Expected (legacy conditions)",
    method: "POST",
    path: M,
    body: (s) => op("delete", { Key: { id: s.ids[0] }, Expected: { id: { Exists: true } } }),
    status: 400,
    code: "ParameterNotAllowed",
  },
  {
    category: "tableName naming another table",
    name: "manager: tableName of another table",
    method: "POST",
    path: M,
    body: (s) => op("read", { Key: { id: s.ids[0] } }, { tableName: `${s.tableName}-prod` }),
    status: 400,
    code: "TableNotAllowed",
  },
  {
    category: "tableName naming another table",
    name: "manager: delete with tableName of another table",
    method: "POST",
    path: M,
    body: (s) => op("delete", { Key: { id: s.ids[0] } }, { tableName: "Users" }),
    status: 400,
    code: "TableNotAllowed",
  },
  // Expressions DynamoDB refuses.
  {
    category: "invalid update expression",
    name: "manager: SET with nothing after it",
    method: "POST",
    path: M,
    body: (s) => op("update", { Key: { id: s.tutorialId }, UpdateExpression: "SET" }),
    status: 400,
    code: "ValidationError",
  },
  {
    category: "invalid update expression",
    name: "manager: REMOVE the key attribute",
    method: "POST",
    path: M,
    body: (s) => op("update", { Key: { id: s.tutorialId }, UpdateExpression: "REMOVE id" }),
    status: 400,
    code: "ValidationError",
  },
  {
    category: "invalid condition expression",
    name: "manager: unbalanced parenthesis",
    method: "POST",
    path: M,
    body: op("create", { Item: { id: "cond" }, ConditionExpression: "attribute_not_exists(id" }),
    status: 400,
    code: "ValidationError",
  },
  {
    category: "invalid condition expression",
    name: "manager: unknown function",
    method: "POST",
    path: M,
    body: (s) => op("delete", { Key: { id: s.tutorialId }, ConditionExpression: "is_there(id)" }),
    status: 400,
    code: "ValidationError",
  },
  {
    category: "missing placeholder",
    name: "manager: :v used but not given",
    method: "POST",
    path: M,
    body: (s) =>
      op("update", {
        Key: { id: s.tutorialId },
        UpdateExpression: "SET #n = :v",
        ExpressionAttributeNames: { "#n": "number" },
      }),
    status: 400,
    code: "ValidationError",
  },
  {
    category: "missing placeholder",
    name: "manager: #n used but not given",
    method: "POST",
    path: M,
    body: (s) =>
      op("update", {
        Key: { id: s.tutorialId },
        UpdateExpression: "SET #n = :v",
        ExpressionAttributeValues: { ":v": 1 },
      }),
    status: 400,
    code: "ValidationError",
  },
  {
    category: "unused placeholder",
    name: "manager: :unused given but not used",
    method: "POST",
    path: M,
    body: (s) =>
      op("update", {
        Key: { id: s.tutorialId },
        UpdateExpression: "SET #n = :v",
        ExpressionAttributeNames: { "#n": "number" },
        ExpressionAttributeValues: { ":v": 1, ":unused": 2 },
      }),
    status: 400,
    code: "ValidationError",
  },
  // Numbers DynamoDB cannot hold exactly, or JavaScript could not carry exactly.
  {
    category: "number beyond 38 digits",
    name: "manager: create with a 40-digit number",
    method: "POST",
    path: M,
    body: `{"operation": "create", "payload": {"Item": {"id": "digits", "n": ${fortyDigits}}}}`,
    status: 400,
    code: "InvalidValue",
  },
  {
    category: "number beyond 38 digits",
    name: "items POST: 1e400",
    method: "POST",
    path: "/items",
    body: '{"id": "huge", "n": 1e400}',
    status: 400,
    code: "InvalidValue",
  },
  {
    category: "number beyond 38 digits",
    name: "items PATCH: 39 significant digits after the point",
    method: "PATCH",
    path: (s) => `/items/${s.ids[0]}`,
    body: '{"n": 0.123456789012345678901234567890123456789}',
    status: 400,
    code: "InvalidValue",
  },
  {
    category: "number beyond JS safe integers",
    name: "manager: list Limit 2^53 + 1",
    method: "POST",
    path: M,
    body: `{"operation": "list", "payload": {"Limit": ${beyondSafe}}}`,
    status: 400,
    code: "ValidationError",
  },
  {
    category: "number beyond JS safe integers",
    name: "items GET: limit=2^53 + 1",
    method: "GET",
    path: `/items?limit=${beyondSafe}`,
    status: 400,
    code: "InvalidLimit",
  },
  {
    category: "number beyond JS safe integers",
    name: "items PUT: version 2^53 + 1 in the body",
    method: "PUT",
    path: (s) => `/items/${s.ids[0]}`,
    body: `{"name": "x", "version": ${beyondSafe}}`,
    status: 400,
    code: "InvalidVersion",
  },
  // Empty strings and sets.
  {
    category: "empty strings and sets",
    name: "manager: read with Key id ''",
    method: "POST",
    path: M,
    body: op("read", { Key: { id: "" } }),
    status: 400,
    code: "ValidationError",
  },
  {
    category: "empty strings and sets",
    name: "items POST: empty string set",
    method: "POST",
    path: "/items",
    body: { id: "emptyset", tags: { $SS: [] } },
    status: 400,
    code: "InvalidValue",
  },
  {
    category: "empty strings and sets",
    name: "manager: update ADD an empty number set",
    method: "POST",
    path: M,
    body: (s) =>
      op("update", {
        Key: { id: s.tutorialId },
        UpdateExpression: "ADD #s :s",
        ExpressionAttributeNames: { "#s": "scores" },
        ExpressionAttributeValues: { ":s": { $NS: [] } },
      }),
    status: 400,
    code: "InvalidValue",
  },
  {
    category: "empty strings and sets",
    name: "manager: empty UpdateExpression",
    method: "POST",
    path: M,
    body: (s) => op("update", { Key: { id: s.tutorialId }, UpdateExpression: "" }),
    status: 400,
    code: "ValidationError",
  },
  {
    category: "empty strings and sets",
    name: "items POST: duplicate members in a set",
    method: "POST",
    path: "/items",
    body: { id: "dupset", tags: { $SS: ["a", "a"] } },
    status: 400,
    code: "InvalidValue",
  },
  // Content types.
  {
    category: "wrong content type",
    name: "manager: application/xml",
    method: "POST",
    path: M,
    body: op("ping"),
    headers: { "content-type": "application/xml" },
    status: 415,
    code: "UnsupportedMediaType",
  },
  {
    category: "wrong content type",
    name: "items POST: form-encoded",
    method: "POST",
    path: "/items",
    body: "id=form",
    headers: { "content-type": "application/x-www-form-urlencoded" },
    status: 415,
    code: "UnsupportedMediaType",
  },
  {
    category: "wrong content type",
    name: "manager: JSON in ISO-8859-1",
    method: "POST",
    path: M,
    body: op("ping"),
    headers: { "content-type": "application/json; charset=iso-8859-1" },
    status: 415,
    code: "UnsupportedMediaType",
  },
  {
    category: "wrong content type",
    name: "items POST: merge-patch (PATCH only)",
    method: "POST",
    path: "/items",
    body: { id: "merge" },
    headers: { "content-type": "application/merge-patch+json" },
    status: 415,
    code: "UnsupportedMediaType",
  },
  {
    category: "missing content type",
    name: "items POST: no content-type",
    method: "POST",
    path: "/items",
    body: { id: "untyped" },
    headers: { "content-type": null },
    status: 415,
    code: "UnsupportedMediaType",
  },
  {
    category: "missing content type",
    name: "items PATCH: no content-type",
    method: "PATCH",
    path: (s) => `/items/${s.ids[0]}`,
    body: { name: "no type" },
    headers: { "content-type": null },
    status: 415,
    code: "UnsupportedMediaType",
  },
  // Routes and methods.
  {
    category: "unknown route",
    name: "GET /nope",
    method: "GET",
    path: "/nope",
    status: 404,
    code: "RouteNotFound",
  },
  {
    category: "unknown route",
    name: "GET /items/a/b",
    method: "GET",
    path: "/items/a/b",
    status: 404,
    code: "RouteNotFound",
  },
  {
    category: "unknown route",
    name: "POST /dynamodbmanager (paths are case-sensitive)",
    method: "POST",
    path: "/dynamodbmanager",
    body: op("ping"),
    status: 404,
    code: "RouteNotFound",
  },
  {
    category: "wrong method",
    name: "GET /DynamoDBManager",
    method: "GET",
    path: M,
    status: 405,
    code: "MethodNotAllowed",
    check: (r) => expect(allowOf(r)).to.deep.equal(["POST"]),
  },
  {
    category: "wrong method",
    name: "DELETE /items",
    method: "DELETE",
    path: "/items",
    status: 405,
    code: "MethodNotAllowed",
    check: (r) => expect(allowOf(r)).to.deep.equal(["GET", "POST"]),
  },
  {
    category: "wrong method",
    name: "POST /items/{id}",
    method: "POST",
    path: (s) => `/items/${s.ids[0]}`,
    body: { name: "x" },
    status: 405,
    code: "MethodNotAllowed",
    check: (r) => expect(allowOf(r)).to.deep.equal(["DELETE", "GET", "PATCH", "PUT"]),
  },
  // Cursors and limits.
  {
    category: "forged cursor",
    name: "garbage",
    method: "GET",
    path: "/items?cursor=not-a-cursor",
    status: 400,
    code: "InvalidCursor",
  },
  {
    category: "forged cursor",
    name: "genuine cursor with one signature character changed",
    method: "GET",
    path: (s) => `/items?cursor=${encodeURIComponent(tamper(s.cursor))}`,
    status: 400,
    code: "InvalidCursor",
  },
  {
    category: "forged cursor",
    name: "genuine payload with the signature cut off",
    method: "GET",
    path: (s) => `/items?cursor=${encodeURIComponent(s.cursor.split(".")[0]!)}`,
    status: 400,
    code: "InvalidCursor",
  },
  {
    category: "forged cursor",
    name: "self-made payload naming a seed, no valid signature",
    method: "GET",
    path: (s) => {
      const payload = Buffer.from(JSON.stringify({ t: s.tableName, k: { id: s.ids[0] } }));
      return `/items?cursor=${payload.toString("base64url")}.${"A".repeat(43)}`;
    },
    status: 400,
    code: "InvalidCursor",
  },
  ...["101", "0", "-1", "abc", "2.5"].map((limit): Case => ({
    category: "over-large or invalid limit",
    name: `GET /items?limit=${limit}`,
    method: "GET",
    path: `/items?limit=${limit}`,
    status: 400,
    code: "InvalidLimit",
  })),
  {
    category: "over-large or invalid limit",
    name: "manager: list Limit 0",
    method: "POST",
    path: M,
    body: op("list", { Limit: 0 }),
    status: 400,
    code: "ValidationError",
  },
  // Writes that must be refused because of what is stored: nothing may change.
  {
    category: "conflict",
    name: "items POST: an existing id",
    method: "POST",
    path: "/items",
    body: (s) => ({ id: s.ids[0], name: "overwrite attempt" }),
    status: 409,
    code: "ItemExists",
  },
  {
    category: "conflict",
    name: "manager: create with a failing ConditionExpression",
    method: "POST",
    path: M,
    body: (s) =>
      op("create", {
        Item: { id: s.tutorialId, number: 0 },
        ConditionExpression: "attribute_not_exists(id)",
      }),
    status: 409,
    code: "ConditionalCheckFailed",
  },
  {
    category: "stale If-Match",
    name: "items PUT with a stale ETag",
    method: "PUT",
    path: (s) => `/items/${s.ids[0]}`,
    body: { name: "stale" },
    headers: { "if-match": '"999"' },
    status: 412,
    code: "PreconditionFailed",
  },
  {
    category: "stale If-Match",
    name: "items DELETE with a weak ETag (never matches)",
    method: "DELETE",
    path: (s) => `/items/${s.ids[1]}`,
    headers: (s) => ({ "if-match": `W/${s.etags[1]}` }),
    status: 412,
    code: "PreconditionFailed",
  },
  {
    category: "stale If-Match",
    name: "items PATCH with a malformed If-Match",
    method: "PATCH",
    path: (s) => `/items/${s.ids[0]}`,
    body: { name: "x" },
    headers: { "if-match": "3" },
    status: 400,
    code: "InvalidIfMatch",
  },
  {
    category: "not found",
    name: "items PATCH of a missing id",
    method: "PATCH",
    path: "/items/battery-missing",
    body: { name: "x" },
    status: 404,
    code: "ItemNotFound",
  },
  {
    category: "not found",
    name: "items DELETE of a missing id",
    method: "DELETE",
    path: "/items/battery-missing",
    status: 404,
    code: "ItemNotFound",
  },
];

// Names every JavaScript object or function inherits, wherever a client names something: each must
// get the answer any unknown name gets, never a lookup's accidental hit.
for (const name of INHERITED_NAMES) {
  CASES.push(
    {
      category: "inherited name as operation",
      name: `manager: ${name}`,
      method: "POST",
      path: M,
      body: op(name, {}),
      status: 400,
      code: "UnknownOperation",
    },
    {
      category: "inherited name as payload parameter",
      name: `manager read: ${name}`,
      method: "POST",
      path: M,
      body: `{"operation": "read", "payload": {"Key": {"id": "x"}, ${JSON.stringify(name)}: 1}}`,
      status: 400,
      // Keys that would reach a prototype stop at the JSON parser.
      code: RESERVED_KEYS.has(name) ? "InvalidJson" : "ParameterNotAllowed",
    },
    {
      category: "inherited name as query parameter",
      name: `items GET: ?${name}=1`,
      method: "GET",
      path: `/items?${encodeURIComponent(name)}=1`,
      status: 400,
      code: "InvalidQuery",
    },
    {
      category: "inherited name as route",
      name: `GET /${name}`,
      method: "GET",
      path: `/${encodeURIComponent(name)}`,
      status: 404,
      code: "RouteNotFound",
    },
    {
      category: "inherited name as header",
      name: `manager drop with header ${name}`,
      method: "POST",
      path: M,
      headers: { [name]: "1" },
      body: op("drop", {}),
      status: 400,
      code: "UnknownOperation",
    },
  );
}

export function allowOf(reply: Reply): string[] {
  const allow = reply.headers.allow;
  expect(allow, "405 carries an Allow header").to.be.a("string");
  return String(allow)
    .split(",")
    .map((m) => m.trim())
    .filter((m) => m && m !== "OPTIONS")
    .sort();
}

export const resolve = <T>(value: Dynamic<T>, seeds: Seeds): T =>
  typeof value === "function" ? (value as (s: Seeds) => T)(seeds) : value;

/** Sends a request to the API under test (the local cloud, or a proxy in front of it). */
export type Send = (method: string, path: string, options?: CallOptions) => Promise<Reply>;

/** Writes the items the cases refer to, through the API. */
export async function seedBattery(send: Send, tableName: string): Promise<Seeds> {
  const ids = [uniqueId("seed-a"), uniqueId("seed-b"), uniqueId("seed-c")];
  const etags: string[] = [];
  const shapes = [
    { name: "plain", n: 1 },
    { nested: { list: [1, "two", { three: 3 }], flag: true }, big: 1234567890 },
    { tags: { $SS: ["x", "y"] }, blob: { $B: "AAEC" }, empty: "" },
  ];
  for (const [i, id] of ids.entries()) {
    const reply = await send("POST", "/items", { body: { id, ...shapes[i] } });
    expect(reply.status, `seed ${id}: ${reply.text}`).to.equal(201);
    etags.push(String(reply.headers.etag));
  }
  const tutorialId = uniqueId("seed-tutorial");
  const created = await send("POST", M, {
    body: op("create", { Item: { id: tutorialId, number: 5 } }),
  });
  expect(created.status, `tutorial seed: ${created.text}`).to.equal(200);
  const page = await send("GET", "/items?limit=1");
  const cursor = (page.json as { nextCursor?: unknown } | undefined)?.nextCursor;
  expect(cursor, `a first page of one item has a cursor: ${page.text}`).to.be.a("string");
  return { ids, etags, tutorialId, cursor: cursor as string, tableName };
}

/** The request of a case, with the seeds filled in. */
export function requestOf(c: Case, seeds: Seeds): { path: string; options: CallOptions } {
  return {
    path: resolve(c.path, seeds),
    options: {
      body: c.body === undefined ? undefined : resolve(c.body, seeds),
      headers: c.headers === undefined ? undefined : resolve(c.headers, seeds),
    },
  };
}
