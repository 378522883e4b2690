/**
 * Opaque list cursors: the scan position, bound to the table and signed with HMAC-SHA256, so a
 * client can neither forge a position nor replay a cursor from another table or deployment.
 */
import { createHmac, timingSafeEqual } from "node:crypto";
import { toAttrMap, type AttrMap } from "./attributes";
import { ApiError } from "./http";
import { isJsonObject, type Json } from "../../contract/json";
import { parseJson, stringifyJson } from "./json";

const invalid = () =>
  new ApiError(
    400,
    "InvalidCursor",
    "cursor was not issued by this API for this table: pass nextCursor from the previous page unchanged, or omit it to start from the beginning",
  );

function mac(secret: string, table: string, payload: string): Buffer {
  return createHmac("sha256", secret).update(`${table}\n${payload}`).digest();
}

export function encodeCursor(lastKey: AttrMap, table: string, secret: string): string {
  const payload = Buffer.from(stringifyJson({ t: table, k: lastKey })).toString("base64url");
  return `${payload}.${mac(secret, table, payload).toString("base64url")}`;
}

export function decodeCursor(cursor: string, table: string, secret: string): AttrMap {
  const [payload, signature, extra] = cursor.split(".");
  if (!payload || !signature || extra !== undefined) throw invalid();
  const given = Buffer.from(signature, "base64url");
  const expected = mac(secret, table, payload);
  if (given.length !== expected.length || !timingSafeEqual(given, expected)) throw invalid();
  let body: Json;
  try {
    body = parseJson(Buffer.from(payload, "base64url").toString("utf8"));
  } catch {
    throw invalid();
  }
  // Signed by us, so well-formed unless the secret leaked; checked anyway.
  if (!isJsonObject(body) || body.t !== table || !isJsonObject(body.k)) throw invalid();
  return toAttrMap(body.k, "cursor");
}
