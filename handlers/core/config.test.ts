import { expect } from "chai";
import { ENV } from "../../contract/env";
import { DEFAULT_MAX_ATTEMPTS, DEFAULT_TIMEOUT_MS, readConfig } from "./config";

const base = { [ENV.tableName]: "t", [ENV.cursorSecret]: "0123456789abcdef" };

describe("core/config", () => {
  it("reads the env vars named in contract/env.ts, with defaults for the SDK budget", () => {
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

describe("core/config: both sides of each rule", () => {
  it("reads no CORS origins when the variable is unset", () => {
    expect(readConfig(base).corsAllowOrigins).to.deep.equal([]);
  });

  it("takes the defaults for empty values, and positive integers from 1", () => {
    const c = readConfig({ ...base, [ENV.dynamoDbTimeoutMs]: "", [ENV.dynamoDbMaxAttempts]: "1" });
    expect([c.dynamoDbTimeoutMs, c.dynamoDbMaxAttempts]).to.deep.equal([1000, 1]);
    for (const raw of ["0", "-1", "1.5", "x"]) {
      let err: unknown;
      try {
        readConfig({ ...base, [ENV.dynamoDbMaxAttempts]: raw });
      } catch (e) {
        err = e;
      }
      expect((err as Error).name, raw).to.equal("ConfigError");
      expect((err as Error).message).to.equal(
        `DYNAMODB_MAX_ATTEMPTS must be a positive integer, got ${JSON.stringify(raw)}`,
      );
    }
  });

  it("needs a cursor secret of 16 characters or more", () => {
    expect(readConfig({ ...base, [ENV.cursorSecret]: "s".repeat(16) }).cursorSecret).to.equal(
      "s".repeat(16),
    );
    expect(() => readConfig({ ...base, [ENV.cursorSecret]: "s".repeat(15) })).to.throw(
      "CURSOR_SECRET must be set to at least 16 characters",
    );
    expect(() => readConfig({ [ENV.tableName]: "t" })).to.throw("CURSOR_SECRET must be set");
    expect(() => readConfig({ ...base, [ENV.tableName]: "" })).to.throw(
      "TABLE_NAME is not set: deploy the function with it",
    );
  });

  it("passes the stack's security through as it is set, and none when it is empty", () => {
    const security = '{"auth":"iam","apiKey":false}';
    expect(readConfig({ ...base, [ENV.apiSecurity]: security }).apiSecurity).to.equal(security);
    expect(readConfig({ ...base, [ENV.apiSecurity]: "" })).to.not.have.property("apiSecurity");
  });

  it("keeps no records table when the variable is empty", () => {
    expect(readConfig({ ...base, [ENV.idempotencyTableName]: "" })).to.not.have.property(
      "idempotencyTableName",
    );
  });
});
