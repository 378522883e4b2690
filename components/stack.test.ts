/**
 * The real program (`index.ts`) with the real stack files, run under mocks: every property that
 * matters, read from what the program registered.
 */
/* eslint-disable @typescript-eslint/no-explicit-any -- recorded inputs are untyped data */
import * as fs from "node:fs";
import * as path from "node:path";
import * as pulumi from "@pulumi/pulumi";
import { expect } from "chai";
import { parse as parseYaml } from "yaml";
import { runProgram, type ProgramRun, type RecordedResource } from "../local/program";
import { ENV } from "../contract/env";
import { corsHeaders } from "../contract/cors";
import { buildOpenApiDocument, publicDocument, type Document } from "../contract/openapi";
import { CATCH_ALL_PATH, ROUTES } from "../contract/operations";
import {
  ACCESS_LOG_FORMAT,
  API_KEY_SCHEME,
  GATEWAY_RESPONSE_TEMPLATE,
  deploymentTrigger,
} from "./api";
import { CONFIG_NAMESPACE, configKeyPaths, type StackConfig } from "./config";
import { IDEMPOTENCY_RECORD } from "../contract/keys";
import {
  DYNAMODB_ACTIONS,
  LOG_ACTIONS,
  RECORD_ACTIONS,
  XRAY_POLICY_NAME,
  dynamoDbClientBudget,
} from "./function";
import { managedPolicyArn } from "./partition";
import { isSecret, permissionPolicies, reveal, stackConfig } from "../testing/program";

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
  alias: "aws:lambda/alias:Alias",
  codeDeployApp: "aws:codedeploy/application:Application",
  deploymentGroup: "aws:codedeploy/deploymentGroup:DeploymentGroup",
  alarm: "aws:cloudwatch/metricAlarm:MetricAlarm",
  apiKey: "aws:apigateway/apiKey:ApiKey",
  usagePlan: "aws:apigateway/usagePlan:UsagePlan",
  usagePlanKey: "aws:apigateway/usagePlanKey:UsagePlanKey",
  userPool: "aws:cognito/userPool:UserPool",
  userPoolClient: "aws:cognito/userPoolClient:UserPoolClient",
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

/** The REST API's body, parsed. */
export function bodyOf(run: ProgramRun): Document {
  return JSON.parse(one(run, T.restApi).inputs.body) as Document;
}

const HTTP_METHODS = ["get", "put", "post", "delete", "options", "head", "patch", "trace"];

/** Every method of the body by path, ANY for `x-amazon-apigateway-any-method`. */
function methodsByPath(body: Document): Map<string, string[]> {
  const map = new Map<string, string[]>();
  for (const [path, item] of Object.entries(body.paths)) {
    const methods = Object.keys(item ?? {})
      .map((k) => (k === "x-amazon-apigateway-any-method" ? "ANY" : k.toUpperCase()))
      .filter((m) => m === "ANY" || HTTP_METHODS.includes(m.toLowerCase()));
    map.set(path, methods.sort());
  }
  return map;
}

/** Every operation of the body (ANY included) with its path and method. */
function operationsOf(body: Document): { path: string; method: string; op: any }[] {
  return Object.entries(body.paths).flatMap(([path, item]) =>
    Object.entries(item as Record<string, any>)
      .filter(([k]) => k === "x-amazon-apigateway-any-method" || HTTP_METHODS.includes(k))
      .map(([method, op]) => ({ path, method, op })),
  );
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
        expect(records.name).to.equal(`${cfg.table.name}${IDEMPOTENCY_RECORD.tableSuffix}`);
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
        expect(t.name).to.equal(cfg.table.name);
        expect(t.billingMode).to.equal("PAY_PER_REQUEST");
        expect(t.serverSideEncryption.enabled).to.equal(true);
        expect(t.serverSideEncryption.kmsKeyArn).to.equal(cfg.table.kmsKeyArn);
        expect(cfg.table.pointInTimeRecovery, "committed stacks keep PITR on").to.equal(true);
        expect(t.pointInTimeRecovery).to.deep.equal({ enabled: true });
        if (cfg.table.ttlAttribute) {
          expect(t.ttl).to.deep.equal({ attributeName: cfg.table.ttlAttribute, enabled: true });
        } else {
          expect(t.ttl).to.equal(undefined);
        }
      });

      it("is deletion-protected exactly when the stack is production", () => {
        const t = one(run, T.table, ITEMS).inputs;
        expect(t.deletionProtectionEnabled).to.equal(cfg.production);
        expect(t.tags.production).to.equal(String(cfg.production));
        // What `pulumi destroy` does to it, as Pulumi sends it to the engine.
        expect(one(run, T.table, "table").options).to.deep.equal({
          protect: cfg.production,
          retainOnDelete: cfg.production,
        });
      });
    });

    describe("function", () => {
      it("runs the bundled handler on Node.js 22 with config's size and architecture", async () => {
        const fn = one(run, T.function).inputs;
        expect(fn.runtime).to.equal("nodejs22.x");
        expect(fn.architectures).to.deep.equal([cfg.function.architecture]);
        expect(fn.memorySize).to.equal(cfg.function.memorySize);
        expect(fn.timeout).to.equal(cfg.function.timeout);
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
          dynamoDbClientBudget(cfg.function.timeout),
        );
        expect(
          timeoutMs * attempts,
          "DynamoDB gives up in half the function timeout",
        ).to.be.at.most((cfg.function.timeout * 1000) / 2);
        expect(vars[ENV.idempotencyTableName]).to.equal(one(run, T.table, RECORDS).state.name);
        expect(Number(vars[ENV.idempotencyTtlSeconds])).to.equal(
          cfg.function.idempotencyTtlHours * 3600,
        );
        expect(Object.keys(vars).sort()).to.deep.equal(Object.values(ENV).sort());
      });

      it("logs at INFO, since the request line carries the metrics, to its namespace", () => {
        const fn = one(run, T.function).inputs;
        // A higher application log level would drop successful requests' metrics with their lines.
        expect(fn.loggingConfig.applicationLogLevel).to.equal("INFO");
        // START and REPORT come at INFO; a timeout leaves only its REPORT.
        expect(fn.loggingConfig.systemLogLevel).to.equal("INFO");
        expect(reveal(fn.environment).variables[ENV.metricsNamespace]).to.equal(
          "lambda-apigateway",
        );
      });

      it("deploys no source maps, and does not ask Node to load them", async () => {
        const fn = one(run, T.function);
        const dir = String(await fn.inputs.code.path);
        const deployed = fs.readdirSync(dir, { recursive: true }).map(String);
        expect(deployed.filter((f) => f.endsWith(".map"))).to.deep.equal([]);
        expect(reveal(fn.inputs.environment).variables).not.to.have.property("NODE_OPTIONS");
      });

      it("logs JSON to its own log group with config's retention", () => {
        const fn = one(run, T.function).inputs;
        expect(fn.loggingConfig.logFormat).to.equal("JSON");
        expect(functionLogGroup(run).inputs.retentionInDays).to.equal(cfg.logRetentionDays);
      });

      it("traces with X-Ray only when config asks", () => {
        const fn = one(run, T.function).inputs;
        expect(fn.tracingConfig.mode).to.equal(cfg.tracing ? "Active" : "PassThrough");
        const role = run.ofType(T.role).find((r) => r.state.arn === fn.role)!;
        const attached = run
          .ofType(T.attachment)
          .filter((a) => a.inputs.role === role.state.name)
          .map((a) => a.inputs.policyArn);
        expect(attached).to.deep.equal(
          cfg.tracing ? [managedPolicyArn(run.partition, XRAY_POLICY_NAME)] : [],
        );
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
              expect(r, `${where} resource`).to.match(
                new RegExp(`^arn:${run.partition}:[a-z-]+:[a-z0-9-]+:\\d{12}:[^*]`),
              );
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
        expect(one(run, T.restApi).inputs.name).to.equal(cfg.api.name);
      });

      it("is deployed from one OpenAPI 3.0 body, with no per-route resources", () => {
        const api = one(run, T.restApi).inputs;
        const body = bodyOf(run);
        expect(body.openapi).to.match(/^3\.0\.\d+$/);
        expect(body.info.title, "AWS names the API from info.title").to.equal(api.name);
        expect(api.putRestApiMode, "overwrite: what the body drops goes away").to.equal(
          "overwrite",
        );
        for (const type of [T.resource, T.method, T.integration]) {
          expect(run.ofType(type), type).to.deep.equal([]);
        }
      });

      it("declares every route with its methods, OPTIONS and ANY, plus a catch-all and the root", () => {
        const expected = new Map<string, string[]>();
        for (const r of ROUTES) expected.set(r.path, [...r.methods, "OPTIONS", "ANY"].sort());
        expected.set(CATCH_ALL_PATH, ["ANY"]);
        expected.set("/", ["ANY"]);
        expect(Object.fromEntries(methodsByPath(bodyOf(run)))).to.deep.equal(
          Object.fromEntries(expected),
        );
      });

      it("integrates every method but preflights with the function's live alias as a Lambda proxy", () => {
        const invokeArn = one(run, T.alias).state.invokeArn;
        expect(invokeArn).to.equal(
          `arn:aws:apigateway:us-east-1:lambda:path/2015-03-31/functions/${one(run, T.function).state.arn}:live/invocations`,
        );
        for (const { path, method, op } of operationsOf(bodyOf(run))) {
          // One origin in both stacks: a MOCK integration answers preflights (components/api.test.ts).
          if (method === "options") continue;
          expect(op["x-amazon-apigateway-integration"], `${method} ${path}`).to.deep.equal({
            type: "aws_proxy",
            httpMethod: "POST",
            uri: invokeArn,
            passthroughBehavior: "when_no_match",
          });
        }
      });

      it("its public part is the document the function serves", () => {
        const served = buildOpenApiDocument();
        const shown = publicDocument(bodyOf(run));
        if (!cfg.api.apiKeyRequired) {
          expect(shown).to.deep.equal({ ...served, info: { ...served.info, title: cfg.api.name } });
        }
        expect(Object.keys(shown.paths).sort()).to.deep.equal(ROUTES.map((r) => r.path).sort());
        expect(JSON.stringify(shown)).not.to.match(/x-amazon-apigateway|arn:aws/);
      });

      it("requires the API key on every method but CORS preflights and the document when config asks", () => {
        const body = bodyOf(run);
        expect((body as any)["x-amazon-apigateway-api-key-source"]).to.equal("HEADER");
        for (const { path, method, op } of operationsOf(body)) {
          const open = method === "options" || (method === "get" && path === "/openapi.json");
          const keyed = cfg.api.apiKeyRequired && !open;
          const requirement = op.security?.[0] ?? {};
          expect(Object.hasOwn(requirement, API_KEY_SCHEME), `${method} ${path}`).to.equal(keyed);
          if (keyed) expect(requirement[API_KEY_SCHEME]).to.deep.equal([]);
          // One requirement object: API Gateway needs every scheme in it (key and identity).
          expect(op.security?.length ?? 0, `${method} ${path}`).to.be.at.most(1);
        }
        const key = body.components?.securitySchemes?.[API_KEY_SCHEME] as any;
        if (cfg.api.apiKeyRequired) {
          expect(key).to.include({ type: "apiKey", name: "x-api-key", in: "header" });
        } else expect(key).to.equal(undefined);
        const keys = run.ofType(T.apiKey);
        const plans = run.ofType(T.usagePlan);
        expect(keys).to.have.length(cfg.api.apiKeyRequired ? 1 : 0);
        expect(plans).to.have.length(cfg.api.apiKeyRequired ? 1 : 0);
        if (cfg.api.apiKeyRequired) {
          const plan = plans[0]!.inputs;
          expect(plan.apiStages).to.deep.equal([
            { apiId: one(run, T.restApi).id, stage: cfg.api.stageName },
          ]);
          expect(plan.throttleSettings).to.deep.equal({
            rateLimit: cfg.api.throttleRateLimit,
            burstLimit: cfg.api.throttleBurstLimit,
          });
          const link = one(run, T.usagePlanKey).inputs;
          expect(link).to.include({ keyId: keys[0]!.id, usagePlanId: plans[0]!.id });
        }
      });

      it("answers API Gateway's own errors in the function's shape, with its CORS headers", () => {
        const responses = (bodyOf(run) as any)["x-amazon-apigateway-gateway-responses"];
        expect(responses).to.have.keys("DEFAULT_4XX", "DEFAULT_5XX", "THROTTLED");
        // What the function sends a browser from the (single) configured origin.
        const origin = cfg.corsAllowOrigins[0] ?? "https://elsewhere.example";
        const fromFunction = corsHeaders(origin, cfg.corsAllowOrigins);
        for (const [type, r] of Object.entries<any>(responses)) {
          expect(r.responseTemplates, type).to.deep.equal({
            "application/json": GATEWAY_RESPONSE_TEMPLATE,
          });
          const headers = Object.fromEntries(
            Object.entries<string>(r.responseParameters)
              .filter(([k]) => !k.endsWith(".Retry-After"))
              .map(([k, v]) => [
                k.replace("gatewayresponse.header.", "").toLowerCase(),
                v.slice(1, -1),
              ]),
          );
          expect(headers, type).to.deep.equal(fromFunction);
        }
        expect(
          responses.THROTTLED.responseParameters["gatewayresponse.header.Retry-After"],
        ).to.equal("'1'");
      });

      it("redeploys exactly when the body changes", () => {
        const body = one(run, T.restApi).inputs.body as string;
        const trigger = one(run, T.deployment).inputs.triggers.redeployment;
        expect(trigger).to.equal(deploymentTrigger(body));
        expect(deploymentTrigger(body.replace("/items/{id}", "/items/{itemId}"))).to.not.equal(
          trigger,
        );
      });

      it("serves one stage, named from config, with JSON access logs where the account role is set", () => {
        const stage = one(run, T.stage).inputs;
        expect(stage.stageName).to.equal(cfg.api.stageName);
        expect(stage.deployment).to.equal(one(run, T.deployment).id);
        expect(stage.xrayTracingEnabled).to.equal(cfg.tracing);
        expect(cfg.api.accessLogs, "committed stacks log access").to.equal(true);
        const group = run
          .ofType(T.logGroup)
          .find((g) => g.state.arn === stage.accessLogSettings.destinationArn);
        expect(group, "access log group").to.not.equal(undefined);
        expect(group).to.not.equal(functionLogGroup(run));
        expect(group!.inputs.retentionInDays).to.equal(cfg.logRetentionDays);
        expect(JSON.parse(stage.accessLogSettings.format)).to.deep.equal(ACCESS_LOG_FORMAT);
      });

      it("never owns the region's API Gateway account setting (bootstrap/ does), only reads it", () => {
        const accounts = run.ofType("aws:apigateway/account:Account");
        expect(accounts.filter((a) => !a.external)).to.deep.equal([]);
        expect(accounts).to.have.length(cfg.api.accessLogs ? 1 : 0);
      });

      it("throttles every method of the stage with config's limits", () => {
        const ms = one(run, T.methodSettings).inputs;
        expect(ms.methodPath).to.equal("*/*");
        expect(ms.stageName).to.equal(cfg.api.stageName);
        expect(ms.restApi).to.equal(one(run, T.restApi).id);
        expect(ms.settings.throttlingRateLimit).to.equal(cfg.api.throttleRateLimit);
        expect(ms.settings.throttlingBurstLimit).to.equal(cfg.api.throttleBurstLimit);
      });

      it("lets only this API invoke the function", () => {
        const p = one(run, T.permission).inputs;
        expect(p.action).to.equal("lambda:InvokeFunction");
        expect(p.principal).to.equal("apigateway.amazonaws.com");
        expect(p.function).to.equal(one(run, T.function).state.name);
        // The alias the integrations call: a permission on the bare function would not cover it.
        expect(p.qualifier).to.equal(one(run, T.alias).inputs.name);
        expect(p.sourceArn).to.equal(`${one(run, T.restApi).state.executionArn}/*/*`);
      });
    });

    describe("promotion", () => {
      it("publishes a version per change, and the live alias is created at it", () => {
        const fn = one(run, T.function);
        expect(fn.inputs.publish).to.equal(true);
        expect(fn.state.version).to.equal("1");
        const alias = one(run, T.alias);
        expect(alias.inputs).to.include({
          name: "live",
          functionName: fn.state.name,
          functionVersion: fn.state.version,
        });
      });

      it("leaves the alias's version and weights to CodeDeploy on later ups", () => {
        expect(one(run, T.alias).ignoreChanges.sort()).to.deep.equal([
          "functionVersion",
          "routingConfig",
        ]);
      });

      it("a CodeDeploy application for Lambda and a group with traffic control", () => {
        const app = one(run, T.codeDeployApp);
        expect(app.inputs.computePlatform).to.equal("Lambda");
        const group = one(run, T.deploymentGroup).inputs;
        expect(group.appName).to.equal(app.inputs.name);
        expect(group.deploymentStyle).to.deep.equal({
          deploymentOption: "WITH_TRAFFIC_CONTROL",
          deploymentType: "BLUE_GREEN",
        });
        expect(group.deploymentConfigName).to.equal(cfg.promotion.deploymentConfig);
        expect(group.deploymentConfigName).to.equal(
          stack === "prod"
            ? "CodeDeployDefault.LambdaCanary10Percent5Minutes"
            : "CodeDeployDefault.LambdaAllAtOnce",
        );
      });

      it("stops on the stack's function error, 5XX and latency alarms and rolls back", () => {
        const group = one(run, T.deploymentGroup).inputs;
        const alarmName = (key: string) =>
          run.ofType(T.alarm).find((a) => a.name === `monitoring-${key}`)!.inputs.name;
        expect(group.alarmConfiguration).to.deep.equal({
          enabled: true,
          alarms: ["lambda-errors", "lambda-duration-p99", "api-5xx-rate", "api-latency-p99"].map(
            alarmName,
          ),
        });
        expect(group.autoRollbackConfiguration).to.deep.equal({
          enabled: true,
          events: ["DEPLOYMENT_FAILURE", "DEPLOYMENT_STOP_ON_ALARM"],
        });
      });

      it("CodeDeploy acts through a role only it assumes, with AWS's policy for Lambda", () => {
        const group = one(run, T.deploymentGroup).inputs;
        const role = run.ofType(T.role).find((r) => r.state.arn === group.serviceRoleArn)!;
        expect(JSON.parse(role.inputs.assumeRolePolicy).Statement).to.deep.equal([
          {
            Effect: "Allow",
            Principal: { Service: "codedeploy.amazonaws.com" },
            Action: "sts:AssumeRole",
          },
        ]);
        const attached = run
          .ofType(T.attachment)
          .filter((a) => a.inputs.role === role.state.name)
          .map((a) => a.inputs.policyArn);
        expect(attached).to.deep.equal([
          "arn:aws:iam::aws:policy/service-role/AWSCodeDeployRoleForLambda",
        ]);
      });
    });

    it("exports the stack outputs from the resources", () => {
      const stage = one(run, T.stage);
      expect(run.outputs).to.deep.equal({
        url: stage.state.invokeUrl, // no custom domain in the committed stacks
        apiUrl: stage.state.invokeUrl,
        domainName: undefined,
        domainTarget: undefined,
        apiId: one(run, T.restApi).id,
        stageName: cfg.api.stageName,
        tableName: one(run, T.table, ITEMS).state.name,
        tableArn: one(run, T.table, ITEMS).state.arn,
        idempotencyTableName: one(run, T.table, RECORDS).state.name,
        functionName: one(run, T.function).state.name,
        functionAlias: "live",
        functionVersion: one(run, T.function).state.version,
        codeDeployApplication: one(run, T.codeDeployApp).inputs.name,
        deploymentGroupName: one(run, T.deploymentGroup).inputs.deploymentGroupName,
        deploymentConfig: cfg.promotion.deploymentConfig,
        rollbackAlarms: one(run, T.deploymentGroup).inputs.alarmConfiguration.alarms,
        alarmTopicArn: one(run, "aws:sns/topic:Topic").state.arn,
        dashboardName: one(run, "aws:cloudwatch/dashboard:Dashboard").inputs.dashboardName,
        auth: cfg.auth,
        userPoolId: cfg.auth === "cognito" ? one(run, T.userPool).id : undefined,
        userPoolIssuer:
          cfg.auth === "cognito"
            ? `https://cognito-idp.us-east-1.amazonaws.com/${one(run, T.userPool).id}`
            : undefined,
        userPoolClientId: cfg.auth === "cognito" ? one(run, T.userPoolClient).id : undefined,
        invokeResourceArn:
          cfg.auth === "iam" ? `${one(run, T.stage).state.executionArn}/*/*` : undefined,
      });
      expect(run.outputs.apiUrl).to.match(new RegExp(`^https://.+/${cfg.api.stageName}$`));
    });
  });
}

describe("stack files", () => {
  it("dev is the tutorial's setup and lists every config key", () => {
    const dev = stackConfig("dev");
    expect(dev.table.name).to.equal("lambda-apigateway");
    expect(dev.api.stageName).to.equal("test");
    expect(dev.api.name).to.equal("DynamoDBOperations");
    expect(dev.production).to.equal(false);
    const raw = fs.readFileSync(path.join(__dirname, "..", "Pulumi.dev.yaml"), "utf8");
    const file = parseYaml(raw).config as Record<string, unknown>;
    for (const [key, ...inner] of configKeyPaths("dev", { optIn: false })) {
      let value: unknown = file[`${CONFIG_NAMESPACE}:${key}`];
      for (const k of inner) value = (value as Record<string, unknown> | undefined)?.[k];
      expect(value, `Pulumi.dev.yaml sets ${[key, ...inner].join(".")}`).to.not.equal(undefined);
    }
    expect(raw).to.match(/^\s+aws:region: \S+/m);
  });

  it("dev sets at most 15 top-level keys of the project", () => {
    const raw = fs.readFileSync(path.join(__dirname, "..", "Pulumi.dev.yaml"), "utf8");
    const keys = Object.keys(parseYaml(raw).config).filter((k) =>
      k.startsWith(`${CONFIG_NAMESPACE}:`),
    );
    expect(keys.length).to.be.at.most(15);
  });

  it("prod turns on the production switches", () => {
    const prod = stackConfig("prod");
    expect(prod).to.include({ production: true, tracing: true });
    expect(prod.table.pointInTimeRecovery).to.equal(true);
    expect(prod.api.apiKeyRequired).to.equal(true);
    expect(prod.logRetentionDays).to.be.at.least(365);
  });
});

describe("config validation fails the program, naming the key", () => {
  const NS = CONFIG_NAMESPACE;
  const cases: [Record<string, unknown>, RegExp][] = [
    [
      { [`${NS}:function`]: { memorySize: "lots" } },
      /lambda-apigateway:function\.memorySize must be a number/,
    ],
    [
      { [`${NS}:api`]: { stageName: "no spaces!" } },
      /lambda-apigateway:api\.stageName must be 1–128 characters/,
    ],
    [{ [`${NS}:logRetentionDays`]: 10 }, /lambda-apigateway:logRetentionDays must be one of/],
    [{ [`${NS}:production`]: "yes" }, /lambda-apigateway:production must be true or false/],
    [
      { [`${NS}:function`]: { architecture: "arm" } },
      /lambda-apigateway:function\.architecture must be arm64 or x86_64/,
    ],
    [
      { [`${NS}:tablename`]: "x" },
      /lambda-apigateway:tablename is not a known key: fix the spelling or remove it \(known here: production, /,
    ],
    [
      { [`${NS}:monitoring`]: { thresholds: { lambdaErorrs: 1 } } },
      /lambda-apigateway:monitoring\.thresholds\.lambdaErorrs is not a known key: fix the spelling or remove it \(known here: lambdaErrors, /,
    ],
    [{ [`${NS}:table`]: "lambda-apigateway" }, /lambda-apigateway:table must be a map of settings/],
    [
      { [`${NS}:function`]: { idempotencyTtlHours: 0 } },
      /lambda-apigateway:function\.idempotencyTtlHours must be at least 1 hour/,
    ],
    [
      { [`${NS}:function`]: { idempotencyTtlHours: 1.5 } },
      /lambda-apigateway:function\.idempotencyTtlHours must be a whole number/,
    ],
    // 244 + "-idempotency" would pass DynamoDB's 255-character limit for the records table.
    [
      { [`${NS}:table`]: { name: "t".repeat(244) } },
      /lambda-apigateway:table\.name must be 3–243 characters/,
    ],
    // A stack file still in the flat shape is told where each key went.
    [
      { [`${NS}:tableName`]: "items" },
      /lambda-apigateway:tableName has moved to lambda-apigateway:table\.name/,
    ],
  ];
  for (const [config, message] of cases) {
    it(JSON.stringify(config), async () => {
      let error: unknown;
      try {
        await runProgram({ stack: "dev", config });
      } catch (err) {
        error = err;
      }
      expect(error, "the program must fail").to.be.instanceOf(Error);
      expect((error as Error).message).to.match(message);
      expect((error as Error).message).to.include("Fix it in Pulumi.dev.yaml");
    });
  }
});

describe("config switches reach the resources", () => {
  it("table.pointInTimeRecovery false and a KMS key are applied", async () => {
    const kmsKeyArn = "arn:aws:kms:us-east-1:123456789012:key/00000000-0000-0000-0000-000000000000";
    const run = await runProgram({
      stack: "dev",
      config: { [`${CONFIG_NAMESPACE}:table`]: { pointInTimeRecovery: false, kmsKeyArn } },
    });
    const t = one(run, T.table, ITEMS).inputs as any;
    expect(t.pointInTimeRecovery).to.deep.equal({ enabled: false });
    expect(t.serverSideEncryption).to.deep.equal({ enabled: true, kmsKeyArn });
  });

  it("api.accessLogs false: no access logs, no access log group, and a warning", async () => {
    const warnings: string[] = [];
    const warn = pulumi.log.warn;
    (pulumi.log as { warn: typeof warn }).warn = (message, resource) => {
      warnings.push(message);
      return warn(message, resource);
    };
    let run: ProgramRun;
    try {
      run = await runProgram({
        stack: "dev",
        config: { [`${CONFIG_NAMESPACE}:api`]: { accessLogs: false } },
      });
    } finally {
      (pulumi.log as { warn: typeof warn }).warn = warn;
    }
    expect(one(run, T.stage).inputs.accessLogSettings).to.equal(undefined);
    expect(run.ofType(T.logGroup).map((g) => g.inputs.name)).to.deep.equal([
      functionLogGroup(run).inputs.name,
    ]);
    expect(warnings.join("\n")).to.include("Access logs are off").and.include("bootstrap/");
  });
});
