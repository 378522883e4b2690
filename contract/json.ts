/**
 * The JSON values the API takes and gives, as the runtime holds them: numbers stay exact as their
 * source text (`Num`), since DynamoDB stores up to 38 significant digits and a double keeps 17.
 * The shapes (`shapes.ts`) describe these values; the function's parser (handlers/core/json.ts)
 * produces them.
 */

/** A JSON number, kept as its exact source text. */
export class Num {
  constructor(readonly text: string) {}

  static of(value: number): Num {
    return new Num(String(value));
  }

  /** The value as a JS number, for small counters such as `version`; exact up to 2^53. */
  toNumber(): number {
    return Number(this.text);
  }

  toJSON(): string {
    return this.text;
  }
}

export type Json = null | boolean | string | Num | Json[] | JsonObject;
export interface JsonObject {
  [key: string]: Json;
}

/** A plain object (not an array, a Num or a class instance), as the parser builds them. */
export function isJsonObject(value: unknown): value is JsonObject {
  return (
    typeof value === "object" &&
    value !== null &&
    !Array.isArray(value) &&
    Object.getPrototypeOf(value) === Object.prototype
  );
}
