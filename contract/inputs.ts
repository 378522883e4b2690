/**
 * What the function enforces on its inputs, shared with the document: the item key and version,
 * id and page-size limits, and the tutorial's operations with the payload schemas the parser
 * validates with (handlers/core/manager.ts). shapes.ts builds the document's schemas on these.
 */
import * as v from "valibot";
import { Num, isJsonObject, type Json, type JsonObject } from "./json";
import { PARTITION_KEY } from "./keys";
import { DYNAMODB_PARTITION_KEY_BYTES } from "./limits";

// --- Items ---------------------------------------------------------------------------------------

/** The table's partition key (the tutorial's table: `id`, String). */
export const KEY = PARTITION_KEY.name;
/** Server-managed attribute for optimistic concurrency. */
export const VERSION = "version";
/** An item id is a partition key value: DynamoDB's limit. */
export const MAX_ID_BYTES = DYNAMODB_PARTITION_KEY_BYTES;
/** Page size of `GET /items` without `limit`, and the largest `limit` taken. */
export const DEFAULT_LIMIT = 25;
export const MAX_LIMIT = 100;

// --- The tutorial's operations -------------------------------------------------------------------

/** The tutorial operations of `POST /DynamoDBManager`, in the README's order. */
export const TUTORIAL_OPERATIONS = [
  "create",
  "read",
  "update",
  "delete",
  "list",
  "echo",
  "ping",
] as const;
export type TutorialOperation = (typeof TUTORIAL_OPERATIONS)[number];

/** A JSON object (the parser's `Json`, numbers kept exact); OpenAPI: `{"type": "object"}`. */
export const jsonObject = v.custom<JsonObject>(isJsonObject, "must be a JSON object");
/** Any JSON value; OpenAPI: `{}`. */
export const anyJson = v.custom<Json>(() => true);
const nonEmptyString = v.pipe(v.string("must be a string"), v.nonEmpty("must not be empty"));
const names = v.record(v.string(), v.string("must map placeholders to attribute names (strings)"));
const returnOld = v.picklist(["NONE", "ALL_OLD"], "must be NONE or ALL_OLD");
// The output side (a number after the transform) is what the OpenAPI document describes.
const positiveInt = v.pipe(
  v.instance(Num, "must be a number"),
  v.transform((n) => n.toNumber()),
  v.number(),
  v.integer("must be an integer"),
  v.minValue(1, "must be at least 1"),
  v.maxValue(2_147_483_647, "is too large"),
);

/**
 * The `payload` each DynamoDB-bound operation accepts: the parser validates with these, and the
 * document's `Manager*Request` schemas are these, closed (unknown keys are refused with 400).
 */
export const PAYLOAD_SCHEMAS = {
  create: v.object({
    Item: jsonObject,
    ConditionExpression: v.optional(nonEmptyString),
    ExpressionAttributeNames: v.optional(names),
    ExpressionAttributeValues: v.optional(jsonObject),
    ReturnValues: v.optional(returnOld),
  }),
  read: v.object({ Key: jsonObject }),
  update: v.object({
    Key: jsonObject,
    UpdateExpression: v.optional(nonEmptyString),
    AttributeUpdates: v.optional(
      v.record(
        v.string(),
        v.strictObject(
          {
            Value: v.optional(anyJson),
            Action: v.optional(v.picklist(["PUT", "ADD", "DELETE"], "must be PUT, ADD or DELETE")),
          },
          "AttributeUpdates entries take only Value and Action",
        ),
      ),
    ),
    ConditionExpression: v.optional(nonEmptyString),
    ExpressionAttributeNames: v.optional(names),
    ExpressionAttributeValues: v.optional(jsonObject),
    ReturnValues: v.optional(
      v.picklist(
        ["NONE", "ALL_OLD", "UPDATED_OLD", "ALL_NEW", "UPDATED_NEW"],
        "must be NONE, ALL_OLD, UPDATED_OLD, ALL_NEW or UPDATED_NEW",
      ),
    ),
  }),
  delete: v.object({
    Key: jsonObject,
    ConditionExpression: v.optional(nonEmptyString),
    ExpressionAttributeNames: v.optional(names),
    ExpressionAttributeValues: v.optional(jsonObject),
    ReturnValues: v.optional(returnOld),
  }),
  list: v.object({ Limit: v.optional(positiveInt), ExclusiveStartKey: v.optional(jsonObject) }),
};

/** The DynamoDB parameters each operation accepts in `payload`: its schema's keys. */
export const ALLOWED_PARAMETERS: Readonly<Record<string, readonly string[]>> = Object.fromEntries(
  Object.entries(PAYLOAD_SCHEMAS).map(([operation, schema]) => [
    operation,
    Object.keys(schema.entries),
  ]),
);
