import { createHmac } from "node:crypto";
import { expect } from "chai";
import { decodeCursor, encodeCursor } from "./cursor";
import { ApiError } from "./http";
import { Num } from "../../contract/json";

const TABLE = "lambda-apigateway";
const SECRET = "0123456789abcdef0123";

/** A cursor signed the way the API signs (HMAC-SHA256 over "table\npayload"), written out here. */
function signed(payloadJson: string, table = TABLE, secret = SECRET): string {
  const payload = Buffer.from(payloadJson).toString("base64url");
  const mac = createHmac("sha256", secret).update(`${table}\n${payload}`).digest("base64url");
  return `${payload}.${mac}`;
}

function refused(cursor: string): ApiError {
  try {
    decodeCursor(cursor, TABLE, SECRET);
  } catch (err) {
    expect(err).to.be.instanceOf(ApiError);
    return err as ApiError;
  }
  throw new Error(`accepted ${cursor}`);
}

describe("core/cursor", () => {
  it("is the base64url payload and its HMAC-SHA256, and decodes to the key", () => {
    const cursor = encodeCursor({ id: "k", n: new Num("1.50") }, TABLE, SECRET);
    expect(cursor).to.equal(signed('{"t":"lambda-apigateway","k":{"id":"k","n":1.50}}'));
    expect(decodeCursor(cursor, TABLE, SECRET)).to.deep.equal({ id: "k", n: new Num("1.50") });
  });

  it("refuses anything else with 400 InvalidCursor, saying what to send", () => {
    const e = refused("x");
    expect([e.status, e.code, e.message]).to.deep.equal([
      400,
      "InvalidCursor",
      "cursor was not issued by this API for this table: pass nextCursor from the previous page unchanged, or omit it to start from the beginning",
    ]);
    const good = encodeCursor({ id: "k" }, TABLE, SECRET);
    const [payload, mac] = good.split(".");
    for (const bad of [
      ".",
      `${payload}.`,
      `.${mac}`,
      `${good}.x`,
      `${payload}.${mac}x`,
      `${payload}x.${mac}`,
    ]) {
      expect(refused(bad).code, bad).to.equal("InvalidCursor");
    }
  });

  it("checks what it signed anyway: JSON, this table, a key object", () => {
    // Only someone holding the secret could sign these; the decoder still refuses them.
    for (const payload of [
      "not json",
      '{"t":"other-table","k":{"id":"a"}}',
      '{"t":"lambda-apigateway","k":1}',
      '["lambda-apigateway"]',
    ]) {
      expect(refused(signed(payload)).code, payload).to.equal("InvalidCursor");
    }
    expect(
      decodeCursor(signed('{"t":"lambda-apigateway","k":{"id":"a"}}'), TABLE, SECRET),
    ).to.deep.equal({ id: "a" });
  });

  it("refuses a key whose values DynamoDB would not take, naming where", () => {
    let err: unknown;
    try {
      decodeCursor(signed('{"t":"lambda-apigateway","k":{"id":{"$SS":[]}}}'), TABLE, SECRET);
    } catch (e) {
      err = e;
    }
    expect((err as ApiError).code).to.equal("InvalidValue");
    expect((err as ApiError).message).to.match(/^cursor\.id\.\$SS: /);
  });
});
