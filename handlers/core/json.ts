/**
 * The function's JSON parser and serialiser, which keep numbers exact (as a `Num`, contract/json.ts).
 *
 * Node 22, which the function runs on, gives a `JSON.parse` reviver each primitive's source text
 * (`context.source`), so exact numbers alone would no longer need a parser of our own. This one
 * stays for what `JSON.parse` cannot see: a duplicate key silently replaces the earlier value
 * before any reviver runs, so `{"id":"a","id":"b"}` cannot be told from `{"id":"b"}`, and the
 * parser must refuse it rather than guess. It also refuses, with the position, what would be
 * ambiguous or unsafe further on: prototype-polluting keys, lone surrogates (DynamoDB needs valid
 * UTF-8), and nesting deeper than the later, recursive steps should walk.
 */
import { Num, type Json, type JsonObject } from "../../contract/json";

/** Keys that would reach an object's prototype (or confuse the SDK's marshaller) downstream. */
export const RESERVED_KEYS: ReadonlySet<string> = new Set([
  "__proto__",
  "constructor",
  "prototype",
]);

/** Deep enough for DynamoDB's 32 nesting levels plus the request envelope; shallow enough for the stack. */
export const MAX_DEPTH = 64;

export class JsonSyntaxError extends Error {
  constructor(
    message: string,
    readonly position: number,
  ) {
    super(`${message} at position ${position}`);
    this.name = "JsonSyntaxError";
  }
}

const NUMBER = /-?(?:0|[1-9]\d*)(?:\.\d+)?(?:[eE][+-]?\d+)?/y;
// A lone surrogate cannot be encoded as UTF-8, which DynamoDB requires of every string.
const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;
const ESCAPES: ReadonlyMap<string, string> = new Map([
  ['"', '"'],
  ["\\", "\\"],
  ["/", "/"],
  ["b", "\b"],
  ["f", "\f"],
  ["n", "\n"],
  ["r", "\r"],
  ["t", "\t"],
]);

/** Parses RFC 8259 JSON; throws `JsonSyntaxError` saying what is wrong and where. */
export function parseJson(text: string): Json {
  let pos = 0;

  const fail = (message: string): never => {
    throw new JsonSyntaxError(message, pos);
  };
  const skipWhitespace = () => {
    for (;;) {
      const c = text.charCodeAt(pos);
      if (c === 0x20 || c === 0x0a || c === 0x0d || c === 0x09) pos++;
      else return;
    }
  };
  const describe = () => (pos >= text.length ? "end of input" : JSON.stringify(text[pos]));

  const parseString = (): string => {
    // Opening quote already checked by the caller.
    pos++;
    let out = "";
    let chunkStart = pos;
    for (;;) {
      if (pos >= text.length) fail("Unterminated string");
      const c = text.charCodeAt(pos);
      if (c === 0x22) break;
      if (c < 0x20) fail("Unescaped control character in string");
      if (c === 0x5c) {
        out += text.slice(chunkStart, pos);
        const e = text[pos + 1];
        if (e === "u") {
          const hex = text.slice(pos + 2, pos + 6);
          if (!/^[0-9a-fA-F]{4}$/.test(hex)) fail("Invalid \\u escape");
          out += String.fromCharCode(parseInt(hex, 16));
          pos += 6;
        } else if (e !== undefined && ESCAPES.has(e)) {
          out += ESCAPES.get(e);
          pos += 2;
        } else {
          fail("Invalid escape in string");
        }
        chunkStart = pos;
        continue;
      }
      pos++;
    }
    out += text.slice(chunkStart, pos);
    pos++;
    if (LONE_SURROGATE.test(out)) fail("String contains a lone UTF-16 surrogate");
    return out;
  };

  const parseValue = (depth: number): Json => {
    skipWhitespace();
    const c = text[pos];
    if (c === "{" || c === "[") {
      if (depth >= MAX_DEPTH) fail(`Nesting deeper than ${MAX_DEPTH} levels`);
      return c === "{" ? parseObject(depth + 1) : parseArray(depth + 1);
    }
    if (c === '"') return parseString();
    if (c === "-" || (c !== undefined && c >= "0" && c <= "9")) {
      NUMBER.lastIndex = pos;
      const m = NUMBER.exec(text);
      if (!m) return fail("Invalid number");
      pos += m[0].length;
      return new Num(m[0]);
    }
    for (const [word, value] of [
      ["true", true],
      ["false", false],
      ["null", null],
    ] as const) {
      if (text.startsWith(word, pos)) {
        pos += word.length;
        return value;
      }
    }
    return fail(`Unexpected ${describe()}`);
  };

  const parseArray = (depth: number): Json[] => {
    pos++;
    const out: Json[] = [];
    skipWhitespace();
    if (text[pos] === "]") {
      pos++;
      return out;
    }
    for (;;) {
      out.push(parseValue(depth));
      skipWhitespace();
      const c = text[pos++];
      if (c === "]") return out;
      if (c !== ",") {
        pos--;
        fail(`Expected "," or "]" but found ${describe()}`);
      }
    }
  };

  const parseObject = (depth: number): JsonObject => {
    pos++;
    const out: JsonObject = {};
    skipWhitespace();
    if (text[pos] === "}") {
      pos++;
      return out;
    }
    for (;;) {
      skipWhitespace();
      if (text[pos] !== '"') fail(`Expected a property name but found ${describe()}`);
      const keyAt = pos;
      const key = parseString();
      if (RESERVED_KEYS.has(key)) {
        pos = keyAt;
        fail(`Key "${key}" is reserved (__proto__, constructor, prototype): rename it`);
      }
      if (Object.prototype.hasOwnProperty.call(out, key)) {
        pos = keyAt;
        fail(`Duplicate key ${JSON.stringify(key)}`);
      }
      skipWhitespace();
      if (text[pos] !== ":") fail(`Expected ":" but found ${describe()}`);
      pos++;
      out[key] = parseValue(depth);
      skipWhitespace();
      const c = text[pos++];
      if (c === "}") return out;
      if (c !== ",") {
        pos--;
        fail(`Expected "," or "}" but found ${describe()}`);
      }
    }
  };

  // A UTF-8 byte order mark is tolerated, as JSON parsers may do (RFC 8259 §8.1).
  if (text.charCodeAt(0) === 0xfeff) pos = 1;
  const value = parseValue(0);
  skipWhitespace();
  if (pos < text.length) fail(`Unexpected ${describe()} after the JSON value`);
  return value;
}

/** Values `stringifyJson` accepts: JSON, plus anything with a `toJSON()` that returns JSON. */
export type Serialisable =
  | Json
  | number
  | { toJSON(): Json }
  | undefined
  | readonly Serialisable[]
  | { readonly [key: string]: Serialisable };

const JSON_NUMBER = /^-?(?:0|[1-9]\d*)(?:\.\d+)?(?:[eE][+-]?\d+)?$/;

/**
 * Serialises like `JSON.stringify`, but writes a `Num` as its exact text. Object properties that
 * are `undefined` are left out.
 */
export function stringifyJson(value: Serialisable): string {
  if (value === null || value === undefined) return "null";
  if (typeof value === "string" || typeof value === "boolean") return JSON.stringify(value);
  if (typeof value === "number") {
    if (!Number.isFinite(value)) throw new TypeError(`Cannot serialise ${value}`);
    return JSON.stringify(value);
  }
  if (value instanceof Num) {
    // The text came from our parser or from DynamoDB; anything else is written as a string.
    return JSON_NUMBER.test(value.text) ? value.text : JSON.stringify(value.text);
  }
  if (Array.isArray(value))
    return `[${value.map((v: Serialisable) => stringifyJson(v)).join(",")}]`;
  if (typeof value === "object") {
    if ("toJSON" in value && typeof value.toJSON === "function") {
      return stringifyJson((value as { toJSON(): Json }).toJSON());
    }
    const parts: string[] = [];
    for (const [k, v] of Object.entries(value as Record<string, Serialisable>)) {
      if (v !== undefined) parts.push(`${JSON.stringify(k)}:${stringifyJson(v)}`);
    }
    return `{${parts.join(",")}}`;
  }
  throw new TypeError(`Cannot serialise a ${typeof value}`);
}
