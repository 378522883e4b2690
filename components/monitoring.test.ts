/**
 * The Monitoring component in the real program with the real stack files, under mocks: each
 * alarm's metric, statistic, dimensions, threshold and actions, what CloudWatch and SNS refuse,
 * and a dashboard that parses and names only this stack's resources.
 */
/* eslint-disable @typescript-eslint/no-explicit-any -- recorded inputs are untyped data */
import * as pulumi from "@pulumi/pulumi";
import { expect } from "chai";
import { MockCloud, runProgram, type ProgramRun, type RecordedResource } from "../local/program";
import { ENV } from "../contract/env";
import { CONFIG_NAMESPACE, type StackConfig } from "./config";
import { ALARMS, Monitoring, alarmInstances } from "./monitoring";
import { reveal, stackConfig } from "../testing/program";

const T = {
  alarm: "aws:cloudwatch/metricAlarm:MetricAlarm",
  dashboard: "aws:cloudwatch/dashboard:Dashboard",
  topic: "aws:sns/topic:Topic",
  subscription: "aws:sns/topicSubscription:TopicSubscription",
  function: "aws:lambda/function:Function",
  restApi: "aws:apigateway/restApi:RestApi",
  stage: "aws:apigateway/stage:Stage",
  table: "aws:dynamodb/table:Table",
};

// What PutMetricAlarm, PutDashboard and SNS accept, from the CloudWatch API reference, the
// dashboard body reference and the SNS CreateTopic reference (written out here, independently
// of the component).
const STATISTICS = ["SampleCount", "Average", "Sum", "Minimum", "Maximum"];
const PERCENTILE = /^p(\d{1,2}(\.\d{1,2})?|100)$/;
const TREAT_MISSING = ["breaching", "notBreaching", "ignore", "missing"];
const OPERATORS = [
  "GreaterThanOrEqualToThreshold",
  "GreaterThanThreshold",
  "LessThanThreshold",
  "LessThanOrEqualToThreshold",
];
const QUERY_ID = /^[a-z][A-Za-z0-9_]*$/;
const SNS_ARN = /^arn:aws[a-z-]*:sns:[a-z0-9-]+:\d{12}:[A-Za-z0-9_-]{1,256}$/;
// What the handler sends the items table, keyed writes (TransactWriteItems) included.
const FUNCTION_OPERATIONS = [
  "GetItem",
  "PutItem",
  "UpdateItem",
  "DeleteItem",
  "Scan",
  "TransactWriteItems",
];

/** Every reason CloudWatch would refuse (or silently mis-evaluate) this alarm. */
export function alarmProblems(a: any): string[] {
  const p: string[] = [];
  const name = String(a.name ?? "");
  if (name.length < 1 || name.length > 255) p.push("name must be 1–255 characters");
  if ([...name].some((c) => c < " " || c === "\x7f"))
    p.push("name must not contain control characters");
  if (String(a.alarmDescription ?? "").length > 1024) p.push("description over 1024 characters");
  if (!OPERATORS.includes(a.comparisonOperator)) p.push("unknown comparisonOperator");
  if (!TREAT_MISSING.includes(a.treatMissingData)) p.push("treatMissingData must be set and valid");
  if (!(Number.isInteger(a.evaluationPeriods) && a.evaluationPeriods >= 1))
    p.push("evaluationPeriods must be a whole number ≥ 1");
  if (a.datapointsToAlarm !== undefined && a.datapointsToAlarm > a.evaluationPeriods)
    p.push("datapointsToAlarm exceeds evaluationPeriods");
  if (typeof a.threshold !== "number") p.push("threshold must be a number");
  for (const actions of [a.alarmActions ?? [], a.okActions ?? []]) {
    if (actions.length > 5) p.push("at most 5 actions per state");
    for (const arn of actions) if (!SNS_ARN.test(arn)) p.push(`action ${arn} is no SNS topic ARN`);
  }
  const validPeriod = (s: number) => [10, 30].includes(s) || (s >= 60 && s % 60 === 0);
  let period: number | undefined;
  if (a.metricQueries?.length) {
    for (const field of ["metricName", "namespace", "dimensions", "period", "statistic"]) {
      if (a[field] !== undefined) p.push(`${field} must not be set beside metricQueries`);
    }
    if (a.extendedStatistic !== undefined) p.push("extendedStatistic must not be set with math");
    const queries: any[] = a.metricQueries;
    const stats = queries.filter((q) => q.metric);
    const expressions = queries.filter((q) => q.expression);
    if (queries.length > 20) p.push("at most 20 metric queries");
    if (stats.length > 10) p.push("at most 10 metrics in an alarm's math");
    if (expressions.length > 10) p.push("at most 10 expressions");
    const ids = queries.map((q) => q.id);
    if (new Set(ids).size !== ids.length) p.push("query ids must be unique");
    for (const id of ids) if (!QUERY_ID.test(id)) p.push(`query id ${id} must start lowercase`);
    for (const q of queries) {
      if (!!q.metric === !!q.expression) p.push(`query ${q.id} needs metric or expression`);
    }
    const returning = queries.filter((q) => q.returnData === true);
    if (returning.length !== 1 || !returning[0].expression)
      p.push("exactly one expression must have returnData true");
    const periods = new Set(stats.map((q) => q.metric.period));
    if (periods.size !== 1) p.push("all metrics of the alarm need one period");
    period = stats[0]?.metric.period;
    for (const q of stats) {
      if (!STATISTICS.includes(q.metric.stat) && !PERCENTILE.test(q.metric.stat))
        p.push(`query ${q.id} has invalid stat ${q.metric.stat}`);
    }
    for (const q of expressions) {
      const referenced = String(q.expression).match(/\b[a-z][A-Za-z0-9_]*\b/g) ?? [];
      const functions = new Set(["if", "fill"]);
      for (const ref of referenced) {
        if (!functions.has(ref) && !ids.includes(ref)) p.push(`${q.id} refers to unknown ${ref}`);
      }
      if (String(q.expression).length > 2048) p.push("expression over 2048 characters");
    }
  } else {
    for (const field of ["metricName", "namespace", "period"]) {
      if (a[field] === undefined) p.push(`${field} is required without metricQueries`);
    }
    if ((a.statistic === undefined) === (a.extendedStatistic === undefined))
      p.push("exactly one of statistic and extendedStatistic");
    if (a.statistic !== undefined && !STATISTICS.includes(a.statistic))
      p.push(
        `statistic ${a.statistic} is no CloudWatch statistic (percentiles go in extendedStatistic)`,
      );
    if (a.extendedStatistic !== undefined && !PERCENTILE.test(a.extendedStatistic))
      p.push(`extendedStatistic ${a.extendedStatistic} is no percentile`);
    period = a.period;
  }
  if (a.evaluateLowSampleCountPercentiles !== undefined) {
    if (!["evaluate", "ignore"].includes(a.evaluateLowSampleCountPercentiles))
      p.push("evaluateLowSampleCountPercentiles must be evaluate or ignore");
    if (a.extendedStatistic === undefined)
      p.push("evaluateLowSampleCountPercentiles needs a percentile");
  }
  if (period === undefined || !validPeriod(period))
    p.push(`period ${period} is not 10, 30 or n×60`);
  else if (period < 60)
    p.push("10 and 30 s periods need high-resolution metrics, which these are not");
  if (period !== undefined && period * a.evaluationPeriods > 86_400)
    p.push("period × evaluationPeriods exceeds one day");
  return p;
}

function one(run: ProgramRun, type: string, name?: string): RecordedResource {
  const found = run.ofType(type).filter((r) => name === undefined || r.name === name);
  expect(found, `${type} ${name ?? ""}`).to.have.length(1);
  return found[0]!;
}

const inputs = (r: RecordedResource): any => reveal(r.inputs);

for (const stack of ["dev", "prod"]) {
  describe(`monitoring of stack ${stack} under mocks`, function () {
    this.timeout(60_000);
    let run: ProgramRun;
    let cfg: StackConfig;
    let alarms: Map<string, any>;
    let fnName: string;
    let apiName: string;
    let stage: string;
    let tableName: string;
    let topicArn: string;
    const alarm = (key: string) => {
      const a = alarms.get(`lambda-apigateway-${stack}-${key}`);
      expect(a, `alarm ${key}`).to.not.equal(undefined);
      return a;
    };

    before(async () => {
      cfg = stackConfig(stack);
      run = await runProgram({ stack });
      alarms = new Map(run.ofType(T.alarm).map((r) => [inputs(r).name, inputs(r)]));
      fnName = one(run, T.function).state.name;
      apiName = inputs(one(run, T.restApi)).name;
      stage = inputs(one(run, T.stage)).stageName;
      tableName = one(run, T.table, "table").state.name;
      topicArn = one(run, T.topic).state.arn;
    });

    it("creates the alarm topic (committed stacks name no existing one) and subscribes config's addresses by email", () => {
      expect(cfg.monitoring.alarmTopicArn).to.equal(undefined);
      const topic = inputs(one(run, T.topic));
      expect(topic.name).to.match(/^[A-Za-z0-9_-]{1,256}$/);
      expect(topic.kmsMasterKeyId, "CloudWatch cannot publish with aws/sns").to.not.equal(
        "alias/aws/sns",
      );
      const subscriptions = run.ofType(T.subscription).map(inputs);
      expect(subscriptions.map((s) => s.endpoint).sort()).to.deep.equal(
        [...cfg.monitoring.alarmEmails].sort(),
      );
      for (const s of subscriptions) expect(s).to.include({ protocol: "email", topic: topicArn });
      expect(run.outputs.alarmTopicArn).to.equal(topicArn);
    });

    it("every alarm is one CloudWatch accepts, and notifies the topic on ALARM and on OK", () => {
      expect(alarms.size).to.be.at.least(8);
      for (const [name, a] of alarms) {
        expect(alarmProblems(a), name).to.deep.equal([]);
        expect(a.actionsEnabled, name).to.equal(true);
        expect(a.alarmActions, name).to.deep.equal([topicArn]);
        expect(a.okActions, name).to.deep.equal([topicArn]);
        expect(a.alarmDescription, name).to.match(/First: /);
      }
    });

    it("Lambda: Errors (any in a period) and Throttles counted on this function", () => {
      for (const [key, metricName, threshold] of [
        ["lambda-errors", "Errors", cfg.monitoring.thresholds.lambdaErrors],
        ["lambda-throttles", "Throttles", cfg.monitoring.thresholds.lambdaThrottles],
      ] as const) {
        expect(alarm(key), key).to.deep.include({
          namespace: "AWS/Lambda",
          metricName,
          statistic: "Sum",
          dimensions: { FunctionName: fnName },
          period: cfg.monitoring.periodSeconds,
          evaluationPeriods: 1,
          datapointsToAlarm: 1,
          threshold,
          comparisonOperator: "GreaterThanOrEqualToThreshold",
          treatMissingData: "notBreaching",
        });
      }
    });

    it("Lambda: p99 Duration above the configured share of the function's timeout", () => {
      const timeoutMs = inputs(one(run, T.function)).timeout * 1000;
      expect(timeoutMs).to.equal(cfg.function.timeout * 1000);
      const a = alarm("lambda-duration-p99");
      expect(a).to.deep.include({
        namespace: "AWS/Lambda",
        metricName: "Duration",
        extendedStatistic: "p99",
        dimensions: { FunctionName: fnName },
        threshold: (timeoutMs * cfg.monitoring.thresholds.durationP99PercentOfTimeout) / 100,
        comparisonOperator: "GreaterThanThreshold",
        evaluationPeriods: cfg.monitoring.evaluationPeriods,
        datapointsToAlarm: cfg.monitoring.datapointsToAlarm,
        evaluateLowSampleCountPercentiles: "ignore",
      });
      expect(a.statistic).to.equal(undefined);
    });

    it("API Gateway: 5XX and 4XX as a share of the stage's requests, named by ApiName and Stage", () => {
      for (const [key, metricName, threshold] of [
        ["api-5xx-rate", "5XXError", cfg.monitoring.thresholds.api5xxPercent],
        ["api-4xx-rate", "4XXError", cfg.monitoring.thresholds.api4xxPercent],
      ] as const) {
        const a = alarm(key);
        expect(a).to.deep.include({
          threshold,
          comparisonOperator: "GreaterThanThreshold",
          evaluationPeriods: cfg.monitoring.evaluationPeriods,
          datapointsToAlarm: cfg.monitoring.datapointsToAlarm,
          treatMissingData: "notBreaching",
        });
        const byId = Object.fromEntries(a.metricQueries.map((q: any) => [q.id, q]));
        for (const [id, metric] of [
          ["requests", "Count"],
          ["errors", metricName],
        ] as const) {
          expect(byId[id].metric).to.deep.equal({
            namespace: "AWS/ApiGateway",
            metricName: metric,
            dimensions: { ApiName: apiName, Stage: stage },
            stat: "Sum",
            period: cfg.monitoring.periodSeconds,
          });
        }
        expect(byId.rate.expression).to.equal(
          `IF(requests >= ${cfg.monitoring.thresholds.minRequests}, 100 * errors / requests, 0)`,
        );
      }
    });

    it("API Gateway: p99 Latency above the configured milliseconds", () => {
      expect(alarm("api-latency-p99")).to.deep.include({
        namespace: "AWS/ApiGateway",
        metricName: "Latency",
        extendedStatistic: "p99",
        dimensions: { ApiName: apiName, Stage: stage },
        threshold: cfg.monitoring.thresholds.apiLatencyP99Ms,
        comparisonOperator: "GreaterThanThreshold",
      });
    });

    it("DynamoDB: ThrottledRequests and SystemErrors on this table, summed over the function's operations", () => {
      for (const [key, metricName, threshold] of [
        ["dynamodb-throttles", "ThrottledRequests", cfg.monitoring.thresholds.dynamoDbThrottles],
        ["dynamodb-system-errors", "SystemErrors", cfg.monitoring.thresholds.dynamoDbSystemErrors],
      ] as const) {
        const a = alarm(key);
        expect(a).to.deep.include({
          threshold,
          comparisonOperator: "GreaterThanOrEqualToThreshold",
          evaluationPeriods: 1,
        });
        const metrics = a.metricQueries.filter((q: any) => q.metric).map((q: any) => q.metric);
        // DynamoDB publishes these per table and operation only: no TableName-only series exists.
        expect(metrics.map((m: any) => m.dimensions)).to.deep.equal(
          FUNCTION_OPERATIONS.map((Operation) => ({ TableName: tableName, Operation })),
        );
        for (const m of metrics) expect(m).to.include({ namespace: "AWS/DynamoDB", metricName });
        const total = a.metricQueries.find((q: any) => q.returnData);
        for (const q of a.metricQueries.filter((q: any) => q.metric)) {
          expect(total.expression, "gaps count as 0").to.include(`FILL(${q.id}, 0)`);
        }
      }
    });

    it("DynamoDB: the records table's alarms sum only the operations sent to it", () => {
      const records = run.ofType(T.table).find((t) => t.name === "table-idempotency")!;
      expect(records, "the records table").to.not.equal(undefined);
      for (const key of ["dynamodb-throttles-2", "dynamodb-system-errors-2"]) {
        const metrics = alarm(key)
          .metricQueries.filter((q: any) => q.metric)
          .map((q: any) => q.metric.dimensions);
        expect(metrics, key).to.deep.equal(
          ["PutItem", "DeleteItem", "TransactWriteItems"].map((Operation) => ({
            TableName: records.state.name,
            Operation,
          })),
        );
      }
    });

    it("DynamoDB: UserErrors (account-wide, no dimensions) as a share of requests, when config asks", () => {
      const a = alarms.get(`lambda-apigateway-${stack}-dynamodb-user-errors-rate`);
      if (cfg.monitoring.thresholds.dynamoDbUserErrorsPercent === 0) {
        expect(a).to.equal(undefined);
        return;
      }
      const userErrors = a.metricQueries.find((q: any) => q.metric?.metricName === "UserErrors");
      expect(userErrors.metric.dimensions, "DynamoDB publishes UserErrors per account").to.equal(
        undefined,
      );
      expect(a.threshold).to.equal(cfg.monitoring.thresholds.dynamoDbUserErrorsPercent);
      expect(a.alarmDescription).to.match(/whole account/);
    });

    it("has one dashboard whose JSON parses and names only this stack's resources", () => {
      const d = inputs(one(run, T.dashboard));
      expect(d.dashboardName).to.match(/^[A-Za-z0-9_-]{1,255}$/);
      expect(run.outputs.dashboardName).to.equal(d.dashboardName);
      const body = JSON.parse(d.dashboardBody);
      expect(body.widgets).to.be.an("array").with.length.within(1, 500);
      const namespace = inputs(one(run, T.function)).environment.variables[ENV.metricsNamespace];
      const allowed: Record<string, string[]> = {
        FunctionName: [fnName],
        ApiName: [apiName],
        Stage: [stage],
        // The items table and the Idempotency-Key records table, both this stack's.
        TableName: run.ofType(T.table).map((t) => t.state.name),
        StatusClass: ["4xx", "5xx"],
      };
      const namespaces = new Set<string>();
      for (const w of body.widgets) {
        expect(w.x + w.width, JSON.stringify(w)).to.be.at.most(24);
        expect(w.width).to.be.within(1, 24);
        expect(w.height).to.be.within(1, 1000);
        expect(["metric", "text", "alarm"]).to.include(w.type);
        if (w.type === "text") {
          // The alarm table lives in the manual; the README is a front page.
          expect(w.properties.markdown).to.include("docs/deploying.md").and.not.include("README");
        }
        if (w.type === "alarm") {
          const arns = run.ofType(T.alarm).map((r) => r.state.arn);
          expect([...w.properties.alarms].sort(), "every alarm, only ours").to.deep.equal(
            arns.sort(),
          );
          expect(w.properties.alarms.length).to.be.within(1, 100);
        }
        if (w.type !== "metric") continue;
        expect(w.properties.region).to.equal(run.region);
        expect(w.properties.metrics.length).to.be.within(1, 500);
        for (const line of w.properties.metrics) {
          const render = line.at(-1);
          const [ns, , ...dims] = line.slice(0, -1);
          expect(ns, "written out, no '.' shorthand").to.not.equal(".");
          namespaces.add(ns);
          expect(STATISTICS.includes(render.stat) || PERCENTILE.test(render.stat)).to.equal(true);
          expect(dims.length % 2).to.equal(0);
          for (let i = 0; i < dims.length; i += 2) {
            expect(allowed[dims[i]], `dimension ${dims[i]}`).to.include(dims[i + 1]);
          }
        }
      }
      expect([...namespaces].sort()).to.deep.equal(
        ["AWS/ApiGateway", "AWS/DynamoDB", "AWS/Lambda", namespace].sort(),
      );
    });
  });
}

describe("monitoring config", () => {
  it("dev is quieter than prod: longer periods, higher thresholds, no user-error paging", () => {
    const dev = stackConfig("dev");
    const prod = stackConfig("prod");
    expect(dev.monitoring.periodSeconds * dev.monitoring.datapointsToAlarm).to.be.greaterThan(
      prod.monitoring.periodSeconds * prod.monitoring.datapointsToAlarm,
    );
    for (const key of [
      "lambdaErrors",
      "lambdaThrottles",
      "durationP99PercentOfTimeout",
      "api5xxPercent",
      "api4xxPercent",
      "apiLatencyP99Ms",
      "minRequests",
      "dynamoDbThrottles",
      "dynamoDbSystemErrors",
    ] as const) {
      expect(dev.monitoring.thresholds[key], key).to.be.greaterThan(
        prod.monitoring.thresholds[key],
      );
    }
    expect(dev.monitoring.thresholds.dynamoDbUserErrorsPercent).to.equal(0);
    expect(prod.monitoring.thresholds.dynamoDbUserErrorsPercent).to.be.greaterThan(0);
  });

  // Values of the stack config's monitoring group; each message names the key's full path.
  const cases: [Record<string, unknown>, RegExp][] = [
    [{ periodSeconds: 90 }, /monitoring\.periodSeconds must be a multiple of 60/],
    [{ periodSeconds: 30 }, /monitoring\.periodSeconds must be at least 60/],
    [
      { evaluationPeriods: 2, datapointsToAlarm: 3 },
      /monitoring\.datapointsToAlarm must be at most evaluationPeriods \(2\)/,
    ],
    [
      { periodSeconds: 3600, evaluationPeriods: 25, datapointsToAlarm: 1 },
      /monitoring\.evaluationPeriods times periodSeconds \(3600\) must be at most 86400 s/,
    ],
    [{ alarmEmails: ["not-an-address"] }, /monitoring\.alarmEmails\.0 must be email addresses/],
    [
      { alarmEmails: ["a@example.com", "A@example.com"] },
      /monitoring\.alarmEmails must not list an address twice/,
    ],
    [
      {
        alarmEmails: ["a@example.com"],
        alarmTopicArn: "arn:aws:sns:us-east-1:123456789012:on-call",
      },
      /monitoring\.alarmEmails subscribe only to the topic this component creates/,
    ],
    [{ alarmTopicArn: "on-call" }, /monitoring\.alarmTopicArn must be an SNS topic ARN/],
    [{ thresholds: { api5xxPercent: 0 } }, /monitoring\.thresholds\.api5xxPercent must be above 0/],
    [
      { thresholds: { apiLatencyP99Ms: 60_000 } },
      /monitoring\.thresholds\.apiLatencyP99Ms must be at most 29000 ms/,
    ],
    [
      { thresholds: { lambdaErrors: 0.5 } },
      /monitoring\.thresholds\.lambdaErrors must be a whole number/,
    ],
    [
      { thresholds: { dynamoDbUserErrorsPercent: -1 } },
      /monitoring\.thresholds\.dynamoDbUserErrorsPercent must be at least 0/,
    ],
  ];
  for (const [values, message] of cases) {
    it(`fails the program naming the key: ${JSON.stringify(values)}`, async () => {
      let error: unknown;
      try {
        await runProgram({ stack: "dev", config: { [`${CONFIG_NAMESPACE}:monitoring`]: values } });
      } catch (err) {
        error = err;
      }
      expect(error, "the program must fail").to.be.instanceOf(Error);
      expect((error as Error).message).to.match(message);
    });
  }

  it("an existing topic replaces the stack's own: no topic, no subscription, alarms notify it", async () => {
    const arn = "arn:aws:sns:us-east-1:123456789012:on-call";
    const run = await runProgram({
      stack: "prod",
      config: { [`${CONFIG_NAMESPACE}:monitoring`]: { alarmTopicArn: arn } },
    });
    expect(run.ofType(T.topic)).to.have.length(0);
    expect(run.ofType(T.subscription)).to.have.length(0);
    for (const a of run.ofType(T.alarm).map(inputs)) {
      expect(a.alarmActions).to.deep.equal([arn]);
      expect(a.okActions).to.deep.equal([arn]);
    }
    expect(run.outputs.alarmTopicArn).to.equal(arn);
  });

  it("subscribes each address by email, named by address so reordering changes nothing", async () => {
    const emails = ["ops@example.com", "dev@example.com"];
    const names = async (list: string[]) => {
      const run = await runProgram({
        stack: "prod",
        config: { [`${CONFIG_NAMESPACE}:monitoring`]: { alarmEmails: list } },
      });
      const subs = run.ofType(T.subscription);
      expect(subs.map((s) => inputs(s).endpoint).sort()).to.deep.equal([...list].sort());
      for (const s of subs) {
        // pulumi-aws cannot delete an unconfirmed email subscription; deleting the topic can.
        expect(inputs(s).protocol).to.equal("email");
        expect(inputs(s).topic).to.equal(one(run, T.topic).state.arn);
        expect(s.state.pendingConfirmation).to.equal(true);
      }
      return Object.fromEntries(subs.map((s) => [inputs(s).endpoint, s.name]));
    };
    expect(await names(emails)).to.deep.equal(await names([...emails].reverse()));
  });
});

describe("Monitoring component", () => {
  beforeEach(async () => {
    await pulumi.runtime.setMocks(new MockCloud("us-east-1"), "lambda-apigateway", "unit", false);
  });

  const refs = () => ({
    function: {
      name: pulumi.output("fn"),
      timeout: pulumi.output(10),
      metricsNamespace: "lambda-apigateway",
    },
    api: { name: pulumi.output("api"), stageName: pulumi.output("test") },
    tables: [{ name: pulumi.output("t1") }, { name: pulumi.output("t2") }],
  });

  it("refuses a topic encrypted with aws/sns, which CloudWatch cannot publish to", () => {
    expect(
      () =>
        new Monitoring("m", {
          ...refs(),
          transform: { topic: { kmsMasterKeyId: "alias/aws/sns" } },
        }),
    ).to.throw(/customer-managed key/);
  });

  it("refuses evaluation settings CloudWatch would refuse", () => {
    expect(() => new Monitoring("m", { ...refs(), periodSeconds: 45 })).to.throw(/multiple of 60/);
    expect(
      () => new Monitoring("m", { ...refs(), evaluationPeriods: 2, datapointsToAlarm: 3 }),
    ).to.throw(/datapointsToAlarm/);
    expect(
      () => new Monitoring("m", { ...refs(), periodSeconds: 86_400, evaluationPeriods: 2 }),
    ).to.throw(/at most 86400/);
  });

  it("alarms every table it is given, each under its own name", () => {
    const m = new Monitoring("m", refs());
    const keys = Object.keys(m.nodes.alarms).filter((k) => k.startsWith("dynamodb-throttles"));
    expect(keys.sort()).to.deep.equal(["dynamodb-throttles", "dynamodb-throttles-2"]);
  });
});

describe("the alarm table", () => {
  const context = (dynamoDbUserErrorsPercent: number) => ({
    thresholds: { dynamoDbUserErrorsPercent } as any,
    periodSeconds: 60,
    evaluationPeriods: 5,
    datapointsToAlarm: 3,
    functionTimeout: pulumi.output(10),
  });

  it("gives each table its per-table alarms, grouped by table, and leaves out disabled rows", () => {
    const tables = [{ name: "items" }, { name: "records", operations: ["PutItem"] }];
    const on = alarmInstances(ALARMS, tables, context(5));
    expect(on.map((a) => a.key)).to.deep.equal([
      "lambda-errors",
      "lambda-throttles",
      "lambda-duration-p99",
      "api-5xx-rate",
      "api-4xx-rate",
      "api-latency-p99",
      "dynamodb-throttles",
      "dynamodb-system-errors",
      "dynamodb-throttles-2",
      "dynamodb-system-errors-2",
      "dynamodb-user-errors-rate",
    ]);
    expect(on.find((a) => a.key === "dynamodb-throttles-2")!.table).to.deep.equal({
      name: "records",
      operations: ["PutItem"],
    });
    const off = alarmInstances(ALARMS, tables, context(0)).map((a) => a.key);
    expect(off).not.to.include("dynamodb-user-errors-rate");
    expect(off).to.have.length(on.length - 1);
  });

  it("keys are unique and each row has a runbook that says what to check first", () => {
    expect(new Set(ALARMS.map((a) => a.key)).size).to.equal(ALARMS.length);
    for (const spec of ALARMS) {
      const thresholds = new Proxy({}, { get: () => 1 }) as any;
      expect(spec.runbook({ ...context(5), thresholds }), spec.key).to.match(/First: /);
    }
  });

  it("lambda-errors points at the REPORT's status, where a timeout or an out-of-memory death shows", () => {
    const spec = ALARMS.find((a) => a.key === "lambda-errors")!;
    const runbook = spec.runbook(context(5));
    // Lambda no longer writes "Task timed out": only the REPORT tells (DataBiosphere/azul#8140).
    expect(runbook)
      .to.include("Status: timeout")
      .and.include("Status: error")
      .and.include("Runtime.OutOfMemory")
      .and.include("platform.report");
    expect(runbook.length).to.be.at.most(1024);
  });
});

describe("alarmProblems (the AWS rules the tests hold every alarm to)", () => {
  let good: any[];
  before(async () => {
    const run = await runProgram({ stack: "prod" });
    good = run.ofType(T.alarm).map(inputs);
  });
  const clone = (a: any) => JSON.parse(JSON.stringify(a));
  const single = () => clone(good.find((a) => a.extendedStatistic));
  const math = () => clone(good.find((a) => a.metricQueries));

  it("reports what CloudWatch refuses", () => {
    const cases: [string, (a: any) => any][] = [
      ["statistic and extendedStatistic", (a) => ({ ...a, statistic: "Average" })],
      [
        "a percentile in statistic",
        (a) => ({ ...a, extendedStatistic: undefined, statistic: "p99" }),
      ],
      ["a 90 s period", (a) => ({ ...a, period: 90 })],
      ["more than a day", (a) => ({ ...a, period: 3600, evaluationPeriods: 25 })],
      ["a long description", (a) => ({ ...a, alarmDescription: "x".repeat(1025) })],
      ["an unknown treatMissingData", (a) => ({ ...a, treatMissingData: "zero" })],
      ["a long name", (a) => ({ ...a, name: "a".repeat(256) })],
    ];
    for (const [what, mutate] of cases) {
      expect(alarmProblems(mutate(single())), what).to.not.deep.equal([]);
    }
    const mathCases: [string, (a: any) => void][] = [
      ["two results", (a) => a.metricQueries.forEach((q: any) => (q.returnData = true))],
      ["an upper-case id", (a) => (a.metricQueries[0].id = "Requests")],
      ["metricName beside queries", (a) => (a.metricName = "Errors")],
      ["mixed periods", (a) => (a.metricQueries[0].metric.period = 300)],
      ["an unknown reference", (a) => (a.metricQueries.at(-1).expression += " + nothing")],
      [
        "eleven metrics",
        (a) => {
          const m = a.metricQueries[0];
          for (let i = 0; i < 11; i++) a.metricQueries.push({ ...m, id: `x${i}` });
        },
      ],
    ];
    for (const [what, mutate] of mathCases) {
      const a = math();
      mutate(a);
      expect(alarmProblems(a), what).to.not.deep.equal([]);
    }
  });
});
