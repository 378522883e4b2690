/**
 * DynamoDB's rules for attribute values, for the in-memory store: how it stores numbers (exact,
 * normalised), when two values are equal or ordered, how big an item is, and the errors it answers
 * with. Test support only; the function never loads it.
 */
import {
  Binary,
  BinarySet,
  NumberSet,
  StringSet,
  decimalOf,
  numberProblem,
  type AttrMap,
  type AttrValue,
} from "../../handlers/core/attributes";
import { Num } from "../../contract/json";
import { DYNAMODB_ITEM_BYTES } from "../../contract/limits";

/** An error as the SDK throws DynamoDB's 400 ValidationException. */
export function validationError(message: string): Error {
  return Object.assign(new Error(message), {
    name: "ValidationException",
    $metadata: { httpStatusCode: 400 },
  });
}

export type TypeName = "S" | "N" | "B" | "BOOL" | "NULL" | "SS" | "NS" | "BS" | "L" | "M";
export type SetType = "SS" | "NS" | "BS";
export const TYPE_NAMES: readonly TypeName[] = [
  "S",
  "N",
  "B",
  "BOOL",
  "NULL",
  "SS",
  "NS",
  "BS",
  "L",
  "M",
];

export function typeOf(value: AttrValue): TypeName {
  if (value === null) return "NULL";
  if (typeof value === "string") return "S";
  if (typeof value === "boolean") return "BOOL";
  if (value instanceof Num) return "N";
  if (value instanceof Binary) return "B";
  if (value instanceof StringSet) return "SS";
  if (value instanceof NumberSet) return "NS";
  if (value instanceof BinarySet) return "BS";
  if (Array.isArray(value)) return "L";
  return "M";
}

/** A number as `mantissa × 10^scale`, exact. */
interface Exact {
  mantissa: bigint;
  scale: number;
}

function exact(text: string): Exact {
  const d = decimalOf(text);
  if (!d) throw validationError(`The parameter cannot be converted to a numeric value: ${text}`);
  if (d.digits === "") return { mantissa: 0n, scale: 0 };
  const m = BigInt(d.digits);
  return { mantissa: d.negative ? -m : m, scale: d.scale };
}

/** The text DynamoDB returns for a number: plain decimal, no exponent, no redundant zeros. */
function plainText({ mantissa, scale }: Exact): string {
  if (mantissa === 0n) return "0";
  const negative = mantissa < 0n;
  let digits = (negative ? -mantissa : mantissa).toString();
  let s = scale;
  while (digits.length > 1 && digits.endsWith("0")) {
    digits = digits.slice(0, -1);
    s++;
  }
  let text: string;
  if (s >= 0) text = digits + "0".repeat(s);
  else if (-s < digits.length) text = `${digits.slice(0, digits.length + s)}.${digits.slice(s)}`;
  else text = `0.${"0".repeat(-s - digits.length)}${digits}`;
  return negative ? `-${text}` : text;
}

/** A number as DynamoDB keeps it; refuses what it cannot store exactly. */
export function normalNumber(text: string): Num {
  const problem = numberProblem(text);
  if (problem) throw validationError(`Number is not valid: ${problem}`);
  return new Num(plainText(exact(text)));
}

export function compareNumbers(a: Num, b: Num): number {
  const x = exact(a.text);
  const y = exact(b.text);
  const scale = Math.min(x.scale, y.scale);
  const left = x.mantissa * 10n ** BigInt(x.scale - scale);
  const right = y.mantissa * 10n ** BigInt(y.scale - scale);
  return left === right ? 0 : left < right ? -1 : 1;
}

/** `a + b` or `a - b`, exact, refused beyond DynamoDB's 38 digits and range. */
export function arithmetic(op: "+" | "-", a: Num, b: Num): Num {
  const x = exact(a.text);
  const y = exact(b.text);
  const scale = Math.min(x.scale, y.scale);
  const left = x.mantissa * 10n ** BigInt(x.scale - scale);
  const right = y.mantissa * 10n ** BigInt(y.scale - scale);
  const text = plainText({ mantissa: op === "+" ? left + right : left - right, scale });
  if (numberProblem(text)) {
    throw validationError(
      "Number overflow. Attempting to store a number with magnitude larger than supported range",
    );
  }
  return new Num(text);
}

function compareBytes(a: Uint8Array, b: Uint8Array): number {
  return Buffer.compare(Buffer.from(a), Buffer.from(b));
}

const utf8 = (s: string) => Buffer.from(s, "utf8");

/** DynamoDB's order for `<`, `<=`, `>`, `>=`, BETWEEN; undefined where the types cannot be ordered. */
export function compareValues(a: AttrValue, b: AttrValue): number | undefined {
  if (typeof a === "string" && typeof b === "string") return Buffer.compare(utf8(a), utf8(b));
  if (a instanceof Num && b instanceof Num) return compareNumbers(a, b);
  if (a instanceof Binary && b instanceof Binary) return compareBytes(a.bytes, b.bytes);
  return undefined;
}

/** Equality as `=` sees it: same type and value; sets ignore order. */
export function equalValues(a: AttrValue, b: AttrValue): boolean {
  const type = typeOf(a);
  if (type !== typeOf(b)) return false;
  switch (type) {
    case "N":
      return compareNumbers(a as Num, b as Num) === 0;
    case "B":
      return compareBytes((a as Binary).bytes, (b as Binary).bytes) === 0;
    case "SS":
    case "NS":
    case "BS": {
      const x = setMembers(a)!;
      const y = setMembers(b)!;
      return x.length === y.length && x.every((m) => y.some((n) => equalValues(m, n)));
    }
    case "L": {
      const x = a as AttrValue[];
      const y = b as AttrValue[];
      return x.length === y.length && x.every((v, i) => equalValues(v, y[i]!));
    }
    case "M": {
      const x = a as AttrMap;
      const y = b as AttrMap;
      const keys = Object.keys(x);
      return (
        keys.length === Object.keys(y).length &&
        keys.every((k) => Object.hasOwn(y, k) && equalValues(x[k]!, y[k]!))
      );
    }
    default:
      return a === b;
  }
}

/** A set's members as scalar values (Num, string or Binary), or undefined for a non-set. */
export function setMembers(value: AttrValue): AttrValue[] | undefined {
  if (value instanceof StringSet) return [...value.values];
  if (value instanceof NumberSet) return [...value.values];
  if (value instanceof BinarySet) return value.values.map((b) => new Binary(b));
  return undefined;
}

/** A set of `type` from scalar members. */
export function makeSet(type: SetType, members: AttrValue[]): AttrValue {
  if (type === "SS") return new StringSet(members as string[]);
  if (type === "NS") return new NumberSet(members as Num[]);
  return new BinarySet((members as Binary[]).map((b) => b.bytes));
}

/** A deep copy with numbers normalised, as DynamoDB stores and returns it; refuses what it would. */
export function storedValue(value: AttrValue): AttrValue {
  if (value === null || typeof value !== "object") return value;
  if (value instanceof Num) return normalNumber(value.text);
  if (value instanceof Binary) return new Binary(new Uint8Array(value.bytes));
  const members = setMembers(value);
  if (members) {
    if (members.length === 0) {
      const kind = { SS: "string", NS: "number", BS: "binary" }[typeOf(value) as SetType];
      throw validationError(
        `One or more parameter values were invalid: An ${kind} set may not be empty`,
      );
    }
    const copy = members.map(storedValue);
    if (copy.some((m, i) => copy.findIndex((n) => equalValues(m, n)) !== i)) {
      throw validationError(
        "One or more parameter values were invalid: Input collection contains duplicates",
      );
    }
    return makeSet(typeOf(value) as SetType, copy);
  }
  if (Array.isArray(value)) return value.map(storedValue);
  return storedMap(value as AttrMap);
}

export function storedMap(map: AttrMap): AttrMap {
  const out: AttrMap = {};
  for (const [k, v] of Object.entries(map)) out[k] = storedValue(v);
  return out;
}

/** DynamoDB's item size limit. */
export const MAX_ITEM_BYTES = DYNAMODB_ITEM_BYTES;

function numberSize(n: Num): number {
  const d = decimalOf(n.text);
  return Math.ceil((d?.digits.length ?? 1) / 2) + 1;
}

/** An attribute value's size as DynamoDB counts it toward the 400 KB limit. */
export function valueSize(value: AttrValue): number {
  if (value === null || typeof value === "boolean") return 1;
  if (typeof value === "string") return utf8(value).length;
  if (value instanceof Num) return numberSize(value);
  if (value instanceof Binary) return value.bytes.length;
  if (value instanceof StringSet) return value.values.reduce((n, s) => n + utf8(s).length, 0);
  if (value instanceof NumberSet) return value.values.reduce((n, v) => n + numberSize(v), 0);
  if (value instanceof BinarySet) return value.values.reduce((n, b) => n + b.length, 0);
  if (Array.isArray(value)) return value.reduce((n: number, v) => n + 1 + valueSize(v), 3);
  return 3 + Object.entries(value).reduce((n, [k, v]) => n + 1 + utf8(k).length + valueSize(v), 0);
}

export function itemSize(item: AttrMap): number {
  return Object.entries(item).reduce((n, [k, v]) => n + utf8(k).length + valueSize(v), 0);
}
