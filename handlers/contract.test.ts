/**
 * The handler against the OpenAPI document (contract/openapi.ts): it serves the document, and
 * every answer it gives (found by driving it with random requests over a store that fails in
 * every way DynamoDB can) has a documented status and shape.
 */
import { expect } from "chai";
import fc from "fast-check";
import { Contract } from "../client/contract";
import { Num } from "../contract/json";
import { buildOpenApiDocument, responsesOf } from "../contract/openapi";
import { OPERATIONS, findOperation } from "../contract/operations";
import { request as requestArbitrary } from "../testing/arbitraries";
import type { AttrMap } from "./core/attributes";
import type { Config } from "./core/config";
import type { HttpRequest } from "./core/http";
import { stringifyJson } from "./core/json";
import { completedRecord, fingerprint } from "./core/idempotency";
import { ConditionFailed, TransactionCanceled, type RecordStore, type Store } from "./core/store";
import { handleRequest } from "./service";

const RUNS = Number(process.env["PROPERTY_RUNS"] ?? 1000);

const config: Config = {
  tableName: "lambda-apigateway",
  cursorSecret: "contract-test-secret-0123",
  corsAllowOrigins: ["http://localhost:5173"],
  dynamoDbTimeoutMs: 1000,
  dynamoDbMaxAttempts: 2,
  idempotencyTtlSeconds: 86_400,
};

/** What a store call does, as DynamoDB might. */
type Fate =
  | "ok"
  | "absent"
  | "condition"
  | "condition-with-item"
  | "throttled"
  | "network"
  | "validation"
  | "item-too-large"
  | "transaction-conflict"
  | "collection-too-large"
  | "unknown";

const READ_FATES: Fate[] = ["ok", "ok", "absent", "throttled", "network", "validation", "unknown"];
const WRITE_FATES: Fate[] = [
  ...READ_FATES,
  "condition",
  "condition-with-item",
  "item-too-large",
  "transaction-conflict",
  "collection-too-large",
];

const sdkError = (name: string, message = name, code?: string) =>
  Object.assign(new Error(message), { name, ...(code ? { code } : {}) });

function fail(fate: Fate, item: AttrMap): never {
  switch (fate) {
    case "condition":
      throw new ConditionFailed();
    case "condition-with-item":
      throw new ConditionFailed(item);
    case "throttled":
      throw sdkError("ProvisionedThroughputExceededException");
    case "network":
      throw sdkError("Error", "connect ECONNREFUSED", "ECONNREFUSED");
    case "validation":
      throw sdkError("ValidationException", "Invalid UpdateExpression: syntax error");
    case "item-too-large":
      throw sdkError("ValidationException", "Item size has exceeded the maximum allowed size");
    case "transaction-conflict":
      throw sdkError("TransactionConflictException");
    case "collection-too-large":
      throw sdkError("ItemCollectionSizeLimitExceededException", "collection too large");
    default:
      throw sdkError("SomethingElse", "unexpected");
  }
}

/** A store whose every call's outcome is drawn from `fates` in turn. */
function scriptedStore(fates: readonly number[]): Store {
  let next = 0;
  const draw = (from: Fate[]) => from[(fates[next++ % fates.length] ?? 0) % from.length]!;
  const stored = (id = "stored"): AttrMap => ({ id, version: Num.of(3), n: new Num("1.50") });
  const write = async <T>(result: T): Promise<T> => {
    const fate = draw(WRITE_FATES);
    if (fate === "ok" || fate === "absent") return result;
    return fail(fate, stored());
  };
  return {
    put: () => write({}),
    update: (p) => write({ Attributes: { ...stored(), ...(p.Key as AttrMap) } }),
    delete: () => write({}),
    async get(p) {
      const fate = draw(READ_FATES);
      if (fate === "absent") return {};
      if (fate !== "ok") fail(fate, stored());
      return { Item: stored(String((p.Key as AttrMap).id)) };
    },
    async scan() {
      const fate = draw(READ_FATES);
      if (fate !== "ok" && fate !== "absent") fail(fate, stored());
      const items =
        fate === "absent" ? [] : [stored("a"), { id: "tutorial-item", number: Num.of(5) }];
      return {
        Items: items,
        Count: items.length,
        LastEvaluatedKey: fate === "ok" ? { id: "a" } : undefined,
      };
    },
  };
}

/** What the Idempotency-Key records table does with a keyed write's lock and commit. */
const RECORD_FATES = [
  "free", // the lock lands, the commit lands
  "running", // another request with the key holds the lock
  "other-request", // the key was used for another request
  "completed", // the key's request already ran: its response is replayed
  "write-condition", // the commit's item write failed its condition
  "taken-over", // the commit lost the lock to a retry
  "throttled",
] as const;
type RecordFate = (typeof RECORD_FATES)[number];

/**
 * A records store scripted to one fate. `request` is the keyed request, for the fingerprint a
 * held record carries; `completed` is the stored response of a completed one.
 */
function scriptedRecords(
  fate: RecordFate,
  request: HttpRequest,
  completed: { status: number; body: unknown },
): RecordStore {
  const now = Date.now();
  const same = fingerprint(request);
  const held = (over: AttrMap): AttrMap => ({
    key: "k",
    state: "IN_PROGRESS",
    fingerprint: same,
    token: "someone-else",
    leaseUntil: Num.of(now + 5000),
    expiresAt: Num.of(Math.floor(now / 1000) + 3600),
    ...over,
  });
  const cancelled = (write: string, record: string) =>
    new TransactionCanceled([{ code: write }, { code: record }]);
  return {
    async putRecord() {
      if (fate === "running") throw new ConditionFailed(held({}));
      if (fate === "other-request") throw new ConditionFailed(held({ fingerprint: "other" }));
      if (fate === "completed") {
        throw new ConditionFailed(
          completedRecord(
            { key: "k", fingerprint: same, token: "earlier" },
            {
              status: completed.status,
              headers: {
                "content-type": "application/json",
                etag: '"1"',
                location: "/test/items/42",
              },
              body: completed.body as never,
            },
            Math.floor(now / 1000) + 3600,
          ),
        );
      }
      if (fate === "throttled") throw sdkError("ProvisionedThroughputExceededException");
    },
    async deleteRecord() {},
    async transact() {
      if (fate === "write-condition") throw cancelled("ConditionalCheckFailed", "None");
      if (fate === "taken-over") throw cancelled("None", "ConditionalCheckFailed");
    },
  };
}

describe("the handler against its OpenAPI document", function () {
  this.timeout(60_000);
  const document = buildOpenApiDocument();
  const contract = new Contract(document);

  it("is what GET /openapi.json serves, with the stage as its server", async () => {
    const { response } = await handleRequest(
      {
        method: "GET",
        resource: "/openapi.json",
        path: "/openapi.json",
        pathParameters: {},
        query: {},
        headers: {},
        body: null,
        bodyBytes: 0,
        basePath: "/test",
      },
      { config, store: () => Promise.reject(new Error("not needed")), generateId: () => "x" },
    );
    expect(response.status).to.equal(200);
    expect(JSON.parse(stringifyJson(response.body))).to.deep.equal({
      ...document,
      // The test's stack is open: no authentication, said at the root.
      security: [],
      servers: [{ url: "/test" }],
    });
  });

  it("documents every status and body the handler gives (random requests, failing store)", async () => {
    const seen = new Map<string, Set<number>>();
    const record = (key: string, status: number) => {
      if (!seen.has(key)) seen.set(key, new Set());
      seen.get(key)!.add(status);
    };
    const send = async (
      req: HttpRequest,
      fates: readonly number[],
      observedPath = req.path,
      recordFate: RecordFate = "free",
    ) => {
      const success = Number(
        Object.keys(findOperation(OPERATIONS, req.method, req.resource)?.responses ?? {})[0],
      );
      const { response } = await handleRequest(req, {
        config,
        store: async () => scriptedStore(fates),
        records: async () =>
          scriptedRecords(recordFate, req, {
            status: success,
            body: success === 200 || success === 201 ? { id: "42", version: 1 } : undefined,
          }),
        generateId: () => "generated-id",
      });
      const text =
        response.rawBody ?? (response.body === undefined ? "" : stringifyJson(response.body));
      contract.assert({
        method: req.method,
        path: observedPath,
        status: response.status,
        headers: response.headers,
        text,
      });
      record(`${req.method} ${req.resource}`, response.status);
    };

    // Well-formed requests of every operation, each meeting every store outcome in turn, plus
    // the refusals every body-taking operation has (too large, wrong type, not JSON).
    const json = { "content-type": "application/json" };
    const big = JSON.stringify({ blob: "x".repeat(400 * 1024) });
    const manager = (body: unknown) => JSON.stringify(body);
    const requests: HttpRequest[] = [];
    const add = (
      method: string,
      resource: string,
      body: string | null,
      extra: Partial<HttpRequest> = {},
    ) =>
      requests.push({
        method,
        resource,
        path: resource.replace("{id}", "42"),
        pathParameters: { id: "42" },
        query: {},
        headers: body === null ? {} : json,
        body,
        bodyBytes: body === null ? 0 : Buffer.byteLength(body),
        basePath: "/test",
        ...extra,
      });
    for (const body of [
      { operation: "create", payload: { Item: { id: "1", n: 5 } } },
      { operation: "read", payload: { Key: { id: "1" } } },
      {
        operation: "update",
        payload: {
          Key: { id: "1" },
          UpdateExpression: "SET n = :n",
          ExpressionAttributeValues: { ":n": 1 },
        },
      },
      { operation: "delete", payload: { Key: { id: "1" } } },
      { operation: "list", payload: {} },
      { operation: "ping" },
    ]) {
      add("POST", "/DynamoDBManager", manager(body));
    }
    add("GET", "/items", null);
    add("GET", "/openapi.json", null);
    for (const [method, resource] of [
      ["POST", "/items"],
      ["PUT", "/items/{id}"],
      ["PATCH", "/items/{id}"],
    ]) {
      add(method!, resource!, JSON.stringify({ name: "x" }));
      add(method!, resource!, JSON.stringify({ name: "x" }), {
        headers: { ...json, "if-match": '"3"' },
      });
      add(method!, resource!, big);
      add(method!, resource!, "{}", { headers: { "content-type": "text/plain" } });
      add(method!, resource!, "{");
    }
    add("POST", "/DynamoDBManager", big);
    add("POST", "/DynamoDBManager", "{}", { headers: { "content-type": "application/xml" } });
    for (const resource of ["/items/{id}"]) {
      add("GET", resource, null);
      add("DELETE", resource, null);
      add("DELETE", resource, null, { headers: { "if-match": '"3"' } });
    }
    for (const req of requests) {
      for (let fate = 0; fate < WRITE_FATES.length; fate++) {
        // Each outcome first, then a run of successes for the calls after it (PUT reads, then writes).
        await send(req, [fate, 0, 0, 0, 0, 0]);
        await send(req, [0, fate, 0, 0, 0, 0]);
      }
    }
    // Every write again with an Idempotency-Key, meeting each fate of its record; and keys the
    // handler refuses (empty, or on a write whose response DynamoDB only knows afterwards).
    const keyed = requests.filter(
      (r) => findOperation(OPERATIONS, r.method, r.resource)?.idempotent,
    );
    for (const req of keyed) {
      const withKey = (key: string): HttpRequest => ({
        ...req,
        headers: { ...req.headers, "idempotency-key": key },
      });
      for (const recordFate of RECORD_FATES) {
        await send(withKey("k"), [0, 0, 0, 0, 0, 0], req.path, recordFate);
      }
      await send(withKey(""), [0], req.path);
    }
    add(
      "POST",
      "/DynamoDBManager",
      manager({
        operation: "update",
        payload: { Key: { id: "1" }, UpdateExpression: "SET n = :n", ReturnValues: "ALL_NEW" },
      }),
      { headers: { ...json, "idempotency-key": "k" } },
    );
    await send(requests.at(-1)!, [0], "/DynamoDBManager");

    let runs = 0;
    await fc.assert(
      fc.asyncProperty(
        requestArbitrary,
        fc.array(fc.nat(), { minLength: 1, maxLength: 8 }),
        async (r, fates) => {
          runs++;
          const headers: Record<string, string> = { origin: "http://localhost:5173" };
          if (r.contentType !== null) headers["content-type"] = r.contentType;
          if (r.ifMatch !== null) headers["if-match"] = r.ifMatch;
          const [resource, method] = r.routed;
          // (An empty id cannot arrive through API Gateway; any segment stands for it here.)
          const path = resource.replace("{id}", encodeURIComponent(r.id) || "empty");
          const req: HttpRequest = {
            method,
            resource,
            path,
            pathParameters: { id: r.id },
            query: r.query,
            headers,
            body: r.body,
            bodyBytes: r.body === null ? 0 : Buffer.byteLength(r.body),
            basePath: "/test",
          };
          // A path the routes do not know stands for any unknown path.
          const unknown = resource === "/{proxy+}" || resource === "/other";
          await send(req, fates, unknown ? "/no/such/route" : path);
        },
      ),
      { numRuns: RUNS },
    );
    expect(runs).to.equal(RUNS);
    // The other direction: what the document lists for the function was actually reached, so
    // the document does not promise statuses the handler never gives.
    for (const spec of OPERATIONS) {
      const key = `${spec.method} ${spec.path}`;
      const reached = seen.get(key) ?? new Set();
      const listed = Object.keys(responsesOf(spec))
        .map(Number)
        .filter((s) => s !== 500);
      const unreached = listed.filter((s) => !reached.has(s));
      expect(
        unreached,
        `${key}: documented but never reached (reached ${[...reached].join(", ")})`,
      ).to.deep.equal([]);
    }
    console.log(
      `      ${runs} random requests: every status documented; reached ${[...seen].map(([k, s]) => `${k} ${[...s].sort().join("/")}`).join("; ")}`,
    );
  });
});
