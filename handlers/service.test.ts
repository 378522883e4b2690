/**
 * The service through the in-memory store (which follows DynamoDB's conditional-write semantics;
 * testing/store-contract.ts holds it to DynamoDB Local): statuses, exact bodies and headers, ETags
 * and versions, lost races, the Idempotency-Key protocol, and every error the client can get.
 */
import { expect } from "chai";
import type { AttrMap } from "./core/attributes";
import type { Config } from "./core/config";
import { decodeCursor } from "./core/cursor";
import type { HttpRequest, HttpResponse } from "./core/http";
import { Num } from "../contract/json";
import { stringifyJson } from "./core/json";
import { ConditionFailed, TransactionCanceled } from "./core/store";
import { handleRequest, type Deps } from "./service";
import { SHARED_SCOPE } from "../contract/idempotency";
import { recordKey } from "./core/idempotency";
import { createMemoryStores, type MemoryStores } from "../testing/store/memory-store";
import { TEST_CONFIG } from "../testing/store/config";
import { LAMBDA_SYNC_PAYLOAD_BYTES } from "../contract/limits";

const config: Config = TEST_CONFIG;

/** 2025-01-01T00:00:00.500Z, in ms. */
const NOW = 1_735_689_600_500;
const JSON_TYPE = { "content-type": "application/json" };

interface Sent {
  method?: string;
  resource?: string;
  path?: string;
  id?: string;
  query?: Record<string, string[]>;
  headers?: Record<string, string>;
  body?: unknown;
}

function request(sent: Sent): HttpRequest {
  const body =
    sent.body === undefined
      ? null
      : typeof sent.body === "string"
        ? sent.body
        : JSON.stringify(sent.body);
  const resource = sent.resource ?? (sent.id === undefined ? "/items" : "/items/{id}");
  return {
    method: sent.method ?? "GET",
    resource,
    path: sent.path ?? (sent.id === undefined ? resource : `/items/${sent.id}`),
    pathParameters: sent.id === undefined ? {} : { id: sent.id },
    query: sent.query ?? {},
    headers: { ...(body === null ? {} : JSON_TYPE), ...sent.headers },
    body,
    bodyBytes: body === null ? 0 : Buffer.byteLength(body),
    basePath: "/test",
  };
}

/** The response as the client reads it: status, headers and the body's text. */
function seen(response: HttpResponse) {
  const text =
    response.rawBody ?? (response.body === undefined ? "" : stringifyJson(response.body));
  return { status: response.status, headers: response.headers, text };
}

function setup(over: Partial<Deps> = {}) {
  const mem = createMemoryStores();
  let ids = 0;
  const deps: Deps = {
    config,
    store: async () => mem.store,
    records: async () => mem.records,
    generateId: () => `generated-${++ids}`,
    now: () => NOW,
    remainingMs: () => 5000,
    ...over,
  };
  const send = async (sent: Sent) => {
    const outcome = await handleRequest(request(sent), deps);
    return { ...seen(outcome.response), outcome };
  };
  const manager = (body: unknown, headers: Record<string, string> = {}) =>
    send({ method: "POST", resource: "/DynamoDBManager", body, headers });
  return { mem, deps, send, manager };
}

const error = (code: string, message: string) => JSON.stringify({ error: { code, message } });
const notFound = (id: string) =>
  error("ItemNotFound", `no item with id "${id}"; create it with POST /items or PUT /items/{id}`);
const stale = (id: string) =>
  error(
    "PreconditionFailed",
    `item "${id}" is not at the version If-Match names (or no longer exists): GET it for the current ETag, reapply your change, and retry`,
  );
const conditionFailed = error(
  "ConditionalCheckFailed",
  "the ConditionExpression did not hold for the stored item; read it and retry with a condition that matches",
);
const unavailable = error(
  "ServiceUnavailable",
  "the database is busy or unreachable; retry after the delay in Retry-After",
);
const internal = error(
  "InternalError",
  "internal error; it has been logged with this request's id",
);
const throttled = Object.assign(new Error("Rate exceeded"), { name: "ThrottlingException" });

/** A tutorial item, as the tutorial API writes it: no version. */
const tutorialItem = (id: string): AttrMap => ({ id, n: new Num("5") });

describe("service: POST /DynamoDBManager", () => {
  it("create writes the item and answers {}", async () => {
    const { mem, manager } = setup();
    const r = await manager({ operation: "create", payload: { Item: { id: "a", n: 1.5 } } });
    expect([r.status, r.headers, r.text]).to.deep.equal([200, JSON_TYPE, "{}"]);
    expect(stringifyJson(mem.item("a")!)).to.equal('{"id":"a","n":1.5,"version":1}');
    expect(r.outcome.command).to.equal("manager.create");
    expect(r.outcome.operation).to.equal("manager.create");
    expect(r.outcome.error).to.equal(undefined);
  });

  it("create with ReturnValues ALL_OLD answers the replaced item", async () => {
    const { mem, manager } = setup();
    mem.seed({ id: "a", old: true });
    const r = await manager({
      operation: "create",
      payload: { Item: { id: "a" }, ReturnValues: "ALL_OLD" },
    });
    expect([r.status, r.text]).to.deep.equal([200, '{"Attributes":{"id":"a","old":true}}']);
  });

  it("read answers {Item} or {}", async () => {
    const { mem, manager } = setup();
    mem.seed({ id: "a", n: new Num("12345678901234567890") });
    const found = await manager({ operation: "read", payload: { Key: { id: "a" } } });
    expect([found.status, found.text]).to.deep.equal([
      200,
      '{"Item":{"id":"a","n":12345678901234567890}}',
    ]);
    const missing = await manager({ operation: "read", payload: { Key: { id: "b" } } });
    expect([missing.status, missing.text]).to.deep.equal([200, "{}"]);
  });

  it("update runs the expression and answers {} (or the values asked for)", async () => {
    const { mem, manager } = setup();
    mem.seed({ id: "a", n: new Num("5") });
    const payload = {
      Key: { id: "a" },
      UpdateExpression: "SET #n = #n + :one",
      ExpressionAttributeNames: { "#n": "n" },
      ExpressionAttributeValues: { ":one": 1 },
    };
    const r = await manager({ operation: "update", payload });
    expect([r.status, r.text]).to.deep.equal([200, "{}"]);
    const r2 = await manager({
      operation: "update",
      payload: { ...payload, ReturnValues: "ALL_NEW" },
    });
    // Each update raised the version (the seeded item had none).
    expect(r2.text).to.equal('{"Attributes":{"id":"a","n":7,"version":2}}');
  });

  it("delete removes the item and answers {} (or the old item)", async () => {
    const { mem, manager } = setup();
    mem.seed({ id: "a", n: new Num("1") });
    mem.seed({ id: "b" });
    const r = await manager({ operation: "delete", payload: { Key: { id: "a" } } });
    expect([r.status, r.text]).to.deep.equal([200, "{}"]);
    expect(mem.item("a")).to.equal(undefined);
    const old = await manager({
      operation: "delete",
      payload: { Key: { id: "b" }, ReturnValues: "ALL_OLD" },
    });
    expect(old.text).to.equal('{"Attributes":{"id":"b"}}');
  });

  it("list answers {Items, Count} and LastEvaluatedKey while there is more", async () => {
    const { mem, manager } = setup();
    for (const id of ["a", "b", "c"]) mem.seed({ id });
    const first = await manager({ operation: "list", payload: { Limit: 2 } });
    expect([first.status, first.text]).to.deep.equal([
      200,
      '{"Items":[{"id":"a"},{"id":"b"}],"Count":2,"LastEvaluatedKey":{"id":"b"}}',
    ]);
    const rest = await manager({
      operation: "list",
      payload: { Limit: 2, ExclusiveStartKey: { id: "b" } },
    });
    expect(rest.text).to.equal('{"Items":[{"id":"c"}],"Count":1}');
    const all = await manager({ operation: "list" });
    expect(all.text).to.equal('{"Items":[{"id":"a"},{"id":"b"},{"id":"c"}],"Count":3}');
  });

  it("answers ping and echo without touching a table", async () => {
    const { mem, manager } = setup();
    const ping = await manager({ operation: "ping" });
    expect([ping.status, ping.text, ping.outcome.command, ping.outcome.operation]).to.deep.equal([
      200,
      '"pong"',
      "respond",
      "manager.ping",
    ]);
    const echo = await manager('{"operation": "echo", "payload": {"n": 1e400}}');
    expect(echo.text).to.equal('{"n":1e400}');
    expect(echo.outcome.operation).to.equal("manager.echo");
    expect(mem.calls).to.deep.equal([]);
  });

  it("answers a failed ConditionExpression with 409 ConditionalCheckFailed", async () => {
    const { mem, manager } = setup();
    mem.seed({ id: "a" });
    const r = await manager({
      operation: "create",
      payload: { Item: { id: "a" }, ConditionExpression: "attribute_not_exists(id)" },
    });
    expect([r.status, r.headers, r.text]).to.deep.equal([409, JSON_TYPE, conditionFailed]);
    expect(r.outcome.error).to.be.instanceOf(ConditionFailed);
    expect(r.outcome.command).to.equal("manager.create");
  });

  it("passes DynamoDB's validation message on with 400 ValidationError", async () => {
    const { manager } = setup();
    const r = await manager({
      operation: "update",
      payload: { Key: { id: "a" }, UpdateExpression: "REMOVE id" },
    });
    expect([r.status, r.text]).to.deep.equal([
      400,
      error("ValidationError", "Cannot update attribute id. This attribute is part of the key"),
    ]);
  });

  it("answers a throttled or unreachable database with 503 and Retry-After", async () => {
    const { mem, manager } = setup();
    mem.failNext("get", throttled);
    const r = await manager({ operation: "read", payload: { Key: { id: "a" } } });
    expect([r.status, r.headers, r.text]).to.deep.equal([
      503,
      { ...JSON_TYPE, "retry-after": "1" },
      unavailable,
    ]);
    expect(r.outcome.error).to.equal(throttled);
  });

  it("answers a store that fails to load, or a bug, with 500 and no detail", async () => {
    const bug = new TypeError("Cannot read properties of undefined (reading 'x')");
    const { send } = setup({ store: () => Promise.reject(bug) });
    const r = await send({ id: "a" });
    expect([r.status, r.text]).to.deep.equal([500, internal]);
    expect(r.outcome.error).to.equal(bug);
    expect(r.outcome.command).to.equal("items.get");
  });
});

describe("service: /items", () => {
  const created = (id: string, rest = "") => `{${rest}"id":"${id}","version":1}`;

  it("POST creates with 201, Location (id percent-encoded), ETag and the stored item", async () => {
    const { mem, send } = setup();
    const r = await send({ method: "POST", body: { id: "a/b c", name: "Ada" } });
    expect([r.status, r.headers, r.text]).to.deep.equal([
      201,
      { ...JSON_TYPE, etag: '"1"', location: "/test/items/a%2Fb%20c" },
      created("a/b c", '"name":"Ada",'),
    ]);
    expect(stringifyJson(mem.item("a/b c")!)).to.equal(created("a/b c", '"name":"Ada",'));
    const generated = await send({ method: "POST", body: {} });
    expect(generated.headers["location"]).to.equal("/test/items/generated-1");
    expect(generated.outcome.command).to.equal("items.create");
  });

  it("POST answers an existing id with 409 ItemExists, leaving the item", async () => {
    const { mem, send } = setup();
    mem.seed({ id: "a", keep: true });
    const r = await send({ method: "POST", body: { id: "a", name: "new" } });
    expect([r.status, r.text]).to.deep.equal([
      409,
      error(
        "ItemExists",
        'an item with id "a" already exists: use PUT /items/{id} to replace it or PATCH to change it',
      ),
    ]);
    expect(mem.item("a")).to.deep.equal({ id: "a", keep: true });
  });

  it("POST passes other store failures on", async () => {
    const { mem, send } = setup();
    mem.failNext("put", throttled);
    expect((await send({ method: "POST", body: {} })).status).to.equal(503);
  });

  it("GET answers the item with its ETag (0 for a tutorial item), or 404", async () => {
    const { mem, send } = setup();
    mem.seed({ id: "v", version: new Num("7"), x: "y" });
    mem.seed(tutorialItem("t"));
    const r = await send({ id: "v" });
    expect([r.status, r.headers, r.text]).to.deep.equal([
      200,
      { ...JSON_TYPE, etag: '"7"' },
      '{"id":"v","version":7,"x":"y"}',
    ]);
    expect((await send({ id: "t" })).headers["etag"]).to.equal('"0"');
    const missing = await send({ id: "nope" });
    expect([missing.status, missing.text]).to.deep.equal([404, notFound("nope")]);
    expect(mem.calls.filter((c) => c.method === "get").map((c) => c.params)).to.deep.equal([
      { Key: { id: "v" }, ConsistentRead: true },
      { Key: { id: "t" }, ConsistentRead: true },
      { Key: { id: "nope" }, ConsistentRead: true },
    ]);
  });

  describe("PUT", () => {
    it("creates with 201 at version 1, and replaces with 200 at the next version", async () => {
      const { mem, send } = setup();
      const r = await send({ method: "PUT", id: "a", body: { x: 1 } });
      expect([r.status, r.headers, r.text]).to.deep.equal([
        201,
        { ...JSON_TYPE, etag: '"1"' },
        '{"x":1,"id":"a","version":1}',
      ]);
      const again = await send({ method: "PUT", id: "a", body: { y: 2 } });
      expect([again.status, again.headers, again.text]).to.deep.equal([
        200,
        { ...JSON_TYPE, etag: '"2"' },
        '{"y":2,"id":"a","version":2}',
      ]);
      expect(mem.item("a")).to.deep.equal({ id: "a", version: new Num("2"), y: new Num("2") });
    });

    it("follows If-Match: a matching, listed or * tag writes; a stale one or none stored is 412", async () => {
      const { mem, send } = setup();
      mem.seed({ id: "a", version: new Num("3") });
      const put = (ifMatch: string, id = "a") =>
        send({ method: "PUT", id, body: {}, headers: { "if-match": ifMatch } });
      expect([(await put('"2"')).status, (await put('"2"')).text]).to.deep.equal([412, stale("a")]);
      expect((await put('"1", "3"')).headers["etag"]).to.equal('"4"');
      expect((await put("*")).headers["etag"]).to.equal('"5"');
      expect((await put('"5"')).headers["etag"]).to.equal('"6"');
      expect((await put("*", "b")).text).to.equal(stale("b"));
      expect((await put('"0"', "b")).status).to.equal(412);
      expect(mem.item("b")).to.equal(undefined);
    });

    it('treats a tutorial item as version 0: If-Match "0" replaces it', async () => {
      const { mem, send } = setup();
      mem.seed(tutorialItem("t"));
      const r = await send({ method: "PUT", id: "t", body: {}, headers: { "if-match": '"0"' } });
      expect([r.status, r.text]).to.deep.equal([200, '{"id":"t","version":1}']);
    });

    it("writes only if the item is still as read", async () => {
      const { mem, send } = setup();
      mem.seed(tutorialItem("t"));
      await send({ method: "PUT", id: "t", body: {} });
      await send({ method: "PUT", id: "new", body: {} });
      const puts = mem.calls.filter((c) => c.method === "put").map((c) => c.params);
      expect(puts).to.deep.equal([
        {
          Item: { id: "t", version: new Num("1") },
          ConditionExpression: "attribute_exists(#id) AND attribute_not_exists(#ver)",
          ExpressionAttributeNames: { "#id": "id", "#ver": "version" },
        },
        {
          Item: { id: "new", version: new Num("1") },
          ConditionExpression: "attribute_not_exists(#id)",
          ExpressionAttributeNames: { "#id": "id" },
        },
      ]);
    });

    /** A writer that changes item `id` between the service's read and its write, `times` times. */
    function racer(mem: MemoryStores, id: string, times: number) {
      let raced = 0;
      mem.beforeCall((call) => {
        if (call.method !== "put" || raced >= times) return;
        raced++;
        const current = mem.item(id);
        const version = current ? Number((current["version"] as Num | undefined)?.text ?? 0) : 0;
        mem.seed({ id, version: Num.of(version + 1), by: `racer-${raced}` });
      });
    }

    it("reads again and replaces the newer item after a lost race, up to 3 attempts", async () => {
      const { mem, send } = setup();
      mem.seed({ id: "a", version: new Num("1") });
      racer(mem, "a", 2);
      const r = await send({ method: "PUT", id: "a", body: { mine: true } });
      // Two racers bumped it to 3; the third attempt writes 4.
      expect([r.status, r.text]).to.deep.equal([200, '{"mine":true,"id":"a","version":4}']);
      expect(mem.calls.filter((c) => c.method === "get")).to.have.length(3);
    });

    it("gives up with 409 Conflict after 3 lost races", async () => {
      const { mem, send } = setup();
      racer(mem, "a", 3);
      const r = await send({ method: "PUT", id: "a", body: {} });
      expect([r.status, r.text]).to.deep.equal([
        409,
        error("Conflict", 'item "a" is being changed by other writers; retry'),
      ]);
      expect(mem.item("a")!["by"]).to.equal("racer-3");
    });

    it("answers a lost race under If-Match with 412 at once, even when * would match again", async () => {
      for (const ifMatch of ['"1"', "*"]) {
        const { mem, send } = setup();
        mem.seed({ id: "a", version: new Num("1") });
        racer(mem, "a", 1);
        const r = await send({
          method: "PUT",
          id: "a",
          body: {},
          headers: { "if-match": ifMatch },
        });
        expect([r.status, r.text], ifMatch).to.deep.equal([412, stale("a")]);
        expect(mem.calls.map((c) => c.method)).to.deep.equal(["get", "put"]);
      }
    });

    it("reads the item strongly consistently before writing", async () => {
      const { mem, send } = setup();
      await send({ method: "PUT", id: "a", body: {} });
      await send({ method: "PUT", id: "b", body: {}, headers: { "idempotency-key": "k" } });
      await send({
        method: "PATCH",
        id: "b",
        body: { x: 1 },
        headers: { "idempotency-key": "k2" },
      });
      expect(mem.calls.filter((c) => c.method === "get").map((c) => c.params)).to.deep.equal([
        { Key: { id: "a" }, ConsistentRead: true },
        { Key: { id: "b" }, ConsistentRead: true },
        { Key: { id: "b" }, ConsistentRead: true },
      ]);
    });

    it("passes other store failures on", async () => {
      const { mem, send } = setup();
      mem.failNext("put", throttled);
      expect((await send({ method: "PUT", id: "a", body: {} })).status).to.equal(503);
      mem.failNext("get", throttled);
      expect((await send({ method: "PUT", id: "a", body: {} })).status).to.equal(503);
    });
  });

  describe("PATCH", () => {
    it("sets and removes the given attributes, bumps the version, answers the new item", async () => {
      const { mem, send } = setup();
      mem.seed({ id: "a", version: new Num("2"), keep: "k", gone: "g", n: new Num("1") });
      const r = await send({ method: "PATCH", id: "a", body: { n: 2, gone: null, added: [1] } });
      expect([r.status, r.headers, JSON.parse(r.text)]).to.deep.equal([
        200,
        { ...JSON_TYPE, etag: '"3"' },
        { added: [1], id: "a", keep: "k", n: 2, version: 3 },
      ]);
    });

    it("answers 404 for a missing item, or 412 when If-Match named a version", async () => {
      const { mem, send } = setup();
      const r = await send({ method: "PATCH", id: "a", body: { n: 1 } });
      expect([r.status, r.text]).to.deep.equal([404, notFound("a")]);
      const withTag = await send({
        method: "PATCH",
        id: "a",
        body: { n: 1 },
        headers: { "if-match": '"1"' },
      });
      expect([withTag.status, withTag.text]).to.deep.equal([412, stale("a")]);
      expect(mem.contents()).to.deep.equal([]);
    });

    it("answers a stale If-Match with 412, and takes version 0 for a tutorial item", async () => {
      const { mem, send } = setup();
      mem.seed({ id: "a", version: new Num("2") });
      mem.seed(tutorialItem("t"));
      const patch = (id: string, tag: string) =>
        send({ method: "PATCH", id, body: { x: 1 }, headers: { "if-match": tag } });
      expect((await patch("a", '"1"')).text).to.equal(stale("a"));
      expect(JSON.parse((await patch("t", '"0"')).text)).to.deep.equal({
        id: "t",
        n: 5,
        version: 1,
        x: 1,
      });
    });

    it("passes other store failures on", async () => {
      const { mem, send } = setup();
      mem.failNext("update", throttled);
      expect((await send({ method: "PATCH", id: "a", body: { x: 1 } })).status).to.equal(503);
    });
  });

  describe("DELETE", () => {
    it("answers 204 without a body", async () => {
      const { mem, send } = setup();
      mem.seed({ id: "a", version: new Num("1") });
      const r = await send({ method: "DELETE", id: "a" });
      expect([r.status, r.headers, r.text]).to.deep.equal([204, {}, ""]);
      expect(mem.item("a")).to.equal(undefined);
    });

    it("answers 404 for a missing item, 412 for a stale or unmatched If-Match", async () => {
      const { mem, send } = setup();
      mem.seed({ id: "a", version: new Num("2") });
      const del = (id: string, headers: Record<string, string> = {}) =>
        send({ method: "DELETE", id, headers });
      expect((await del("b")).text).to.equal(notFound("b"));
      expect((await del("b", { "if-match": "*" })).text).to.equal(stale("b"));
      expect((await del("a", { "if-match": '"1"' })).text).to.equal(stale("a"));
      expect(mem.item("a")).to.not.equal(undefined);
      expect((await del("a", { "if-match": '"2"' })).status).to.equal(204);
    });

    it("passes other store failures on", async () => {
      const { mem, send } = setup();
      mem.failNext("delete", throttled);
      expect((await send({ method: "DELETE", id: "a" })).status).to.equal(503);
    });
  });

  it("GET /items pages with a signed cursor that leads to the rest", async () => {
    const { mem, send } = setup();
    for (const id of ["a", "b", "c"]) mem.seed({ id });
    const first = await send({ query: { limit: ["2"] } });
    const { items, nextCursor } = JSON.parse(first.text) as {
      items: unknown[];
      nextCursor: string;
    };
    expect(items).to.deep.equal([{ id: "a" }, { id: "b" }]);
    expect(decodeCursor(nextCursor, config.tableName, config.cursorSecret)).to.deep.equal({
      id: "b",
    });
    const rest = await send({ query: { limit: ["2"], cursor: [nextCursor] } });
    expect([rest.status, rest.text]).to.deep.equal([
      200,
      '{"items":[{"id":"c"}],"nextCursor":null}',
    ]);
    expect(mem.calls.filter((c) => c.method === "scan").map((c) => c.params)).to.deep.equal([
      { Limit: 2, ExclusiveStartKey: undefined },
      { Limit: 2, ExclusiveStartKey: { id: "b" } },
    ]);
  });
});

describe("service: pages within Lambda's response limit", () => {
  // About 360 KB stored each, six times that as JSON: three of them made a 6.48 MB page.
  const controlItem = (id: string): AttrMap => ({ id, text: "\u0001".repeat(360 * 1024) });
  /** The function's result as Lambda carries it: the body a JSON string inside it. */
  const resultBytes = (r: { status: number; headers: Record<string, string>; text: string }) =>
    Buffer.byteLength(
      JSON.stringify({ statusCode: r.status, headers: r.headers, body: r.text }),
      "utf8",
    );

  it("GET /items ends a page before 6 MB, with a cursor, and pages through every item once", async () => {
    const { mem, send } = setup();
    for (const id of ["a", "b", "c"]) mem.seed(controlItem(id));
    const seen: string[] = [];
    let cursor: string | null = null;
    for (let pages = 0; pages < 5; pages++) {
      const query: Record<string, string[]> = { limit: ["100"] };
      if (cursor) query["cursor"] = [cursor];
      const r = await send({ query });
      expect(r.status).to.equal(200);
      expect(resultBytes(r)).to.be.at.most(LAMBDA_SYNC_PAYLOAD_BYTES);
      const page = JSON.parse(r.text) as { items: { id: string }[]; nextCursor: string | null };
      expect(page.items.length, "a page holds at least one item").to.be.at.least(1);
      seen.push(...page.items.map((i) => i.id));
      cursor = page.nextCursor;
      if (!cursor) break;
    }
    expect(seen).to.deep.equal(["a", "b", "c"]);
  });

  it("the tutorial's list does the same with LastEvaluatedKey and Count", async () => {
    const { mem, manager } = setup();
    for (const id of ["a", "b", "c"]) mem.seed(controlItem(id));
    const first = await manager({ operation: "list", payload: {} });
    expect(resultBytes(first)).to.be.at.most(LAMBDA_SYNC_PAYLOAD_BYTES);
    const page = JSON.parse(first.text) as {
      Items: { id: string }[];
      Count: number;
      LastEvaluatedKey?: { id: string };
    };
    expect(page.Count).to.equal(page.Items.length);
    expect(page.LastEvaluatedKey).to.deep.equal({ id: page.Items.at(-1)!.id });
    const rest = await manager({
      operation: "list",
      payload: { ExclusiveStartKey: page.LastEvaluatedKey },
    });
    const next = JSON.parse(rest.text) as { Items: { id: string }[] };
    expect([...page.Items, ...next.Items].map((i) => i.id)).to.deep.equal(["a", "b", "c"]);
  });
});

describe("service: GET /openapi.json", () => {
  it("serves the document with the deployment's base path as its server", async () => {
    const { mem, deps } = setup();
    const outcome = await handleRequest(
      { ...request({ resource: "/openapi.json" }), basePath: "/dev" },
      deps,
    );
    const doc = JSON.parse(seen(outcome.response).text) as { openapi: string; servers: unknown };
    expect([outcome.response.status, doc.openapi, doc.servers]).to.deep.equal([
      200,
      "3.0.3",
      [{ url: "/dev" }],
    ]);
    const root = await handleRequest(
      { ...request({ resource: "/openapi.json" }), basePath: "" },
      deps,
    );
    expect((JSON.parse(seen(root.response).text) as { servers: unknown }).servers).to.deep.equal([
      { url: "/" },
    ]);
    expect(outcome.command).to.equal("openapi");
    expect(mem.calls).to.deep.equal([]);
  });
});

describe("service: CORS and refusals", () => {
  it("puts CORS headers on every answer, errors included", async () => {
    const { send } = setup({ config: { ...config, corsAllowOrigins: ["https://app.test"] } });
    const cors = {
      "access-control-allow-origin": "https://app.test",
      "access-control-expose-headers": "etag, location, retry-after, idempotent-replayed",
      vary: "Origin",
    };
    const ok = await send({
      method: "PUT",
      id: "a",
      body: {},
      headers: { origin: "https://app.test" },
    });
    expect(ok.headers).to.deep.equal({ ...JSON_TYPE, etag: '"1"', ...cors });
    const missing = await send({ id: "b", headers: { origin: "https://app.test" } });
    expect(missing.headers).to.deep.equal({ ...JSON_TYPE, ...cors });
    const other = await send({ id: "b", headers: { origin: "https://evil.test" } });
    expect(other.headers).to.deep.equal({ ...JSON_TYPE, vary: "Origin" });
  });

  it("reports a refused request with no command and no operation", async () => {
    const { send } = setup();
    const r = await send({ method: "GET", resource: "/{proxy+}", path: "/nope" });
    expect([r.status, r.outcome.command, r.outcome.operation]).to.deep.equal([
      404,
      undefined,
      undefined,
    ]);
    expect((r.outcome.error as Error).message).to.match(/^no route for GET \/nope/);
  });

  it("reports a preflight's operation", async () => {
    const { send } = setup();
    const r = await send({ method: "OPTIONS", id: "a" });
    expect([r.status, r.outcome.command, r.outcome.operation]).to.deep.equal([
      204,
      "respond",
      "preflight",
    ]);
  });
});

describe("service: Idempotency-Key", () => {
  const KEY = { "idempotency-key": "key-1" };

  it("runs the first keyed POST, records it, and replays it byte for byte", async () => {
    const { mem, send } = setup();
    const first = await send({ method: "POST", body: { name: "Ada" }, headers: KEY });
    expect([first.status, first.headers, first.text]).to.deep.equal([
      201,
      { ...JSON_TYPE, etag: '"1"', location: "/test/items/generated-1" },
      '{"name":"Ada","id":"generated-1","version":1}',
    ]);
    expect(first.outcome.command).to.equal("items.create");
    const record = mem.item(recordKey(SHARED_SCOPE, "key-1"), "records")!;
    expect(Object.keys(record).sort()).to.deep.equal([
      "body",
      "expiresAt",
      "fingerprint",
      "headers",
      "key",
      "state",
      "status",
      "token",
    ]);
    expect([record["state"], record["status"], record["expiresAt"], record["body"]]).to.deep.equal([
      "COMPLETED",
      new Num("201"),
      // The start in whole seconds, plus the configured 86 400 s.
      new Num("1735776000"),
      first.text,
    ]);
    const writes = mem.calls.length;
    const again = await send({ method: "POST", body: { name: "Ada" }, headers: KEY });
    expect([again.status, again.headers, again.text]).to.deep.equal([
      201,
      { ...first.headers, "idempotent-replayed": "true" },
      first.text,
    ]);
    expect(mem.contents()).to.have.length(1);
    // The replay took one conditional put that failed, and nothing else.
    expect(mem.calls.slice(writes).map((c) => c.method)).to.deep.equal(["putRecord"]);
  });

  it("locks the key for the invocation's remaining time (30 s without a deadline)", async () => {
    for (const [remainingMs, leaseUntil] of [
      [() => 5000, NOW + 5000],
      [undefined, NOW + 30_000],
    ] as const) {
      const { mem, send } = setup({ remainingMs });
      let lock: AttrMap | undefined;
      mem.beforeCall((call) => {
        if (call.method === "transact")
          lock = mem.item(recordKey(SHARED_SCOPE, "key-1"), "records");
      });
      await send({ method: "PUT", id: "a", body: {}, headers: KEY });
      expect(lock!["state"]).to.equal("IN_PROGRESS");
      expect(lock!["leaseUntil"]).to.deep.equal(Num.of(leaseUntil));
    }
  });

  it("uses the clock it is given, or Date.now", async () => {
    const { mem, send } = setup({ now: undefined });
    const before = Math.floor(Date.now() / 1000);
    await send({ method: "PUT", id: "a", body: {}, headers: KEY });
    const after = Math.floor(Date.now() / 1000);
    const expiresAt = Number(
      (mem.item(recordKey(SHARED_SCOPE, "key-1"), "records")!["expiresAt"] as Num).text,
    );
    expect(expiresAt).to.be.within(before + 86_400, after + 86_400);
  });

  it("refuses the key with a different request (422), and an invalid key (400)", async () => {
    const { mem, send } = setup();
    await send({ method: "POST", body: { name: "Ada" }, headers: KEY });
    const r = await send({ method: "POST", body: { name: "Grace" }, headers: KEY });
    expect([r.status, r.text]).to.deep.equal([
      422,
      error(
        "IdempotencyKeyMismatch",
        "this Idempotency-Key was used for a different request (method, path or body): send a new key for a new request, or repeat the original request exactly",
      ),
    ]);
    const bad = await send({ method: "POST", body: {}, headers: { "idempotency-key": "" } });
    expect([bad.status, JSON.parse(bad.text).error.code]).to.deep.equal([
      400,
      "InvalidIdempotencyKey",
    ]);
    expect(mem.contents()).to.have.length(1);
  });

  it("ignores the key on reads, and a key inherited rather than sent", async () => {
    const { mem, send } = setup();
    mem.seed({ id: "a" });
    expect((await send({ id: "a", headers: KEY })).status).to.equal(200);
    const inherited = Object.create({ "idempotency-key": "key-1" }) as Record<string, string>;
    const put = await handleRequest(
      {
        ...request({ method: "PUT", id: "b", body: {} }),
        headers: Object.assign(inherited, JSON_TYPE),
      },
      setup().deps,
    );
    expect(put.response.status).to.equal(201);
    expect(mem.contents("records")).to.deep.equal([]);
  });

  it("refuses keyed writes where the deployment keeps no records", async () => {
    const { send } = setup({ records: undefined });
    const r = await send({ method: "PUT", id: "a", body: {}, headers: KEY });
    expect([r.status, r.text]).to.deep.equal([
      400,
      error(
        "IdempotencyKeyNotSupported",
        "Idempotency-Key cannot be used here: this deployment keeps no idempotency records (its Table has idempotencyRecords: false); send the request without the key",
      ),
    ]);
  });

  it("refuses tutorial writes whose answer DynamoDB only knows after the write", async () => {
    const { mem, manager } = setup();
    const returning = await manager(
      { operation: "delete", payload: { Key: { id: "a" }, ReturnValues: "ALL_OLD" } },
      KEY,
    );
    expect([returning.status, returning.text]).to.deep.equal([
      400,
      error(
        "IdempotencyKeyNotSupported",
        "Idempotency-Key cannot be used here: ReturnValues ALL_OLD returns values DynamoDB knows only after the write, so the response could not be recorded with it; leave ReturnValues out, or send the request without the key",
      ),
    ]);
    const legacy = await manager(
      {
        operation: "update",
        payload: { Key: { id: "a" }, AttributeUpdates: { n: { Action: "ADD", Value: 1 } } },
      },
      KEY,
    );
    expect([legacy.status, legacy.text]).to.deep.equal([
      400,
      error(
        "IdempotencyKeyNotSupported",
        "Idempotency-Key cannot be used here: the update needs an UpdateExpression (the legacy AttributeUpdates form cannot run in a transaction with the key's record)",
      ),
    ]);
    expect(mem.calls).to.deep.equal([]);
  });

  it("runs keyed tutorial writes once: create, update (with ReturnValues NONE), delete", async () => {
    const { mem, manager } = setup();
    const create = await manager(
      { operation: "create", payload: { Item: { id: "c", n: 5 }, ReturnValues: "NONE" } },
      { "idempotency-key": "k-create" },
    );
    expect([create.status, create.text]).to.deep.equal([200, "{}"]);
    const add = {
      operation: "update",
      payload: {
        Key: { id: "c" },
        UpdateExpression: "ADD n :one",
        ExpressionAttributeValues: { ":one": 1 },
        ReturnValues: "NONE",
      },
    };
    for (let i = 0; i < 3; i++) {
      const r = await manager(add, { "idempotency-key": "k-add" });
      expect([r.status, r.text]).to.deep.equal([200, "{}"]);
      expect(r.headers["idempotent-replayed"]).to.equal(i ? "true" : undefined);
    }
    expect(stringifyJson(mem.item("c")!)).to.equal('{"id":"c","n":6,"version":2}');
    const transactions = mem.calls.filter((c) => c.method === "transact");
    expect(transactions[1]!.params).to.deep.equal([
      {
        table: "items",
        update: {
          Key: { id: "c" },
          UpdateExpression: "ADD #lockVersion :lockVersionOne, n :one",
          ExpressionAttributeValues: { ":one": new Num("1"), ":lockVersionOne": new Num("1") },
          ConditionExpression: undefined,
          ExpressionAttributeNames: { "#lockVersion": "version" },
        },
      },
      (transactions[1]!.params as unknown[])[1],
    ]);
    const del = await manager(
      { operation: "delete", payload: { Key: { id: "c" } } },
      { "idempotency-key": "k-delete" },
    );
    expect([del.status, del.text]).to.deep.equal([200, "{}"]);
    expect(mem.item("c")).to.equal(undefined);
  });

  it("answers a keyed tutorial write's failed condition with 409 and frees the key", async () => {
    const { mem, manager } = setup();
    mem.seed({ id: "c" });
    const create = {
      operation: "create",
      payload: { Item: { id: "c", n: 1 }, ConditionExpression: "attribute_not_exists(id)" },
    };
    const r = await manager(create, KEY);
    expect([r.status, r.text]).to.deep.equal([409, conditionFailed]);
    expect(mem.contents("records")).to.deep.equal([]);
    mem.seed({ id: "other" });
    await manager({ operation: "delete", payload: { Key: { id: "c" } } });
    // The key is free: the same request runs again and succeeds now.
    expect((await manager(create, KEY)).text).to.equal("{}");
  });

  it("runs keyed REST writes with the same answers as unkeyed ones", async () => {
    const { mem, send } = setup();
    mem.seed({ id: "a", version: new Num("2"), keep: "k", gone: "g" });
    mem.seed(tutorialItem("t"));
    const k = (n: number) => ({ "idempotency-key": `k-${n}` });
    const put = await send({ method: "PUT", id: "new", body: { x: 1 }, headers: k(1) });
    expect([put.status, put.headers, put.text]).to.deep.equal([
      201,
      { ...JSON_TYPE, etag: '"1"' },
      '{"x":1,"id":"new","version":1}',
    ]);
    const replace = await send({ method: "PUT", id: "new", body: { y: 1 }, headers: k(2) });
    expect([replace.status, replace.text]).to.deep.equal([200, '{"y":1,"id":"new","version":2}']);
    const patch = await send({
      method: "PATCH",
      id: "a",
      body: { n: 1, gone: null },
      headers: { ...k(3), "if-match": '"2"' },
    });
    expect([patch.status, patch.headers, patch.text]).to.deep.equal([
      200,
      { ...JSON_TYPE, etag: '"3"' },
      '{"id":"a","version":3,"keep":"k","n":1}',
    ]);
    expect(mem.item("a")).to.deep.equal({
      id: "a",
      keep: "k",
      n: new Num("1"),
      version: new Num("3"),
    });
    const tutorial = await send({ method: "PATCH", id: "t", body: { x: 2 }, headers: k(4) });
    expect(tutorial.text).to.equal('{"id":"t","n":5,"x":2,"version":1}');
    const missing = await send({ method: "PATCH", id: "zz", body: { x: 1 }, headers: k(5) });
    expect([missing.status, missing.text]).to.deep.equal([404, notFound("zz")]);
    const missingTagged = await send({
      method: "PATCH",
      id: "zz",
      body: { x: 1 },
      headers: { ...k(6), "if-match": '"1"' },
    });
    expect(missingTagged.text).to.equal(stale("zz"));
    const stalePut = await send({
      method: "PUT",
      id: "a",
      body: {},
      headers: { ...k(7), "if-match": '"1"' },
    });
    expect(stalePut.text).to.equal(stale("a"));
    const exists = await send({ method: "POST", body: { id: "a" }, headers: k(8) });
    expect(exists.status).to.equal(409);
    const delMissing = await send({ method: "DELETE", id: "zz", headers: k(9) });
    expect(delMissing.text).to.equal(notFound("zz"));
    const delStale = await send({
      method: "DELETE",
      id: "a",
      headers: { ...k(10), "if-match": '"1"' },
    });
    expect(delStale.text).to.equal(stale("a"));
    const delMissingTagged = await send({
      method: "DELETE",
      id: "zz",
      headers: { ...k(11), "if-match": "*" },
    });
    expect(delMissingTagged.text).to.equal(stale("zz"));
    const del = await send({ method: "DELETE", id: "a", headers: k(12) });
    expect([del.status, del.headers, del.text]).to.deep.equal([204, {}, ""]);
    // Only the successful writes left a record.
    const keys = ["k-1", "k-12", "k-2", "k-3", "k-4"];
    const statuses = ["201", "204", "200", "200", "200"];
    const written = new Map(mem.contents("records").map((r) => [r["key"], r["status"]]));
    expect(written).to.deep.equal(
      new Map(keys.map((k, i) => [recordKey(SHARED_SCOPE, k), new Num(statuses[i]!)])),
    );
  });

  it("plans a keyed PUT or PATCH again after a lost race, unless If-Match named the version", async () => {
    for (const method of ["PUT", "PATCH"]) {
      const { mem, send } = setup();
      mem.seed({ id: "a", version: new Num("1") });
      let raced = false;
      mem.beforeCall((call) => {
        if (call.method !== "transact" || raced) return;
        raced = true;
        mem.seed({ id: "a", version: new Num("2"), by: "racer" });
      });
      const r = await send({
        method,
        id: "a",
        body: { x: 1 },
        headers: { "idempotency-key": method },
      });
      expect([r.status, r.headers["etag"]], method).to.deep.equal([200, '"3"']);
      raced = false;
      const tagged = await send({
        method,
        id: "a",
        body: { x: 2 },
        headers: { "idempotency-key": `${method}-tagged`, "if-match": '"3"' },
      });
      expect(tagged.text, method).to.equal(stale("a"));
    }
  });

  it("answers a keyed write whose store fails with the mapped error", async () => {
    const { mem, send } = setup();
    mem.failNext(
      "transact",
      new TransactionCanceled([{ code: "ThrottlingError" }, { code: "None" }]),
    );
    const r = await send({ method: "PUT", id: "a", body: {}, headers: KEY });
    expect([r.status, r.text]).to.deep.equal([503, unavailable]);
    expect(mem.contents("records")).to.deep.equal([]);
  });
});
