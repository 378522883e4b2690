import { expect } from "chai";
import { EXPOSED_HEADERS, allowedRequestHeaders } from "./headers";
import { corsHeaders, preflightHeaders } from "./cors";

const EXPOSED = "etag, location, retry-after, idempotent-replayed";
const ALLOWED = "content-type, if-match, idempotency-key";
const APP = "https://app.test";

describe("contract/cors", () => {
  it("publishes the headers browsers may read, and those each stack's callers send", () => {
    expect(EXPOSED_HEADERS).to.equal(EXPOSED);
    expect(allowedRequestHeaders({ auth: "none", apiKey: false })).to.equal(ALLOWED);
    expect(allowedRequestHeaders({ auth: "none", apiKey: true })).to.equal(`${ALLOWED}, x-api-key`);
    expect(allowedRequestHeaders({ auth: "cognito", apiKey: true })).to.equal(
      `${ALLOWED}, authorization, x-api-key`,
    );
    expect(allowedRequestHeaders({ auth: "iam", apiKey: false })).to.equal(
      `${ALLOWED}, authorization, x-amz-date, x-amz-security-token, x-amz-content-sha256`,
    );
  });

  it("adds nothing when no origin is allowed", () => {
    expect(corsHeaders(APP, [])).to.deep.equal({});
    expect(preflightHeaders(APP, [], ["GET"], ALLOWED)).to.deep.equal({});
  });

  it("allows any origin with *, without Vary", () => {
    const any = { "access-control-allow-origin": "*", "access-control-expose-headers": EXPOSED };
    expect(corsHeaders(APP, ["*"])).to.deep.equal(any);
    expect(corsHeaders(undefined, [APP, "*"])).to.deep.equal(any);
    expect(preflightHeaders(APP, ["*"], ["GET", "OPTIONS"], ALLOWED)).to.deep.equal({
      ...any,
      "access-control-allow-methods": "GET, OPTIONS",
      "access-control-allow-headers": ALLOWED,
      "access-control-max-age": "600",
    });
  });

  it("echoes a listed origin with Vary: Origin, and answers others only with Vary", () => {
    const allowed = [APP, "https://admin.test"];
    expect(corsHeaders("https://admin.test", allowed)).to.deep.equal({
      "access-control-allow-origin": "https://admin.test",
      "access-control-expose-headers": EXPOSED,
      vary: "Origin",
    });
    expect(corsHeaders("https://evil.test", allowed)).to.deep.equal({ vary: "Origin" });
    expect(corsHeaders(undefined, allowed)).to.deep.equal({ vary: "Origin" });
    expect(corsHeaders("", allowed)).to.deep.equal({ vary: "Origin" });
    expect(preflightHeaders(APP, allowed, ["PUT", "DELETE"], ALLOWED)).to.deep.equal({
      "access-control-allow-origin": APP,
      "access-control-expose-headers": EXPOSED,
      vary: "Origin",
      "access-control-allow-methods": "PUT, DELETE",
      "access-control-allow-headers": ALLOWED,
      "access-control-max-age": "600",
    });
    expect(preflightHeaders("https://evil.test", allowed, ["PUT"], ALLOWED)).to.deep.equal({
      vary: "Origin",
    });
  });
});
