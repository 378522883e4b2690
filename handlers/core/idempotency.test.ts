/**
 * The pure parts of Idempotency-Key: the key's rules agree with the pattern the contract publishes,
 * the fingerprint tells requests apart by method, path and body, and a recorded response replays
 * byte for byte with only the headers that matter.
 */
import { expect } from "chai";
import fc from "fast-check";
import { IDEMPOTENCY_KEY_PATTERN, IDEMPOTENT_REPLAYED_HEADER } from "../../contract/idempotency";
import { ApiError, json } from "./http";
import { checkKey, completedRecord, fingerprint, replay } from "./idempotency";
import { Num } from "../../contract/json";
import { stringifyJson } from "./json";

const accepts = (key: string) => {
  try {
    return checkKey(key) === key;
  } catch (err) {
    expect(err).to.be.instanceOf(ApiError);
    expect((err as ApiError).status).to.equal(400);
    expect((err as ApiError).code).to.equal("InvalidIdempotencyKey");
    return false;
  }
};

describe("core/idempotency", () => {
  it("accepts exactly the keys the published pattern describes", () => {
    const pattern = new RegExp(IDEMPOTENCY_KEY_PATTERN);
    fc.assert(
      fc.property(
        fc.oneof(
          fc.string({ maxLength: 300 }),
          fc.string({ unit: "grapheme", maxLength: 20 }),
          fc.string({ unit: "binary", maxLength: 20 }),
        ),
        (key) => {
          expect(accepts(key), JSON.stringify(key)).to.equal(pattern.test(key));
        },
      ),
      { numRuns: 2000 },
    );
    for (const [key, ok] of [
      ["", false],
      ["a", true],
      ["k".repeat(255), true],
      ["k".repeat(256), false],
      [" spaced ~ key ", true],
      ["tab\t", false],
      ["caf\u00e9", false],
      ["new\nline", false],
    ] as const) {
      expect(accepts(key), JSON.stringify(key)).to.equal(ok);
    }
  });

  it("fingerprints method, path and body, byte for byte", () => {
    const base = { method: "POST", path: "/items", body: '{"a":1}' };
    const prints = new Set(
      [
        base,
        { ...base, method: "PUT" },
        { ...base, path: "/items/1" },
        { ...base, body: '{"a": 1}' },
        { ...base, body: null },
        { ...base, body: "" },
      ].map(fingerprint),
    );
    // An empty body and no body are the same request.
    expect(prints.size).to.equal(5);
    expect(fingerprint({ ...base })).to.equal(fingerprint(base));
  });

  it("replays a recorded response: status, the headers that matter, the exact body", () => {
    for (const size of [10, 50_000]) {
      const body = { id: "x", n: new Num("1.50"), text: "é".repeat(size) };
      const response = json(201, body, {
        etag: '"1"',
        location: "/test/items/x",
        "access-control-allow-origin": "https://a.example",
        "retry-after": "1",
      });
      const record = completedRecord({ key: "k", fingerprint: "f", token: "t" }, response, 99);
      const replayed = replay(record);
      expect(replayed.status).to.equal(201);
      expect(replayed.rawBody).to.equal(stringifyJson(body));
      expect(replayed.headers).to.deep.equal({
        "content-type": "application/json",
        etag: '"1"',
        location: "/test/items/x",
        [IDEMPOTENT_REPLAYED_HEADER.toLowerCase()]: "true",
      });
      expect("bodyDeflated" in record, `deflated at ${size}`).to.equal(size > 10);
    }
    const empty = replay(
      completedRecord({ key: "k", fingerprint: "f", token: "t" }, { status: 204, headers: {} }, 1),
    );
    expect([empty.status, empty.rawBody]).to.deep.equal([204, ""]);
  });
});
