import { expect } from "chai";
import { ApiError, badRequest, decodePathParameter, errorResponse, json, noContent } from "./http";

describe("core/http", () => {
  it("builds errors the client can act on, named ApiError", () => {
    const e = new ApiError(409, "Conflict", "retry", { "retry-after": "2" });
    expect([e.name, e.status, e.code, e.message, e.headers]).to.deep.equal([
      "ApiError",
      409,
      "Conflict",
      "retry",
      { "retry-after": "2" },
    ]);
    expect(new ApiError(500, "X", "y").headers).to.deep.equal({});
    const bad = badRequest("InvalidId", "id must be a string");
    expect([bad.status, bad.code, bad.message]).to.deep.equal([
      400,
      "InvalidId",
      "id must be a string",
    ]);
  });

  it("answers an error as {error: {code, message}} with its headers", () => {
    expect(
      errorResponse(new ApiError(503, "ServiceUnavailable", "later", { "retry-after": "1" })),
    ).to.deep.equal({
      status: 503,
      headers: { "content-type": "application/json", "retry-after": "1" },
      body: { error: { code: "ServiceUnavailable", message: "later" } },
    });
  });

  it("sends JSON with its content type unless told otherwise, and 204 with only the given headers", () => {
    expect(json(201, { a: 1 }, { etag: '"1"' })).to.deep.equal({
      status: 201,
      headers: { "content-type": "application/json", etag: '"1"' },
      body: { a: 1 },
    });
    expect(json(200, "x", { "content-type": "text/plain" }).headers).to.deep.equal({
      "content-type": "text/plain",
    });
    const headers = { allow: "GET" };
    const empty = noContent(headers);
    expect(empty).to.deep.equal({ status: 204, headers: { allow: "GET" } });
    expect(empty.headers).to.not.equal(headers);
    expect(noContent()).to.deep.equal({ status: 204, headers: {} });
  });

  it("decodes a path parameter once, and refuses a malformed escape saying how to encode it", () => {
    expect(decodePathParameter("id", "a%2Fb%25c%20d")).to.equal("a/b%c d");
    expect(decodePathParameter("id", "%25zz")).to.equal("%zz");
    for (const raw of ["%zz", "a%", "%e9"]) {
      let err: unknown;
      try {
        decodePathParameter("id", raw);
      } catch (e) {
        err = e;
      }
      expect(err, raw).to.be.instanceOf(ApiError);
      expect([
        (err as ApiError).status,
        (err as ApiError).code,
        (err as ApiError).message,
      ]).to.deep.equal([
        400,
        "InvalidPathEncoding",
        `path parameter id (${JSON.stringify(raw)}) has a malformed percent-escape: encode the value with encodeURIComponent (a literal % is %25)`,
      ]);
    }
  });
});
