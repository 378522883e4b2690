import { expect } from "chai";
import * as v from "valibot";
import { MOVED_KEYS, configKeyPaths, parseConfig } from "./config";
import { CrudFunctionArgsSchema, dynamoDbClientBudget } from "./function";
import { LOG_RETENTION_DAYS } from "./schema";

/** Raw config as Pulumi hands it to the program: every value a string, groups as JSON. */
const json = (value: unknown) => JSON.stringify(value);

describe("stack config", () => {
  it("defaults: the table, the API and the stage carry the stack, arm64", () => {
    const cfg = parseConfig("staging", {});
    expect(cfg.table.name).to.include("staging");
    expect(cfg.api.stageName).to.equal("staging");
    expect(cfg.function.architecture).to.equal("arm64");
    // API Gateway's metrics tell REST APIs apart by name and stage only.
    expect(cfg.api.name).to.equal("DynamoDBOperations-staging");
    expect(cfg.api.detailedMetrics).to.equal(false);
    expect(cfg.table.pointInTimeRecovery).to.equal(true);
    expect(cfg.production).to.equal(false);
    expect(cfg.corsAllowOrigins).to.deep.equal([]);
    expect(cfg.auth).to.equal("none");
    expect(cfg.monitoring.thresholds.lambdaErrors).to.equal(1);
  });

  it("decodes Pulumi's string values into typed ones, objects from JSON", () => {
    const cfg = parseConfig("dev", {
      tracing: "true",
      corsAllowOrigins: '["https://a.example","https://b.example"]',
      function: json({ memorySize: 1024 }),
      table: json({ kmsKeyArn: "" }),
      api: json({ stageName: "123" }),
      auth: "iam",
    });
    expect(cfg.function.memorySize).to.equal(1024);
    expect(cfg.tracing).to.equal(true);
    expect(cfg.table.kmsKeyArn, "empty string means the AWS-managed key").to.equal(undefined);
    expect(cfg.api.stageName).to.equal("123");
    expect(cfg.auth).to.equal("iam");
    expect(cfg.corsAllowOrigins).to.deep.equal(["https://a.example", "https://b.example"]);
  });

  it("fills a group's unset keys with their defaults, keeping the ones set", () => {
    const cfg = parseConfig("dev", { monitoring: json({ thresholds: { lambdaErrors: 7 } }) });
    expect(cfg.monitoring.thresholds.lambdaErrors).to.equal(7);
    expect(cfg.monitoring.thresholds.lambdaThrottles).to.equal(1);
    expect(cfg.monitoring.periodSeconds).to.equal(60);
  });

  it("rejects a stack name that is no valid stage name unless api.stageName is set", () => {
    expect(() => parseConfig("my.stack", {})).to.throw(/lambda-apigateway:api\.stageName/);
    expect(parseConfig("my.stack", { api: json({ stageName: "v1" }) }).api.stageName).to.equal(
      "v1",
    );
  });

  it("lists every error at once, each with its path and what to do", () => {
    expect(() =>
      parseConfig("dev", {
        function: json({ timeout: 60 }),
        api: json({ throttleBurstLimit: 0 }),
      }),
    )
      .to.throw(
        /function\.timeout must be at most 29 s[\s\S]*api\.throttleBurstLimit must be at least 1/,
      )
      .with.property("message")
      .that.matches(/pulumi config set --path/);
  });

  it("refuses unknown keys, at any depth, naming their path and the known ones", () => {
    expect(() => parseConfig("dev", { tablename: "x" })).to.throw(
      /lambda-apigateway:tablename is not a known key: fix the spelling or remove it \(known here: production, tracing, logRetentionDays, corsAllowOrigins, auth, table, function, api, cognito, monitoring, promotion, domain\) \(got "x"\)/,
    );
    expect(() => parseConfig("dev", { api: json({ stage: "v1" }) })).to.throw(
      /lambda-apigateway:api\.stage is not a known key/,
    );
    expect(() =>
      parseConfig("dev", { monitoring: json({ thresholds: { lambdaErorrs: 1 } }) }),
    ).to.throw(/lambda-apigateway:monitoring\.thresholds\.lambdaErorrs is not a known key/);
  });

  it("keys set at the top level are refused inside a group", () => {
    expect(() => parseConfig("dev", { table: json({ production: true }) })).to.throw(
      /lambda-apigateway:table\.production is not a known key/,
    );
    expect(() => parseConfig("dev", { function: json({ tracing: true }) })).to.throw(
      /lambda-apigateway:function\.tracing is not a known key/,
    );
  });

  it("tells a stack file in the old flat shape where each key went", () => {
    expect(() => parseConfig("dev", { alarmLambdaErrors: "5", tableName: "t" }))
      .to.throw(
        /lambda-apigateway:alarmLambdaErrors has moved to lambda-apigateway:monitoring\.thresholds\.lambdaErrors/,
      )
      .with.property("message")
      .that.matches(/lambda-apigateway:tableName has moved to lambda-apigateway:table\.name/);
  });

  it("moves every old key to a key that exists, and no old key is still a key", () => {
    const paths = configKeyPaths().map((p) => p.join("."));
    for (const [old, moved] of Object.entries(MOVED_KEYS)) {
      expect(paths, `${old} → ${moved}`).to.include(moved);
      expect(paths, old).not.to.include(old);
    }
    // Every key the old shape had (42) has a place, bar the five that stayed at the top level.
    expect(Object.keys(MOVED_KEYS).length + 5).to.equal(42);
  });

  it("leaves the domain out unless it is set; optIn: false lists the keys without it", () => {
    expect(parseConfig("dev", {}).domain).to.equal(undefined);
    const domain = { name: "api.example.com", hostedZoneId: "Z1" };
    expect(parseConfig("dev", { domain: json(domain) }).domain).to.deep.equal({
      ...domain,
      disableExecuteApiEndpoint: false,
    });
    const all = configKeyPaths().map((p) => p.join("."));
    const always = configKeyPaths("dev", { optIn: false }).map((p) => p.join("."));
    expect(all).to.include.members(["domain.name", "domain.hostedZoneId", "table.name"]);
    expect(always).to.include("table.name");
    expect(all.filter((p) => !always.includes(p))).to.deep.equal([
      "domain.name",
      "domain.hostedZoneId",
      "domain.certificateArn",
      "domain.basePath",
      "domain.disableExecuteApiEndpoint",
    ]);
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
    const timeout = CrudFunctionArgsSchema.entries.timeout.wrapped.pipe;
    const max = timeout.find((p) => p.type === "max_value")?.requirement as number;
    expect(v.is(CrudFunctionArgsSchema.entries.timeout, max + 1)).to.equal(false);
    for (let seconds = 1; seconds <= max; seconds++) {
      const { timeoutMs, maxAttempts } = dynamoDbClientBudget(seconds);
      expect(timeoutMs, `${seconds}s`).to.be.greaterThan(0);
      expect(timeoutMs * maxAttempts, `${seconds}s`).to.be.at.most((seconds * 1000) / 2);
    }
  });
});
