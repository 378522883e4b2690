/**
 * DynamoDB attribute values as the core sees them, and the JSON convention for the types JSON
 * lacks. In request and response bodies:
 *
 * - a number is a JSON number, kept exact (`Num`); DynamoDB's limits apply: at most 38 significant
 *   digits, magnitude between 1E-130 and below 1E+126 (or zero);
 * - binary is `{"$B": "<base64>"}`;
 * - sets are `{"$SS": ["a", "b"]}`, `{"$NS": [1, 2.5]}`, `{"$BS": ["<base64>", ...]}`: non-empty,
 *   without duplicates;
 * - a map is a JSON object, unless one of its keys is a tag (`$B`, `$SS`, `$NS`, `$BS`, `$M`):
 *   then it is written `{"$M": {...}}`, its keys inside taken literally. So every map a tutorial
 *   expression can build (`SET m.#t = :v` with `#t` = `$SS`) reads back as the same map, and a GET
 *   body sent back as a PUT stores the same types.
 *
 * Reading, an object with a tag key must have no other key (a typo such as `{"$SS": [...], "x": 1}`
 * is refused rather than stored as a map); an item's top-level attributes are names, never tags.
 */
import { Buffer } from "node:buffer";
import { ApiError } from "./http";
import { Num, isJsonObject, type Json } from "../../contract/json";
import { DYNAMODB_NUMBER_DIGITS } from "../../contract/limits";

export class Binary {
  constructor(readonly bytes: Uint8Array) {}
  toJSON(): Json {
    return { $B: toBase64(this.bytes) };
  }
}

export class StringSet {
  constructor(readonly values: readonly string[]) {}
  toJSON(): Json {
    return { $SS: [...this.values] };
  }
}

export class NumberSet {
  constructor(readonly values: readonly Num[]) {}
  toJSON(): Json {
    return { $NS: [...this.values] };
  }
}

export class BinarySet {
  constructor(readonly values: readonly Uint8Array[]) {}
  toJSON(): Json {
    return { $BS: this.values.map(toBase64) };
  }
}

export type AttrValue =
  | null
  | boolean
  | string
  | Num
  | Binary
  | StringSet
  | NumberSet
  | BinarySet
  | AttrValue[]
  | AttrMap;
export interface AttrMap {
  [name: string]: AttrValue;
}

export const TYPE_TAGS = ["$B", "$SS", "$NS", "$BS", "$M"] as const;

const isTag = (key: string) => (TYPE_TAGS as readonly string[]).includes(key);

export class InvalidValue extends ApiError {
  constructor(path: string, problem: string) {
    super(400, "InvalidValue", `${path}: ${problem}`);
  }
}

function toBase64(bytes: Uint8Array): string {
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString("base64");
}

const BASE64 = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/;

function fromBase64(text: Json, path: string): Uint8Array {
  if (typeof text !== "string" || !BASE64.test(text)) {
    throw new InvalidValue(
      path,
      "binary must be a standard base64 string (A-Z a-z 0-9 + /, padded)",
    );
  }
  const bytes = Buffer.from(text, "base64");
  // Non-zero padding bits would not survive a round trip: refuse rather than change the value.
  if (bytes.toString("base64") !== text) {
    throw new InvalidValue(path, "binary is not canonical base64 (non-zero padding bits)");
  }
  return new Uint8Array(bytes.buffer, bytes.byteOffset, bytes.byteLength);
}

/** A decimal as `digits × 10^scale`, digits without leading or trailing zeros ("" for zero). */
export interface Decimal {
  readonly negative: boolean;
  readonly digits: string;
  readonly scale: number;
}

const NUMBER_PARTS = /^(-?)(\d+)(?:\.(\d+))?(?:[eE]([+-]?\d+))?$/;

export function decimalOf(text: string): Decimal | undefined {
  const m = NUMBER_PARTS.exec(text);
  if (!m) return undefined;
  const [, sign = "", int = "", frac = "", exp = "0"] = m;
  const all = int + frac;
  const lead = all.search(/[1-9]/);
  if (lead < 0) return { negative: false, digits: "", scale: 0 };
  const trimmed = all.slice(lead).replace(/0+$/, "");
  const trailing = all.length - lead - trimmed.length;
  // Exponents longer than 9 digits are far outside DynamoDB's range; clamp to stay exact in a double.
  const e = exp.replace(/^[+-]?0*/, "").length > 9 ? (exp.startsWith("-") ? -1e10 : 1e10) : +exp;
  return { negative: sign === "-", digits: trimmed, scale: e - frac.length + trailing };
}

/** One text per numeric value (`1`, `1.0` and `10e-1` agree), for comparisons and set duplicates. */
export function canonicalNumber(text: string): string {
  const d = decimalOf(text);
  if (!d) return text;
  return d.digits === "" ? "0" : `${d.negative ? "-" : ""}${d.digits}e${d.scale}`;
}

export const MAX_SIGNIFICANT_DIGITS = DYNAMODB_NUMBER_DIGITS;

/** Why DynamoDB would refuse (or round) this number, or undefined when it stores it exactly. */
export function numberProblem(text: string): string | undefined {
  const d = decimalOf(text);
  if (!d) return "not a number";
  if (d.digits === "") return undefined;
  if (d.digits.length > MAX_SIGNIFICANT_DIGITS) {
    return `${d.digits.length} significant digits; DynamoDB keeps at most ${MAX_SIGNIFICANT_DIGITS}, send fewer digits (or a string)`;
  }
  const exponent = d.scale + d.digits.length - 1;
  if (exponent > 125) return "magnitude too large; DynamoDB numbers must be below 1E+126";
  if (exponent < -130)
    return "magnitude too small; DynamoDB numbers must be at least 1E-130 (or 0)";
  return undefined;
}

function checkedNumber(value: Json, path: string): Num {
  if (!(value instanceof Num)) throw new InvalidValue(path, "a $NS set holds only numbers");
  const problem = numberProblem(value.text);
  if (problem) throw new InvalidValue(path, problem);
  return value;
}

function nonEmptyArray(value: Json, path: string, tag: string): Json[] {
  if (!Array.isArray(value) || value.length === 0) {
    throw new InvalidValue(path, `${tag} needs a non-empty array (DynamoDB has no empty sets)`);
  }
  return value;
}

function noDuplicates(keys: string[], path: string, tag: string): void {
  if (new Set(keys).size !== keys.length) {
    throw new InvalidValue(path, `${tag} has duplicate members; a set holds each value once`);
  }
}

function taggedValue(tag: string, value: Json, path: string): AttrValue {
  const at = `${path}.${tag}`;
  switch (tag) {
    case "$B":
      return new Binary(fromBase64(value, at));
    case "$SS": {
      const items = nonEmptyArray(value, at, tag).map((v, i) => {
        if (typeof v !== "string")
          throw new InvalidValue(`${at}[${i}]`, "a $SS set holds only strings");
        return v;
      });
      noDuplicates(items, at, tag);
      return new StringSet(items);
    }
    case "$NS": {
      const items = nonEmptyArray(value, at, tag).map((v, i) => checkedNumber(v, `${at}[${i}]`));
      noDuplicates(
        items.map((n) => canonicalNumber(n.text)),
        at,
        tag,
      );
      return new NumberSet(items);
    }
    case "$M":
      // The map's own keys are names here, whatever they look like.
      return toAttrMap(value, at);
    default: {
      const items = nonEmptyArray(value, at, tag).map((v, i) => fromBase64(v, `${at}[${i}]`));
      noDuplicates(items.map(toBase64), at, tag);
      return new BinarySet(items);
    }
  }
}

/** Reads a JSON value as a DynamoDB attribute value, or throws `InvalidValue` naming the path. */
export function toAttrValue(value: Json, path: string): AttrValue {
  if (value instanceof Num) {
    const problem = numberProblem(value.text);
    if (problem) throw new InvalidValue(path, problem);
    return value;
  }
  if (Array.isArray(value)) return value.map((v, i) => toAttrValue(v, `${path}[${i}]`));
  if (isJsonObject(value)) {
    const keys = Object.keys(value);
    const tag = keys.find(isTag);
    if (tag !== undefined) {
      if (keys.length !== 1) {
        throw new InvalidValue(
          path,
          `${tag} marks a typed value and must be the object's only key`,
        );
      }
      return taggedValue(tag, value[tag] ?? null, path);
    }
    return toAttrMap(value, path);
  }
  return value;
}

export function toAttrMap(value: Json, path: string): AttrMap {
  if (!isJsonObject(value)) throw new InvalidValue(path, "expected a JSON object");
  const out: AttrMap = {};
  for (const [k, v] of Object.entries(value)) out[k] = toAttrValue(v, `${path}.${k}`);
  return out;
}

/** A JSON value in this convention, for a stored value: what `toAttrValue` reads back as it. */
export type EncodedValue =
  | null
  | boolean
  | string
  | Num
  | Binary
  | StringSet
  | NumberSet
  | BinarySet
  | EncodedValue[]
  | { [name: string]: EncodedValue };

/** A stored value as JSON: a map holding a tag key wrapped in `$M`, everything else as it is. */
export function encodeValue(value: AttrValue): EncodedValue {
  if (Array.isArray(value)) return value.map(encodeValue);
  if (value === null || typeof value !== "object" || value instanceof Num) return value;
  if (
    value instanceof Binary ||
    value instanceof StringSet ||
    value instanceof NumberSet ||
    value instanceof BinarySet
  ) {
    return value;
  }
  const map = encodeMap(value);
  return Object.keys(value).some(isTag) ? { $M: map } : map;
}

/** An item (or a key) as JSON: its attribute names as they are, its values by `encodeValue`. */
export function encodeMap(item: AttrMap): { [name: string]: EncodedValue } {
  // fromEntries defines own properties: a stored "__proto__" stays a name.
  return Object.fromEntries(
    Object.entries(item).map(([name, value]) => [name, encodeValue(value)]),
  );
}
