/**
 * Pages that fit Lambda's response limit. A Scan page is at most 1 MB stored, but its JSON can be
 * six times that (a control character is 1 byte stored, `\u0001` in JSON), and API Gateway's proxy
 * integration carries the body as a JSON string inside the function's result, which escapes it
 * again. A page over LAMBDA_SYNC_PAYLOAD_BYTES is a 502 on AWS, so a list ends early instead, with
 * a cursor (or LastEvaluatedKey) at the last item it holds. One item always fits: 400 KB stored
 * is at most about 2.8 MB escaped twice.
 */
import type { AttrMap } from "./attributes";
import { stringifyJson, type Serialisable } from "./json";
import { KEY } from "../../contract/inputs";
import { LAMBDA_SYNC_PAYLOAD_BYTES } from "../../contract/limits";

/**
 * Room left for the rest of the result: status, headers, the page's wrapper and its cursor (a
 * 2 KB id is under 6 KB as a signed cursor, escaped). Generous, since a page cut short costs one
 * more request and a page over the limit costs the answer.
 */
const RESERVED_BYTES = 64 * 1024;

/** What the page's items may take, escaped as in the result. */
export const PAGE_BUDGET_BYTES = LAMBDA_SYNC_PAYLOAD_BYTES - RESERVED_BYTES;

/** Bytes of a value's JSON once it is a string inside the function's result (escaped again). */
export function resultBytes(value: Serialisable): number {
  return Buffer.byteLength(JSON.stringify(stringifyJson(value)), "utf8") - 2;
}

export interface FittedPage {
  items: AttrMap[];
  /** Where the next page starts: the last item kept when the page was cut, else the scan's own. */
  lastKey?: AttrMap;
}

/**
 * The longest prefix of `items` whose JSON (as `encode` writes each item) fits the budget, at least
 * one item. When it cuts the page, the next page starts after the last item it keeps.
 */
export function fitPage(
  items: readonly AttrMap[],
  lastKey: AttrMap | undefined,
  encode: (item: AttrMap) => Serialisable = (item) => item,
  budget = PAGE_BUDGET_BYTES,
): FittedPage {
  let used = 0;
  for (let i = 0; i < items.length; i++) {
    // Each item after the first adds a comma.
    used += resultBytes(encode(items[i]!)) + (i > 0 ? 1 : 0);
    if (used > budget && i > 0) {
      const kept = items.slice(0, i);
      return { items: kept, lastKey: { [KEY]: kept[i - 1]![KEY]! } };
    }
  }
  return { items: [...items], lastKey };
}
