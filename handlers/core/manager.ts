/**
 * The tutorial's `POST /DynamoDBManager` envelope, `{"operation", "payload", "tableName"?}`, parsed
 * into a typed command. Each operation passes on only the DynamoDB parameters listed for it, so a
 * request can neither name another table nor switch on parameters the API does not offer.
 */
import * as v from "valibot";
import { toAttrMap, toAttrValue, type AttrMap } from "./attributes";
import { badRequest } from "./http";
import { isJsonObject, type Json, type JsonObject } from "../../contract/json";
import {
  ALLOWED_PARAMETERS,
  PAYLOAD_SCHEMAS,
  TUTORIAL_OPERATIONS,
  anyJson,
} from "../../contract/inputs";
import type { DeleteParams, GetParams, PutParams, ScanParams, UpdateParams } from "./store";

export type ManagerCommand =
  | { kind: "manager.create"; params: PutParams }
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
      return {
        kind: "manager.create",
        params: {
          Item: toAttrMap(p.Item, "payload.Item"),
          ...conditionParams(p),
        },
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
      return {
        kind: "manager.update",
        params: {
          Key: toAttrMap(p.Key, "payload.Key"),
          UpdateExpression: p.UpdateExpression,
          AttributeUpdates: updates,
          ...conditionParams(p),
        },
      };
    }
    case "delete": {
      const p = parseWith(PAYLOAD_SCHEMAS.delete, raw, "payload");
      return {
        kind: "manager.delete",
        params: {
          Key: toAttrMap(p.Key, "payload.Key"),
          ...conditionParams(p),
        },
      };
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
