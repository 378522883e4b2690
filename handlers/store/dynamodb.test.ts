import { expect } from "chai";
import { atMostOnceRetryStrategy } from "./dynamodb";

/** What the SDK's retry middleware does with the strategy: how many attempts an error gets. */
async function attempts(maxAttempts: number, errorType: string, error: unknown): Promise<number> {
  const strategy = atMostOnceRetryStrategy(maxAttempts, 0);
  let token = await strategy.acquireInitialRetryToken();
  for (let attempt = 1; ; attempt++) {
    try {
      token = await strategy.refreshRetryTokenForRetry(token, { errorType, error });
    } catch {
      return attempt;
    }
  }
}

describe("DynamoDB store retries", () => {
  it("retries throttling and refused connections, up to the configured attempts", async () => {
    expect(await attempts(3, "THROTTLING", { name: "ThrottlingException" })).to.equal(3);
    expect(await attempts(3, "TRANSIENT", { code: "ECONNREFUSED" })).to.equal(3);
    expect(await attempts(1, "THROTTLING", { name: "ThrottlingException" })).to.equal(1);
  });

  it("never retries a request that may already have been applied", async () => {
    // A timed-out or reset request may have landed: retrying a conditional create would answer
    // 409 for its own write, and an increment would count twice.
    expect(await attempts(3, "TRANSIENT", { name: "TimeoutError" })).to.equal(1);
    expect(await attempts(3, "TRANSIENT", { code: "ECONNRESET" })).to.equal(1);
    expect(await attempts(3, "SERVER_ERROR", { name: "InternalServerError" })).to.equal(1);
    expect(await attempts(3, "CLIENT_ERROR", { name: "ValidationException" })).to.equal(1);
  });
});
