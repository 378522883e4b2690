/**
 * The CRUD flow, written once against a base URL: the tutorial's operations, the REST items API,
 * the function's error contract and, where the target models them, API Gateway's own errors
 * (`FlowParts`). Every item it creates carries this run's id prefix and is removed afterwards,
 * also when a test fails, so it is safe against a shared, deployed stack.
 */
import * as crypto from "node:crypto";
import { expect } from "chai";
import type { Schemas } from "../../client/index";
import type { Authorize } from "./credentials";
import { Api, expectError, expectJson, expectStatus, type ApiResponse } from "./http";

export interface FlowTarget {
  /** The API's URL (invoke URL with the stage, or a custom domain's), no trailing slash. */
  baseUrl: string;
  /** The configured table, sent as the tutorial's `tableName` when known. */
  tableName?: string;
  /** Adds the target's credentials (token, API key, signature) to each request. */
  authorize?: Authorize;
}

/**
 * The parts of the flow a target runs. What the function answers runs everywhere; what API Gateway
 * answers by itself runs only where the target is API Gateway or emulates that part of it
 * (`FLOW_PARTS` in ./suite.ts says which target runs which part, and why).
 */
export interface FlowParts {
  /**
   * API Gateway's refusal of a caller without the stack's credentials: 401 or 403 in the
   * function's error shape with API Gateway's response type as the code, which only the stack's
   * gateway responses produce. Runs when the target's stack asks for credentials.
   */
  gatewayErrors: boolean;
}

/** Every part: what a target runs unless it says otherwise. */
export const ALL_PARTS: FlowParts = { gatewayErrors: true };

/** A fresh run id: time-ordered and unique enough for concurrent runs against one table. */
export function newRunId(): string {
  return `${Date.now().toString(36)}${crypto.randomBytes(3).toString("hex")}`;
}

/** Prefix of every id this run creates. */
export function idPrefix(runId: string): string {
  return `itest-${runId}-`;
}

interface Item {
  id: string;
  version?: unknown;
  [attribute: string]: unknown;
}

interface Page {
  items: Item[];
  nextCursor?: string | null;
}

const PAGE_SIZE = 3;
// Enough items that listing them must cross at least three pages.
const PAGED_ITEMS = PAGE_SIZE * 2 + 1;
// A guard against a cursor that never ends; far above any table a smoke test runs against.
const MAX_PAGES = 5_000;

/** Lists the whole table through `GET /items`, page by page. */
/**
 * The tutorial's read and list are eventually consistent reads (its payloads carry no
 * ConsistentRead), so on a deployed stack one sent right after a write may briefly see the old
 * state. Asks again for up to 2 s until `settled`, then hands the last answer to the assertions.
 */
async function eventually<T>(ask: () => Promise<T>, settled: (answer: T) => boolean): Promise<T> {
  const deadline = Date.now() + 2000;
  for (;;) {
    const answer = await ask();
    if (settled(answer) || Date.now() > deadline) return answer;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

async function listAll(api: Api, limit: number): Promise<{ pages: Page[]; items: Item[] }> {
  const pages: Page[] = [];
  let cursor: string | undefined;
  do {
    const res = await api.typed(
      api.client.GET("/items", { params: { query: { limit, ...(cursor ? { cursor } : {}) } } }),
    );
    expectStatus(res, 200);
    const page = res.body as Page;
    expect(page.items, "items").to.be.an("array");
    pages.push(page);
    cursor = page.nextCursor ?? undefined;
    if (pages.length > MAX_PAGES)
      throw new Error(`GET /items did not end after ${MAX_PAGES} pages`);
  } while (cursor);
  return { pages, items: pages.flatMap((p) => p.items) };
}

/**
 * Registers the flow's suites. `getTarget` is called when the tests run, after the enclosing
 * suite's `before` has started the target.
 */
export function crudFlow(
  getTarget: () => FlowTarget,
  parts: FlowParts = ALL_PARTS,
  runId: string = newRunId(),
): void {
  const prefix = idPrefix(runId);
  // A suite of its own, so its cleanup runs before the enclosing suite stops the target.
  describe(`items prefixed ${prefix}`, function () {
    flowSuites(getTarget, runId, prefix);
  });
  if (parts.gatewayErrors) gatewayErrorSuite(getTarget);
}

/** API Gateway's own errors (`FlowParts.gatewayErrors`): they create nothing, so need no cleanup. */
function gatewayErrorSuite(getTarget: () => FlowTarget): void {
  describe("API Gateway's own errors, in the function's shape (the stack's gateway responses)", function () {
    it("refuses a request without the stack's credentials with 401 or 403", async function () {
      // A stack that asks for no credentials has nothing for API Gateway to refuse here.
      if (!getTarget().authorize) this.skip();
      // Raw fetch, not the flow's client: the flow checks responses against the public document,
      // which lists API Gateway's refusals only for a stack that enforces credentials.
      const response = await fetch(`${getTarget().baseUrl}/items?limit=1`, {
        signal: AbortSignal.timeout(30_000),
      });
      const text = await response.text();
      let body: unknown;
      try {
        body = JSON.parse(text);
      } catch {
        body = undefined;
      }
      const res: ApiResponse = { status: response.status, headers: response.headers, text, body };
      expect(res.status, `HTTP ${res.status}: ${text.slice(0, 500)}`).to.be.oneOf([401, 403]);
      const { code } = expectError(res, res.status);
      // API Gateway's response type (UNAUTHORIZED, INVALID_API_KEY, ...), not a function's code.
      expect(code).to.match(/^[A-Z]+(_[A-Z]+)*$/);
    });
  });
}

function flowSuites(getTarget: () => FlowTarget, runId: string, prefix: string): void {
  const created = new Set<string>();
  let api: Api;

  const withTable = <R extends Schemas["ManagerRequest"]>(request: R): R => {
    const tableName = getTarget().tableName;
    return tableName ? { ...request, tableName } : request;
  };

  before(function () {
    api = new Api(getTarget().baseUrl, undefined, getTarget().authorize);
  });

  // Runs even when tests fail: first the ids we know, then a sweep for anything else we made.
  after(async function () {
    this.timeout(120_000);
    if (!api) return;
    const failures: string[] = [];
    const remove = async (id: string): Promise<void> => {
      const res = await api.typed(api.client.DELETE("/items/{id}", { params: { path: { id } } }));
      if (res.status !== 204 && res.status !== 404)
        failures.push(`DELETE ${id}: HTTP ${res.status} ${res.text}`);
    };
    for (const id of created) await remove(id);
    try {
      const { items } = await listAll(api, 100);
      for (const item of items) {
        if (item.id.startsWith(prefix) || item.testRun === runId) await remove(item.id);
      }
    } catch (err) {
      failures.push(`sweeping items with prefix ${prefix}: ${(err as Error).message}`);
    }
    if (failures.length) {
      throw new Error(
        `Cleanup left test items behind (ids start with ${prefix}): ${failures.join("; ")}`,
      );
    }
  });

  describe("the tutorial's operations (POST /DynamoDBManager)", function () {
    const id = `${prefix}1234ABCD`;
    const key = { Key: { id } };

    it("create puts the tutorial's item", async function () {
      created.add(id);
      const res = await api.operation(
        withTable({ operation: "create", payload: { Item: { id, number: 5 } } }),
      );
      expectStatus(res, 200);
      expectJson(res);
    });

    it("read returns it", async function () {
      // version: the REST API's ETag, which the tutorial's writes keep too.
      const expected = { Item: { id, number: 5, version: 1 } };
      const res = await eventually(
        () => api.operation(withTable({ operation: "read", payload: key })),
        (r) => (r.body as { Item?: Item }).Item?.number === 5,
      );
      expectStatus(res, 200);
      expect(res.body).to.deep.equal(expected);
    });

    it("update sets #num = :newNum to 10", async function () {
      const res = await api.operation(
        withTable({
          operation: "update",
          payload: {
            ...key,
            UpdateExpression: "SET #num = :newNum",
            ExpressionAttributeNames: { "#num": "number" },
            ExpressionAttributeValues: { ":newNum": 10 },
          },
        }),
      );
      expectStatus(res, 200);
      expectJson(res);
    });

    it("read returns the updated item", async function () {
      const res = await eventually(
        () => api.operation(withTable({ operation: "read", payload: key })),
        (r) => (r.body as { Item?: Item }).Item?.number === 10,
      );
      expectStatus(res, 200);
      expect(res.body).to.deep.equal({ Item: { id, number: 10, version: 2 } });
    });

    it("list scans the table and finds it", async function () {
      const scan = async () => {
        const found: unknown[] = [];
        let startKey: Record<string, unknown> | undefined;
        for (let page = 0; page < MAX_PAGES; page++) {
          const payload = startKey ? { ExclusiveStartKey: startKey } : {};
          const res = await api.operation(withTable({ operation: "list", payload }));
          expectStatus(res, 200);
          const body = res.body as Schemas["ManagerListResult"] & { Items: Item[] };
          expect(body.Items).to.be.an("array");
          expect(body.Count).to.equal(body.Items.length);
          expect(body).not.to.have.property("$metadata");
          found.push(...body.Items.filter((item) => item.id === id));
          startKey = body.LastEvaluatedKey;
          if (!startKey) break;
        }
        return found;
      };
      const expected = [{ id, number: 10, version: 2 }];
      const found = await eventually(scan, (f) => (f as Item[])[0]?.number === 10);
      expect(found).to.deep.equal(expected);
    });

    it("delete removes it", async function () {
      const res = await api.operation(withTable({ operation: "delete", payload: key }));
      expectStatus(res, 200);
      expectJson(res);
    });

    it("read after delete finds nothing", async function () {
      const res = await eventually(
        () => api.operation(withTable({ operation: "read", payload: key })),
        (r) => !(r.body as { Item?: Item }).Item,
      );
      expectStatus(res, 200);
      expect(res.body).to.be.an("object").that.does.not.have.property("Item");
    });

    it("echo returns the payload unchanged", async function () {
      const payload = { somekey1: "somevalue1", somekey2: "somevalue2", nested: { n: [1, 2.5] } };
      const res = await api.operation({ operation: "echo", payload });
      expectStatus(res, 200);
      expect(res.body).to.deep.equal(payload);
    });

    it("ping answers pong", async function () {
      const res = await api.operation({ operation: "ping", payload: {} });
      expectStatus(res, 200);
      expect(res.body).to.equal("pong");
    });
  });

  describe("the REST items API", function () {
    const id = `${prefix}rest`;
    let etag: string;
    let firstEtag: string;
    let version: number;
    const get = () => api.typed(api.client.GET("/items/{id}", { params: { path: { id } } }));
    const patch = (body: Schemas["ItemPatch"], ifMatch?: string) =>
      api.typed(
        api.client.PATCH("/items/{id}", {
          params: { path: { id }, header: ifMatch ? { "If-Match": ifMatch } : {} },
          body,
        }),
      );
    const remove = (ifMatch?: string) =>
      api.typed(
        api.client.DELETE("/items/{id}", {
          params: { path: { id }, header: ifMatch ? { "If-Match": ifMatch } : {} },
        }),
      );

    it("POST /items creates an item: 201, Location, version and ETag", async function () {
      created.add(id);
      const res = await api.typed(
        api.client.POST("/items", { body: { id, name: "first", count: 1 } }),
      );
      expectStatus(res, 201);
      expectJson(res);
      expect(res.headers.get("location") ?? "").to.match(
        new RegExp(`/items/${encodeURIComponent(id)}$`),
      );
      const item = res.body as Item;
      expect(item).to.include({ id, name: "first", count: 1 });
      expect(item.version).to.be.a("number");
      version = item.version as number;
      etag = res.headers.get("etag") ?? "";
      expect(etag, "ETag").not.to.equal("");
      firstEtag = etag;
    });

    it("POST /items with an existing id is a conflict: 409", async function () {
      const res = await api.typed(api.client.POST("/items", { body: { id, name: "again" } }));
      expectError(res, 409);
    });

    it("POST /items without an id generates one", async function () {
      const res = await api.typed(
        api.client.POST("/items", { body: { testRun: runId, name: "generated" } }),
      );
      expectStatus(res, 201);
      const item = res.body as Item;
      expect(item.id).to.be.a("string").with.length.greaterThan(0);
      created.add(item.id);
      expect(item).to.include({ testRun: runId, name: "generated" });
    });

    it("GET /items/{id} returns it with the same ETag", async function () {
      const res = await get();
      expectStatus(res, 200);
      expectJson(res);
      expect(res.body).to.include({ id, name: "first", count: 1, version });
      expect(res.headers.get("etag")).to.equal(etag);
    });

    it("PATCH with the current If-Match changes only the given attributes", async function () {
      const res = await patch({ name: "second" }, etag);
      expectStatus(res, 200);
      const item = res.body as Item;
      expect(item).to.include({ id, name: "second", count: 1 });
      expect(item.version).to.be.a("number").greaterThan(version);
      const newEtag = res.headers.get("etag") ?? "";
      expect(newEtag).not.to.equal("").and.not.to.equal(etag);
      etag = newEtag;
      version = item.version as number;
    });

    it("PATCH with a stale If-Match is refused with 412 and changes nothing", async function () {
      const res = await patch({ name: "lost" }, firstEtag);
      expectError(res, 412);
      const after = await get();
      expect(after.body).to.include({ name: "second", version });
    });

    it("PUT replaces the item: attributes not sent are gone", async function () {
      const res = await api.typed(
        api.client.PUT("/items/{id}", {
          params: { path: { id }, header: { "If-Match": etag } },
          body: { name: "third" },
        }),
      );
      expectStatus(res, 200);
      const read = await get();
      expectStatus(read, 200);
      expect(read.body).to.include({ id, name: "third" });
      expect(read.body).not.to.have.property("count");
      etag = read.headers.get("etag") ?? "";
    });

    it("PUT to a new id creates it: 201", async function () {
      const newId = `${prefix}put`;
      created.add(newId);
      const res = await api.typed(
        api.client.PUT("/items/{id}", { params: { path: { id: newId } }, body: { name: "put" } }),
      );
      expectStatus(res, 201);
      expect(res.body).to.include({ id: newId, name: "put" });
    });

    it("DELETE with a stale If-Match is refused with 412", async function () {
      const res = await remove(firstEtag);
      expectError(res, 412);
    });

    it("DELETE removes it: 204, then GET is 404", async function () {
      const res = await remove(etag);
      expectStatus(res, 204);
      expectError(await get(), 404);
    });

    it("PATCH and DELETE of a missing item are 404", async function () {
      expectError(await patch({ name: "ghost" }), 404);
      expectError(await remove(), 404);
    });
  });

  describe("listing with cursor pagination (GET /items)", function () {
    const ids = Array.from({ length: PAGED_ITEMS }, (_, i) => `${prefix}page-${i}`);
    let pages: Page[];

    before(async function () {
      for (const id of ids) {
        created.add(id);
        expectStatus(await api.typed(api.client.POST("/items", { body: { id, n: 1 } })), 201);
      }
    });

    it(`pages of at most ${PAGE_SIZE} return every item exactly once`, async function () {
      this.timeout(120_000);
      const listed = await listAll(api, PAGE_SIZE);
      pages = listed.pages;
      for (const page of pages) expect(page.items.length).to.be.at.most(PAGE_SIZE);
      const ours = listed.items.map((item) => item.id).filter((id) => ids.includes(id));
      expect(ours.slice().sort()).to.deep.equal(ids.slice().sort());
      expect(pages.length).to.be.at.least(Math.ceil(PAGED_ITEMS / PAGE_SIZE));
      expect(pages.at(-1)?.nextCursor ?? null).to.equal(null);
    });

    it("GET /items/ (a trailing slash, an empty id) lists items as GET /items does", async function () {
      // API Gateway drops the trailing slash before it matches a resource (client/contract.ts
      // cites where that is shown); against a deployed stack this checks it.
      const res = await api.call("GET", `/items/?limit=${PAGE_SIZE}`);
      expectStatus(res, 200);
      expect((res.body as Page).items)
        .to.be.an("array")
        .with.length.of.at.most(PAGE_SIZE);
    });

    it("a forged or tampered cursor is refused with 400", async function () {
      expectError(
        await api.typed(api.client.GET("/items", { params: { query: { cursor: "forged" } } })),
        400,
      );
      const real = pages?.[0]?.nextCursor;
      expect(real, "a real cursor from the first page").to.be.a("string");
      const i = Math.floor(real!.length / 2);
      const tampered = real!.slice(0, i) + (real![i] === "A" ? "B" : "A") + real!.slice(i + 1);
      expectError(
        await api.typed(
          api.client.GET("/items", { params: { query: { limit: PAGE_SIZE, cursor: tampered } } }),
        ),
        400,
      );
    });
  });

  describe("the error contract", function () {
    it("malformed JSON to /DynamoDBManager is 400 with a JSON error", async function () {
      expectError(
        await api.call("POST", "/DynamoDBManager", { body: '{"operation": "create",' }),
        400,
      );
    });

    it("malformed JSON or a non-object to /items is 400", async function () {
      expectError(await api.call("POST", "/items", { body: '{"id": ' }), 400);
      expectError(await api.call("POST", "/items", { body: "[1, 2]" }), 400);
    });

    it("an unknown operation is 400", async function () {
      // Not a ManagerRequest, so sent raw.
      expectError(
        await api.call("POST", "/DynamoDBManager", { body: { operation: "drop", payload: {} } }),
        400,
      );
    });

    it("another table's name is refused and writes nothing", async function () {
      const id = `${prefix}foreign`;
      created.add(id);
      const other = `${getTarget().tableName ?? "lambda-apigateway"}-other-${runId}`;
      const res: ApiResponse = await api.operation({
        operation: "create",
        tableName: other,
        payload: { Item: { id, number: 1 } },
      });
      expectError(res, "4xx");
      expectError(
        await api.typed(api.client.GET("/items/{id}", { params: { path: { id } } })),
        404,
      );
    });

    it("a TableName inside the payload is refused with 400", async function () {
      // Not a ManagerRequest (payload.TableName), so sent raw.
      const res = await api.call("POST", "/DynamoDBManager", {
        body: {
          operation: "read",
          payload: { TableName: "someone-elses-table", Key: { id: `${prefix}x` } },
        },
      });
      expectError(res, 400);
    });

    it("a wrong content type is 415", async function () {
      const res = await api.call("POST", "/items", {
        body: '{"id": "x"}',
        headers: { "content-type": "text/plain" },
      });
      expectError(res, 415);
    });

    it("an unknown route is 404 and a wrong method 405 with Allow", async function () {
      expectError(await api.call("GET", `/no-such-route-${runId}`), 404);
      const res = await api.call("DELETE", "/items");
      expectError(res, 405);
      const allow = (res.headers.get("allow") ?? "").split(/\s*,\s*/);
      expect(allow).to.include.members(["GET", "POST"]);
    });
  });
}
