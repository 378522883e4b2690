/**
 * The DynamoDB stores without DynamoDB: what each call sends (through which client, with which
 * table and converted values), what it makes of the answers and errors, and how the clients are
 * built. The contract suite (testing/store-contract.int.test.ts) runs them against DynamoDB Local.
 */
import { NumberValue } from "@aws-sdk/lib-dynamodb";
import { expect } from "chai";
import { Binary, BinarySet, NumberSet, StringSet } from "../core/attributes";
import { Num } from "../../contract/json";
import { ConditionFailed, TransactionCanceled } from "../core/store";
import {
  atMostOnceRetryStrategy,
  conditionFailed,
  createClients,
  createDynamoDbStore,
  fromAttributeValue,
  fromNative,
  provablyNotApplied,
  toNative,
  type Clients,
} from "./dynamodb";
import { createRecordStore } from "./records";
import { timed } from "./timed";

const n = (text: string) => new Num(text);
const bytes = (...b: number[]) => Uint8Array.from(b);

interface Sent {
  client: "reads" | "writes";
  command: string;
  input: Record<string, unknown>;
}

/** Clients that record what is sent and answer from `replies`, in order (an Error is thrown). */
function fakeClients(...replies: unknown[]) {
  const sent: Sent[] = [];
  const client = (name: Sent["client"]) => ({
    send: async (command: { constructor: { name: string }; input: Record<string, unknown> }) => {
      sent.push({ client: name, command: command.constructor.name, input: command.input });
      const reply = replies.shift() ?? {};
      if (reply instanceof Error || (reply as { name?: string }).name) throw reply;
      return reply;
    },
  });
  return {
    clients: { reads: () => client("reads"), writes: () => client("writes") } as unknown as Clients,
    sent,
  };
}

async function failure(promise: Promise<unknown>): Promise<unknown> {
  try {
    await promise;
  } catch (err) {
    return err;
  }
  throw new Error("succeeded");
}

const options = { tableName: "items-table", timeoutMs: 1000, maxAttempts: 2 };

describe("store/dynamodb: values", () => {
  it("converts each core value to what lib-dynamodb marshals to the same type", () => {
    const native = toNative({
      s: "x",
      t: true,
      nul: null,
      n: n("1.50"),
      b: new Binary(bytes(1, 2)),
      ss: new StringSet(["a"]),
      ns: new NumberSet([n("2")]),
      bs: new BinarySet([bytes(3)]),
      l: [n("1"), "y"],
      m: { inner: n("3") },
    }) as Record<string, unknown>;
    expect(native).to.deep.equal({
      s: "x",
      t: true,
      nul: null,
      n: new NumberValue("1.50"),
      b: bytes(1, 2),
      ss: new Set(["a"]),
      ns: new Set([new NumberValue("2")]),
      bs: new Set([bytes(3)]),
      l: [new NumberValue("1"), "y"],
      m: { inner: new NumberValue("3") },
    });
  });

  it("converts what lib-dynamodb unmarshalled back to core values", () => {
    expect(
      fromNative({
        s: "x",
        n: n("1.5"),
        nv: new NumberValue("7"),
        b: bytes(1),
        ss: new Set(["a", "b"]),
        ns: new Set([n("1"), 2]),
        bs: new Set([bytes(4)]),
        l: [n("1"), null],
        m: { t: false },
      }),
    ).to.deep.equal({
      s: "x",
      n: n("1.5"),
      nv: n("7"),
      b: new Binary(bytes(1)),
      ss: new StringSet(["a", "b"]),
      ns: new NumberSet([n("1"), n("2")]),
      bs: new BinarySet([bytes(4)]),
      l: [n("1"), null],
      m: { t: false },
    });
  });

  it("converts DynamoDB's raw attribute values (an old item on a failed condition)", () => {
    expect(
      fromAttributeValue({
        M: {
          s: { S: "x" },
          n: { N: "1.50" },
          t: { BOOL: false },
          nul: { NULL: true },
          b: { B: bytes(9) },
          ss: { SS: ["a"] },
          ns: { NS: ["1", "2"] },
          bs: { BS: [bytes(8)] },
          l: { L: [{ S: "y" }, { N: "0" }] },
        },
      }),
    ).to.deep.equal({
      s: "x",
      n: n("1.50"),
      t: false,
      nul: null,
      b: new Binary(bytes(9)),
      ss: new StringSet(["a"]),
      ns: new NumberSet([n("1"), n("2")]),
      bs: new BinarySet([bytes(8)]),
      l: ["y", n("0")],
    });
    expect(() => fromAttributeValue({ X: 1, Y: 2 } as never)).to.throw(
      "Unsupported attribute type X,Y",
    );
  });

  it("turns DynamoDB's failed condition into ConditionFailed, with the old item when sent", () => {
    const withItem = (() => {
      try {
        conditionFailed({ name: "ConditionalCheckFailedException", Item: { id: { S: "a" } } });
      } catch (err) {
        return err;
      }
    })();
    expect(withItem).to.be.instanceOf(ConditionFailed);
    expect((withItem as ConditionFailed).item).to.deep.equal({ id: "a" });
    try {
      conditionFailed({ name: "ConditionalCheckFailedException" });
    } catch (err) {
      expect((err as ConditionFailed).item).to.equal(undefined);
    }
    const other = new Error("other");
    expect(() => conditionFailed(other)).to.throw(other);
    let thrown: unknown = "nothing";
    try {
      conditionFailed(undefined);
    } catch (err) {
      thrown = err;
    }
    expect(thrown).to.equal(undefined);
  });
});

describe("store/dynamodb: retries and clients", () => {
  it("retries only what DynamoDB provably did not apply", () => {
    expect(provablyNotApplied("THROTTLING")).to.equal(true);
    expect(provablyNotApplied("TRANSIENT", { code: "ECONNREFUSED" })).to.equal(true);
    expect(provablyNotApplied("TRANSIENT", { code: "ECONNRESET" })).to.equal(false);
    expect(provablyNotApplied("TRANSIENT")).to.equal(false);
    expect(provablyNotApplied("SERVER_ERROR", { name: "ThrottlingException" })).to.equal(false);
  });

  it("backs off with full jitter, capped at 1 s", async () => {
    const random = Math.random;
    Math.random = () => 0.5;
    try {
      const strategy = atMostOnceRetryStrategy(10, 100);
      expect(strategy.mode).to.equal("at-most-once");
      expect(strategy.recordSuccess()).to.equal(undefined);
      let token = await strategy.acquireInitialRetryToken();
      const delays = [token.getRetryDelay()];
      for (let i = 0; i < 5; i++) {
        token = await strategy.refreshRetryTokenForRetry(token, { errorType: "THROTTLING" });
        delays.push(token.getRetryDelay());
      }
      expect(delays).to.deep.equal([50, 100, 200, 400, 500, 500]);
      expect(token.getRetryCount()).to.equal(5);
      expect(atMostOnceRetryStrategy(3)).to.have.property("mode", "at-most-once");
      const defaults = await atMostOnceRetryStrategy(3).acquireInitialRetryToken();
      expect(defaults.getRetryDelay()).to.equal(12.5);
    } finally {
      Math.random = random;
    }
  });

  it("builds each client once, with the timeouts and attempts it is given", async () => {
    const clients = createClients({ timeoutMs: 1234, maxAttempts: 3 });
    const reads = clients.reads() as unknown as ClientInternals;
    const writes = clients.writes() as unknown as ClientInternals;
    expect(clients.reads()).to.equal(reads);
    expect(clients.writes()).to.equal(writes);
    expect(writes).to.not.equal(reads);
    expect(await reads.config.maxAttempts()).to.equal(3);
    expect((await reads.config.retryStrategy()).mode).to.equal("standard");
    expect((await writes.config.retryStrategy()).mode).to.equal("at-most-once");
    for (const client of [reads, writes]) {
      expect(await client.config.requestHandler.configProvider).to.deep.include({
        connectionTimeout: 1234,
        requestTimeout: 1234,
        throwOnRequestTimeout: true,
      });
      expect(client.config.translateConfig.marshallOptions).to.deep.equal({
        removeUndefinedValues: true,
      });
      expect(client.config.translateConfig.unmarshallOptions.wrapNumbers("1.50")).to.deep.equal(
        n("1.50"),
      );
    }
    reads.destroy();
    writes.destroy();
  });
});

interface ClientInternals {
  config: {
    maxAttempts(): Promise<number>;
    retryStrategy(): Promise<{ mode: string }>;
    requestHandler: { configProvider: Promise<Record<string, unknown>> };
    translateConfig: {
      marshallOptions: unknown;
      unmarshallOptions: { wrapNumbers(text: string): unknown };
    };
  };
  destroy(): void;
}

describe("store/dynamodb: the Store", () => {
  it("puts through the write client, converting the item and values", async () => {
    const { clients, sent } = fakeClients({ Attributes: { id: "a", n: n("1") } }, {});
    const store = createDynamoDbStore(options, clients);
    const out = await store.put({
      Item: { id: "a", n: n("2") },
      ConditionExpression: "#n = :n",
      ExpressionAttributeNames: { "#n": "n" },
      ExpressionAttributeValues: { ":n": n("1") },
      ReturnValues: "ALL_OLD",
    });
    expect(out).to.deep.equal({ Attributes: { id: "a", n: n("1") } });
    expect(await store.put({ Item: { id: "b" } })).to.deep.equal({ Attributes: undefined });
    expect(sent).to.deep.equal([
      {
        client: "writes",
        command: "PutCommand",
        input: {
          Item: { id: "a", n: new NumberValue("2") },
          ConditionExpression: "#n = :n",
          ExpressionAttributeNames: { "#n": "n" },
          ExpressionAttributeValues: { ":n": new NumberValue("1") },
          ReturnValues: "ALL_OLD",
          TableName: "items-table",
        },
      },
      {
        client: "writes",
        command: "PutCommand",
        input: {
          Item: { id: "b" },
          TableName: "items-table",
          ExpressionAttributeValues: undefined,
        },
      },
    ]);
  });

  it("gets and scans through the read client", async () => {
    const { clients, sent } = fakeClients(
      { Item: { id: "a", s: new Set(["x"]) } },
      {},
      { Items: [{ id: "a" }], Count: 1, LastEvaluatedKey: { id: "a" } },
      {},
    );
    const store = createDynamoDbStore(options, clients);
    expect(await store.get({ Key: { id: "a" }, ConsistentRead: true })).to.deep.equal({
      Item: { id: "a", s: new StringSet(["x"]) },
    });
    expect(await store.get({ Key: { id: "b" } })).to.deep.equal({ Item: undefined });
    expect(
      await store.scan({ Limit: 1, ExclusiveStartKey: { id: "z" }, ConsistentRead: true }),
    ).to.deep.equal({ Items: [{ id: "a" }], Count: 1, LastEvaluatedKey: { id: "a" } });
    expect(await store.scan({})).to.deep.equal({
      Items: [],
      Count: 0,
      LastEvaluatedKey: undefined,
    });
    expect(sent.map((s) => [s.client, s.command, s.input])).to.deep.equal([
      ["reads", "GetCommand", { Key: { id: "a" }, ConsistentRead: true, TableName: "items-table" }],
      ["reads", "GetCommand", { Key: { id: "b" }, TableName: "items-table" }],
      [
        "reads",
        "ScanCommand",
        {
          Limit: 1,
          ExclusiveStartKey: { id: "z" },
          ConsistentRead: true,
          TableName: "items-table",
        },
      ],
      ["reads", "ScanCommand", { TableName: "items-table", ExclusiveStartKey: undefined }],
    ]);
  });

  it("updates with an expression or the legacy AttributeUpdates, through the write client", async () => {
    const { clients, sent } = fakeClients({ Attributes: { n: n("3") } }, {});
    const store = createDynamoDbStore(options, clients);
    expect(
      await store.update({
        Key: { id: "a" },
        UpdateExpression: "ADD #n :n",
        ExpressionAttributeNames: { "#n": "n" },
        ExpressionAttributeValues: { ":n": n("1") },
        ReturnValues: "UPDATED_NEW",
      }),
    ).to.deep.equal({ Attributes: { n: n("3") } });
    expect(
      await store.update({
        Key: { id: "a" },
        AttributeUpdates: { n: { Action: "ADD", Value: n("2") }, g: { Action: "DELETE" } },
      }),
    ).to.deep.equal({ Attributes: undefined });
    expect(sent.map((s) => [s.client, s.input])).to.deep.equal([
      [
        "writes",
        {
          Key: { id: "a" },
          UpdateExpression: "ADD #n :n",
          ExpressionAttributeNames: { "#n": "n" },
          ExpressionAttributeValues: { ":n": new NumberValue("1") },
          ReturnValues: "UPDATED_NEW",
          TableName: "items-table",
          AttributeUpdates: undefined,
        },
      ],
      [
        "writes",
        {
          Key: { id: "a" },
          AttributeUpdates: {
            n: { Action: "ADD", Value: new NumberValue("2") },
            g: { Action: "DELETE", Value: undefined },
          },
          TableName: "items-table",
          ExpressionAttributeValues: undefined,
        },
      ],
    ]);
  });

  it("deletes through the write client", async () => {
    const { clients, sent } = fakeClients({ Attributes: { id: "a" } });
    const store = createDynamoDbStore(options, clients);
    expect(
      await store.delete({
        Key: { id: "a" },
        ConditionExpression: "#v = :v",
        ExpressionAttributeNames: { "#v": "v" },
        ExpressionAttributeValues: { ":v": n("1") },
        ReturnValues: "ALL_OLD",
      }),
    ).to.deep.equal({ Attributes: { id: "a" } });
    expect(sent).to.deep.equal([
      {
        client: "writes",
        command: "DeleteCommand",
        input: {
          Key: { id: "a" },
          ConditionExpression: "#v = :v",
          ExpressionAttributeNames: { "#v": "v" },
          ExpressionAttributeValues: { ":v": new NumberValue("1") },
          ReturnValues: "ALL_OLD",
          TableName: "items-table",
        },
      },
    ]);
  });

  it("turns a failed condition on any write into ConditionFailed with the old item", async () => {
    const failed = () =>
      Object.assign(new Error("The conditional request failed"), {
        name: "ConditionalCheckFailedException",
        Item: { id: { S: "a" } },
      });
    const { clients } = fakeClients(failed(), failed(), failed());
    const store = createDynamoDbStore(options, clients);
    for (const call of [
      store.put({ Item: { id: "a" } }),
      store.update({ Key: { id: "a" } }),
      store.delete({ Key: { id: "a" } }),
    ]) {
      const err = await failure(call);
      expect(err).to.be.instanceOf(ConditionFailed);
      expect((err as ConditionFailed).item).to.deep.equal({ id: "a" });
    }
  });
});

describe("store/records: the RecordStore", () => {
  const recordOptions = { tableName: "items-table", recordsTableName: "records-table" };

  it("puts and deletes records in the records table, through the write client", async () => {
    const { clients, sent } = fakeClients({}, {});
    const records = createRecordStore(recordOptions, clients);
    expect(
      await records.putRecord({
        Item: { key: "k", n: n("1") },
        ConditionExpression: "attribute_not_exists(#k)",
        ExpressionAttributeNames: { "#k": "key" },
      }),
    ).to.equal(undefined);
    await records.deleteRecord({
      Key: { key: "k" },
      ConditionExpression: "#t = :t",
      ExpressionAttributeNames: { "#t": "token" },
      ExpressionAttributeValues: { ":t": "x" },
    });
    expect(sent).to.deep.equal([
      {
        client: "writes",
        command: "PutCommand",
        input: {
          Item: { key: "k", n: new NumberValue("1") },
          ConditionExpression: "attribute_not_exists(#k)",
          ExpressionAttributeNames: { "#k": "key" },
          TableName: "records-table",
          ExpressionAttributeValues: undefined,
        },
      },
      {
        client: "writes",
        command: "DeleteCommand",
        input: {
          Key: { key: "k" },
          ConditionExpression: "#t = :t",
          ExpressionAttributeNames: { "#t": "token" },
          ExpressionAttributeValues: { ":t": "x" },
          TableName: "records-table",
        },
      },
    ]);
  });

  it("turns failed record conditions into ConditionFailed", async () => {
    const failed = () =>
      Object.assign(new Error("failed"), {
        name: "ConditionalCheckFailedException",
        Item: { key: { S: "k" } },
      });
    const { clients } = fakeClients(failed(), failed());
    const records = createRecordStore(recordOptions, clients);
    for (const call of [
      records.putRecord({ Item: { key: "k" } }),
      records.deleteRecord({ Key: { key: "k" } }),
    ]) {
      const err = await failure(call);
      expect(err).to.be.instanceOf(ConditionFailed);
      expect((err as ConditionFailed).item).to.deep.equal({ key: "k" });
    }
  });

  it("sends one TransactWriteItems across both tables, each write in its own form", async () => {
    const { clients, sent } = fakeClients({});
    const records = createRecordStore(recordOptions, clients);
    await records.transact([
      { table: "items", put: { Item: { id: "a", n: n("1") } } },
      {
        table: "items",
        update: {
          Key: { id: "b" },
          UpdateExpression: "ADD #n :n",
          ExpressionAttributeNames: { "#n": "n" },
          ExpressionAttributeValues: { ":n": n("1") },
        },
      },
      { table: "items", delete: { Key: { id: "c" }, ConditionExpression: "attribute_exists(id)" } },
      { table: "records", put: { Item: { key: "k" }, ExpressionAttributeValues: { ":t": "x" } } },
    ]);
    expect(sent).to.deep.equal([
      {
        client: "writes",
        command: "TransactWriteCommand",
        input: {
          TransactItems: [
            {
              Put: {
                Item: { id: "a", n: new NumberValue("1") },
                TableName: "items-table",
                ExpressionAttributeValues: undefined,
              },
            },
            {
              Update: {
                Key: { id: "b" },
                UpdateExpression: "ADD #n :n",
                ExpressionAttributeNames: { "#n": "n" },
                ExpressionAttributeValues: { ":n": new NumberValue("1") },
                TableName: "items-table",
                AttributeUpdates: undefined,
              },
            },
            {
              Delete: {
                Key: { id: "c" },
                ConditionExpression: "attribute_exists(id)",
                TableName: "items-table",
                ExpressionAttributeValues: undefined,
              },
            },
            {
              Put: {
                Item: { key: "k" },
                ExpressionAttributeValues: { ":t": "x" },
                TableName: "records-table",
              },
            },
          ],
        },
      },
    ]);
  });

  it("turns a cancelled transaction into TransactionCanceled with each write's reason", async () => {
    const cancelled = Object.assign(new Error("Transaction cancelled"), {
      name: "TransactionCanceledException",
      CancellationReasons: [
        { Code: "None" },
        {
          Code: "ConditionalCheckFailed",
          Message: "The conditional request failed",
          Item: { key: { S: "k" } },
        },
        {},
      ],
    });
    const { clients } = fakeClients(cancelled);
    const err = await failure(createRecordStore(recordOptions, clients).transact([]));
    expect(err).to.be.instanceOf(TransactionCanceled);
    expect((err as TransactionCanceled).reasons).to.deep.equal([
      { code: "None", message: undefined, item: undefined },
      {
        code: "ConditionalCheckFailed",
        message: "The conditional request failed",
        item: { key: "k" },
      },
      { code: "None", message: undefined, item: undefined },
    ]);
    expect((err as Error).message).to.equal(
      "Transaction cancelled: None, ConditionalCheckFailed, None",
    );
  });

  it("passes other errors on as they are, a cancellation without reasons included", async () => {
    const bare = Object.assign(new Error("cancelled"), { name: "TransactionCanceledException" });
    const other = Object.assign(new Error("slow down"), {
      name: "ThrottlingException",
      CancellationReasons: [],
    });
    const { clients } = fakeClients(bare, other);
    const records = createRecordStore(recordOptions, clients);
    expect(await failure(records.transact([]))).to.equal(bare);
    expect(await failure(records.transact([]))).to.equal(other);
    const rejecting = {
      writes: () => ({ send: () => Promise.reject(undefined) }),
    } as unknown as Clients;
    expect(await failure(createRecordStore(recordOptions, rejecting).transact([]))).to.equal(
      undefined,
    );
  });
});

describe("store/timed", () => {
  it("records no more than the time the call took", async () => {
    const seen: number[] = [];
    const store = timed(
      { get: () => new Promise((resolve) => setTimeout(() => resolve({}), 5)) },
      (ms) => seen.push(ms),
    );
    const before = performance.now();
    await store.get();
    const took = performance.now() - before;
    expect(seen).to.have.length(1);
    expect(seen[0]).to.be.within(0, took);
  });
});
