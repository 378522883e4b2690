import { expect } from "chai";
import { LOG_RETENTION_DAYS, configSchema, parseConfig } from "./config";
import { dynamoDbClientBudget } from "./function";

describe("stack config", () => {
  it("defaults: the table name carries the stack, arm64, the tutorial's API name", () => {
    const cfg = parseConfig("staging", {});
    expect(cfg.tableName).to.include("staging");
    expect(cfg.stageName).to.equal("staging");
    expect(cfg.architecture).to.equal("arm64");
    expect(cfg.apiName).to.equal("DynamoDBOperations");
    expect(cfg.pointInTimeRecovery).to.equal(true);
    expect(cfg.production).to.equal(false);
    expect(cfg.corsAllowOrigins).to.deep.equal([]);
  });

  it("decodes Pulumi's string values into typed ones", () => {
    const cfg = parseConfig("dev", {
      memorySize: "1024",
      tracing: "true",
      corsAllowOrigins: '["https://a.example","https://b.example"]',
      kmsKeyArn: "",
      stageName: "123",
    });
    expect(cfg).to.include({ memorySize: 1024, tracing: true });
    expect(cfg.kmsKeyArn, "empty string means the AWS-managed key").to.equal(undefined);
    expect(cfg.stageName).to.equal("123");
    expect(cfg.corsAllowOrigins).to.deep.equal(["https://a.example", "https://b.example"]);
  });

  it("rejects a stack name that is no valid stage name unless stageName is set", () => {
    expect(() => parseConfig("my.stack", {})).to.throw(/lambda-apigateway:stageName/);
    expect(parseConfig("my.stack", { stageName: "v1" }).stageName).to.equal("v1");
  });

  it("lists every error at once, each with its key and what to do", () => {
    expect(() => parseConfig("dev", { timeout: "60", throttleBurstLimit: "0" }))
      .to.throw(/timeout must be at most 29 s[\s\S]*throttleBurstLimit must be at least 1/)
      .with.property("message")
      .that.matches(/pulumi config set/);
  });

  it("accepts only CloudWatch's retention periods", () => {
    expect(() => parseConfig("dev", { logRetentionDays: "0" })).to.throw(/logRetentionDays/);
    for (const days of LOG_RETENTION_DAYS) {
      expect(parseConfig("dev", { logRetentionDays: String(days) }).logRetentionDays).to.equal(
        days,
      );
    }
  });

  it("keeps DynamoDB within half of every allowed function timeout", () => {
    const timeout = configSchema("dev").entries.timeout.wrapped.pipe;
    const max = timeout.find((p) => p.type === "max_value")?.requirement as number;
    for (let seconds = 1; seconds <= max; seconds++) {
      const { timeoutMs, maxAttempts } = dynamoDbClientBudget(seconds);
      expect(timeoutMs, `${seconds}s`).to.be.greaterThan(0);
      expect(timeoutMs * maxAttempts, `${seconds}s`).to.be.at.most((seconds * 1000) / 2);
    }
  });
});
