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

describe("core/errors: exact answers", () => {
  const answer = (error: unknown) => {
    const e = mapError(error);
    return { status: e.status, code: e.code, message: e.message, headers: e.headers };
  };
  const unavailable = {
    status: 503,
    code: "ServiceUnavailable",
    message: "the database is busy or unreachable; retry after the delay in Retry-After",
    headers: { "retry-after": "1" },
  };
  const internal = {
    status: 500,
    code: "InternalError",
    message: "internal error; it has been logged with this request's id",
    headers: {},
  };

  it("tells each DynamoDB client error apart by code", () => {
    expect(answer(sdkError("ConditionalCheckFailedException"))).to.deep.equal({
      status: 409,
      code: "ConditionalCheckFailed",
      message:
        "the ConditionExpression did not hold for the stored item; read it and retry with a condition that matches",
      headers: {},
    });
    expect(answer(sdkError("TransactionConflictException"))).to.deep.equal({
      status: 409,
      code: "TransactionConflict",
      message: "the item is being changed by a transaction; retry",
      headers: {},
    });
    expect(
      answer(sdkError("ValidationException", { message: "Invalid KeyConditionExpression" })),
    ).to.deep.equal({
      status: 400,
      code: "ValidationError",
      message: "Invalid KeyConditionExpression",
      headers: {},
    });
    for (const message of [
      "Item size has exceeded the maximum allowed size",
      "Item size to update has exceeded the maximum allowed size",
    ]) {
      expect(answer(sdkError("ValidationException", { message }))).to.deep.equal({
        status: 413,
        code: "ItemTooLarge",
        message:
          "the item would exceed DynamoDB's 400 KB item size limit; store less data per item",
        headers: {},
      });
    }
    expect(
      answer(sdkError("ItemCollectionSizeLimitExceededException", { message: "Collection full" })),
    ).to.deep.equal({
      status: 400,
      code: "ItemCollectionTooLarge",
      message: "Collection full",
      headers: {},
    });
  });

  it("gives a ValidationException without a (string) message a message of its own", () => {
    for (const message of [undefined, "", 42]) {
      expect(answer({ name: "ValidationException", message }).message).to.equal(
        "DynamoDB refused the request",
      );
    }
  });

  it("answers throttling, timeouts and network failures with 503 and Retry-After: 1", () => {
    for (const name of [
      "ProvisionedThroughputExceededException",
      "ThrottlingException",
      "RequestLimitExceeded",
      "LimitExceededException",
      "InternalServerError",
      "ServiceUnavailable",
      "ServiceUnavailableException",
      "TimeoutError",
      "RequestTimeout",
      "RequestTimeoutException",
      "AbortError",
    ]) {
      expect(answer({ name }), name).to.deep.equal(unavailable);
    }
    for (const code of [
      "ECONNREFUSED",
      "ECONNRESET",
      "ECONNABORTED",
      "ETIMEDOUT",
      "EPIPE",
      "ENOTFOUND",
      "EAI_AGAIN",
      "EHOSTUNREACH",
      "ENETUNREACH",
    ]) {
      expect(answer({ code }), code).to.deep.equal(unavailable);
      // Some clients put the system error's code in the name.
      expect(answer({ name: code }), code).to.deep.equal(unavailable);
    }
  });

  it("answers DynamoDB's own 5xx with 503, from 500 up; anything else with a bare 500", () => {
    const status = (httpStatusCode: unknown) =>
      answer({ name: "Unknown", $metadata: { httpStatusCode } });
    expect(status(500)).to.deep.equal(unavailable);
    expect(status(599)).to.deep.equal(unavailable);
    expect(status(499)).to.deep.equal(internal);
    expect(status("503")).to.deep.equal(internal);
    expect(answer({ name: "Unknown" })).to.deep.equal(internal);
    expect(answer("a string")).to.deep.equal(internal);
    expect(answer({ name: 7, code: 8 })).to.deep.equal(internal);
  });
});
