/**
 * The Idempotency-Key protocol (lock, plan, commit, release) on its own, over the in-memory
 * records store (which follows DynamoDB's conditional writes and transactions): what it writes,
 * what each state of a key answers, and every way a commit can fail.
 */
import { createHash } from "node:crypto";
import { expect } from "chai";
import type { AttrMap } from "./attributes";
import { ApiError, json, type HttpResponse } from "./http";
import {
  checkKey,
  completedRecord,
  fingerprint,
  notSupported,
  replay,
  runKeyedWrite,
  type KeyedWrite,
  type Planned,
} from "./idempotency";
import { Num } from "../../contract/json";
import { ConditionFailed, TransactionCanceled } from "./store";
import { createMemoryStores, type MemoryStores } from "../../testing/store/memory-store";

/** 2025-01-01T00:00:00.500Z, in ms: its whole seconds are 1735689600. */
const NOW = 1_735_689_600_500;
const NOW_S = 1_735_689_600;
const n = (text: string) => new Num(text);

const created: HttpResponse = json(201, { id: "a" }, { etag: '"1"', location: "/test/items/a" });

function plan(over: Partial<Planned> = {}): Planned {
  return {
    response: created,
    write: {
      table: "items",
      put: {
        Item: { id: "a", version: n("1") },
        ConditionExpression: "attribute_not_exists(#id)",
        ExpressionAttributeNames: { "#id": "id" },
        ReturnValuesOnConditionCheckFailure: "ALL_OLD",
      },
    },
    onConditionFailed: () => new ApiError(409, "ItemExists", "exists"),
    ...over,
  };
}

function setup() {
  const mem = createMemoryStores();
  const run = (over: Partial<KeyedWrite> = {}) =>
    runKeyedWrite({
      key: "k",
      fingerprint: "f1",
      records: mem.records,
      now: () => NOW,
      leaseMs: 5000,
      ttlSeconds: 3600,
      plan: async () => plan(),
      attempts: 3,
      ...over,
    });
  return { mem, run };
}

async function failure(promise: Promise<unknown>): Promise<ApiError> {
  try {
    await promise;
  } catch (err) {
    return err as ApiError;
  }
  throw new Error("succeeded");
}

const answer = (e: ApiError) => [e.status, e.code, e.message, e.headers];
const inUse = (detail: string, retryAfter: string) => [
  409,
  "IdempotencyKeyInUse",
  `a request with this Idempotency-Key ${detail}; retry after the delay in Retry-After to get its response`,
  { "retry-after": retryAfter },
];
const record = (mem: MemoryStores) => mem.item("k", "records");
const lockOf = (mem: MemoryStores) =>
  mem.calls.find((c) => c.method === "putRecord")!.params as {
    Item: AttrMap;
  };

describe("core/idempotency: the key and the fingerprint", () => {
  it("takes 1 to 255 printable ASCII characters, and says what is wrong otherwise", () => {
    expect(checkKey(" ~")).to.equal(" ~");
    expect(checkKey("k".repeat(255))).to.equal("k".repeat(255));
    const refused = (key: string) => {
      try {
        checkKey(key);
      } catch (err) {
        return answer(err as ApiError).slice(0, 3);
      }
      return undefined;
    };
    const advice =
      "send 1 to 255 printable ASCII characters, such as a UUID, or leave the header out";
    expect(refused("")).to.deep.equal([
      400,
      "InvalidIdempotencyKey",
      `Idempotency-Key is 0 characters long: ${advice}`,
    ]);
    expect(refused("k".repeat(256))).to.deep.equal([
      400,
      "InvalidIdempotencyKey",
      `Idempotency-Key is 256 characters long: ${advice}`,
    ]);
    expect(refused("a\u007f")).to.deep.equal([
      400,
      "InvalidIdempotencyKey",
      `Idempotency-Key holds characters that are not printable ASCII: ${advice}`,
    ]);
  });

  it("is the SHA-256 of method, path and the body's SHA-256", () => {
    const sha = (s: string) => createHash("sha256").update(s, "utf8").digest("hex");
    expect(fingerprint({ method: "POST", path: "/items", body: '{"a":"é"}' })).to.equal(
      sha(`POST\n/items\n${sha('{"a":"é"}')}`),
    );
    expect(fingerprint({ method: "DELETE", path: "/items/a", body: null })).to.equal(
      sha(`DELETE\n/items/a\n${sha("")}`),
    );
  });
});

describe("core/idempotency: refusals", () => {
  it("says why a keyed request cannot be honoured", () => {
    expect(answer(notSupported("no records here"))).to.deep.equal([
      400,
      "IdempotencyKeyNotSupported",
      "Idempotency-Key cannot be used here: no records here",
      {},
    ]);
  });
});

describe("core/store: the errors a store throws", () => {
  it("names a failed condition and a cancelled transaction, listing each write's reason", () => {
    const failed = new ConditionFailed({ id: "a" });
    expect([failed.name, failed.message, failed.item]).to.deep.equal([
      "ConditionFailed",
      "The conditional request failed",
      { id: "a" },
    ]);
    const cancelled = new TransactionCanceled([
      { code: "None" },
      { code: "ConditionalCheckFailed" },
    ]);
    expect([cancelled.name, cancelled.message]).to.deep.equal([
      "TransactionCanceled",
      "Transaction cancelled: None, ConditionalCheckFailed",
    ]);
  });
});

describe("core/idempotency: records", () => {
  it("records the status, the replayed headers and the body; deflates bodies over 16 KiB", () => {
    const at = (length: number) =>
      completedRecord(
        { key: "k", fingerprint: "f", token: "t" },
        {
          status: 200,
          headers: { "content-type": "application/json", vary: "Origin" },
          rawBody: "x".repeat(length),
        },
        99,
      );
    expect(at(16_384)).to.deep.equal({
      key: "k",
      state: "COMPLETED",
      fingerprint: "f",
      token: "t",
      status: n("200"),
      headers: { "content-type": "application/json" },
      body: "x".repeat(16_384),
      expiresAt: n("99"),
    });
    const big = at(16_385);
    expect(Object.keys(big).sort()).to.deep.equal(
      [
        "bodyDeflated",
        "expiresAt",
        "fingerprint",
        "headers",
        "key",
        "state",
        "status",
        "token",
      ].sort(),
    );
    expect(replay(big).rawBody).to.equal("x".repeat(16_385));
    expect(
      completedRecord({ key: "k", fingerprint: "f", token: "t" }, { status: 204, headers: {} }, 1),
    ).to.not.have.any.keys("body", "bodyDeflated");
  });

  it("replays only string headers from a headers map, whatever else the record holds", () => {
    const base = { status: n("201"), body: "b" };
    const replayed = { "idempotent-replayed": "true" };
    expect(
      replay({ ...base, headers: { etag: '"1"', n: n("1"), l: ["x"] } }).headers,
    ).to.deep.equal({
      etag: '"1"',
      ...replayed,
    });
    for (const headers of ["x", ["x"], n("1"), null, true]) {
      expect(replay({ ...base, headers }).headers, String(headers)).to.deep.equal(replayed);
    }
    expect(replay({ ...base, headers: undefined as never })).to.deep.equal({
      status: 201,
      headers: replayed,
      rawBody: "b",
    });
    expect(replay({ status: "201", body: n("1") })).to.deep.equal({
      status: NaN,
      headers: replayed,
      rawBody: "",
    });
  });
});

describe("core/idempotency: runKeyedWrite", () => {
  it("locks the key, commits the write with the record in one transaction, and answers", async () => {
    const { mem, run } = setup();
    expect(await run()).to.equal(created);
    expect(mem.calls.map((c) => c.method)).to.deep.equal(["putRecord", "transact"]);
    const lock = lockOf(mem) as Record<string, unknown>;
    const token = (lock["Item"] as AttrMap)["token"] as string;
    expect(token).to.match(/^[0-9a-f-]{36}$/);
    expect(lock).to.deep.equal({
      Item: {
        key: "k",
        state: "IN_PROGRESS",
        fingerprint: "f1",
        token,
        leaseUntil: n(String(NOW + 5000)),
        expiresAt: n(String(NOW_S + 3600)),
      },
      ConditionExpression:
        "attribute_not_exists(#k) OR #exp <= :nowS OR (#state = :inProgress AND #lease <= :nowMs)",
      ExpressionAttributeNames: {
        "#k": "key",
        "#exp": "expiresAt",
        "#state": "state",
        "#lease": "leaseUntil",
      },
      ExpressionAttributeValues: {
        ":nowS": n(String(NOW_S)),
        ":nowMs": n(String(NOW)),
        ":inProgress": "IN_PROGRESS",
      },
      ReturnValuesOnConditionCheckFailure: "ALL_OLD",
    });
    const completed = {
      key: "k",
      state: "COMPLETED",
      fingerprint: "f1",
      token,
      status: n("201"),
      headers: { "content-type": "application/json", etag: '"1"', location: "/test/items/a" },
      body: '{"id":"a"}',
      expiresAt: n(String(NOW_S + 3600)),
    };
    expect(mem.calls[1]!.params).to.deep.equal([
      plan().write,
      {
        table: "records",
        put: {
          Item: completed,
          ConditionExpression: "#state = :inProgress AND #token = :token",
          ExpressionAttributeNames: { "#state": "state", "#token": "token" },
          ExpressionAttributeValues: { ":inProgress": "IN_PROGRESS", ":token": token },
        },
      },
    ]);
    expect(record(mem)).to.deep.equal(completed);
    expect(mem.item("a")).to.deep.equal({ id: "a", version: n("1") });
  });

  it("replays a completed record, and refuses the key for another request", async () => {
    const { mem, run } = setup();
    await run();
    const again = await run();
    expect(again).to.deep.equal({
      status: 201,
      headers: {
        "content-type": "application/json",
        etag: '"1"',
        location: "/test/items/a",
        "idempotent-replayed": "true",
      },
      rawBody: '{"id":"a"}',
    });
    expect(answer(await failure(run({ fingerprint: "f2" })))).to.deep.equal([
      422,
      "IdempotencyKeyMismatch",
      "this Idempotency-Key was used for a different request (method, path or body): send a new key for a new request, or repeat the original request exactly",
      {},
    ]);
    expect(mem.calls.filter((c) => c.method === "transact")).to.have.length(1);
  });

  it("answers a live lock with 409 and the seconds left on its lease, at least 1", async () => {
    for (const [leaseLeftMs, retryAfter] of [
      [2500, "3"],
      [1001, "2"],
      [1000, "1"],
      [1, "1"],
    ] as const) {
      const { mem, run } = setup();
      mem.seed(
        {
          key: "k",
          state: "IN_PROGRESS",
          fingerprint: "f1",
          leaseUntil: Num.of(NOW + leaseLeftMs),
          expiresAt: Num.of(NOW_S + 10),
        },
        "records",
      );
      expect(answer(await failure(run())), String(leaseLeftMs)).to.deep.equal(
        inUse("is still running", retryAfter),
      );
    }
    const { mem, run } = setup();
    mem.seed(
      { key: "k", state: "IN_PROGRESS", fingerprint: "f1", expiresAt: Num.of(NOW_S + 10) },
      "records",
    );
    expect(answer(await failure(run()))).to.deep.equal(inUse("is still running", "1"));
  });

  it("takes over a lock whose lease has ended (at its last millisecond), and an expired record", async () => {
    const taken = async (seeded: AttrMap) => {
      const { mem, run } = setup();
      mem.seed({ key: "k", fingerprint: "old", ...seeded }, "records");
      try {
        await run();
        return "ran";
      } catch (err) {
        return (err as ApiError).code;
      }
    };
    const lock = { state: "IN_PROGRESS", expiresAt: Num.of(NOW_S + 10) };
    expect(await taken({ ...lock, leaseUntil: Num.of(NOW) })).to.equal("ran");
    expect(await taken({ ...lock, leaseUntil: Num.of(NOW + 1) })).to.equal(
      "IdempotencyKeyMismatch",
    );
    const done = { state: "COMPLETED", status: n("200") };
    expect(await taken({ ...done, expiresAt: Num.of(NOW_S) })).to.equal("ran");
    expect(await taken({ ...done, expiresAt: Num.of(NOW_S + 1) })).to.equal(
      "IdempotencyKeyMismatch",
    );
    // A completed record is never taken over while it lives, whatever its lease said.
    expect(await taken({ ...done, expiresAt: Num.of(NOW_S + 1), leaseUntil: Num.of(0) })).to.equal(
      "IdempotencyKeyMismatch",
    );
  });

  it("answers 409 when the lock fails without saying what holds it", async () => {
    const { mem, run } = setup();
    mem.failNext("putRecord", new ConditionFailed());
    expect(answer(await failure(run()))).to.deep.equal(inUse("is being processed", "1"));
  });

  it("releases its own lock when locking fails otherwise, and passes the error on", async () => {
    const { mem, run } = setup();
    const timeout = Object.assign(new Error("timed out"), { name: "TimeoutError" });
    mem.failNext("putRecord", timeout);
    expect(await failure(run())).to.equal(timeout);
    const release = mem.calls.find((c) => c.method === "deleteRecord")!.params as Record<
      string,
      unknown
    >;
    expect(release).to.deep.equal({
      Key: { key: "k" },
      ConditionExpression: "#state = :inProgress AND #token = :token",
      ExpressionAttributeNames: { "#state": "state", "#token": "token" },
      ExpressionAttributeValues: {
        ":inProgress": "IN_PROGRESS",
        ":token": (release["ExpressionAttributeValues"] as AttrMap)[":token"],
      },
    });
    // Even when the release fails too, the caller gets the first error.
    mem.failNext("putRecord", timeout);
    mem.failNext("deleteRecord", new Error("unreachable"));
    expect(await failure(run())).to.equal(timeout);
  });

  it("releases the lock when planning fails, so a retry runs at once", async () => {
    const { mem, run } = setup();
    const notFound = new ApiError(404, "ItemNotFound", "gone");
    expect(await failure(run({ plan: () => Promise.reject(notFound) }))).to.equal(notFound);
    expect(record(mem)).to.equal(undefined);
    expect(await run()).to.equal(created);
    const { mem: other, run: again } = setup();
    other.failNext("deleteRecord", new Error("unreachable"));
    expect(await failure(again({ plan: () => Promise.reject(notFound) }))).to.equal(notFound);
    // The release failed: the lock stays until its lease ends.
    expect(other.item("k", "records")!["state"]).to.equal("IN_PROGRESS");
  });

  it("answers a write whose condition failed as the plan says, with the item as it was", async () => {
    const { mem, run } = setup();
    mem.seed({ id: "a", version: n("7") });
    let seen: AttrMap | undefined;
    const err = await failure(
      run({
        plan: async () =>
          plan({
            onConditionFailed: (item) => {
              seen = item;
              return new ApiError(409, "ItemExists", "exists");
            },
          }),
      }),
    );
    expect([err.status, err.code]).to.deep.equal([409, "ItemExists"]);
    expect(seen).to.deep.equal({ id: "a", version: n("7") });
    expect(record(mem)).to.equal(undefined);
  });

  it("plans again after a lost race, and gives up with 409 after the attempts it was given", async () => {
    for (const attempts of [1, 3]) {
      const { mem, run } = setup();
      mem.seed({ id: "a" });
      let planned = 0;
      const racing = async () => {
        planned++;
        return plan({ onConditionFailed: () => "retry" });
      };
      const err = await failure(run({ attempts, plan: racing }));
      expect(answer(err)).to.deep.equal([
        409,
        "Conflict",
        "the item is being changed by other writers; retry",
        {},
      ]);
      expect(planned).to.equal(attempts);
      expect(record(mem)).to.equal(undefined);
    }
    const { mem, run } = setup();
    mem.seed({ id: "a" });
    let attempt = 0;
    const response = await run({
      plan: async () => {
        attempt++;
        return attempt < 3
          ? plan({ onConditionFailed: () => "retry" })
          : plan({ write: { table: "items", put: { Item: { id: "a", won: true } } } });
      },
    });
    expect([response, attempt]).to.deep.equal([created, 3]);
    expect(mem.item("a")).to.deep.equal({ id: "a", won: true });
  });

  it("answers 409 when its lock was taken over, before looking at the write", async () => {
    const { mem, run } = setup();
    mem.beforeCall((call) => {
      if (call.method !== "transact") return;
      mem.seed({ key: "k", state: "IN_PROGRESS", fingerprint: "f1", token: "another" }, "records");
      mem.seed({ id: "a" });
    });
    expect(answer(await failure(run()))).to.deep.equal(inUse("was taken over by a retry", "1"));
    expect(record(mem)!["token"]).to.equal("another");
  });

  it("maps the other cancellation reasons, and passes unknown ones and other errors on", async () => {
    const cancelled = async (...codes: [string, string?][]) => {
      const { mem, run } = setup();
      mem.failNext(
        "transact",
        new TransactionCanceled(codes.map(([code, message]) => ({ code, message }))),
      );
      const err = await failure(run());
      expect(record(mem), codes.join()).to.equal(undefined);
      return err;
    };
    expect(answer(await cancelled(["None"], ["TransactionConflict"]))).to.deep.equal([
      409,
      "TransactionConflict",
      "the item is being changed by a transaction; retry",
      {},
    ]);
    expect(
      answer(await cancelled(["ValidationError", "The provided expression refers to x"], ["None"])),
    ).to.deep.equal([400, "ValidationError", "The provided expression refers to x", {}]);
    expect((await cancelled(["ValidationError"], ["None"])).message).to.equal(
      "DynamoDB refused the request",
    );
    for (const code of [
      "ThrottlingError",
      "ProvisionedThroughputExceeded",
      "RequestLimitExceeded",
    ]) {
      expect((await cancelled(["None"], [code])).status, code).to.equal(503);
    }
    const unknown = await cancelled(["None"], ["SomethingNew"]);
    expect(unknown).to.be.instanceOf(TransactionCanceled);
    // Fewer reasons than writes (DynamoDB always sends one per write; a proxy might not).
    expect((await cancelled(["TransactionConflict"])).code).to.equal("TransactionConflict");
    expect(await cancelled()).to.be.instanceOf(TransactionCanceled);
    const { mem, run } = setup();
    const broken = new TypeError("bug");
    mem.failNext("transact", broken);
    expect(await failure(run())).to.equal(broken);
    expect(record(mem)).to.equal(undefined);
  });
});
