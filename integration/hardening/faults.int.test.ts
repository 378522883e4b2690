/**
 * Faults through the local cloud: DynamoDB going away (stopped, or frozen so it hangs) must turn
 * into quick, retryable 503s within the handler's SDK budget, a restart must keep every write that
 * was acknowledged, and a function that crashes or times out mid-write must leave no partial item,
 * nor, with an Idempotency-Key, a write without its record or a record without its write.
 */
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { expect } from "chai";
import { IDEMPOTENCY_KEY_HEADER, IDEMPOTENT_REPLAYED_HEADER } from "../../contract/idempotency";
import {
  errorOf,
  recordOf,
  scanAll,
  sdkTimeoutBudgetMs,
  startTarget,
  uniqueId,
  type Reply,
  type Target,
} from "./harness";

const M = "/DynamoDBManager";
const FIXTURE_DIR = path.join(__dirname, "fixtures", "faults");

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Waits (bounded) until `condition` holds, checking every 50 ms. */
async function until(condition: () => boolean, timeoutMs: number, what: string): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline)
      throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await sleep(50);
  }
}

function expectUnavailable(reply: Reply, budgetMs: number, what: string): void {
  expect(reply.status, `${what}: ${reply.text}`).to.equal(503);
  expect(errorOf(reply).code, what).to.equal("ServiceUnavailable");
  expect(Number(reply.headers["retry-after"]), `${what}: Retry-After`).to.be.at.least(1);
  expect(reply.ms, `${what}: answered within the SDK budget`).to.be.below(budgetMs);
}

describe("hardening: DynamoDB outages (dev stack)", function () {
  this.timeout(180_000);
  let target: Target;
  let dataDir: string;
  let budgetMs: number;
  let seedId: string;
  /** Ids whose create was acknowledged with 201 during the outage test. */
  let acknowledgedIds: string[] = [];

  before(async function () {
    dataDir = fs.mkdtempSync(path.join(os.tmpdir(), "hardening-faults-"));
    target = await startTarget({ dataDir });
    budgetMs = sdkTimeoutBudgetMs(target.facts);
    // Otherwise "within the SDK budget" would say nothing the function timeout does not.
    expect(budgetMs, "SDK budget vs function timeout").to.be.below(target.facts.functionTimeoutMs);
    seedId = uniqueId("outage-seed");
    const seeded = await target.call("POST", "/items", { body: { id: seedId, n: 1 } });
    expect(seeded.status, seeded.text).to.equal(201);
  });

  after(async function () {
    await target?.stop();
    if (dataDir) fs.rmSync(dataDir, { recursive: true, force: true });
  });

  /** One request of every kind, each of which needs DynamoDB, by name. */
  const PROBES: Record<string, () => Promise<Reply>> = {
    "GET item": () => target.call("GET", `/items/${seedId}`),
    "GET list": () => target.call("GET", "/items?limit=5"),
    "POST item": () => target.call("POST", "/items", { body: { id: uniqueId("probe"), n: 2 } }),
    "PATCH item": () => target.call("PATCH", `/items/${seedId}`, { body: { n: 3 } }),
    "DELETE item": () => target.call("DELETE", `/items/${uniqueId("probe-missing")}`),
    "manager read": () =>
      target.call("POST", M, { body: { operation: "read", payload: { Key: { id: seedId } } } }),
    "manager list": () => target.call("POST", M, { body: { operation: "list", payload: {} } }),
  };
  const probe = async (names: string[]) =>
    Promise.all(names.map(async (name) => [name, await PROBES[name]!()] as const));

  it("stopped mid-run: 503 + Retry-After within the SDK budget; a restart keeps every acknowledged write", async function () {
    interface Outcome {
      id: string;
      writer: number;
      seq: number;
      reply: Reply;
      phase: "before" | "down" | "after";
    }
    const outcomes: Outcome[] = [];
    let phase: Outcome["phase"] = "before";
    let done = false;
    const count = (p: Outcome["phase"], status: number) =>
      outcomes.filter((o) => o.phase === p && o.reply.status === status).length;

    // Writers keep creating items throughout; bounded per writer in case a phase never ends.
    const writers = Array.from({ length: 6 }, async (_, writer) => {
      for (let seq = 0; seq < 2000 && !done; seq++) {
        const id = uniqueId(`w${writer}`);
        const sentIn = phase;
        const reply = await target.call("POST", "/items", { body: { id, writer, seq } });
        // A write sent before the stop but answered after it belongs to neither phase cleanly.
        outcomes.push({ id, writer, seq, reply, phase: sentIn === phase ? phase : "down" });
        // As a well-behaved client does; hammering would only slow DynamoDB's restart down.
        if (reply.status === 503) await sleep(Number(reply.headers["retry-after"]) * 1000);
      }
    });

    try {
      await until(() => count("before", 201) >= 30, 30_000, "30 writes before the stop");
      phase = "down";
      await target.cloud.dynamoDb.stop();
      for (const [name, reply] of await probe(Object.keys(PROBES))) {
        expectUnavailable(reply, budgetMs, name);
      }
      await until(() => count("down", 503) >= 12, 30_000, "12 writes refused while down");
      await target.cloud.dynamoDb.start();
      phase = "after";
      await until(() => count("after", 201) >= 30, 30_000, "30 writes after the restart");
    } finally {
      done = true;
      await Promise.all(writers);
    }

    const stored = new Map((await scanAll(target)).map((item) => [item.id, item]));
    const acknowledged = outcomes.filter((o) => o.reply.status === 201);
    acknowledgedIds = acknowledged.map((o) => o.id);
    for (const o of acknowledged) {
      expect(stored.get(o.id), `acknowledged write ${o.id}`).to.deep.equal({
        id: o.id,
        writer: o.writer,
        seq: o.seq,
        version: 1,
      });
    }
    // Each id is fresh, so a create is either done (201) or retryable (503): nothing else.
    const unexpected = outcomes
      .filter((o) => o.reply.status !== 201 && o.reply.status !== 503)
      .map((o) => `${o.phase}: POST ${o.id} → ${o.reply.status} ${o.reply.text}`);
    expect(unexpected).to.deep.equal([]);
    for (const o of outcomes.filter((x) => x.reply.status === 503)) {
      expectUnavailable(o.reply, budgetMs, o.id);
    }
    const slowest = Math.max(
      ...outcomes.filter((o) => o.reply.status === 503).map((o) => o.reply.ms),
    );
    console.log(
      `      ${acknowledged.length} writes acknowledged (${count("before", 201)} before, ` +
        `${count("down", 201)} while stopping, ${count("after", 201)} after the restart), all present; ` +
        `${outcomes.length - acknowledged.length} refused with 503, slowest ${slowest.toFixed(0)} ms ` +
        `(budget ${budgetMs} ms, function timeout ${target.facts.functionTimeoutMs} ms)`,
    );
  });

  it("frozen (hangs without answering): 503 within the SDK budget, long before the function timeout", async function () {
    const pid = target.cloud.dynamoDb.pid;
    expect(pid, "DynamoDB Local's process id").to.be.a("number");
    let replies: (readonly [string, Reply])[];
    process.kill(pid!, "SIGSTOP");
    try {
      // Four at once, the local cloud's default environments per function: none waits in a queue
      // for a free environment, so each time measured is the handler's own.
      replies = await probe(["GET item", "POST item", "PATCH item", "manager list"]);
    } finally {
      process.kill(pid!, "SIGCONT");
    }
    const { dynamoDbTimeoutMs } = target.facts;
    for (const [name, reply] of replies) {
      expectUnavailable(reply, budgetMs, name);
      // It waited out the per-attempt timeout: the 503 came from the SDK budget, not a refusal.
      expect(reply.ms, `${name} waited for the timeout`).to.be.at.least(dynamoDbTimeoutMs);
    }
    // And it recovers once DynamoDB answers again (bounded: a few retries).
    let recovered: Reply | undefined;
    for (let attempt = 0; attempt < 20 && recovered?.status !== 200; attempt++) {
      recovered = await target.call("GET", `/items/${seedId}`);
      if (recovered.status !== 200) await sleep(250);
    }
    expect(recovered?.status, recovered?.text).to.equal(200);
    console.log(
      `      slowest 503 ${Math.max(...replies.map(([, r]) => r.ms)).toFixed(0)} ms ` +
        `(${target.facts.dynamoDbMaxAttempts} × ${dynamoDbTimeoutMs} ms attempts, budget ${budgetMs} ms, ` +
        `function timeout ${target.facts.functionTimeoutMs} ms)`,
    );
  });

  it("a whole new local cloud on the same data dir serves every acknowledged write", async function () {
    expect(acknowledgedIds.length, "writes the outage test acknowledged").to.be.above(0);
    await target.stop();
    target = await startTarget({ dataDir });
    // Through the API, paging with cursors: what a client would see after `npm start --data`.
    const seen = new Set<string>();
    let cursor: string | null = null;
    for (let page = 0; page < 100; page++) {
      const query: string = cursor ? `&cursor=${encodeURIComponent(cursor)}` : "";
      const reply = await target.call("GET", `/items?limit=100${query}`);
      expect(reply.status, reply.text).to.equal(200);
      const body = reply.json as { items: { id: string }[]; nextCursor: string | null };
      for (const item of body.items) seen.add(item.id);
      cursor = body.nextCursor;
      if (!cursor) break;
    }
    expect(cursor, "paging ended").to.equal(null);
    const missing = acknowledgedIds.filter((id) => !seen.has(id));
    expect(missing, "acknowledged writes missing after the restart").to.deep.equal([]);
    console.log(
      `      ${acknowledgedIds.length} acknowledged writes all served after a full restart`,
    );
  });
});

describe("hardening: function crash or timeout mid-write (fault fixture)", function () {
  this.timeout(180_000);
  let target: Target;

  before(async function () {
    target = await startTarget({ projectDir: FIXTURE_DIR, stack: "faults" });
  });
  after(async function () {
    await target?.stop();
  });

  interface FaultCase {
    name: string;
    fault: "crash-mid-write" | "crash-after-write" | "stall-mid-write" | "stall-after-write";
    status: 502;
    /** Stalled until the function's own timeout, which AWS answers 502 like a crash. */
    timesOut?: true;
    /** An item to create first, or none. */
    existing?: Record<string, unknown>;
    request: (id: string) => [string, string, unknown];
    /** What the table must then hold for the id: the item before, or the whole written item. */
    expected: (id: string, before: Record<string, unknown> | undefined) => unknown;
  }

  // API Gateway's own answer, in the API's gateway responses: the function's error shape. A
  // function timeout is a function error (502), like a crash.
  const GATEWAY_BODY = {
    502: { error: { code: "INTEGRATION_FAILURE", message: "Internal server error" } },
  };

  const cases: FaultCase[] = [
    {
      name: "REST create, crash with half the PutItem sent: nothing stored",
      fault: "crash-mid-write",
      status: 502,
      request: (id) => ["POST", "/items", { id, a: "x".repeat(2000), n: [1, 2, 3] }],
      expected: () => undefined,
    },
    {
      name: "REST create, crash after DynamoDB answered: the whole item stored",
      fault: "crash-after-write",
      status: 502,
      request: (id) => ["POST", "/items", { id, a: "x".repeat(2000), n: [1, 2, 3] }],
      expected: (id) => ({ id, a: "x".repeat(2000), n: [1, 2, 3], version: 1 }),
    },
    {
      name: "REST PATCH, crash with half the UpdateItem sent: the item as before",
      fault: "crash-mid-write",
      status: 502,
      existing: { a: "old", b: 1 },
      request: (id) => ["PATCH", `/items/${id}`, { a: "new", c: { deep: [true] } }],
      expected: (_id, before) => before,
    },
    {
      name: "REST DELETE, crash with half the DeleteItem sent: the item as before",
      fault: "crash-mid-write",
      status: 502,
      existing: { a: "keep" },
      request: (id) => ["DELETE", `/items/${id}`, undefined],
      expected: (_id, before) => before,
    },
    {
      name: "tutorial update, crash with half the UpdateItem sent: the item as before",
      fault: "crash-mid-write",
      status: 502,
      existing: { number: 5 },
      request: (id) => [
        "POST",
        M,
        {
          operation: "update",
          payload: {
            Key: { id },
            UpdateExpression: "SET #n = :n, #m = :m",
            ExpressionAttributeNames: { "#n": "number", "#m": "more" },
            ExpressionAttributeValues: { ":n": 10, ":m": "x".repeat(1000) },
          },
        },
      ],
      expected: (_id, before) => before,
    },
    {
      name: "REST PUT, stalled with half the PutItem sent until the function timeout: the item as before",
      fault: "stall-mid-write",
      status: 502,
      timesOut: true,
      existing: { a: "old" },
      request: (id) => ["PUT", `/items/${id}`, { a: "replaced", z: 26 }],
      expected: (_id, before) => before,
    },
    {
      name: "REST PATCH, stalled after DynamoDB answered: the whole change stored",
      fault: "stall-after-write",
      status: 502,
      timesOut: true,
      existing: { a: "old", b: 1 },
      request: (id) => ["PATCH", `/items/${id}`, { a: "new", c: 3 }],
      expected: (id) => ({ id, a: "new", b: 1, c: 3, version: 2 }),
    },
  ];

  for (const c of cases) {
    it(`${c.status}: ${c.name}`, async function () {
      const id = uniqueId(c.fault);
      if (c.existing) {
        const created = await target.call("POST", "/items", { body: { id, ...c.existing } });
        expect(created.status, created.text).to.equal(201);
      }
      const before = await scanAll(target);
      const [method, urlPath, body] = c.request(id);
      const reply = await target.call(method, urlPath, { body, headers: { "x-fault": c.fault } });
      expect(reply.status, reply.text).to.equal(c.status);
      expect(reply.json).to.deep.equal(GATEWAY_BODY[c.status]);
      if (c.timesOut) {
        expect(reply.ms, "answered at the function timeout").to.be.at.least(
          target.facts.functionTimeoutMs - 100,
        );
      }
      const after = await scanAll(target);
      const others = (items: Record<string, unknown>[]) => items.filter((i) => i.id !== id);
      expect(others(after), "no other item changed").to.deep.equal(others(before));
      const previous = before.find((i) => i.id === id);
      expect(after.find((i) => i.id === id)).to.deep.equal(c.expected(id, previous));
    });
  }

  describe("with an Idempotency-Key: the write and its record never disagree", () => {
    const REPLAYED = IDEMPOTENT_REPLAYED_HEADER.toLowerCase();
    const keyHeader = (key: string, fault?: string) => ({
      [IDEMPOTENCY_KEY_HEADER]: key,
      ...(fault ? { "x-fault": fault } : {}),
    });
    const recordOfKey = (key: string) => recordOf(target, key);
    const itemOf = async (id: string) => (await scanAll(target)).find((i) => i.id === id);

    /** Retries as a client told 409 + Retry-After would, until an answer that is not 409. */
    async function retryPastLease(method: string, urlPath: string, body: unknown, key: string) {
      let busy = 0;
      for (let attempt = 0; attempt < 10; attempt++) {
        const reply = await target.call(method, urlPath, { body, headers: keyHeader(key) });
        if (reply.status !== 409) return { reply, busy };
        expect(errorOf(reply).code).to.equal("IdempotencyKeyInUse");
        const wait = Number(reply.headers["retry-after"]);
        expect(wait, "Retry-After: at most the dead run's lease").to.be.within(
          1,
          Math.ceil(target.facts.functionTimeoutMs / 1000),
        );
        busy++;
        await sleep(wait * 1000);
      }
      throw new Error("still 409 after 10 retries");
    }

    for (const fault of ["crash-mid-commit", "stall-mid-commit"] as const) {
      it(`${fault}: neither item nor record; a retry waits out the lease, then runs once`, async function () {
        const id = uniqueId(fault);
        const key = uniqueId("key");
        const body = { id, a: "x".repeat(2000) };
        const reply = await target.call("POST", "/items", { body, headers: keyHeader(key, fault) });
        // A crash and a function timeout alike are a function error: 502 (504 is only API
        // Gateway's own integration timeout).
        expect(reply.status, reply.text).to.equal(502);
        expect(await itemOf(id), "no item").to.equal(undefined);
        expect((await recordOfKey(key))?.state, "only the dead run's lock").to.equal("IN_PROGRESS");
        const { reply: retried } = await retryPastLease("POST", "/items", body, key);
        expect([retried.status, retried.headers[REPLAYED]]).to.deep.equal([201, undefined]);
        expect(await itemOf(id)).to.deep.equal({ ...body, version: 1 });
        expect((await recordOfKey(key))?.state).to.equal("COMPLETED");
        const again = await target.call("POST", "/items", { body, headers: keyHeader(key) });
        expect([again.status, again.headers[REPLAYED], again.text]).to.deep.equal([
          201,
          "true",
          retried.text,
        ]);
      });
    }

    it("crash with half the lock sent: nothing at all; a retry runs at once", async function () {
      const id = uniqueId("lock");
      const key = uniqueId("key");
      const reply = await target.call("POST", "/items", {
        body: { id },
        headers: keyHeader(key, "crash-mid-write"),
      });
      expect(reply.status).to.equal(502);
      expect(await recordOfKey(key)).to.equal(undefined);
      const retried = await target.call("POST", "/items", {
        body: { id },
        headers: keyHeader(key),
      });
      expect(retried.status, retried.text).to.equal(201);
    });

    for (const fault of ["crash-after-write", "stall-after-write"] as const) {
      it(`${fault} on a tutorial ADD: item and record both stored; the retry replays, the counter moved once`, async function () {
        const id = uniqueId(fault);
        const key = uniqueId("key");
        const created = await target.call("POST", M, {
          body: { operation: "create", payload: { Item: { id, n: 5 } } },
        });
        expect(created.status, created.text).to.equal(200);
        const add = {
          operation: "update",
          payload: {
            Key: { id },
            UpdateExpression: "ADD #n :one",
            ExpressionAttributeNames: { "#n": "n" },
            ExpressionAttributeValues: { ":one": 1 },
          },
        };
        const reply = await target.call("POST", M, { body: add, headers: keyHeader(key, fault) });
        expect(reply.status, "a function error, crash or timeout").to.equal(502);
        expect(await itemOf(id)).to.deep.equal({ id, n: 6, version: 2 });
        expect((await recordOfKey(key))?.state).to.equal("COMPLETED");
        const retried = await target.call("POST", M, { body: add, headers: keyHeader(key) });
        expect([retried.status, retried.headers[REPLAYED], retried.json]).to.deep.equal([
          200,
          "true",
          {},
        ]);
        expect(await itemOf(id)).to.deep.equal({ id, n: 6, version: 2 });
      });
    }
  });

  it("keeps serving after the crashes and timeouts", async function () {
    const id = uniqueId("after-faults");
    const created = await target.call("POST", "/items", { body: { id, ok: true } });
    expect(created.status, created.text).to.equal(201);
    const read = await target.call("GET", `/items/${id}`);
    expect(read.status, read.text).to.equal(200);
    expect(read.json).to.deep.equal({ id, ok: true, version: 1 });
  });
});
