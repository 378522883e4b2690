import { expect } from "chai";
import { ENV } from "../env";
import { DEFAULT_MAX_ATTEMPTS, DEFAULT_TIMEOUT_MS, readConfig } from "./config";

const base = { [ENV.tableName]: "t", [ENV.cursorSecret]: "0123456789abcdef" };

describe("core/config", () => {
  it("reads the env vars named in env.ts, with defaults for the SDK budget", () => {
    const c = readConfig({ ...base, [ENV.corsAllowOrigins]: " https://a.test, https://b.test ,," });
    expect(c).to.deep.equal({
      tableName: "t",
      cursorSecret: "0123456789abcdef",
      corsAllowOrigins: ["https://a.test", "https://b.test"],
      dynamoDbTimeoutMs: DEFAULT_TIMEOUT_MS,
      dynamoDbMaxAttempts: DEFAULT_MAX_ATTEMPTS,
      idempotencyTtlSeconds: 24 * 3600,
    });
    const d = readConfig({
      ...base,
      [ENV.dynamoDbTimeoutMs]: "1666",
      [ENV.dynamoDbMaxAttempts]: "3",
    });
    expect([d.dynamoDbTimeoutMs, d.dynamoDbMaxAttempts]).to.deep.equal([1666, 3]);
    const keyed = readConfig({
      ...base,
      [ENV.idempotencyTableName]: "t-idempotency",
      [ENV.idempotencyTtlSeconds]: "3600",
    });
    expect([keyed.idempotencyTableName, keyed.idempotencyTtlSeconds]).to.deep.equal([
      "t-idempotency",
      3600,
    ]);
  });

  it("says which variable is missing or malformed", () => {
    expect(() => readConfig({})).to.throw(ENV.tableName);
    expect(() => readConfig({ [ENV.tableName]: "t", [ENV.cursorSecret]: "short" })).to.throw(
      ENV.cursorSecret,
    );
    expect(() => readConfig({ ...base, [ENV.dynamoDbTimeoutMs]: "fast" })).to.throw(
      ENV.dynamoDbTimeoutMs,
    );
    expect(() => readConfig({ ...base, [ENV.idempotencyTtlSeconds]: "0" })).to.throw(
      ENV.idempotencyTtlSeconds,
    );
  });
});
