/**
 * The tutorial's `POST /DynamoDBManager` envelope, `{"operation", "payload", "tableName"?}`, parsed
 * into a typed command. Each operation passes on only the DynamoDB parameters listed for it, so a
 * request can neither name another table nor switch on parameters the API does not offer.
 */
import * as v from "valibot";
import { toAttrMap, toAttrValue, type AttrMap, type AttrValue } from "./attributes";
import { badRequest } from "./http";
import { stringifyJson } from "./json";
import { versionOf } from "./items";
import { Num, isJsonObject, type Json, type JsonObject } from "../../contract/json";
import {
  ALLOWED_PARAMETERS,
  KEY,
  VERSION,
  PAYLOAD_SCHEMAS,
  TUTORIAL_OPERATIONS,
  anyJson,
} from "../../contract/inputs";
import type { DeleteParams, GetParams, PutParams, ScanParams, UpdateParams } from "./store";

export type ManagerCommand =
  | {
      kind: "manager.create";
      params: PutParams;
      /** `version` in the Item: write only over the item at that version (as If-Match does). */
      expectedVersion?: number;
    }
  | { kind: "manager.read"; params: GetParams }
  | { kind: "manager.update"; params: UpdateParams }
  | { kind: "manager.delete"; params: DeleteParams }
  | { kind: "manager.list"; params: ScanParams }
  | { kind: "manager.echo"; payload: Json }
  | { kind: "manager.ping" };

export const Envelope = v.strictObject(
  {
    operation: v.string("operation must be a string"),
    payload: v.optional(anyJson),
    tableName: v.optional(v.string("tableName must be a string")),
  },
  (issue) =>
    `unknown field ${issue.received} in the request: send {"operation": ..., "payload": {...}} (and optionally "tableName")`,
);

/** Runs a valibot schema and turns its first issue into a 400 that names the field. */
function parseWith<S extends v.GenericSchema>(schema: S, input: unknown, where: string) {
  const result = v.safeParse(schema, input, { abortEarly: true });
  if (result.success) return result.output as v.InferOutput<S>;
  const issue = result.issues[0];
  const path = v.getDotPath(issue);
  throw badRequest("ValidationError", `${path ? `${where}.${path}` : where} ${issue.message}`);
}

function values(map: JsonObject | undefined, path: string): AttrMap | undefined {
  return map === undefined ? undefined : toAttrMap(map, path);
}

/** The condition and return parameters that create, update and delete accept alike. */
function conditionParams<R extends string>(p: {
  ConditionExpression?: string;
  ExpressionAttributeNames?: Record<string, string>;
  ExpressionAttributeValues?: JsonObject;
  ReturnValues?: R;
}) {
  return {
    ConditionExpression: p.ConditionExpression,
    ExpressionAttributeNames: p.ExpressionAttributeNames,
    ExpressionAttributeValues: values(
      p.ExpressionAttributeValues,
      "payload.ExpressionAttributeValues",
    ),
    ReturnValues: p.ReturnValues,
  };
}

function checkParameters(operation: string, payload: JsonObject): void {
  // Own keys only: "constructor" or "toString" is no operation, whatever objects inherit.
  const allowed = Object.hasOwn(ALLOWED_PARAMETERS, operation)
    ? ALLOWED_PARAMETERS[operation]!
    : [];
  for (const key of Object.keys(payload)) {
    if (allowed.includes(key)) continue;
    if (key === "TableName") {
      throw badRequest(
        "ParameterNotAllowed",
        'payload.TableName is not accepted: the function always uses its configured table (you may send "tableName" beside "operation" to assert which one)',
      );
    }
    throw badRequest(
      "ParameterNotAllowed",
      `payload.${key} is not accepted for ${operation}; allowed: ${allowed.join(", ")}`,
    );
  }
}

// --- `version` across both APIs -------------------------------------------------------------------
// The REST API's If-Match compares `version`, so every tutorial write that changes an item keeps it
// right in the same DynamoDB request: update ADDs one to it, create writes one more than the stored
// item's (service.ts reads it first), and no tutorial expression may name it.

/** Placeholders the function adds to a tutorial write's expressions; a request may not use them. */
export const LOCK = {
  name: "#lockVersion",
  id: "#lockId",
  one: ":lockVersionOne",
  was: ":lockVersionWas",
};

/** `version` as a top-level name in an expression: not a placeholder, a nested name or a longer word. */
const BARE_VERSION = new RegExp(`(?<![#:.\\w])${VERSION}(?!\\w)`);
/** The ADD clause keyword (reserved, so never an attribute name), not inside a placeholder. */
const ADD_CLAUSE = /(?<![#:.\w])ADD(?!\w)/i;

function reservedVersion(where: string): never {
  throw badRequest(
    "InvalidVersion",
    `${where} names ${VERSION}, which the API keeps for optimistic locking (it is the REST API's ETag): ` +
      `every tutorial write already updates it, so leave it out`,
  );
}

/** Refuses a write that would set, remove or test `version` itself, or reuse our placeholders. */
function checkVersionUntouched(p: {
  ConditionExpression?: string;
  UpdateExpression?: string;
  ExpressionAttributeNames?: Record<string, string>;
  ExpressionAttributeValues?: AttrMap;
}): void {
  for (const [placeholder, name] of Object.entries(p.ExpressionAttributeNames ?? {})) {
    if (name === VERSION) reservedVersion(`payload.ExpressionAttributeNames.${placeholder}`);
  }
  if (p.UpdateExpression && BARE_VERSION.test(p.UpdateExpression)) {
    reservedVersion("payload.UpdateExpression");
  }
  if (p.ConditionExpression && BARE_VERSION.test(p.ConditionExpression)) {
    reservedVersion("payload.ConditionExpression");
  }
  const ours = Object.values(LOCK);
  const used = [
    ...Object.keys(p.ExpressionAttributeNames ?? {}),
    ...Object.keys(p.ExpressionAttributeValues ?? {}),
  ].filter((k) => ours.includes(k));
  if (used.length) {
    throw badRequest(
      "ValidationError",
      `payload uses ${used.join(", ")}, a placeholder the API adds itself: rename it`,
    );
  }
}

/** The update with `version` raised by one in the same UpdateItem (1 on an item without one). */
function withVersionBump(params: UpdateParams): UpdateParams {
  if (params.AttributeUpdates) {
    return {
      ...params,
      AttributeUpdates: {
        ...params.AttributeUpdates,
        [VERSION]: { Action: "ADD", Value: Num.of(1) },
      },
    };
  }
  const expression = params.UpdateExpression;
  if (expression === undefined) return params;
  // One ADD clause per expression: join it, or add one.
  const bump = `${LOCK.name} ${LOCK.one}`;
  return {
    ...params,
    UpdateExpression: ADD_CLAUSE.test(expression)
      ? expression.replace(ADD_CLAUSE, (add) => `${add} ${bump},`)
      : `${expression} ADD ${bump}`,
    ExpressionAttributeNames: { ...params.ExpressionAttributeNames, [LOCK.name]: VERSION },
    ExpressionAttributeValues: { ...params.ExpressionAttributeValues, [LOCK.one]: Num.of(1) },
  };
}

/**
 * A tutorial create as the PutItem that keeps `version` right: one more than the stored item's
 * (`current`, read just before), written only while the item is still as read, besides the
 * request's own condition.
 */
export function versionedCreate(params: PutParams, current: AttrMap | undefined): PutParams {
  const stored: AttrValue | undefined = current?.[VERSION];
  const ours = !current
    ? `attribute_not_exists(${LOCK.id})`
    : stored === undefined
      ? `attribute_exists(${LOCK.id}) AND attribute_not_exists(${LOCK.name})`
      : `${LOCK.name} = ${LOCK.was}`;
  const names: Record<string, string> = { ...params.ExpressionAttributeNames };
  if (ours.includes(LOCK.id)) names[LOCK.id] = KEY;
  if (ours.includes(LOCK.name)) names[LOCK.name] = VERSION;
  const values: AttrMap = { ...params.ExpressionAttributeValues };
  if (stored !== undefined) values[LOCK.was] = stored;
  return {
    ...params,
    Item: { ...params.Item, [VERSION]: Num.of((current ? versionOf(current) : 0) + 1) },
    ConditionExpression: params.ConditionExpression
      ? `(${params.ConditionExpression}) AND (${ours})`
      : ours,
    ExpressionAttributeNames: names,
    ExpressionAttributeValues: Object.keys(values).length ? values : undefined,
    ReturnValuesOnConditionCheckFailure: "ALL_OLD",
  };
}

/**
 * After a versioned create's condition failed, with the item as it was then: whether the item is
 * still as read (so the request's own condition failed) or changed since (so read and try again).
 */
export function stillAsRead(current: AttrMap | undefined, found: AttrMap | undefined): boolean {
  if (!current || !found) return !current && !found;
  const [a, b] = [current[VERSION], found[VERSION]];
  if (a instanceof Num && b instanceof Num) return a.text === b.text;
  // Anything else in `version` (written before this rule) compares as its JSON.
  return a === b || (a !== undefined && b !== undefined && stringifyJson(a) === stringifyJson(b));
}

export function parseManagerRequest(body: Json, tableName: string): ManagerCommand {
  if (!isJsonObject(body)) {
    throw badRequest(
      "InvalidBody",
      'the body must be a JSON object: {"operation": ..., "payload": {...}}',
    );
  }
  const envelope = parseWith(Envelope, body, "body");
  if (envelope.tableName !== undefined && envelope.tableName !== tableName) {
    throw badRequest(
      "TableNotAllowed",
      `tableName "${envelope.tableName}" is not this API's table: omit it or send "${tableName}"`,
    );
  }
  const op = envelope.operation;
  if (op === "echo") return { kind: "manager.echo", payload: envelope.payload ?? null };
  if (op === "ping") return { kind: "manager.ping" };
  if (!Object.hasOwn(PAYLOAD_SCHEMAS, op)) {
    throw badRequest(
      "UnknownOperation",
      `unknown operation ${JSON.stringify(op)}: use one of ${TUTORIAL_OPERATIONS.join(", ")}`,
    );
  }
  const raw = envelope.payload ?? (op === "list" ? {} : undefined);
  if (!isJsonObject(raw)) {
    throw badRequest("ValidationError", `payload must be a JSON object for ${op}`);
  }
  checkParameters(op, raw);
  switch (op) {
    case "create": {
      const p = parseWith(PAYLOAD_SCHEMAS.create, raw, "payload");
      // A read item written back: its version says which one it replaces, as REST PUT's does.
      const { [VERSION]: given, ...item } = p.Item;
      let expectedVersion: number | undefined;
      if (given !== undefined) {
        if (!(given instanceof Num) || !/^(0|[1-9]\d{0,14})$/.test(given.text)) {
          throw badRequest(
            "InvalidVersion",
            `payload.Item.${VERSION} must be the non-negative integer the item was read with (or left out)`,
          );
        }
        expectedVersion = Number(given.text);
      }
      const params = { Item: toAttrMap(item, "payload.Item"), ...conditionParams(p) };
      checkVersionUntouched(params);
      return {
        kind: "manager.create",
        params,
        ...(expectedVersion === undefined ? {} : { expectedVersion }),
      };
    }
    case "read": {
      const p = parseWith(PAYLOAD_SCHEMAS.read, raw, "payload");
      return { kind: "manager.read", params: { Key: toAttrMap(p.Key, "payload.Key") } };
    }
    case "update": {
      const p = parseWith(PAYLOAD_SCHEMAS.update, raw, "payload");
      const updates = p.AttributeUpdates
        ? Object.fromEntries(
            Object.entries(p.AttributeUpdates).map(([name, u]) => [
              name,
              {
                Action: u.Action,
                Value:
                  u.Value === undefined
                    ? undefined
                    : toAttrValue(u.Value, `payload.AttributeUpdates.${name}.Value`),
              },
            ]),
          )
        : undefined;
      if (updates && Object.hasOwn(updates, VERSION)) reservedVersion("payload.AttributeUpdates");
      const params = {
        Key: toAttrMap(p.Key, "payload.Key"),
        UpdateExpression: p.UpdateExpression,
        AttributeUpdates: updates,
        ...conditionParams(p),
      };
      checkVersionUntouched(params);
      return { kind: "manager.update", params: withVersionBump(params) };
    }
    case "delete": {
      const p = parseWith(PAYLOAD_SCHEMAS.delete, raw, "payload");
      const params = { Key: toAttrMap(p.Key, "payload.Key"), ...conditionParams(p) };
      checkVersionUntouched(params);
      return { kind: "manager.delete", params };
    }
    default: {
      const p = parseWith(PAYLOAD_SCHEMAS.list, raw, "payload");
      return {
        kind: "manager.list",
        params: {
          Limit: p.Limit,
          ExclusiveStartKey: values(p.ExclusiveStartKey, "payload.ExclusiveStartKey"),
        },
      };
    }
  }
}
