/**
 * The Powertools peer the bench measures ours against (bench/powertools/handler.ts) does what it
 * claims, bundled as the bench bundles it and run against DynamoDB Local: structured request
 * logs with the Lambda context, EMF metrics, valibot validation, and idempotent writes through
 * Powertools' DynamoDB persistence layer. A peer that skipped any of them would look faster than
 * the handler a team would really write.
 */
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { pathToFileURL } from "node:url";
import { DeleteItemCommand, ScanCommand } from "@aws-sdk/client-dynamodb";
import type { APIGatewayProxyEvent, APIGatewayProxyResult, Context } from "aws-lambda";
import { expect } from "chai";
import { bundleHandler } from "../components/bundle";
import { ENV } from "../contract/env";
import { IDEMPOTENCY_KEY_HEADER } from "../contract/idempotency";
import { METRIC } from "../contract/metrics";
import { eventFor, type ApiCall } from "../local/api-gateway";
import { startHandlerEnvironment, type HandlerEnvironment } from "../testing/handler";
import { createPowertoolsTable, POWERTOOLS_TABLE_ENV } from "./powertools/table";

type Handler = (event: APIGatewayProxyEvent, context: Context) => Promise<APIGatewayProxyResult>;

describe("bench: the Powertools peer against DynamoDB Local", function () {
  this.timeout(120_000);
  let env: HandlerEnvironment;
  let outRoot: string;
  let handler: Handler;
  let requests = 0;

  const context = (): Context =>
    ({
      functionName: env.functionName,
      functionVersion: "$LATEST",
      invokedFunctionArn: `arn:aws:lambda:us-east-1:000000000000:function:${env.functionName}`,
      memoryLimitInMB: "128",
      awsRequestId: `powertools-test-${++requests}`,
      getRemainingTimeInMillis: () => 10_000,
    }) as Context;

  /** Invokes the peer and returns its answer and every line it wrote to stdout. */
  async function invoke(call: ApiCall) {
    const lines: string[] = [];
    const write = process.stdout.write;
    process.stdout.write = ((chunk: string | Uint8Array) => {
      lines.push(...String(chunk).split("\n").filter(Boolean));
      return true;
    }) as typeof process.stdout.write;
    try {
      const answer = await handler(eventFor(env.api, call), context());
      const logs = lines.map((l) => JSON.parse(l) as Record<string, unknown>);
      return { answer, body: answer.body ? JSON.parse(answer.body) : undefined, logs };
    } finally {
      process.stdout.write = write;
    }
  }

  before(async function () {
    env = await startHandlerEnvironment();
    Object.assign(process.env, await createPowertoolsTable(env.client, env.tableName), {
      // What Lambda sets and Powertools reads (its cold-start flag, the context it logs).
      AWS_LAMBDA_INITIALIZATION_TYPE: "on-demand",
      AWS_LAMBDA_FUNCTION_NAME: env.functionName,
      [ENV.metricsNamespace]: "bench-test",
      // startHandlerEnvironment quiets ours to WARN; Powertools' Logger honours it too.
      AWS_LAMBDA_LOG_LEVEL: "INFO",
    });
    outRoot = fs.mkdtempSync(path.join(os.tmpdir(), "bench-powertools-"));
    const bundle = bundleHandler({
      name: "powertools",
      entry: path.join(__dirname, "powertools", "handler.ts"),
      outRoot,
    });
    ({ handler } = (await import(pathToFileURL(path.join(bundle.dir, bundle.entryFile)).href)) as {
      handler: Handler;
    });
  });
  after(async () => {
    await env?.stop();
    if (outRoot) fs.rmSync(outRoot, { recursive: true, force: true });
  });

  const json = { "content-type": "application/json" };

  it("reads an item, logging one structured request line and EMF metrics", async () => {
    const created = await invoke({
      method: "POST",
      path: "/items",
      headers: json,
      body: JSON.stringify({ id: "pt-read", number: 5 }),
    });
    expect(created.answer.statusCode).to.equal(201);
    // The first request of the module is the cold start, logged and counted as such.
    const request = created.logs.find((l) => l["message"] === "request");
    expect(request).to.include({
      level: "INFO",
      cold_start: true,
      function_name: env.functionName,
      function_request_id: "powertools-test-1",
      operation: "items.create",
      status: 201,
    });
    const metricNames = created.logs.flatMap((l) =>
      (
        (l["_aws"] as { CloudWatchMetrics?: { Metrics: { Name: string }[] }[] })
          ?.CloudWatchMetrics ?? []
      ).flatMap((m) => m.Metrics.map((x) => x.Name)),
    );
    expect(metricNames).to.include.members(["ColdStart", METRIC.requests, METRIC.dynamoDbTime]);

    const read = await invoke({
      method: "POST",
      path: "/DynamoDBManager",
      headers: json,
      body: JSON.stringify({ operation: "read", payload: { Key: { id: "pt-read" } } }),
    });
    expect(read.answer.statusCode).to.equal(200);
    expect(read.body).to.deep.equal({ Item: { id: "pt-read", number: 5 } });
    expect(read.logs.find((l) => l["message"] === "request")).to.include({ cold_start: false });
  });

  it("refuses a request its valibot schema does not accept", async () => {
    const { answer, body } = await invoke({
      method: "POST",
      path: "/DynamoDBManager",
      headers: json,
      body: JSON.stringify({ operation: "read", payload: { Key: { id: 5 } } }),
    });
    expect(answer.statusCode).to.equal(400);
    expect(body).to.include({ error: "InvalidRequest" });
  });

  it("replays a keyed write from its idempotency record and refuses the key for another", async () => {
    const keyed = (body: unknown): ApiCall => ({
      method: "POST",
      path: "/items",
      headers: { ...json, [IDEMPOTENCY_KEY_HEADER]: "pt-key-1" },
      body: JSON.stringify(body),
    });
    const first = await invoke(keyed({ id: "pt-keyed", n: 1 }));
    expect(first.answer.statusCode).to.equal(201);
    // Gone from the table: only the record can answer a repeat the same way.
    await env.client.send(
      new DeleteItemCommand({ TableName: env.tableName, Key: { id: { S: "pt-keyed" } } }),
    );
    const repeat = await invoke(keyed({ id: "pt-keyed", n: 1 }));
    expect(repeat.answer.statusCode).to.equal(201);
    expect(repeat.body).to.deep.equal({ id: "pt-keyed", n: 1 });
    const records = await env.client.send(
      new ScanCommand({ TableName: process.env[POWERTOOLS_TABLE_ENV] }),
    );
    expect(records.Items?.map((r) => r["status"]?.S)).to.deep.equal(["COMPLETED"]);

    const other = await invoke(keyed({ id: "pt-keyed", n: 2 }));
    expect(other.answer.statusCode).to.equal(422);
  });
});
