/**
 * fast-check arbitraries for the handler's property tests: valid items in the JSON convention
 * (exact numbers, nested maps, lists, sets, binary), random requests, and a by-value comparison.
 */
import fc from "fast-check";
import { CATCH_ALL_PATH, ROUTES } from "../contract/operations";
import {
  Binary,
  BinarySet,
  NumberSet,
  StringSet,
  TYPE_TAGS,
  canonicalNumber,
  numberProblem,
  type AttrMap,
  type AttrValue,
} from "../handlers/core/attributes";
import { Num, isJsonObject, type Json } from "../contract/json";
import { RESERVED_KEYS, stringifyJson } from "../handlers/core/json";
import { TUTORIAL_OPERATIONS } from "../contract/inputs";

const TABLE = "lambda-apigateway";

/**
 * Every string-named member of Object.prototype and Function.prototype: what a lookup on a plain
 * object (or a function) finds although no one put it there.
 */
export const INHERITED_NAMES: readonly string[] = [
  ...new Set([
    ...Object.getOwnPropertyNames(Object.prototype),
    ...Object.getOwnPropertyNames(Function.prototype),
  ]),
].sort();

/** Numbers DynamoDB stores exactly: ≤ 38 significant digits, within 1E-130..1E+126. */
export const exactNumber: fc.Arbitrary<Num> = fc
  .tuple(
    fc.boolean(),
    fc.stringMatching(/^[1-9][0-9]{0,37}$/),
    fc.integer({ min: 0, max: 40 }),
    fc.constantFrom("int", "point", "exp"),
    fc.integer({ min: -120, max: 80 }),
  )
  .map(([negative, digits, split, form, exponent]) => {
    const sign = negative ? "-" : "";
    if (form === "int") return `${sign}${digits}`;
    if (form === "exp") return `${sign}${digits[0]}.${digits.slice(1) || "0"}e${exponent}`;
    const at = Math.min(split, digits.length);
    return `${sign}${at === 0 ? "0" : digits.slice(0, at)}.${digits.slice(at) || "0"}`;
  })
  .filter((text) => numberProblem(text) === undefined)
  .map((text) => new Num(text));

const anyNumber = fc.oneof(
  exactNumber,
  fc.integer().map((n) => Num.of(n)),
  fc
    .constantFrom(
      "9007199254740993",
      "0",
      "-0",
      "1e-130",
      "0.1",
      "123456789012345678901234567890123456.78",
    )
    .map((t) => new Num(t)),
);

const name = fc
  .string({ minLength: 1, maxLength: 10, unit: "grapheme" })
  .filter((s) => !RESERVED_KEYS.has(s) && !(TYPE_TAGS as readonly string[]).includes(s));

const base64 = fc.uint8Array({ maxLength: 24 }).map((b) => Buffer.from(b).toString("base64"));

const { value: attributeValue } = fc.letrec<{ value: Json }>((tie) => ({
  value: fc.oneof(
    { depthSize: "small", withCrossShrink: true },
    fc.string({ unit: "grapheme", maxLength: 20 }),
    anyNumber,
    fc.boolean(),
    fc.constant(null),
    base64.map((b) => ({ $B: b })),
    fc
      .uniqueArray(fc.string({ unit: "grapheme", maxLength: 8 }), { minLength: 1, maxLength: 5 })
      .map((v) => ({ $SS: v })),
    fc
      .uniqueArray(anyNumber, {
        minLength: 1,
        maxLength: 5,
        selector: (n) => canonicalNumber(n.text),
      })
      .map((v) => ({ $NS: v })),
    fc.uniqueArray(base64, { minLength: 1, maxLength: 4 }).map((v) => ({ $BS: v })),
    fc.array(tie("value"), { maxLength: 4 }),
    fc.dictionary(name, tie("value"), { maxKeys: 4 }),
  ),
}));

export const item = fc.dictionary(name, attributeValue, { minKeys: 1, maxKeys: 6 });

/**
 * Names a stored map can hold besides `name`'s: the type tags themselves, which a tutorial
 * expression can write as map keys (`SET m.#t = :v`, `#t` = `$SS`).
 */
const storedName = fc.oneof(name, fc.constantFrom(...TYPE_TAGS, "$", "$X", "$ss"));

/**
 * Every shape DynamoDB can hold in an item written through either API, as the store returns it:
 * strings, exact numbers, booleans, null, binary, the three sets, lists, and maps with any key a
 * request can name (type tags included). Top-level names leave out the key and `version`, which
 * the REST API manages.
 */
export const storedValue: fc.Arbitrary<AttrValue> = fc.letrec<{ value: AttrValue }>((tie) => ({
  value: fc.oneof(
    { depthSize: "small", withCrossShrink: true },
    fc.string({ unit: "grapheme", maxLength: 20 }),
    anyNumber,
    fc.boolean(),
    fc.constant(null),
    fc.uint8Array({ maxLength: 24 }).map((b) => new Binary(b)),
    fc
      .uniqueArray(fc.string({ unit: "grapheme", maxLength: 8 }), { minLength: 1, maxLength: 5 })
      .map((v) => new StringSet(v)),
    fc
      .uniqueArray(anyNumber, {
        minLength: 1,
        maxLength: 5,
        selector: (n) => canonicalNumber(n.text),
      })
      .map((v) => new NumberSet(v)),
    fc
      .uniqueArray(fc.uint8Array({ maxLength: 12 }), {
        minLength: 1,
        maxLength: 4,
        selector: (b) => Buffer.from(b).toString("base64"),
      })
      .map((v) => new BinarySet(v)),
    fc.array(tie("value"), { maxLength: 4 }),
    // Maps whose only key is a tag are the ones a naive encoding reads back as a typed value.
    fc.oneof(
      fc.dictionary(storedName, tie("value"), { maxKeys: 4 }),
      fc.tuple(fc.constantFrom(...TYPE_TAGS), tie("value")).map(([k, v]) => ({ [k]: v })),
    ),
  ),
})).value;

export const storedItem: fc.Arbitrary<AttrMap> = fc.dictionary(
  storedName.filter((n) => n !== "id" && n !== "version"),
  storedValue,
  { maxKeys: 6 },
);

/** Compares by value: numbers canonical, set members unordered, map keys unordered. */
export function normalise(value: Json): unknown {
  if (value instanceof Num) return `#${canonicalNumber(value.text)}`;
  if (Array.isArray(value)) return value.map(normalise);
  if (isJsonObject(value)) {
    const keys = Object.keys(value);
    const tag = keys.length === 1 ? keys[0] : undefined;
    if (tag === "$SS" || tag === "$NS" || tag === "$BS") {
      return { [tag]: (value[tag] as Json[]).map((v) => String(normalise(v))).sort() };
    }
    return Object.fromEntries(keys.sort().map((k) => [k, normalise(value[k] ?? null)]));
  }
  return value;
}

// Random requests: any route (or none), any method, any content type, any body.
const envelope = fc.record(
  {
    operation: fc.oneof(fc.constantFrom(...TUTORIAL_OPERATIONS, "drop", "Create"), fc.jsonValue()),
    payload: fc.oneof(
      fc.jsonValue(),
      fc.dictionary(
        fc.constantFrom(
          "Item",
          "Key",
          "UpdateExpression",
          "ExpressionAttributeValues",
          "ExpressionAttributeNames",
          "AttributeUpdates",
          "ConditionExpression",
          "ReturnValues",
          "Limit",
          "ExclusiveStartKey",
          "TableName",
        ),
        fc.oneof(
          fc.jsonValue(),
          item.map((i) => JSON.parse(stringifyJson(i)) as unknown),
        ),
      ),
    ),
    tableName: fc.oneof(fc.constant(TABLE), fc.string()),
  },
  { requiredKeys: [] },
);
// Well-formed tutorial requests with random contents, to reach the DynamoDB-bound commands.
const itemJson = item.map((i) => JSON.parse(stringifyJson(i)) as Record<string, unknown>);
const plausible = fc
  .oneof(
    itemJson.map((Item) => ({ operation: "create", payload: { Item: { ...Item, id: "a" } } })),
    fc.string().map((id) => ({ operation: "read", payload: { Key: { id } } })),
    fc.tuple(fc.string(), itemJson).map(([id, values]) => ({
      operation: "update",
      payload: {
        Key: { id },
        UpdateExpression: "SET #a = :a",
        ExpressionAttributeNames: { "#a": "a" },
        ExpressionAttributeValues: { ":a": values },
      },
    })),
    fc.string().map((id) => ({ operation: "delete", payload: { Key: { id } } })),
    fc.integer({ min: -2, max: 200 }).map((Limit) => ({ operation: "list", payload: { Limit } })),
  )
  .map((e) => JSON.stringify(e));
const bodyText = fc.oneof(
  plausible,
  plausible,
  fc.string({ unit: "binary", maxLength: 200 }),
  fc.json(),
  envelope.map((e) => JSON.stringify(e)),
  item.map((i) => stringifyJson(i)),
  fc
    .tuple(
      envelope.map((e) => JSON.stringify(e)),
      fc.nat(),
      fc.string({ maxLength: 3 }),
    )
    .map(([text, at, junk]) => text.slice(0, at % (text.length + 1)) + junk),
  fc.nat({ max: 70 }).map((depth) => "[".repeat(depth) + "]".repeat(depth)),
);
// Mostly routes with a method they serve, so most requests get past routing to the parsers.
const routed = fc.oneof(
  {
    weight: 6,
    arbitrary: fc.constantFrom(
      ...ROUTES.flatMap((r) => r.methods.map((m) => [r.path, m] as const)),
    ),
  },
  {
    weight: 1,
    arbitrary: fc.tuple(
      fc.constantFrom(...ROUTES.map((r) => r.path), CATCH_ALL_PATH, "/other"),
      fc.constantFrom("GET", "POST", "PUT", "PATCH", "DELETE", "OPTIONS", "HEAD", "get"),
    ),
  },
);
export const request = fc.record({
  routed,
  id: fc.oneof(
    { weight: 6, arbitrary: fc.string({ minLength: 1, maxLength: 30 }) },
    { weight: 1, arbitrary: fc.string({ maxLength: 30 }) },
    { weight: 1, arbitrary: fc.string({ minLength: 2040, maxLength: 2100 }) },
  ),
  contentType: fc.option(
    fc.constantFrom(
      ...Array<string>(12).fill("application/json"),
      "application/json; charset=utf-8",
      "text/plain",
      "application/merge-patch+json",
      "application/xml",
      "application/json; charset=latin1",
      ";",
      "",
    ),
    { freq: 8 },
  ),
  ifMatch: fc.option(fc.oneof(fc.constantFrom("*", '"1"', 'W/"1"', '"1", "2"'), fc.string())),
  query: fc.dictionary(
    fc.constantFrom("limit", "cursor", "x"),
    fc.array(fc.string({ maxLength: 12 }), { minLength: 1, maxLength: 2 }),
  ),
  body: fc.option(bodyText),
});
