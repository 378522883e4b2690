import { expect } from "chai";
import { mapError } from "./errors";
import { ApiError } from "./http";

const sdkError = (name: string, extra: Record<string, unknown> = {}) =>
  Object.assign(new Error(`${name} happened`), {
    name,
    $metadata: { httpStatusCode: 400 },
    ...extra,
  });

describe("core/errors", () => {
  it("maps a failed condition to 409 and DynamoDB validation to 400 with its message", () => {
    expect(mapError(sdkError("ConditionalCheckFailedException")).status).to.equal(409);
    const v = mapError(sdkError("ValidationException", { message: "Invalid UpdateExpression: x" }));
    expect([v.status, v.message]).to.deep.equal([400, "Invalid UpdateExpression: x"]);
    const big = mapError(
      sdkError("ValidationException", {
        message: "Item size has exceeded the maximum allowed size",
      }),
    );
    expect(big.status).to.equal(413);
  });

  for (const err of [
    sdkError("ProvisionedThroughputExceededException"),
    sdkError("ThrottlingException"),
    sdkError("RequestLimitExceeded"),
    sdkError("InternalServerError", { $metadata: { httpStatusCode: 500 } }),
    sdkError("TimeoutError"),
    Object.assign(new Error("connect ECONNREFUSED 127.0.0.1:1"), { code: "ECONNREFUSED" }),
    Object.assign(new Error("socket hang up"), { code: "ECONNRESET" }),
    sdkError("SomethingNew", { $metadata: { httpStatusCode: 503 } }),
  ]) {
    it(`maps ${err.name}${"code" in err ? ` (${String(err.code)})` : ""} to 503 with Retry-After`, () => {
      const mapped = mapError(err);
      expect(mapped.status).to.equal(503);
      expect(mapped.headers["retry-after"]).to.match(/^\d+$/);
    });
  }

  it("maps anything else to a 500 that carries no detail, and passes ApiErrors through", () => {
    const secret = new TypeError(
      "Cannot read properties of undefined (reading 'x') at /var/task/index.mjs",
    );
    const mapped = mapError(secret);
    expect(mapped.status).to.equal(500);
    expect(mapped.message).not.to.contain("index.mjs");
    expect(mapError(sdkError("ResourceNotFoundException")).status).to.equal(500);
    expect(mapError(null).status).to.equal(500);
    const own = new ApiError(418, "Teapot", "short and stout");
    expect(mapError(own)).to.equal(own);
  });
});
