/**
 * The Idempotency-Key contract over HTTP, through the local cloud running the real program (its
 * gateway, function workers, and both tables in DynamoDB Local), for both APIs.
 */
import { ScanCommand } from "@aws-sdk/lib-dynamodb";
import { expect } from "chai";
import {
  IDEMPOTENCY_KEY_HEADER,
  IDEMPOTENT_REPLAYED_HEADER,
  SHARED_SCOPE,
} from "../../contract/idempotency";
import { recordKey } from "../../handlers/core/idempotency";
import { IDEMPOTENCY_RECORD } from "../../contract/keys";
import {
  errorOf,
  recordOf,
  scanAll,
  startTarget,
  uniqueId,
  type Reply,
  type Target,
} from "../hardening/harness";

const M = "/DynamoDBManager";
const REPLAYED = IDEMPOTENT_REPLAYED_HEADER.toLowerCase();

describe("Idempotency-Key over HTTP through the local cloud (dev stack)", function () {
  this.timeout(120_000);
  let target: Target;

  before(async () => {
    target = await startTarget();
  });
  after(async () => target?.stop());

  const send = (method: string, path: string, key: string | null, body?: unknown, extra = {}) =>
    target.call(method, path, {
      body,
      headers: { ...(key === null ? {} : { [IDEMPOTENCY_KEY_HEADER]: key }), ...extra },
    });
  const itemOf = async (id: string) => (await scanAll(target)).find((i) => i.id === id);
  const records = async (key: string) =>
    (
      await target.ddb.send(
        new ScanCommand({ TableName: target.facts.recordsTableName, ConsistentRead: true }),
      )
    ).Items?.filter((r) => r[IDEMPOTENCY_RECORD.key.name] === recordKey(SHARED_SCOPE, key)) ?? [];

  function expectReplayOf(replay: Reply, first: Reply) {
    expect(first.headers[REPLAYED], "the first answer is no replay").to.equal(undefined);
    expect(replay.headers[REPLAYED]).to.equal("true");
    expect(replay.status).to.equal(first.status);
    expect(replay.text).to.equal(first.text);
    for (const name of ["content-type", "etag", "location"]) {
      expect(replay.headers[name], name).to.equal(first.headers[name]);
    }
  }

  describe("REST /items", () => {
    it("POST without an id: the repeat replays, one item, one record, in the records table only", async () => {
      const key = uniqueId("http-post");
      const marker = uniqueId("m");
      const first = await send("POST", "/items", key, { marker });
      expect(first.status, first.text).to.equal(201);
      const repeat = await send("POST", "/items", key, { marker });
      expectReplayOf(repeat, first);
      const items = (await scanAll(target)).filter((i) => i.marker === marker);
      expect(items).to.have.length(1);
      expect(await records(key)).to.have.length(1);
      // Records never show up in the APIs' lists.
      const list = await send("POST", M, null, { operation: "list", payload: {} });
      expect(list.text).to.not.include(key);
    });

    it("PUT, PATCH and DELETE: each repeat replays and changes nothing", async () => {
      const id = uniqueId("http-rest");
      expect((await send("POST", "/items", null, { id, a: 1 })).status).to.equal(201);
      const steps: [string, unknown, number, unknown][] = [
        ["PATCH", { b: 2 }, 200, { id, a: 1, b: 2, version: 2 }],
        ["PUT", { c: 3 }, 200, { id, c: 3, version: 3 }],
        ["DELETE", undefined, 204, undefined],
      ];
      for (const [method, body, status, after] of steps) {
        const key = uniqueId("http-step");
        const first = await send(method, `/items/${id}`, key, body);
        expect(first.status, `${method}: ${first.text}`).to.equal(status);
        expectReplayOf(await send(method, `/items/${id}`, key, body), first);
        expect(await itemOf(id), method).to.deep.equal(after);
      }
    });

    it("10 concurrent POSTs with one key: one item; the others replay or get 409 with Retry-After", async () => {
      const key = uniqueId("http-burst");
      const marker = uniqueId("m");
      const replies = await Promise.all(
        Array.from({ length: 10 }, () => send("POST", "/items", key, { marker })),
      );
      const originals = replies.filter((r) => r.status === 201 && !r.headers[REPLAYED]);
      expect(originals, replies.map((r) => r.status).join()).to.have.length(1);
      for (const r of replies) {
        if (r === originals[0]) continue;
        if (r.status === 409) {
          expect(errorOf(r).code).to.equal("IdempotencyKeyInUse");
          expect(Number(r.headers["retry-after"])).to.be.at.least(1);
        } else {
          expectReplayOf(r, originals[0]!);
        }
      }
      expect((await scanAll(target)).filter((i) => i.marker === marker)).to.have.length(1);
    });

    it("the key reused for another request: 422 IdempotencyKeyMismatch", async () => {
      const key = uniqueId("http-reuse");
      const id = uniqueId("http-reuse-item");
      expect((await send("POST", "/items", key, { id })).status).to.equal(201);
      const before = await scanAll(target);
      for (const [method, path, body] of [
        ["POST", "/items", { id, other: true }],
        ["PATCH", `/items/${id}`, { other: true }],
        ["POST", M, { operation: "create", payload: { Item: { id } } }],
      ] as const) {
        const reply = await send(method, path, key, body);
        expect(reply.status, `${method} ${path}`).to.equal(422);
        expect(errorOf(reply).code).to.equal("IdempotencyKeyMismatch");
      }
      expect(await scanAll(target)).to.deep.equal(before);
    });

    it("keys that are empty, over 255 characters or not printable ASCII: 400, nothing written", async () => {
      const before = await scanAll(target);
      for (const key of ["", "k".repeat(256), "tab\there", "caf\u00e9"]) {
        const reply = await target.call("POST", "/items", {
          body: { id: uniqueId("badkey") },
          headers: { [IDEMPOTENCY_KEY_HEADER]: key },
        });
        expect(reply.status, JSON.stringify(key)).to.equal(400);
        expect(errorOf(reply).code).to.equal("InvalidIdempotencyKey");
      }
      const longest = await send("POST", "/items", "k".repeat(255), { id: uniqueId("longkey") });
      expect(longest.status, "255 characters is a key").to.equal(201);
      expect((await scanAll(target)).length).to.equal(before.length + 1);
    });

    it("reads ignore the key, and writes without it behave as always", async () => {
      const id = uniqueId("http-plain");
      const created = await send("POST", "/items", null, { id });
      expect(created.status).to.equal(201);
      expect((await send("POST", "/items", null, { id })).status).to.equal(409);
      const read = await send("GET", `/items/${id}`, uniqueId("read-key"));
      expect([read.status, read.headers[REPLAYED]]).to.deep.equal([200, undefined]);
    });
  });

  describe("the tutorial's POST /DynamoDBManager", () => {
    it("create, update with ADD and delete: each applied once, repeats replay {}", async () => {
      const id = uniqueId("http-tutorial");
      const steps: [unknown, unknown][] = [
        [
          { operation: "create", payload: { Item: { id, n: 5 } } },
          // version: the REST API's ETag, which the tutorial's writes keep too.
          { id, n: 5, version: 1 },
        ],
        [
          {
            operation: "update",
            payload: {
              Key: { id },
              UpdateExpression: "ADD #n :one",
              ExpressionAttributeNames: { "#n": "n" },
              ExpressionAttributeValues: { ":one": 1 },
            },
          },
          { id, n: 6, version: 2 },
        ],
        [{ operation: "delete", payload: { Key: { id } } }, undefined],
      ];
      for (const [body, after] of steps) {
        const key = uniqueId("http-op");
        const first = await send("POST", M, key, body);
        expect([first.status, first.json]).to.deep.equal([200, {}]);
        expectReplayOf(await send("POST", M, key, body), first);
        expect(await itemOf(id)).to.deep.equal(after);
        const stored = await recordOf(target, key);
        expect(stored?.state).to.equal("COMPLETED");
      }
    });

    it("ReturnValues other than NONE with a key: 400 IdempotencyKeyNotSupported; read, list and ping ignore the key", async () => {
      const id = uniqueId("http-rv");
      const refused = await send("POST", M, uniqueId("rv"), {
        operation: "create",
        payload: { Item: { id }, ReturnValues: "ALL_OLD" },
      });
      expect(refused.status).to.equal(400);
      expect(errorOf(refused).code).to.equal("IdempotencyKeyNotSupported");
      expect(await itemOf(id)).to.equal(undefined);
      const ping = await send("POST", M, "", { operation: "ping", payload: {} });
      expect([ping.status, ping.json]).to.deep.equal([200, "pong"]);
    });
  });

  it("browsers may send the key and read the replay mark (CORS)", async () => {
    const origin = "http://localhost:5173";
    const preflight = await target.call("OPTIONS", "/items", {
      headers: {
        origin,
        "access-control-request-method": "POST",
        "access-control-request-headers": "content-type, idempotency-key",
      },
    });
    expect(preflight.status).to.equal(204);
    expect(String(preflight.headers["access-control-allow-headers"])).to.include(
      IDEMPOTENCY_KEY_HEADER.toLowerCase(),
    );
    const key = uniqueId("http-cors");
    const body = { id: uniqueId("cors") };
    const first = await send("POST", "/items", key, body, { origin });
    const replay = await send("POST", "/items", key, body, { origin });
    expectReplayOf(replay, first);
    expect(replay.headers["access-control-allow-origin"]).to.equal(origin);
    expect(String(replay.headers["access-control-expose-headers"])).to.include(REPLAYED);
  });
});
