/**
 * The real program (`index.ts`) with the real stack files, run under mocks: every property that
 * matters, read from what the program registered.
 */
/* eslint-disable @typescript-eslint/no-explicit-any -- recorded inputs are untyped data */
import * as fs from "node:fs";
import * as path from "node:path";
import { expect } from "chai";
import { runProgram, type ProgramRun, type RecordedResource } from "../local/program";
import { ENV } from "../handlers/env";
import { CATCH_ALL_PATH, ROUTES } from "../handlers/routes";
import { ACCESS_LOG_FORMAT, deploymentTrigger, type MethodSpec } from "./api";
import { CONFIG_NAMESPACE, type StackConfig } from "./config";
import { IDEMPOTENCY_RECORD } from "../handlers/idempotency";
import {
  DYNAMODB_ACTIONS,
  LOG_ACTIONS,
  RECORD_ACTIONS,
  XRAY_POLICY_ARN,
  dynamoDbClientBudget,
} from "./function";
import { isSecret, permissionPolicies, reveal, stackConfig } from "./testing";

const T = {
  table: "aws:dynamodb/table:Table",
  function: "aws:lambda/function:Function",
  logGroup: "aws:cloudwatch/logGroup:LogGroup",
  role: "aws:iam/role:Role",
  rolePolicy: "aws:iam/rolePolicy:RolePolicy",
  attachment: "aws:iam/rolePolicyAttachment:RolePolicyAttachment",
  password: "random:index/randomPassword:RandomPassword",
  restApi: "aws:apigateway/restApi:RestApi",
  resource: "aws:apigateway/resource:Resource",
  method: "aws:apigateway/method:Method",
  integration: "aws:apigateway/integration:Integration",
  deployment: "aws:apigateway/deployment:Deployment",
  stage: "aws:apigateway/stage:Stage",
  methodSettings: "aws:apigateway/methodSettings:MethodSettings",
  permission: "aws:lambda/permission:Permission",
  apiKey: "aws:apigateway/apiKey:ApiKey",
  usagePlan: "aws:apigateway/usagePlan:UsagePlan",
  usagePlanKey: "aws:apigateway/usagePlanKey:UsagePlanKey",
};

// The tutorial's data contract, pinned here on purpose: clients and saved data depend on it, so
// changing the key schema must be a deliberate act that also changes this test.
const TUTORIAL_KEY = { name: "id", type: "S" };

/** Logical names of the items table and of its Idempotency-Key records table. */
const ITEMS = "table";
const RECORDS = `table${IDEMPOTENCY_RECORD.tableSuffix}`;

function one(run: ProgramRun, type: string, name?: string): RecordedResource {
  const found = run.ofType(type).filter((r) => name === undefined || r.name === name);
  expect(found, `${type}${name ? ` "${name}"` : ""}`).to.have.length(1);
  return found[0]!;
}

/** The function's own log group: the one its loggingConfig names. */
function functionLogGroup(run: ProgramRun): RecordedResource {
  const fn = one(run, T.function);
  const group = run
    .ofType(T.logGroup)
    .find((g) => g.state.name === fn.inputs.loggingConfig.logGroup);
  expect(group, "log group named by the function's loggingConfig").to.not.equal(undefined);
  return group!;
}

/** The resource path of every method, from the resource it hangs on. */
function methodPath(run: ProgramRun, method: RecordedResource): string {
  const api = one(run, T.restApi);
  if (method.inputs.resourceId === api.state.rootResourceId) return "/";
  const res = run.ofType(T.resource).find((r) => r.id === method.inputs.resourceId);
  expect(res, `resource of method ${method.name}`).to.not.equal(undefined);
  return res!.state.path;
}

function methodsByPath(run: ProgramRun): Map<string, string[]> {
  const map = new Map<string, string[]>();
  for (const m of run.ofType(T.method)) {
    const p = methodPath(run, m);
    map.set(p, [...(map.get(p) ?? []), m.inputs.httpMethod].sort());
  }
  return map;
}

function integrationOf(run: ProgramRun, method: RecordedResource): RecordedResource {
  const found = run
    .ofType(T.integration)
    .filter(
      (i) =>
        i.inputs.resourceId === method.inputs.resourceId &&
        i.inputs.httpMethod === method.inputs.httpMethod,
    );
  expect(found, `integration of ${method.name}`).to.have.length(1);
  return found[0]!;
}

for (const stack of ["dev", "prod"]) {
  describe(`stack ${stack} under mocks`, function () {
    this.timeout(60_000);
    let run: ProgramRun;
    let cfg: StackConfig;

    before(async () => {
      cfg = stackConfig(stack);
      run = await runProgram({ stack });
    });

    describe("table", () => {
      it("declares two tables: the items and their Idempotency-Key records", () => {
        expect(
          run
            .ofType(T.table)
            .map((t) => t.name)
            .sort(),
        ).to.deep.equal([ITEMS, RECORDS]);
      });

      it("keeps Idempotency-Key records in their own table, keyed by the key, expiring by TTL", () => {
        const items = one(run, T.table, ITEMS).inputs;
        const records = one(run, T.table, RECORDS).inputs;
        expect(records.name).to.equal(`${cfg.tableName}${IDEMPOTENCY_RECORD.tableSuffix}`);
        expect(records.name.length, "DynamoDB's table name limit").to.be.at.most(255);
        expect(records.hashKey).to.equal(IDEMPOTENCY_RECORD.key.name);
        expect(records.rangeKey).to.equal(undefined);
        expect(records.attributes).to.deep.equal([IDEMPOTENCY_RECORD.key]);
        expect(records.ttl).to.deep.equal({
          attributeName: IDEMPOTENCY_RECORD.ttlAttribute,
          enabled: true,
        });
        // As well kept as the items: the records hold their responses.
        expect(records.billingMode).to.equal("PAY_PER_REQUEST");
        expect(records.serverSideEncryption).to.deep.equal(items.serverSideEncryption);
        expect(records.pointInTimeRecovery).to.deep.equal(items.pointInTimeRecovery);
        expect(records.deletionProtectionEnabled).to.equal(cfg.production);
        expect(records.tags).to.deep.equal(items.tags);
      });

      it("has the tutorial's key schema and nothing else", () => {
        const t = one(run, T.table, ITEMS).inputs;
        expect(t.hashKey).to.equal(TUTORIAL_KEY.name);
        expect(t.rangeKey).to.equal(undefined);
        expect(t.attributes).to.deep.equal([TUTORIAL_KEY]);
      });

      it("is on-demand, encrypted, recoverable, named from config", () => {
        const t = one(run, T.table, ITEMS).inputs;
        expect(t.name).to.equal(cfg.tableName);
        expect(t.billingMode).to.equal("PAY_PER_REQUEST");
        expect(t.serverSideEncryption.enabled).to.equal(true);
        expect(t.serverSideEncryption.kmsKeyArn).to.equal(cfg.kmsKeyArn);
        expect(cfg.pointInTimeRecovery, "committed stacks keep PITR on").to.equal(true);
        expect(t.pointInTimeRecovery).to.deep.equal({ enabled: true });
        if (cfg.ttlAttribute) {
          expect(t.ttl).to.deep.equal({ attributeName: cfg.ttlAttribute, enabled: true });
        } else {
          expect(t.ttl).to.equal(undefined);
        }
      });

      it("is deletion-protected exactly when the stack is production", () => {
        const t = one(run, T.table, ITEMS).inputs;
        expect(t.deletionProtectionEnabled).to.equal(cfg.production);
        expect(t.tags.production).to.equal(String(cfg.production));
      });
    });

    describe("function", () => {
      it("runs the bundled handler on Node.js 22 with config's size and architecture", async () => {
        const fn = one(run, T.function).inputs;
        expect(fn.runtime).to.equal("nodejs22.x");
        expect(fn.architectures).to.deep.equal([cfg.architecture]);
        expect(fn.memorySize).to.equal(cfg.memorySize);
        expect(fn.timeout).to.equal(cfg.timeout);
        const dir = String(await fn.code.path);
        const [file, exportName] = String(fn.handler).split(".");
        expect(fs.existsSync(path.join(dir, `${file}.mjs`)), `${dir}/${file}.mjs`).to.equal(true);
        expect(exportName).to.equal("handler");
      });

      it("gets the table's name, a secret cursor key, CORS and a DynamoDB budget", () => {
        const fn = one(run, T.function);
        expect(isSecret(fn.inputs.environment), "environment holds a secret").to.equal(true);
        const vars = reveal(fn.inputs.environment).variables;
        expect(vars[ENV.tableName]).to.equal(one(run, T.table, ITEMS).state.name);
        expect(vars[ENV.cursorSecret]).to.equal(one(run, T.password).state.result);
        expect(vars[ENV.corsAllowOrigins]).to.equal(cfg.corsAllowOrigins.join(","));
        const timeoutMs = Number(vars[ENV.dynamoDbTimeoutMs]);
        const attempts = Number(vars[ENV.dynamoDbMaxAttempts]);
        expect({ timeoutMs, maxAttempts: attempts }).to.deep.equal(
          dynamoDbClientBudget(cfg.timeout),
        );
        expect(
          timeoutMs * attempts,
          "DynamoDB gives up in half the function timeout",
        ).to.be.at.most((cfg.timeout * 1000) / 2);
        expect(vars[ENV.idempotencyTableName]).to.equal(one(run, T.table, RECORDS).state.name);
        expect(Number(vars[ENV.idempotencyTtlSeconds])).to.equal(cfg.idempotencyTtlHours * 3600);
        expect(Object.keys(vars).sort()).to.deep.equal(Object.values(ENV).sort());
      });

      it("logs JSON to its own log group with config's retention", () => {
        const fn = one(run, T.function).inputs;
        expect(fn.loggingConfig.logFormat).to.equal("JSON");
        expect(functionLogGroup(run).inputs.retentionInDays).to.equal(cfg.logRetentionDays);
      });

      it("traces with X-Ray only when config asks", () => {
        const fn = one(run, T.function).inputs;
        expect(fn.tracingConfig.mode).to.equal(cfg.tracing ? "Active" : "PassThrough");
        const attached = run.ofType(T.attachment).map((a) => a.inputs.policyArn);
        expect(attached).to.deep.equal(cfg.tracing ? [XRAY_POLICY_ARN] : []);
      });
    });

    describe("IAM", () => {
      it("has no wildcard action or resource in any statement of the stack", () => {
        const policies = permissionPolicies(run.resources);
        expect(policies.length, "permission policies").to.be.greaterThan(0);
        for (const { resource, statements } of policies) {
          for (const s of statements) {
            const where = `${resource.name} ${s.Sid ?? ""}`;
            expect(s.NotAction, `${where} NotAction`).to.equal(undefined);
            expect(s.NotResource, `${where} NotResource`).to.equal(undefined);
            for (const a of s.Action) expect(a, `${where} action`).to.not.include("*");
            for (const r of s.Resource) {
              expect(r, `${where} resource`).to.not.equal("*");
              expect(r, `${where} resource`).to.match(/^arn:aws:[a-z-]+:[a-z0-9-]+:\d{12}:[^*]/);
            }
          }
        }
      });

      it("lets the function touch only its tables (DynamoDB) and its log group (logs)", () => {
        const role = one(run, T.role, "crud-role");
        const tableArn = one(run, T.table, ITEMS).state.arn;
        const hasIndexes = !!(
          one(run, T.table, ITEMS).inputs.globalSecondaryIndexes ??
          one(run, T.table, ITEMS).inputs.localSecondaryIndexes
        );
        const tableResources = hasIndexes ? [tableArn, `${tableArn}/index/*`] : [tableArn];
        const logStreams = `${functionLogGroup(run).state.arn}:*`;

        const policies = permissionPolicies(run.resources).filter(
          (p) => p.resource.inputs.role === role.state.name,
        );
        const statements = policies.flatMap((p) => p.statements);
        expect(statements).to.have.length(3);
        const recordsArn = one(run, T.table, RECORDS).state.arn;
        for (const s of statements) {
          expect(s.Effect).to.equal("Allow");
          const services = new Set(s.Action.map((a) => a.split(":")[0]));
          expect(services.size, `one service per statement (${s.Sid})`).to.equal(1);
          if (services.has("dynamodb") && s.Resource.includes(recordsArn)) {
            // The lock and the completed record (PutItem), the release (DeleteItem): no reads.
            expect(s.Action).to.have.members(["dynamodb:PutItem", "dynamodb:DeleteItem"]);
            expect(s.Action).to.have.members([...RECORD_ACTIONS]);
            expect(s.Resource).to.deep.equal([recordsArn]);
          } else if (services.has("dynamodb")) {
            expect(s.Action).to.have.members([...DYNAMODB_ACTIONS]);
            expect(s.Resource).to.have.members(tableResources);
          } else {
            expect(s.Action).to.have.members([...LOG_ACTIONS]);
            expect(s.Resource).to.deep.equal([logStreams]);
          }
        }
        const trust = JSON.parse(role.inputs.assumeRolePolicy);
        expect(trust.Statement).to.deep.equal([
          {
            Effect: "Allow",
            Principal: { Service: "lambda.amazonaws.com" },
            Action: "sts:AssumeRole",
          },
        ]);
        expect(one(run, T.function).inputs.role).to.equal(role.state.arn);
      });
    });

    describe("API", () => {
      it("is named from config", () => {
        expect(one(run, T.restApi).inputs.name).to.equal(cfg.apiName);
      });

      it("declares every route with its methods plus ANY, a catch-all and the root", () => {
        const preflight = cfg.apiKeyRequired ? ["OPTIONS"] : [];
        const expected = new Map<string, string[]>();
        for (const r of ROUTES) expected.set(r.path, [...r.methods, "ANY", ...preflight].sort());
        expected.set(CATCH_ALL_PATH, ["ANY", ...preflight].sort());
        expected.set("/", ["ANY", ...preflight].sort());
        expect(Object.fromEntries(methodsByPath(run))).to.deep.equal(Object.fromEntries(expected));
      });

      it("integrates every method with the function as a Lambda proxy", () => {
        const invokeArn = one(run, T.function).state.invokeArn;
        const methods = run.ofType(T.method);
        expect(run.ofType(T.integration)).to.have.length(methods.length);
        for (const m of methods) {
          const i = integrationOf(run, m).inputs;
          expect(i.type, m.name).to.equal("AWS_PROXY");
          expect(i.integrationHttpMethod, m.name).to.equal("POST");
          expect(i.uri, m.name).to.equal(invokeArn);
          expect(i.restApi, m.name).to.equal(one(run, T.restApi).id);
        }
      });

      it("requires the API key on every method but CORS preflights when config asks", () => {
        for (const m of run.ofType(T.method)) {
          const keyed = cfg.apiKeyRequired && m.inputs.httpMethod !== "OPTIONS";
          expect(m.inputs.apiKeyRequired, m.name).to.equal(keyed);
          expect(m.inputs.authorization, m.name).to.equal("NONE");
        }
        const keys = run.ofType(T.apiKey);
        const plans = run.ofType(T.usagePlan);
        expect(keys).to.have.length(cfg.apiKeyRequired ? 1 : 0);
        expect(plans).to.have.length(cfg.apiKeyRequired ? 1 : 0);
        if (cfg.apiKeyRequired) {
          const plan = plans[0]!.inputs;
          expect(plan.apiStages).to.deep.equal([
            { apiId: one(run, T.restApi).id, stage: cfg.stageName },
          ]);
          expect(plan.throttleSettings).to.deep.equal({
            rateLimit: cfg.throttleRateLimit,
            burstLimit: cfg.throttleBurstLimit,
          });
          const link = one(run, T.usagePlanKey).inputs;
          expect(link).to.include({ keyId: keys[0]!.id, usagePlanId: plans[0]!.id });
        }
      });

      it("redeploys when any method or integration changes", () => {
        const deployment = one(run, T.deployment).inputs;
        const specs: MethodSpec[] = run.ofType(T.method).map((m) => {
          const i = integrationOf(run, m).inputs;
          return {
            path: methodPath(run, m),
            httpMethod: m.inputs.httpMethod,
            authorization: m.inputs.authorization,
            apiKeyRequired: m.inputs.apiKeyRequired,
            integrationType: i.type,
            integrationHttpMethod: i.integrationHttpMethod,
            uri: i.uri,
          };
        });
        const trigger = deployment.triggers.redeployment;
        expect(trigger).to.equal(deploymentTrigger(specs));
        expect(deploymentTrigger([...specs].reverse()), "order-independent").to.equal(trigger);
        const changed = specs.map((s, n) => (n === 0 ? { ...s, uri: `${s.uri}-v2` } : s));
        expect(deploymentTrigger(changed)).to.not.equal(trigger);
        expect(deploymentTrigger(specs.slice(1))).to.not.equal(trigger);
      });

      it("serves one stage, named from config, with JSON access logs", () => {
        const stage = one(run, T.stage).inputs;
        expect(stage.stageName).to.equal(cfg.stageName);
        expect(stage.deployment).to.equal(one(run, T.deployment).id);
        expect(stage.xrayTracingEnabled).to.equal(cfg.tracing);
        const group = run
          .ofType(T.logGroup)
          .find((g) => g.state.arn === stage.accessLogSettings.destinationArn);
        expect(group, "access log group").to.not.equal(undefined);
        expect(group).to.not.equal(functionLogGroup(run));
        expect(group!.inputs.retentionInDays).to.equal(cfg.logRetentionDays);
        expect(JSON.parse(stage.accessLogSettings.format)).to.deep.equal(ACCESS_LOG_FORMAT);
      });

      it("throttles every method of the stage with config's limits", () => {
        const ms = one(run, T.methodSettings).inputs;
        expect(ms.methodPath).to.equal("*/*");
        expect(ms.stageName).to.equal(cfg.stageName);
        expect(ms.restApi).to.equal(one(run, T.restApi).id);
        expect(ms.settings.throttlingRateLimit).to.equal(cfg.throttleRateLimit);
        expect(ms.settings.throttlingBurstLimit).to.equal(cfg.throttleBurstLimit);
      });

      it("lets only this API invoke the function", () => {
        const p = one(run, T.permission).inputs;
        expect(p.action).to.equal("lambda:InvokeFunction");
        expect(p.principal).to.equal("apigateway.amazonaws.com");
        expect(p.function).to.equal(one(run, T.function).state.name);
        expect(p.sourceArn).to.equal(`${one(run, T.restApi).state.executionArn}/*/*`);
      });
    });

    it("exports the stack outputs from the resources", () => {
      const stage = one(run, T.stage);
      expect(run.outputs).to.deep.equal({
        apiUrl: stage.state.invokeUrl,
        apiId: one(run, T.restApi).id,
        stageName: cfg.stageName,
        tableName: one(run, T.table, ITEMS).state.name,
        tableArn: one(run, T.table, ITEMS).state.arn,
        idempotencyTableName: one(run, T.table, RECORDS).state.name,
        functionName: one(run, T.function).state.name,
      });
      expect(run.outputs.apiUrl).to.match(new RegExp(`^https://.+/${cfg.stageName}$`));
    });
  });
}

describe("stack files", () => {
  it("dev is the tutorial's setup and lists every config key", () => {
    const dev = stackConfig("dev");
    expect(dev.tableName).to.equal("lambda-apigateway");
    expect(dev.stageName).to.equal("test");
    expect(dev.apiName).to.equal("DynamoDBOperations");
    expect(dev.production).to.equal(false);
    const raw = fs.readFileSync(path.join(__dirname, "..", "Pulumi.dev.yaml"), "utf8");
    for (const key of Object.keys(dev)) {
      expect(raw, `Pulumi.dev.yaml sets ${key}`).to.include(`${CONFIG_NAMESPACE}:${key}:`);
    }
    expect(raw).to.match(/^\s+aws:region: \S+/m);
  });

  it("prod turns on the production switches", () => {
    const prod = stackConfig("prod");
    expect(prod).to.include({
      production: true,
      pointInTimeRecovery: true,
      tracing: true,
      apiKeyRequired: true,
    });
    expect(prod.logRetentionDays).to.be.at.least(365);
  });
});

describe("config validation fails the program, naming the key", () => {
  const cases: [string, unknown, RegExp][] = [
    ["memorySize", "lots", /lambda-apigateway:memorySize must be a number/],
    ["stageName", "no spaces!", /lambda-apigateway:stageName must be 1–128 characters/],
    ["logRetentionDays", 10, /lambda-apigateway:logRetentionDays must be one of/],
    ["production", "yes", /lambda-apigateway:production must be true or false/],
    ["architecture", "arm", /lambda-apigateway:architecture must be arm64 or x86_64/],
    ["tablename", "x", /Unknown config key\(s\) lambda-apigateway:tablename/],
    ["idempotencyTtlHours", 0, /lambda-apigateway:idempotencyTtlHours must be at least 1 hour/],
    ["idempotencyTtlHours", 1.5, /lambda-apigateway:idempotencyTtlHours must be a whole number/],
    // 244 + "-idempotency" would pass DynamoDB's 255-character limit for the records table.
    ["tableName", "t".repeat(244), /lambda-apigateway:tableName must be 3–243 characters/],
  ];
  for (const [key, value, message] of cases) {
    it(`${key} = ${JSON.stringify(value)}`, async () => {
      let error: unknown;
      try {
        await runProgram({ stack: "dev", config: { [`${CONFIG_NAMESPACE}:${key}`]: value } });
      } catch (err) {
        error = err;
      }
      expect(error, "the program must fail").to.be.instanceOf(Error);
      expect((error as Error).message).to.match(message);
    });
  }
});

describe("config switches reach the resources", () => {
  it("pointInTimeRecovery false and a KMS key are applied", async () => {
    const kmsKeyArn = "arn:aws:kms:us-east-1:123456789012:key/00000000-0000-0000-0000-000000000000";
    const run = await runProgram({
      stack: "dev",
      config: {
        [`${CONFIG_NAMESPACE}:pointInTimeRecovery`]: false,
        [`${CONFIG_NAMESPACE}:kmsKeyArn`]: kmsKeyArn,
      },
    });
    const t = one(run, T.table, ITEMS).inputs as any;
    expect(t.pointInTimeRecovery).to.deep.equal({ enabled: false });
    expect(t.serverSideEncryption).to.deep.equal({ enabled: true, kmsKeyArn });
  });

  it("manageApiGatewayAccount sets the account's CloudWatch role, scoped to this project's logs", async () => {
    const run = await runProgram({
      stack: "dev",
      config: { [`${CONFIG_NAMESPACE}:manageApiGatewayAccount`]: true },
    });
    const account = one(run, "aws:apigateway/account:Account").inputs as any;
    const role = one(run, T.role, "api-cloudwatch-role");
    expect(account.cloudwatchRoleArn).to.equal(role.state.arn);
    expect(JSON.parse(role.inputs.assumeRolePolicy).Statement[0].Principal).to.deep.equal({
      Service: "apigateway.amazonaws.com",
    });
    const statements = permissionPolicies(run.resources)
      .filter((p) => p.resource.inputs.role === role.state.name)
      .flatMap((p) => p.statements);
    const accessLogs = run.ofType(T.logGroup).find((g) => g.name === "api-access-logs")!;
    expect(statements).to.have.length(1);
    for (const resource of statements[0]!.Resource) {
      expect(resource).to.match(
        /^arn:aws:logs:[a-z0-9-]+:\d{12}:log-group:\/aws\/apigateway\/lambda-apigateway\/\*$/,
      );
      expect(
        `${accessLogs.state.arn}:*`.startsWith(resource.slice(0, -1)),
        "covers the access logs",
      ).to.equal(true);
    }
    expect(one(run, T.stage).inputs.accessLogSettings.destinationArn).to.equal(
      accessLogs.state.arn,
    );
  });
});
