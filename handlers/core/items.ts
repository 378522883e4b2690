/**
 * The REST items API: requests parsed into typed commands, and the pure rules for versions,
 * ETags and preconditions that the service applies around DynamoDB calls.
 */
import { Buffer } from "node:buffer";
import { toAttrMap, toAttrValue, type AttrMap, type AttrValue } from "./attributes";
import { decodeCursor } from "./cursor";
import { ApiError, badRequest } from "./http";
import { Num, isJsonObject, type Json } from "../../contract/json";
import { DEFAULT_LIMIT, KEY, MAX_ID_BYTES, MAX_LIMIT, VERSION } from "../../contract/inputs";

/** What `If-Match` (or a `version` in the body) demands of the stored item. */
export type Expectation = { kind: "exists" } | { kind: "versions"; versions: readonly number[] };

export type ItemsCommand =
  | { kind: "items.create"; id: string; item: AttrMap }
  | { kind: "items.get"; id: string }
  | { kind: "items.put"; id: string; attributes: AttrMap; expected?: Expectation }
  | {
      kind: "items.patch";
      id: string;
      set: AttrMap;
      remove: readonly string[];
      expected?: Expectation;
    }
  | { kind: "items.delete"; id: string; expected?: Expectation }
  | { kind: "items.list"; limit: number; startKey?: AttrMap };

export function checkId(id: unknown, where: string): string {
  if (typeof id !== "string") throw badRequest("InvalidId", `${where} must be a string`);
  const bytes = Buffer.byteLength(id, "utf8");
  if (bytes === 0 || bytes > MAX_ID_BYTES) {
    throw badRequest(
      "InvalidId",
      `${where} must be 1 to ${MAX_ID_BYTES} bytes of UTF-8 (got ${bytes}): send a shorter, non-empty id`,
    );
  }
  return id;
}

const ENTITY_TAG = /^\s*(W\/)?"([^"]*)"\s*$/;

/** Parses `If-Match`: `*` or a list of entity tags. Weak tags never match (RFC 9110 §13.1.1). */
export function parseIfMatch(header: string | undefined): Expectation | undefined {
  if (header === undefined) return undefined;
  if (header.trim() === "*") return { kind: "exists" };
  const versions: number[] = [];
  for (const part of header.split(",")) {
    const m = ENTITY_TAG.exec(part);
    if (!m) {
      throw badRequest(
        "InvalidIfMatch",
        'If-Match must be * or quoted ETags such as "3", as returned in the ETag header',
      );
    }
    if (!m[1] && /^(0|[1-9]\d{0,14})$/.test(m[2] ?? "")) versions.push(Number(m[2]));
  }
  // Only tags that can never match: the precondition fails however the item looks.
  return { kind: "versions", versions };
}

/** The item's version: absent (an item written by the tutorial API) counts as 0. */
export function versionOf(item: AttrMap): number {
  const v = item[VERSION];
  if (v instanceof Num) {
    const n = v.toNumber();
    if (Number.isSafeInteger(n) && n >= 0) return n;
  }
  return 0;
}

export const etagOf = (item: AttrMap) => `"${versionOf(item)}"`;

/** Whether the stored item (undefined: none) satisfies the expectation. */
export function satisfies(expected: Expectation, item: AttrMap | undefined): boolean {
  if (!item) return false;
  return expected.kind === "exists" || expected.versions.includes(versionOf(item));
}

export interface ConditionParts {
  ConditionExpression: string;
  ExpressionAttributeNames: Record<string, string>;
  ExpressionAttributeValues?: AttrMap;
}

/** A DynamoDB condition that holds when the item exists and meets `expected`. */
export function existsCondition(expected?: Expectation): ConditionParts {
  const names: Record<string, string> = { "#id": KEY };
  if (!expected || expected.kind === "exists") {
    return { ConditionExpression: "attribute_exists(#id)", ExpressionAttributeNames: names };
  }
  const values: AttrMap = {};
  const alternatives = expected.versions.map((version, i) => {
    names["#ver"] = VERSION;
    if (version === 0) return "attribute_not_exists(#ver)";
    values[`:ver${i}`] = Num.of(version);
    return `#ver = :ver${i}`;
  });
  // No matchable tag: a condition that cannot hold, so DynamoDB answers "failed" atomically.
  const versions = alternatives.length ? alternatives.join(" OR ") : "attribute_not_exists(#id)";
  return {
    ConditionExpression: `attribute_exists(#id) AND (${versions})`,
    ExpressionAttributeNames: names,
    ExpressionAttributeValues: Object.keys(values).length ? values : undefined,
  };
}

/** A condition that holds only while the item is exactly as read (or still absent). */
export function unchangedCondition(current: AttrMap | undefined): ConditionParts {
  if (!current) {
    return {
      ConditionExpression: "attribute_not_exists(#id)",
      ExpressionAttributeNames: { "#id": KEY },
    };
  }
  const stored: AttrValue | undefined = current[VERSION];
  if (stored === undefined) {
    return {
      ConditionExpression: "attribute_exists(#id) AND attribute_not_exists(#ver)",
      ExpressionAttributeNames: { "#id": KEY, "#ver": VERSION },
    };
  }
  return {
    ConditionExpression: "#ver = :ver",
    ExpressionAttributeNames: { "#ver": VERSION },
    ExpressionAttributeValues: { ":ver": stored },
  };
}

/** The PATCH update: SET the given attributes, REMOVE those set to null, bump the version. */
export function patchUpdate(set: AttrMap, remove: readonly string[], expected?: Expectation) {
  const condition = existsCondition(expected);
  const names: Record<string, string> = { ...condition.ExpressionAttributeNames, "#ver": VERSION };
  const values: AttrMap = {
    ...condition.ExpressionAttributeValues,
    ":zero": Num.of(0),
    ":one": Num.of(1),
  };
  const sets = Object.entries(set).map(([name, value], i) => {
    names[`#s${i}`] = name;
    values[`:s${i}`] = value;
    return `#s${i} = :s${i}`;
  });
  sets.push("#ver = if_not_exists(#ver, :zero) + :one");
  const removes = remove.map((name, i) => {
    names[`#r${i}`] = name;
    return `#r${i}`;
  });
  return {
    UpdateExpression: `SET ${sets.join(", ")}${removes.length ? ` REMOVE ${removes.join(", ")}` : ""}`,
    ConditionExpression: condition.ConditionExpression,
    ExpressionAttributeNames: names,
    ExpressionAttributeValues: values,
  };
}

function bodyObject(body: Json | undefined) {
  if (!isJsonObject(body)) {
    throw badRequest(
      "InvalidBody",
      'the body must be a JSON object of attributes, e.g. {"name": "x"}',
    );
  }
  return body;
}

/** `version` in a PUT/PATCH body is read like If-Match; both given must agree. */
function bodyExpectation(
  body: Record<string, Json>,
  header?: Expectation,
): Expectation | undefined {
  const v = body[VERSION];
  if (v === undefined) return header;
  if (!(v instanceof Num) || !/^(0|[1-9]\d{0,14})$/.test(v.text)) {
    throw badRequest(
      "InvalidVersion",
      "version must be the non-negative integer the item was read with",
    );
  }
  const fromBody: Expectation = { kind: "versions", versions: [Number(v.text)] };
  if (header && !(header.kind === "versions" && header.versions.includes(Number(v.text)))) {
    throw badRequest(
      "InvalidVersion",
      "version in the body disagrees with If-Match: send one of them",
    );
  }
  return fromBody;
}

function bodyId(body: Record<string, Json>, pathId: string): void {
  if (body[KEY] !== undefined && body[KEY] !== pathId) {
    throw badRequest(
      "InvalidId",
      `id in the body must match the id in the path ("${pathId}") or be left out`,
    );
  }
}

function withoutServerFields(body: Record<string, Json>): Record<string, Json> {
  const rest = { ...body };
  delete rest[KEY];
  delete rest[VERSION];
  return rest;
}

function single(query: Readonly<Record<string, readonly string[]>>, name: string) {
  const values = Object.hasOwn(query, name) ? query[name] : undefined;
  if (!values) return undefined;
  if (values.length !== 1) throw badRequest("InvalidQuery", `give ${name} at most once`);
  return values[0];
}

function noQuery(
  query: Readonly<Record<string, readonly string[]>>,
  allowed: readonly string[] = [],
) {
  const unknown = Object.keys(query).filter((k) => !allowed.includes(k));
  if (unknown.length) {
    throw badRequest(
      "InvalidQuery",
      `unknown query parameter ${unknown.join(", ")}${allowed.length ? `; allowed: ${allowed.join(", ")}` : ""}`,
    );
  }
}

export interface ItemsRequest {
  method: "GET" | "POST" | "PUT" | "PATCH" | "DELETE";
  /** Path id, percent-decoded; undefined on /items. */
  id?: string;
  query: Readonly<Record<string, readonly string[]>>;
  ifMatch?: string;
  /** Parsed body, for methods that take one. */
  body?: Json;
  generateId: () => string;
  tableName: string;
  cursorSecret: string;
}

export function parseItemsRequest(req: ItemsRequest): ItemsCommand {
  if (req.id === undefined) {
    if (req.method === "GET") {
      noQuery(req.query, ["limit", "cursor"]);
      const limitText = single(req.query, "limit");
      let limit = DEFAULT_LIMIT;
      if (limitText !== undefined) {
        if (!/^\d{1,4}$/.test(limitText) || +limitText < 1 || +limitText > MAX_LIMIT) {
          throw badRequest("InvalidLimit", `limit must be an integer from 1 to ${MAX_LIMIT}`);
        }
        limit = +limitText;
      }
      const cursor = single(req.query, "cursor");
      const startKey =
        cursor === undefined ? undefined : decodeCursor(cursor, req.tableName, req.cursorSecret);
      return { kind: "items.list", limit, startKey };
    }
    noQuery(req.query);
    const body = bodyObject(req.body);
    if (body[VERSION] !== undefined) {
      throw badRequest(
        "InvalidVersion",
        "version is assigned by the server: leave it out when creating",
      );
    }
    const id = body[KEY] === undefined ? req.generateId() : checkId(body[KEY], "id");
    const item = toAttrMap(withoutServerFields(body), "body");
    return { kind: "items.create", id, item: { ...item, [KEY]: id, [VERSION]: Num.of(1) } };
  }

  noQuery(req.query);
  const id = checkId(req.id, "the id in the path");
  const header = parseIfMatch(req.ifMatch);
  switch (req.method) {
    case "GET":
      return { kind: "items.get", id };
    case "DELETE":
      return { kind: "items.delete", id, expected: header };
    case "PUT": {
      const body = bodyObject(req.body);
      bodyId(body, id);
      const expected = bodyExpectation(body, header);
      return {
        kind: "items.put",
        id,
        attributes: toAttrMap(withoutServerFields(body), "body"),
        expected,
      };
    }
    case "PATCH": {
      const body = bodyObject(req.body);
      bodyId(body, id);
      const expected = bodyExpectation(body, header);
      const set: AttrMap = {};
      const remove: string[] = [];
      for (const [name, value] of Object.entries(withoutServerFields(body))) {
        if (value === null) remove.push(name);
        else set[name] = toAttrValue(value, `body.${name}`);
      }
      if (!remove.length && !Object.keys(set).length) {
        throw badRequest(
          "InvalidBody",
          "PATCH needs at least one attribute to set (or null to remove)",
        );
      }
      return { kind: "items.patch", id, set, remove, expected };
    }
    default:
      throw new ApiError(405, "MethodNotAllowed", `${req.method} is not served here`);
  }
}
