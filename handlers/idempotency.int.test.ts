/**
 * Idempotency-Key against DynamoDB Local, with the tables and environment the program declares:
 * repeats replay and write nothing, concurrent repeats make one change, a reused key is refused,
 * an expired key runs again, a crashed run's lock holds only for its lease, and (fast-check) any
 * sequence of retries with 503s in between leaves the state of exactly one successful request.
 */
import { DynamoDBDocumentClient, GetCommand, ScanCommand } from "@aws-sdk/lib-dynamodb";
import { expect } from "chai";
import fc from "fast-check";
import { eventFor, type ApiCall } from "../local/api-gateway";
import { readConfig } from "./core/config";
import { Num } from "../contract/json";
import { stringifyJson } from "./core/json";
import type { RecordStore, Store } from "./core/store";
import { toHttpRequest } from "./crud";
import { IDEMPOTENCY_RECORD } from "../contract/keys";
import { IDEMPOTENT_REPLAYED_HEADER, SHARED_SCOPE } from "../contract/idempotency";
import { recordKey } from "./core/idempotency";
import { handleRequest, type Deps } from "./service";
import { createClients, createDynamoDbStore } from "./store/dynamodb";
import { createRecordStore } from "./store/records";
import { startHandlerEnvironment, type Answer, type HandlerEnvironment } from "../testing/handler";

const REPLAYED = IDEMPOTENT_REPLAYED_HEADER.toLowerCase();
const M = "/DynamoDBManager";
const HOUR_MS = 3600_000;

let seq = 0;
const unique = (prefix: string) => `${prefix}-${Date.now().toString(36)}-${++seq}`;

const json = (body: unknown) => JSON.stringify(body);
const plain = (call: ApiCall): ApiCall => ({
  ...call,
  headers: { "content-type": "application/json", ...call.headers },
});
const keyed = (key: string, call: ApiCall): ApiCall => ({
  ...call,
  headers: { "content-type": "application/json", "Idempotency-Key": key, ...call.headers },
});

describe("Idempotency-Key against DynamoDB Local", function () {
  this.timeout(120_000);
  let env: HandlerEnvironment;
  let ddb: DynamoDBDocumentClient;

  before(async function () {
    env = await startHandlerEnvironment();
    ddb = DynamoDBDocumentClient.from(env.client);
    expect(env.recordsTableName, "the program gives the function a records table").to.not.equal("");
  });
  after(async () => env?.stop());

  const scan = async (table: string) =>
    (await ddb.send(new ScanCommand({ TableName: table, ConsistentRead: true }))).Items ?? [];
  const itemsWith = async (marker: string) =>
    (await scan(env.tableName)).filter((i) => i["marker"] === marker);
  const item = async (id: string) =>
    (
      await ddb.send(
        new GetCommand({ TableName: env.tableName, Key: { id }, ConsistentRead: true }),
      )
    ).Item;
  const record = async (key: string) =>
    (
      await ddb.send(
        new GetCommand({
          TableName: env.recordsTableName,
          Key: { [IDEMPOTENCY_RECORD.key.name]: recordKey(SHARED_SCOPE, key) },
          ConsistentRead: true,
        }),
      )
    ).Item;

  /** Same status, headers (bar the replay mark) and body bytes. */
  function expectReplayOf(replay: Answer, first: Answer) {
    expect(first.headers[REPLAYED], "the first answer is no replay").to.equal(undefined);
    expect(replay.headers[REPLAYED]).to.equal("true");
    expect(replay.status).to.equal(first.status);
    expect(replay.body).to.equal(first.body);
    const rest = { ...replay.headers };
    delete rest[REPLAYED];
    expect(rest).to.deep.equal(first.headers);
  }

  describe("a repeat returns the first response and writes nothing", () => {
    it("POST /items without an id: one item, however often it is sent", async () => {
      const key = unique("post");
      const marker = unique("m");
      const call = keyed(key, { method: "POST", path: "/items", body: json({ marker, n: 1 }) });
      const first = await env.invoke(call);
      expect(first.status, first.body).to.equal(201);
      const id = (first.json as { id: string }).id;
      expect(first.headers.location).to.match(new RegExp(`/items/${id}$`));
      for (let i = 0; i < 3; i++) expectReplayOf(await env.invoke(call), first);
      expect(await itemsWith(marker)).to.deep.equal([{ id, marker, n: 1, version: 1 }]);
      const stored = await record(key);
      expect(stored?.["state"]).to.equal("COMPLETED");
      expect(stored?.["status"]).to.equal(201);
    });

    it("tutorial update with ADD: applied once", async () => {
      const id = unique("counter");
      await env.invoke(
        plain({
          method: "POST",
          path: M,
          body: json({ operation: "create", payload: { Item: { id, n: 5 } } }),
        }),
      );
      const call = keyed(unique("add"), {
        method: "POST",
        path: M,
        body: json({
          operation: "update",
          payload: {
            Key: { id },
            UpdateExpression: "ADD #n :one",
            ExpressionAttributeNames: { "#n": "n" },
            ExpressionAttributeValues: { ":one": 1 },
          },
        }),
      });
      const first = await env.invoke(call);
      expect([first.status, first.json]).to.deep.equal([200, {}]);
      expectReplayOf(await env.invoke(call), first);
      // The tutorial's create set version 1, the update raised it once.
      expect(await item(id)).to.deep.equal({ id, n: 6, version: 2 });
    });

    it("PATCH, PUT, DELETE and the tutorial's create and delete: each applied once", async () => {
      const id = unique("rest");
      const created = await env.invoke(
        plain({
          method: "POST",
          path: "/items",
          body: json({ id, a: 1 }),
        }),
      );
      expect(created.status).to.equal(201);
      const steps: [ApiCall, number, Record<string, unknown> | undefined][] = [
        [
          { method: "PATCH", path: `/items/${id}`, body: json({ b: 2 }) },
          200,
          { id, a: 1, b: 2, version: 2 },
        ],
        [
          { method: "PUT", path: `/items/${id}`, body: json({ c: 3 }) },
          200,
          { id, c: 3, version: 3 },
        ],
        [{ method: "DELETE", path: `/items/${id}` }, 204, undefined],
        [
          {
            method: "POST",
            path: M,
            body: json({ operation: "create", payload: { Item: { id, t: 1 } } }),
          },
          200,
          { id, t: 1, version: 1 },
        ],
        [
          {
            method: "POST",
            path: M,
            body: json({ operation: "delete", payload: { Key: { id } } }),
          },
          200,
          undefined,
        ],
      ];
      for (const [call, status, after] of steps) {
        const withKey = keyed(unique("step"), call);
        const first = await env.invoke(withKey);
        expect(first.status, `${call.method} ${call.path}: ${first.body}`).to.equal(status);
        expect(await item(id), `${call.method} ${call.path}`).to.deep.equal(after);
        // A change in between shows the repeat really writes nothing.
        await ddb.send(new ScanCommand({ TableName: env.tableName, Limit: 1 }));
        expectReplayOf(await env.invoke(withKey), first);
        expect(await item(id), `${call.method} ${call.path} repeated`).to.deep.equal(after);
      }
    });

    it("a large item: the record stores its response deflated, and the replay is byte for byte", async () => {
      const marker = unique("big");
      // Varied enough not to shrink to nothing, large enough to need deflating (over 16 KB).
      const text = Array.from({ length: 30_000 }, (_, i) => (i * 7919) % 100_003).join(",");
      const call = keyed(unique("big"), {
        method: "POST",
        path: "/items",
        body: json({ marker, text }),
      });
      const first = await env.invoke(call);
      expect(first.status, first.body.slice(0, 200)).to.equal(201);
      expect(first.body.length).to.be.above(100_000);
      expectReplayOf(await env.invoke(call), first);
      const stored = await record(call.headers!["Idempotency-Key"]!);
      expect(stored?.["body"], "not stored as text").to.equal(undefined);
      expect(stored?.["bodyDeflated"]).to.be.instanceOf(Uint8Array);
      expect(await itemsWith(marker)).to.have.length(1);
    });

    it("a PATCH replay is the stored response even after the item changed", async () => {
      const id = unique("later");
      await env.invoke(plain({ method: "POST", path: "/items", body: json({ id, a: 1 }) }));
      const call = keyed(unique("patch"), {
        method: "PATCH",
        path: `/items/${id}`,
        body: json({ a: 2 }),
      });
      const first = await env.invoke(call);
      const other = await env.invoke(
        plain({
          method: "PATCH",
          path: `/items/${id}`,
          body: json({ a: 3 }),
        }),
      );
      expect(other.status).to.equal(200);
      expectReplayOf(await env.invoke(call), first);
      expect(await item(id)).to.deep.equal({ id, a: 3, version: 3 });
    });

    it("errors are not recorded: the request runs again once the state allows it", async () => {
      const id = unique("missing");
      const call = keyed(unique("retry-404"), {
        method: "PATCH",
        path: `/items/${id}`,
        body: json({ a: 1 }),
      });
      const missing = await env.invoke(call);
      expect(missing.status).to.equal(404);
      expect(await record(call.headers!["Idempotency-Key"]!)).to.equal(undefined);
      await env.invoke(plain({ method: "POST", path: "/items", body: json({ id }) }));
      const patched = await env.invoke(call);
      expect([patched.status, patched.headers[REPLAYED]]).to.deep.equal([200, undefined]);
    });
  });

  it("20 concurrent requests with one key: one item; every other answer a replay or 409", async () => {
    const key = unique("burst");
    const marker = unique("m");
    const call = keyed(key, { method: "POST", path: "/items", body: json({ marker }) });
    const answers = await Promise.all(Array.from({ length: 20 }, () => env.invoke(call)));
    const originals = answers.filter((a) => a.status === 201 && a.headers[REPLAYED] === undefined);
    if (originals.length !== 1) console.log(answers.map((a) => `${a.status} ${a.body}`));
    expect(originals, "exactly one request ran").to.have.length(1);
    const first = originals[0]!;
    const counts = { replays: 0, inUse: 0 };
    for (const a of answers) {
      if (a === first) continue;
      if (a.status === 409) {
        expect((a.json as { error: { code: string } }).error.code).to.equal("IdempotencyKeyInUse");
        expect(Number(a.headers["retry-after"])).to.be.at.least(1);
        counts.inUse++;
      } else {
        expectReplayOf(a, first);
        counts.replays++;
      }
    }
    const stored = await itemsWith(marker);
    expect(stored).to.have.length(1);
    expect(stored[0]!["id"]).to.equal((first.json as { id: string }).id);
    console.log(
      `      1 created, ${counts.replays} replays, ${counts.inUse} × 409 IdempotencyKeyInUse`,
    );
  });

  it("the same key for a different request: 422, and nothing written", async () => {
    const key = unique("reuse");
    const id = unique("reuse-item");
    const first = await env.invoke(
      keyed(key, { method: "POST", path: "/items", body: json({ id, a: 1 }) }),
    );
    expect(first.status).to.equal(201);
    const before = await scan(env.tableName);
    for (const other of [
      { method: "POST", path: "/items", body: json({ id, a: 2 }) },
      { method: "POST", path: "/items", body: json({ id, a: 1 }) + " " },
      { method: "PUT", path: `/items/${id}`, body: json({ a: 1 }) },
      { method: "POST", path: M, body: json({ operation: "delete", payload: { Key: { id } } }) },
    ]) {
      const answer = await env.invoke(keyed(key, other));
      expect(answer.status, `${other.method} ${other.path} ${other.body}`).to.equal(422);
      expect((answer.json as { error: { code: string } }).error.code).to.equal(
        "IdempotencyKeyMismatch",
      );
    }
    expect(await scan(env.tableName)).to.deep.equal(before);
  });

  it("a key on a write whose response DynamoDB knows only afterwards: 400, nothing written", async () => {
    const id = unique("rv");
    for (const payload of [
      { Item: { id }, ReturnValues: "ALL_OLD" },
      { Key: { id }, AttributeUpdates: { n: { Action: "ADD", Value: 1 } } },
    ]) {
      const operation = "Item" in payload ? "create" : "update";
      const answer = await env.invoke(
        keyed(unique("rv"), { method: "POST", path: M, body: json({ operation, payload }) }),
      );
      expect(answer.status, answer.body).to.equal(400);
      expect((answer.json as { error: { code: string } }).error.code).to.equal(
        "IdempotencyKeyNotSupported",
      );
      // Without the key, the same request works as it always has.
      const unkeyed = await env.invoke(
        plain({
          method: "POST",
          path: M,
          body: json({ operation, payload }),
        }),
      );
      expect(unkeyed.status, unkeyed.body).to.equal(200);
    }
  });

  describe("with an injected clock and the real stores", () => {
    let clock: number;
    let deps: Deps;
    let records: RecordStore;
    let store: Store;

    before(() => {
      const config = readConfig(env.env);
      const clients = createClients({
        timeoutMs: config.dynamoDbTimeoutMs,
        maxAttempts: config.dynamoDbMaxAttempts,
      });
      store = createDynamoDbStore({ ...config, timeoutMs: 1000, maxAttempts: 1 }, clients);
      records = createRecordStore(
        { tableName: config.tableName, recordsTableName: config.idempotencyTableName! },
        clients,
      );
      deps = {
        config,
        store: async () => store,
        records: async () => records,
        generateId: () => unique("gen"),
        now: () => clock,
        remainingMs: () => 10_000,
      };
      clock = Date.now();
    });

    const send = async (call: ApiCall, over: Partial<Deps> = {}) => {
      const outcome = await handleRequest(toHttpRequest(eventFor(env.api, call)), {
        ...deps,
        ...over,
      });
      return outcome.response;
    };

    it("an expired key runs again; until then it replays", async () => {
      const marker = unique("m");
      const call = keyed(unique("expiry"), {
        method: "POST",
        path: "/items",
        body: json({ marker }),
      });
      const ttlMs = deps.config.idempotencyTtlSeconds * 1000;
      const first = await send(call);
      expect(first.status).to.equal(201);
      clock += ttlMs - HOUR_MS;
      const replayed = await send(call);
      expect(replayed.headers[REPLAYED]).to.equal("true");
      expect(await itemsWith(marker)).to.have.length(1);
      clock += 2 * HOUR_MS;
      const again = await send(call);
      expect([again.status, again.headers[REPLAYED]]).to.deep.equal([201, undefined]);
      expect(await itemsWith(marker), "it ran again: a second item").to.have.length(2);
    });

    it("a run that died holding the lock: 409 with Retry-After for its lease, then it runs", async () => {
      const marker = unique("m");
      const call = keyed(unique("crash"), {
        method: "POST",
        path: "/items",
        body: json({ marker }),
      });
      // The process "dies" at the commit: nothing after the lock reaches DynamoDB.
      const died = new Error("the function died");
      const dying: RecordStore = {
        putRecord: (p) => records.putRecord(p),
        transact: () => Promise.reject(died),
        deleteRecord: () => Promise.reject(died),
      };
      const crashed = await send(call, { records: async () => dying });
      expect(crashed.status).to.equal(500);
      expect(await itemsWith(marker)).to.deep.equal([]);
      clock += 3000;
      const busy = await send(call);
      expect(busy.status).to.equal(409);
      expect(busy.headers["retry-after"]).to.equal("7");
      clock += 7000;
      const ran = await send(call);
      expect([ran.status, ran.headers[REPLAYED]]).to.deep.equal([201, undefined]);
      expect(await itemsWith(marker)).to.have.length(1);
    });

    describe("fast-check: retries with 503s in between leave the state of one successful request", () => {
      type Fault = "none" | "before" | "after";
      /** Wraps a store so that each call may fail before DynamoDB sees it, or after it applied it. */
      function faulty<T extends object>(target: T, faults: Fault[]): T {
        return new Proxy(target, {
          get(t, method) {
            const real = Reflect.get(t, method) as unknown;
            if (typeof real !== "function") return real;
            return async (...args: unknown[]) => {
              const fault = faults.shift() ?? "none";
              const timeout = Object.assign(new Error("simulated timeout"), {
                name: "TimeoutError",
              });
              if (fault === "before") throw timeout;
              const result = await (real as (...a: unknown[]) => Promise<unknown>).apply(t, args);
              if (fault === "after") throw timeout;
              return result;
            };
          },
        });
      }

      const faultPlan = fc.array(fc.constantFrom<Fault>("none", "none", "before", "after"), {
        maxLength: 8,
      });
      const retries = fc.array(
        fc.record({ faults: faultPlan, waitMs: fc.integer({ min: 0, max: 15_000 }) }),
        {
          minLength: 1,
          maxLength: 6,
        },
      );

      const seen = new Map<string, number>();
      after(() =>
        console.log(`        answers on the way: ${JSON.stringify(Object.fromEntries(seen))}`),
      );

      /** Sends until a 2xx, faults first, then none; every answer must be allowed on the way. */
      async function retryUntilDone(
        call: ApiCall,
        attempts: { faults: Fault[]; waitMs: number }[],
      ): Promise<Awaited<ReturnType<typeof send>>[]> {
        const answers: Awaited<ReturnType<typeof send>>[] = [];
        const plans = [
          ...attempts,
          ...Array.from({ length: 5 }, () => ({ faults: [], waitMs: 11_000 })),
        ];
        for (const { faults, waitMs } of plans) {
          const queue = [...faults];
          const answer = await send(call, {
            store: async () => faulty(store, queue),
            records: async () => faulty(records, queue),
          });
          answers.push(answer);
          const label = `${answer.status}${answer.headers[REPLAYED] ? " replayed" : ""}`;
          seen.set(label, (seen.get(label) ?? 0) + 1);
          const code = (answer.body as { error?: { code?: string } } | undefined)?.error?.code;
          if (answer.status === 503) expect(answer.headers["retry-after"]).to.equal("1");
          else if (answer.status === 409) expect(code).to.equal("IdempotencyKeyInUse");
          else expect(answer.status, JSON.stringify(answer.body)).to.be.within(200, 299);
          if (answer.status < 300) break;
          clock += waitMs;
        }
        return answers;
      }

      function expectOneSuccessRepeated(answers: Awaited<ReturnType<typeof send>>[]) {
        const ok = answers.filter((a) => a.status < 300);
        expect(ok.length, "it succeeded in the end").to.be.at.least(1);
        const text = (a: (typeof ok)[number]) => a.rawBody ?? stringifyJson(a.body);
        for (const a of ok)
          expect([a.status, text(a)]).to.deep.equal([ok[0]!.status, text(ok[0]!)]);
      }

      it("tutorial update ADD: the counter goes up by exactly one", async () => {
        await fc.assert(
          fc.asyncProperty(retries, async (attempts) => {
            const id = unique("prop-add");
            await store.put({ Item: { id, n: new Num("0") } });
            const call = keyed(unique("prop"), {
              method: "POST",
              path: M,
              body: json({
                operation: "update",
                payload: {
                  Key: { id },
                  UpdateExpression: "ADD #n :one",
                  ExpressionAttributeNames: { "#n": "n" },
                  ExpressionAttributeValues: { ":one": 1 },
                },
              }),
            });
            expectOneSuccessRepeated(await retryUntilDone(call, attempts));
            // Seeded without a version: the one update gave it version 1.
            expect(await item(id)).to.deep.equal({ id, n: 1, version: 1 });
          }),
          { numRuns: 25 },
        );
      });

      it("POST /items without an id: exactly one item", async () => {
        await fc.assert(
          fc.asyncProperty(retries, async (attempts) => {
            const marker = unique("prop-post");
            const call = keyed(unique("prop"), {
              method: "POST",
              path: "/items",
              body: json({ marker }),
            });
            const answers = await retryUntilDone(call, attempts);
            expectOneSuccessRepeated(answers);
            const stored = await itemsWith(marker);
            expect(stored).to.have.length(1);
            const ok = answers.find((a) => a.status === 201)!;
            expect(stored[0]!["id"]).to.equal(JSON.parse(ok.rawBody ?? stringifyJson(ok.body)).id);
          }),
          { numRuns: 25 },
        );
      });
    });
  });
});
