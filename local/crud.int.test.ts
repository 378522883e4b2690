/**
 * The real program (index.ts, stack dev) through the local cloud: the tutorial's CRUD flow over
 * HTTP, checked against DynamoDB Local directly. Table name and stage come from what the program
 * recorded, never from copies.
 */
import { DynamoDBClient, GetItemCommand } from "@aws-sdk/client-dynamodb";
import { expect } from "chai";
import { LOCAL_CREDENTIALS, startLocalCloud, type LocalCloud } from "./index";
import { TABLE_TYPE } from "./tables";

describe("local cloud: the handler's CRUD flow on the real program", function () {
  this.timeout(120_000);
  let cloud: LocalCloud;
  let tableName: string;
  let hashKey: string;

  before(async () => {
    cloud = await startLocalCloud({ stack: "dev" });
    const table = cloud.model.tables[0]!;
    tableName = table.name;
    hashKey = cloud.program.ofType(TABLE_TYPE)[0]!.state.hashKey;
  });
  after(() => cloud?.stop());

  const manager = async (operation: string, payload: unknown) => {
    const res = await fetch(`${cloud.apiUrl}/DynamoDBManager`, {
      method: "POST",
      headers: { "Content-Type": "application/json" },
      body: JSON.stringify({ operation, payload }),
    });
    const text = await res.text();
    return { status: res.status, body: text ? JSON.parse(text) : null };
  };

  it("serves the stage the program declares", () => {
    const stage = cloud.program.ofType("aws:apigateway/stage:Stage")[0]!.inputs.stageName;
    expect(cloud.apiUrl.endsWith(`/${stage}`)).to.equal(true);
  });

  it("creates, reads, updates and deletes an item, as the tutorial does", async () => {
    const key = { [hashKey]: "5678EFGH" };
    expect((await manager("create", { Item: { ...key, number: 15 } })).status).to.equal(200);
    const read = await manager("read", { Key: key });
    expect(read.status).to.equal(200);
    expect(read.body.Item).to.deep.equal({ ...key, number: 15, version: 1 });

    const client = new DynamoDBClient({
      endpoint: cloud.dynamoDbEndpoint,
      region: cloud.region,
      credentials: LOCAL_CREDENTIALS,
    });
    try {
      const stored = await client.send(
        new GetItemCommand({ TableName: tableName, Key: { [hashKey]: { S: "5678EFGH" } } }),
      );
      expect(stored.Item?.number).to.deep.equal({ N: "15" });
    } finally {
      client.destroy();
    }

    const updated = await manager("update", {
      Key: key,
      UpdateExpression: "SET #n = :n",
      ExpressionAttributeNames: { "#n": "number" },
      ExpressionAttributeValues: { ":n": 16 },
      ReturnValues: "ALL_NEW",
    });
    expect(updated.status, JSON.stringify(updated.body)).to.equal(200);
    expect((await manager("read", { Key: key })).body.Item.number).to.equal(16);

    expect((await manager("delete", { Key: key })).status).to.equal(200);
    const gone = await manager("read", { Key: key });
    expect(gone.status).to.equal(200);
    expect(gone.body.Item).to.equal(undefined);
  });

  it("answers an unknown route through the function, not API Gateway's bare 403", async () => {
    const res = await fetch(`${cloud.apiUrl}/no/such/route`);
    expect(res.status).to.be.within(400, 499);
    expect(res.status).to.not.equal(403);
  });

  it("reads the function's metrics from its log lines, as CloudWatch extracts them", async () => {
    const fn = cloud.model.functions.find((f) => f.environment["METRICS_NAMESPACE"]);
    expect(fn, "the function has a metrics namespace").to.not.equal(undefined);
    cloud.metrics.drain();
    const requestsBefore = cloud.metrics.recent.filter((p) => p.name === "Requests").length;
    await manager("create", { Item: { [hashKey]: "metrics-1", number: 1 } });
    await manager("read", { Key: { [hashKey]: "metrics-1" } });
    await fetch(`${cloud.apiUrl}/no/such/route`);
    // The log line travels over the worker's stdout, beside the response: wait for it.
    const deadline = Date.now() + 5000;
    const requests = () =>
      cloud.metrics.recent.filter((p) => p.name === "Requests").slice(requestsBefore);
    while (requests().length < 3 && Date.now() < deadline)
      await new Promise((r) => setTimeout(r, 20));
    const points = requests();
    expect(points).to.have.length(3);
    for (const p of points) {
      expect(p.namespace).to.equal(fn!.environment["METRICS_NAMESPACE"]);
      expect(p.functionName).to.equal(fn!.name);
      expect(p.dimensionSets[0]).to.deep.equal({ FunctionName: fn!.name });
    }
    const detail = points.map((p) => p.dimensionSets.at(-1));
    expect(detail).to.deep.equal([
      { FunctionName: fn!.name, Operation: "manager.create", StatusClass: "2xx" },
      { FunctionName: fn!.name, Operation: "manager.read", StatusClass: "2xx" },
      { FunctionName: fn!.name, Operation: "none", StatusClass: "4xx" },
    ]);
    const [summary] = cloud.metrics.drain();
    expect(summary).to.match(
      /Requests 3 \(Operation manager\.create 1, manager\.read 1, none 1; StatusClass 2xx 2, 4xx 1\)/,
    );
    expect(summary).to.match(/DynamoDBTime p50 [\d.]+ ms, p99 [\d.]+ ms \(n=2\)/);
  });
});
