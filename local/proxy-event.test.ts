import { expect } from "chai";
import { buildProxyEvent, INTERNAL_ERROR, isBinaryMediaType, mapProxyResult } from "./proxy-event";

const ctx = {
  apiId: "abc123",
  stage: "v1",
  stageVariables: { flavour: "vanilla" },
  resourceId: "r1",
  resourcePath: "/items/{id}",
  pathParameters: { id: "42" },
  binaryMediaTypes: ["application/octet-stream", "image/*"],
  requestId: "req-1",
};
const request = (over: Partial<Parameters<typeof buildProxyEvent>[0]> = {}) => ({
  httpMethod: "POST",
  path: "/items/42",
  query: "",
  rawHeaders: ["Host", "127.0.0.1:3000", "Content-Type", "application/json"],
  body: Buffer.from('{"a":1}'),
  sourceIp: "127.0.0.1",
  localPort: 3000,
  ...over,
});

describe("local cloud: Lambda proxy event and result mapping", () => {
  it("gives single and multi-value query parameters, decoded, or null when there are none", () => {
    const e = buildProxyEvent(request({ query: "a=1&a=2&b=x%20y&flag" }), ctx);
    expect(e.queryStringParameters).to.deep.equal({ a: "2", b: "x y", flag: "" });
    expect(e.multiValueQueryStringParameters).to.deep.equal({
      a: ["1", "2"],
      b: ["x y"],
      flag: [""],
    });
    const none = buildProxyEvent(request(), ctx);
    expect(none.queryStringParameters).to.equal(null);
    expect(none.multiValueQueryStringParameters).to.equal(null);
  });

  it("keeps the client's header casing and every value of a repeated header", () => {
    const e = buildProxyEvent(
      request({ rawHeaders: ["X-Multi", "1", "X-Multi", "2", "Host", "h"] }),
      ctx,
    );
    expect(e.multiValueHeaders["X-Multi"]).to.deep.equal(["1", "2"]);
    expect(e.headers["X-Multi"]).to.equal("2");
    expect(e.headers["X-Forwarded-For"]).to.equal("127.0.0.1");
  });

  it("base64-encodes bodies of the API's binary media types only", () => {
    const bytes = Buffer.from([0, 255, 254, 1]);
    const bin = buildProxyEvent(
      request({ body: bytes, rawHeaders: ["Content-Type", "image/png"] }),
      ctx,
    );
    expect(bin.isBase64Encoded).to.equal(true);
    expect(Buffer.from(bin.body!, "base64").equals(bytes)).to.equal(true);
    const text = buildProxyEvent(request(), ctx);
    expect(text).to.include({ isBase64Encoded: false, body: '{"a":1}' });
    expect(buildProxyEvent(request({ body: Buffer.alloc(0) }), ctx).body).to.equal(null);
  });

  it("matches binary media types with wildcards and parameters", () => {
    expect(isBinaryMediaType("image/png; q=1", ["image/*"])).to.equal(true);
    expect(isBinaryMediaType("application/json", ["image/*"])).to.equal(false);
    expect(isBinaryMediaType("text/plain", ["*/*"])).to.equal(true);
    expect(isBinaryMediaType(undefined, ["*/*"])).to.equal(false);
  });

  it("maps statusCode, headers and multiValueHeaders, multi-value winning on a clash", () => {
    const r = mapProxyResult(
      JSON.stringify({
        statusCode: 201,
        headers: { "X-One": "1", "Set-Cookie": "ignored", "X-Num": 5 },
        multiValueHeaders: { "Set-Cookie": ["a=1", "b=2"] },
        body: "created",
      }),
      undefined,
      [],
    );
    expect(r).to.not.have.property("malformed");
    if ("malformed" in r) return;
    expect(r.statusCode).to.equal(201);
    expect(r.headers).to.deep.include({
      "X-One": ["1"],
      "Set-Cookie": ["a=1", "b=2"],
      "X-Num": ["5"],
    });
    expect(r.headers["Content-Type"]).to.deep.equal(["application/json"]);
    expect(r.body.toString()).to.equal("created");
  });

  it("decodes a base64 body only when the response type or Accept is a binary media type", () => {
    const payload = JSON.stringify({
      statusCode: 200,
      headers: { "content-type": "image/png" },
      body: Buffer.from([1, 2, 3]).toString("base64"),
      isBase64Encoded: true,
    });
    const decoded = mapProxyResult(payload, undefined, ["image/*"]);
    expect("body" in decoded && [...decoded.body]).to.deep.equal([1, 2, 3]);
    const passedThrough = mapProxyResult(payload, "text/html", []);
    expect("body" in passedThrough && passedThrough.body.toString()).to.equal("AQID");
  });

  for (const [name, result] of Object.entries({
    "a string": "hello",
    null: null,
    "no statusCode": { body: "x" },
    "a non-integer statusCode": { statusCode: "200", body: "x" },
    "an object body": { statusCode: 200, body: { a: 1 } },
    "an unexpected field": { statusCode: 200, body: "x", extra: true },
    "array headers": { statusCode: 200, headers: ["a"] },
    "non-array multiValueHeaders": { statusCode: 200, multiValueHeaders: { a: "b" } },
  })) {
    it(`treats ${name} as a malformed proxy response`, () => {
      expect(mapProxyResult(JSON.stringify(result), undefined, [])).to.have.property("malformed");
    });
  }

  it("answers like API Gateway on a malformed result", () => {
    expect(JSON.parse(INTERNAL_ERROR)).to.deep.equal({ message: "Internal server error" });
  });
});
