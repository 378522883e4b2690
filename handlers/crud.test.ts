/**
 * The Lambda adapter without DynamoDB: API Gateway proxy events in, results out, over in-memory
 * stores (testing/memory-store.ts) loaded where the adapter would load DynamoDB's. Checks the
 * event mapping, the container caches, the one structured log line per request with its metrics,
 * and every error path. Each test loads a fresh adapter, as a new Lambda container would.
 */
import type { APIGatewayProxyEvent, APIGatewayProxyResult, Context } from "aws-lambda";
import { expect } from "chai";
import { ApiError } from "./core/http";
import { recordKey } from "./core/idempotency";
import { SHARED_SCOPE } from "../contract/idempotency";
import { Num } from "../contract/json";
import type { RecordStore, Store } from "./core/store";
import { createMemoryStores, type MemoryStores } from "../testing/store/memory-store";

type Crud = typeof import("./crud");

const ENV_VARS = {
  TABLE_NAME: "lambda-apigateway",
  CURSOR_SECRET: "0123456789abcdef0123",
  CORS_ALLOW_ORIGINS: "https://app.test",
  DYNAMODB_TIMEOUT_MS: "1500",
  DYNAMODB_MAX_ATTEMPTS: "3",
  IDEMPOTENCY_TABLE_NAME: "lambda-apigateway-idempotency",
  IDEMPOTENCY_TTL_SECONDS: "3600",
  METRICS_NAMESPACE: "test-namespace",
  AWS_LAMBDA_LOG_LEVEL: "INFO",
};

interface Loaded {
  crud: Crud;
  mem: MemoryStores;
  /** What the adapter asked the store modules for. */
  built: { clients: unknown[]; stores: unknown[]; records: unknown[] };
  /** Makes the next load of the DynamoDB (or records) module fail. */
  failLoad(which: "dynamoDb" | "records"): void;
}

const saved = { ...process.env };

/** A fresh adapter module, as a new container loads it, with `env` as its environment. */
function load(env: Record<string, string | undefined> = ENV_VARS): Loaded {
  for (const key of Object.keys(process.env)) if (!(key in saved)) delete process.env[key];
  Object.assign(process.env, saved);
  for (const [k, v] of Object.entries(env)) {
    if (v === undefined) delete process.env[k];
    else process.env[k] = v;
  }
  delete require.cache[require.resolve("./crud")];
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const crud = require("./crud") as Crud;
  const mem = createMemoryStores();
  const built: Loaded["built"] = { clients: [], stores: [], records: [] };
  const clients = { reads: () => undefined, writes: () => undefined } as never;
  const failing = new Set<string>();
  crud.storeModules.dynamoDb = async () => {
    if (failing.delete("dynamoDb")) throw new Error("module failed to load");
    return {
      createClients: (options) => {
        built.clients.push(options);
        return clients;
      },
      createDynamoDbStore: (options, given) => {
        built.stores.push([options, given === clients]);
        return mem.store as Store;
      },
    };
  };
  crud.storeModules.records = async () => {
    if (failing.delete("records")) throw new Error("module failed to load");
    return {
      createRecordStore: (options, given) => {
        built.records.push([options, given === clients]);
        return mem.records as RecordStore;
      },
    };
  };
  return { crud, mem, built, failLoad: (which) => failing.add(which) };
}

/** Puts back the environment `load` changed, so later test files see the one they started with. */
function restoreEnv() {
  for (const key of Object.keys(process.env)) if (!(key in saved)) delete process.env[key];
  Object.assign(process.env, saved);
}

function event(over: Partial<APIGatewayProxyEvent> = {}): APIGatewayProxyEvent {
  const path = over.path ?? "/items/a";
  return {
    httpMethod: "GET",
    resource: "/items/{id}",
    path,
    headers: {},
    multiValueHeaders: {},
    queryStringParameters: null,
    multiValueQueryStringParameters: null,
    pathParameters: { id: "a" },
    stageVariables: null,
    body: null,
    isBase64Encoded: false,
    requestContext: { path: `/test${path}`, requestId: "api-request-1" } as never,
    ...over,
  };
}

const context = (over: Partial<Context> = {}): Context =>
  ({ awsRequestId: "lambda-request-1", functionName: "crud-fn", ...over }) as Context;

/** Runs the handler, capturing the lines it writes to stdout. */
async function invoke(
  crud: Crud,
  e: APIGatewayProxyEvent,
  c: Context = context(),
): Promise<{
  result: APIGatewayProxyResult;
  lines: Record<string, unknown>[];
  ms: [number, number];
}> {
  const written: string[] = [];
  const write = process.stdout.write;
  process.stdout.write = ((chunk: string) => {
    written.push(chunk);
    return true;
  }) as typeof process.stdout.write;
  const before = Date.now();
  try {
    const result = await crud.handler(e, c);
    return {
      result,
      lines: written
        .join("")
        .split("\n")
        .filter(Boolean)
        .map((l) => JSON.parse(l)),
      ms: [before, Date.now()],
    };
  } finally {
    process.stdout.write = write;
  }
}

const ping = (headers: Record<string, string> = {}) =>
  event({
    httpMethod: "POST",
    resource: "/DynamoDBManager",
    path: "/DynamoDBManager",
    pathParameters: null,
    headers,
    body: '{"operation": "ping"}',
  });

const CORS = {
  "access-control-allow-origin": "https://app.test",
  "access-control-expose-headers": "etag, location, retry-after, idempotent-replayed",
  vary: "Origin",
};

describe("crud adapter: the event as a request", () => {
  let crud: Crud;
  before(() => ({ crud } = load()));
  after(restoreEnv);

  it("lower-cases header names, drops absent values, keeps odd names as plain keys", () => {
    const headers = Object.assign(
      JSON.parse('{"Content-Type": "application/json", "__proto__": "p"}') as Record<
        string,
        string
      >,
      { "X-Gone": undefined, "If-Match": "*" },
    );
    const req = crud.toHttpRequest(event({ headers }));
    expect(Object.entries(req.headers)).to.deep.equal([
      ["content-type", "application/json"],
      ["__proto__", "p"],
      ["if-match", "*"],
    ]);
    expect(Object.getPrototypeOf(req.headers)).to.equal(Object.prototype);
    expect(crud.toHttpRequest(event({ headers: undefined as never })).headers).to.deep.equal({});
  });

  it("takes every value of a repeated query name, and single values as one-element lists", () => {
    const multi = crud.toHttpRequest(
      event({
        multiValueQueryStringParameters: { limit: ["1", "2"], gone: undefined },
        queryStringParameters: { limit: "2" },
      }),
    );
    expect(multi.query).to.deep.equal({ limit: ["1", "2"] });
    const single = crud.toHttpRequest(
      event({ queryStringParameters: { limit: "5", gone: undefined } }),
    );
    expect(single.query).to.deep.equal({ limit: ["5"] });
    expect(crud.toHttpRequest(event()).query).to.deep.equal({});
  });

  it("percent-decodes path parameters once, and refuses a malformed escape", () => {
    const req = crud.toHttpRequest(
      event({ pathParameters: { id: "a%2Fb%2525", gone: undefined } }),
    );
    expect(req.pathParameters).to.deep.equal({ id: "a/b%25" });
    expect(crud.toHttpRequest(event({ pathParameters: null })).pathParameters).to.deep.equal({});
    let refused: unknown;
    try {
      crud.toHttpRequest(event({ pathParameters: { id: "%zz" } }));
    } catch (err) {
      refused = err;
    }
    expect(refused).to.be.instanceOf(ApiError);
    expect([(refused as ApiError).status, (refused as ApiError).code]).to.deep.equal([
      400,
      "InvalidPathEncoding",
    ]);
  });

  it("reads a missing body as none, whatever isBase64Encoded says", () => {
    const none = crud.toHttpRequest(event({ body: null, isBase64Encoded: true }));
    expect([none.body, none.bodyBytes]).to.deep.equal([null, 0]);
  });

  it("measures the body in UTF-8 bytes, decoding base64 bodies", () => {
    const text = crud.toHttpRequest(event({ body: '{"n":"é"}' }));
    expect([text.body, text.bodyBytes]).to.deep.equal(['{"n":"é"}', 10]);
    const none = crud.toHttpRequest(event({ body: null }));
    expect([none.body, none.bodyBytes]).to.deep.equal([null, 0]);
    const encoded = Buffer.from('{"n":"é"}').toString("base64");
    const decoded = crud.toHttpRequest(event({ body: encoded, isBase64Encoded: true }));
    expect([decoded.body, decoded.bodyBytes]).to.deep.equal(['{"n":"é"}', 10]);
    const plain = crud.toHttpRequest(event({ body: encoded, isBase64Encoded: false }));
    expect([plain.body, plain.bodyBytes]).to.deep.equal([encoded, encoded.length]);
  });

  it("refuses a base64 body that is not UTF-8 with 400 InvalidBody", () => {
    const body = Buffer.from([0x7b, 0xff, 0x7d]).toString("base64");
    let refused: unknown;
    try {
      crud.toHttpRequest(event({ body, isBase64Encoded: true }));
    } catch (err) {
      refused = err;
    }
    expect(refused).to.be.instanceOf(ApiError);
    expect([
      (refused as ApiError).status,
      (refused as ApiError).code,
      (refused as ApiError).message,
    ]).to.deep.equal([400, "InvalidBody", "the body is not valid UTF-8: send UTF-8 JSON"]);
  });

  it("finds the stage's base path in the public path, or none", () => {
    const base = (over: Partial<APIGatewayProxyEvent>) => crud.toHttpRequest(event(over)).basePath;
    expect(base({ path: "/items/a", requestContext: { path: "/test/items/a" } as never })).to.equal(
      "/test",
    );
    expect(base({ path: "/items/a", requestContext: { path: "/items/a" } as never })).to.equal("");
    expect(base({ path: "/items/a", requestContext: { path: "/elsewhere" } as never })).to.equal(
      "",
    );
    expect(base({ path: "/items/a", requestContext: undefined as never })).to.equal("");
    // The resource alone is enough: `path` is not needed to find the stage.
    expect(base({ path: undefined as never })).to.equal("/test");
  });

  // Custom domains: API Gateway keeps the base path in both `path` and `requestContext.path`
  // (the cases are listed in localstack/localstack#12296, from AWS's behaviour).
  it("finds a custom domain's base path, which API Gateway leaves in path too", () => {
    const base = (resource: string, path: string, publicPath: string) =>
      crud.toHttpRequest(event({ resource, path, requestContext: { path: publicPath } as never }))
        .basePath;
    expect(base("/items/{id}", "/v1/items/a%2Fb", "/v1/items/a%2Fb")).to.equal("/v1");
    expect(base("/items", "/v1/items/", "/v1/items/")).to.equal("/v1");
    expect(base("/items", "/items", "/items")).to.equal("");
    expect(base("/", "/", "/test/")).to.equal("/test");
    expect(base("/DynamoDBManager", "/a/b/DynamoDBManager", "/a/b/DynamoDBManager")).to.equal(
      "/a/b",
    );
  });

  it("upper-cases the method and fills what API Gateway left out with empty strings", () => {
    const req = crud.toHttpRequest(
      event({ httpMethod: "patch", resource: undefined as never, path: undefined as never }),
    );
    expect([req.method, req.resource, req.path]).to.deep.equal(["PATCH", "", ""]);
    expect(crud.toHttpRequest(event({ httpMethod: undefined as never })).method).to.equal("");
  });
});

describe("crud adapter: handler", () => {
  afterEach(restoreEnv);
  it("loads the DynamoDB store modules by default", async () => {
    delete require.cache[require.resolve("./crud")];
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const fresh = require("./crud") as Crud;
    const [dynamoDb, records] = await Promise.all([
      fresh.storeModules.dynamoDb(),
      fresh.storeModules.records(),
    ]);
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    expect(dynamoDb.createDynamoDbStore).to.equal(require("./store/dynamodb").createDynamoDbStore);
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    expect(records.createRecordStore).to.equal(require("./store/records").createRecordStore);
  });

  it("answers an event without a request context or headers", async () => {
    const { crud } = load();
    const got = await invoke(crud, {
      ...ping(),
      headers: null as never,
      requestContext: undefined as never,
    });
    expect(got.result.statusCode).to.equal(200);
    expect(got.lines[0]).to.not.have.property("apiRequestId");
    const bad = await invoke(crud, {
      ...event({ body: Buffer.from([0xff]).toString("base64"), isBase64Encoded: true }),
      headers: null as never,
    });
    expect([bad.result.statusCode, bad.result.headers]).to.deep.equal([
      400,
      { "content-type": "application/json", vary: "Origin" },
    ]);
    expect(bad.lines[0]!["durationMs"]).to.be.within(0, bad.ms[1] - bad.ms[0]);
  });

  it("answers and logs one request line with its EMF metrics, cold start first", async () => {
    const { crud } = load();
    const first = await invoke(crud, ping());
    // With allowed origins configured, an answer to no Origin still varies by Origin.
    expect(first.result).to.deep.equal({
      statusCode: 200,
      headers: { "content-type": "application/json", vary: "Origin" },
      body: '"pong"',
    });
    expect(first.lines).to.have.length(1);
    const line = first.lines[0]!;
    const { timestamp, durationMs, _aws, ...rest } = line as {
      timestamp: string;
      durationMs: number;
      _aws: { Timestamp: number };
    };
    expect(rest).to.deep.equal({
      level: "INFO",
      message: "request",
      requestId: "lambda-request-1",
      apiRequestId: "api-request-1",
      coldStart: true,
      method: "POST",
      resource: "/DynamoDBManager",
      command: "respond",
      status: 200,
      FunctionName: "crud-fn",
      Operation: "manager.ping",
      StatusClass: "2xx",
      Requests: 1,
      ColdStarts: 1,
    });
    expect(Date.parse(timestamp)).to.be.within(first.ms[0], first.ms[1]);
    expect(durationMs).to.be.within(0, first.ms[1] - first.ms[0]);
    expect(_aws.Timestamp).to.be.within(first.ms[0], first.ms[1]);
    expect(_aws).to.deep.equal({
      Timestamp: _aws.Timestamp,
      CloudWatchMetrics: [
        {
          Namespace: "test-namespace",
          Dimensions: [
            ["FunctionName"],
            ["FunctionName", "StatusClass"],
            ["FunctionName", "Operation", "StatusClass"],
          ],
          Metrics: [{ Name: "Requests", Unit: "Count" }],
        },
        {
          Namespace: "test-namespace",
          Dimensions: [["FunctionName"]],
          Metrics: [{ Name: "ColdStarts", Unit: "Count" }],
        },
      ],
    });
    const second = await invoke(crud, ping());
    expect([second.lines[0]!["coldStart"], second.lines[0]!["ColdStarts"]]).to.deep.equal([
      false,
      0,
    ]);
  });

  it("builds the stores once per container from the configuration, sharing one set of clients", async () => {
    const { crud, mem, built } = load();
    mem.seed({ id: "a", version: new Num("2") });
    const got = await invoke(crud, event({ headers: { Origin: "https://app.test" } }));
    expect(got.result).to.deep.equal({
      statusCode: 200,
      headers: { "content-type": "application/json", etag: '"2"', ...CORS },
      body: '{"id":"a","version":2}',
    });
    const put = event({
      httpMethod: "PUT",
      headers: { "Content-Type": "application/json", "Idempotency-Key": "k1" },
      body: "{}",
    });
    const keyed = await invoke(crud, put);
    expect(keyed.result.statusCode).to.equal(200);
    await invoke(crud, { ...put, headers: { ...put.headers, "Idempotency-Key": "k2" } });
    await invoke(crud, event());
    expect(built).to.deep.equal({
      clients: [{ timeoutMs: 1500, maxAttempts: 3 }],
      stores: [[{ tableName: "lambda-apigateway", timeoutMs: 1500, maxAttempts: 3 }, true]],
      records: [
        [
          { tableName: "lambda-apigateway", recordsTableName: "lambda-apigateway-idempotency" },
          true,
        ],
      ],
    });
  });

  it("counts the time in DynamoDB calls as DynamoDBTime, only when the request made some", async () => {
    const { crud, mem } = load();
    mem.beforeCall(() => new Promise((resolve) => setTimeout(resolve, 20)));
    const got = await invoke(crud, event());
    expect(got.result.statusCode).to.equal(404);
    const line = got.lines[0]! as { DynamoDBTime: number; _aws: { CloudWatchMetrics: unknown[] } };
    expect(line.DynamoDBTime).to.be.within(15, got.ms[1] - got.ms[0]);
    expect(line._aws.CloudWatchMetrics[1]).to.deep.equal({
      Namespace: "test-namespace",
      Dimensions: [["FunctionName"]],
      Metrics: [
        { Name: "ColdStarts", Unit: "Count" },
        { Name: "DynamoDBTime", Unit: "Milliseconds" },
      ],
    });
    // A keyed write's record store is timed as well: lock, plan (a read), commit.
    const keyed = await invoke(
      crud,
      event({
        httpMethod: "PUT",
        headers: { "content-type": "application/json", "idempotency-key": "k" },
        body: "{}",
      }),
    );
    expect(keyed.lines[0]!["DynamoDBTime"]).to.be.at.least(55);
    expect("DynamoDBTime" in (await invoke(crud, ping())).lines[0]!).to.equal(false);
  });

  it("uses the default namespace when none is set, and writes no metrics with an empty one", async () => {
    const unset = load({ ...ENV_VARS, METRICS_NAMESPACE: undefined });
    const line = (await invoke(unset.crud, ping())).lines[0]! as {
      _aws: { CloudWatchMetrics: { Namespace: string }[] };
    };
    expect(line._aws.CloudWatchMetrics.map((m) => m.Namespace)).to.deep.equal([
      "lambda-apigateway",
      "lambda-apigateway",
    ]);
    const off = load({ ...ENV_VARS, METRICS_NAMESPACE: "" });
    off.mem.beforeCall(() => new Promise((resolve) => setTimeout(resolve, 5)));
    const quiet = (await invoke(off.crud, event())).lines[0]!;
    expect(Object.keys(quiet).sort()).to.deep.equal(
      [
        "apiRequestId",
        "coldStart",
        "command",
        "durationMs",
        "errorCode",
        "errorName",
        "level",
        "message",
        "method",
        "requestId",
        "resource",
        "status",
        "timestamp",
      ].sort(),
    );
    // Nor is the store wrapped in a timer: the calls reach the memory store as they are.
    expect(off.mem.calls).to.have.length(1);
  });

  it("logs the caller API Gateway names beside the method, and no caller key for anonymous ones", async () => {
    const { crud } = load();
    const signedIn = ping();
    signedIn.requestContext = {
      ...signedIn.requestContext,
      authorizer: { claims: { sub: "user-1", token_use: "id" } },
    };
    const named = await invoke(crud, signedIn);
    expect(named.lines[0]).to.include({ method: "POST", resource: "/DynamoDBManager" });
    expect(named.lines[0]!["caller"]).to.deep.equal({ sub: "user-1", tokenUse: "id" });
    const anonymous = await invoke(crud, ping());
    expect(anonymous.lines[0]).to.not.have.property("caller");
  });

  it("logs a 4xx as INFO with the error's name and code, never its message", async () => {
    const { crud } = load();
    const got = await invoke(crud, event({ pathParameters: { id: "missing" } }));
    expect(got.result.statusCode).to.equal(404);
    const line = got.lines[0]!;
    expect([line["level"], line["errorName"], line["errorCode"], line["command"]]).to.deep.equal([
      "INFO",
      "ApiError",
      "ItemNotFound",
      "items.get",
    ]);
    expect(line).to.not.have.any.keys("errorMessage", "stack");
  });

  it("logs a 5xx as ERROR with the error's message and stack, and answers without them", async () => {
    const { crud, mem } = load();
    const bug = Object.assign(new TypeError("boom at /var/task/index.js"), { code: "E_BUG" });
    mem.failNext("get", bug);
    const got = await invoke(crud, event());
    expect(got.result).to.deep.equal({
      statusCode: 500,
      headers: { "content-type": "application/json", vary: "Origin" },
      body: '{"error":{"code":"InternalError","message":"internal error; it has been logged with this request\'s id"}}',
    });
    const line = got.lines[0]!;
    expect([
      line["level"],
      line["errorName"],
      line["errorCode"],
      line["errorMessage"],
    ]).to.deep.equal(["ERROR", "TypeError", "E_BUG", "boom at /var/task/index.js"]);
    expect(line["stack"]).to.equal(bug.stack);
    expect([line["StatusClass"], line["Operation"]]).to.deep.equal(["5xx", "items.get"]);
  });

  it("answers a 503 as ERROR too: the boundary is 500", async () => {
    const { crud, mem } = load();
    mem.failNext("get", Object.assign(new Error("Rate exceeded"), { name: "ThrottlingException" }));
    const got = await invoke(crud, event());
    expect(got.result.statusCode).to.equal(503);
    expect(got.lines[0]!["level"]).to.equal("ERROR");
    const ok = await invoke(crud, event({ pathParameters: { id: "x" } }));
    expect([ok.result.statusCode, ok.lines[0]!["level"]]).to.deep.equal([404, "INFO"]);
  });

  it("loads a store module again after a failed load", async () => {
    const { crud, failLoad } = load();
    failLoad("dynamoDb");
    expect((await invoke(crud, event())).result.statusCode).to.equal(500);
    expect((await invoke(crud, event())).result.statusCode).to.equal(404);
    failLoad("records");
    const keyed = event({
      httpMethod: "PUT",
      headers: { "content-type": "application/json", "idempotency-key": "k" },
      body: "{}",
    });
    expect((await invoke(crud, keyed)).result.statusCode).to.equal(500);
    expect((await invoke(crud, keyed)).result.statusCode).to.equal(201);
  });

  it("refuses keyed writes when the function has no records table", async () => {
    const { crud, built } = load({ ...ENV_VARS, IDEMPOTENCY_TABLE_NAME: undefined });
    const got = await invoke(
      crud,
      event({
        httpMethod: "PUT",
        headers: { "content-type": "application/json", "idempotency-key": "k" },
        body: "{}",
      }),
    );
    expect([got.result.statusCode, JSON.parse(got.result.body).error.code]).to.deep.equal([
      400,
      "IdempotencyKeyNotSupported",
    ]);
    expect(built.records).to.deep.equal([]);
  });

  it("leases a key's lock for the invocation's remaining time", async () => {
    const { crud, mem } = load();
    let lease: Num | undefined;
    mem.beforeCall((call) => {
      if (call.method === "transact")
        lease = mem.item(recordKey(SHARED_SCOPE, "k"), "records")!["leaseUntil"] as Num;
    });
    const got = await invoke(
      crud,
      event({
        httpMethod: "PUT",
        headers: { "content-type": "application/json", "idempotency-key": "k" },
        body: "{}",
      }),
      context({ getRemainingTimeInMillis: () => 123_456 }),
    );
    expect(Number(lease!.text)).to.be.within(got.ms[0] + 123_456, got.ms[1] + 123_456);
  });

  describe("Idempotency-Key scope", () => {
    const create = (requestContext: Record<string, unknown>, body = '{"name":"n"}') => {
      const e = event({
        httpMethod: "POST",
        resource: "/items",
        path: "/items",
        pathParameters: null,
        headers: { "content-type": "application/json", "idempotency-key": "order-1001" },
        body,
      });
      e.requestContext = { ...e.requestContext, ...requestContext } as never;
      return e;
    };
    const cognito = (sub: string) => ({ authorizer: { claims: { sub, token_use: "id" } } });
    const iam = (userArn: string) => ({ identity: { userArn } });
    const apiKey = (apiKeyId: string) => ({ identity: { apiKeyId } });

    for (const [mode, alice, bob] of [
      ["Cognito sub", cognito("alice"), cognito("bob")],
      ["IAM caller ARN", iam("arn:aws:iam::1:user/alice"), iam("arn:aws:iam::1:user/bob")],
      ["API key id", apiKey("key-alice"), apiKey("key-bob")],
    ] as const) {
      it(`keeps one caller's keys from another (${mode}): no replay, no 422, no block`, async () => {
        const { crud } = load();
        const first = await invoke(crud, create(alice));
        expect(first.result.statusCode).to.equal(201);
        // Bob, same key and body: his own write, not Alice's answer.
        const same = await invoke(crud, create(bob));
        expect(same.result.statusCode).to.equal(201);
        expect(same.result.headers).to.not.have.property("idempotent-replayed");
        expect(same.result.headers!["location"]).to.not.equal(first.result.headers!["location"]);
        // Bob, same key, another body: his record answers, not hers (no 422).
        const other = await invoke(crud, create(bob, '{"name":"other"}'));
        expect(other.result.statusCode).to.equal(422);
        const third = await invoke(crud, create(cognito("carol"), '{"name":"other"}'));
        expect(third.result.statusCode).to.equal(201);
        // Alice still gets her own answer.
        const again = await invoke(crud, create(alice));
        expect(again.result.headers!["idempotent-replayed"]).to.equal("true");
        expect(again.result.body).to.equal(first.result.body);
      });
    }

    it("shares one scope among callers API Gateway names no one for", async () => {
      const { crud } = load();
      const first = await invoke(crud, create({}));
      const second = await invoke(crud, create({}));
      expect(second.result.headers!["idempotent-replayed"]).to.equal("true");
      expect(second.result.body).to.equal(first.result.body);
    });
  });

  it("sends a 204 with an empty body, and a replay's recorded body as it is", async () => {
    const { crud, mem } = load();
    mem.seed({ id: "a" });
    const del = await invoke(crud, event({ httpMethod: "DELETE" }));
    expect(del.result).to.deep.equal({ statusCode: 204, headers: { vary: "Origin" }, body: "" });
    const post = event({
      httpMethod: "POST",
      resource: "/items",
      path: "/items",
      pathParameters: null,
      headers: { "content-type": "application/json", "idempotency-key": "k" },
      body: '{"id":"n","big":1.50}',
    });
    const first = await invoke(crud, post);
    const replay = await invoke(crud, post);
    expect(first.result.body).to.equal('{"big":1.50,"id":"n","version":1}');
    expect(replay.result).to.deep.equal({
      statusCode: 201,
      headers: { ...first.result.headers, "idempotent-replayed": "true" },
      body: first.result.body,
    });
  });

  describe("before a request can be read", () => {
    it("answers a bad event with its 4xx, with CORS headers (Origin in either case)", async () => {
      const { crud } = load();
      const body = Buffer.from([0xff]).toString("base64");
      for (const headers of [{ origin: "https://app.test" }, { Origin: "https://app.test" }]) {
        const got = await invoke(crud, event({ headers, body, isBase64Encoded: true }));
        expect(got.result).to.deep.equal({
          statusCode: 400,
          headers: { "content-type": "application/json", ...CORS },
          body: '{"error":{"code":"InvalidBody","message":"the body is not valid UTF-8: send UTF-8 JSON"}}',
        });
        const { timestamp, durationMs, _aws, ...line } = got.lines[0]!;
        expect([typeof timestamp, typeof durationMs, typeof _aws]).to.deep.equal([
          "string",
          "number",
          "object",
        ]);
        expect(line).to.deep.equal({
          level: "INFO",
          message: "request",
          requestId: "lambda-request-1",
          apiRequestId: "api-request-1",
          coldStart: line["coldStart"],
          method: "GET",
          resource: "/items/{id}",
          status: 400,
          errorName: "ApiError",
          FunctionName: "crud-fn",
          Operation: "none",
          StatusClass: "4xx",
          Requests: 1,
          ColdStarts: line["ColdStarts"],
        });
      }
    });

    it("answers a broken configuration with 500, logged as ERROR, and without CORS headers", async () => {
      const { crud } = load({ ...ENV_VARS, TABLE_NAME: undefined });
      const got = await invoke(crud, ping({ origin: "https://app.test" }));
      expect(got.result).to.deep.equal({
        statusCode: 500,
        headers: { "content-type": "application/json" },
        body: '{"error":{"code":"InternalError","message":"internal error; it has been logged with this request\'s id"}}',
      });
      const line = got.lines[0]!;
      expect([
        line["level"],
        line["errorName"],
        line["errorMessage"],
        line["Operation"],
      ]).to.deep.equal([
        "ERROR",
        "ConfigError",
        "TABLE_NAME is not set: deploy the function with it",
        "none",
      ]);
      expect(line["stack"]).to.match(/^ConfigError: TABLE_NAME is not set/);
      expect(line).to.not.have.any.keys("command", "errorCode");
    });

    it("reads the configuration once per container", async () => {
      const { crud } = load();
      await invoke(crud, ping());
      delete process.env["TABLE_NAME"];
      expect((await invoke(crud, ping())).result.statusCode).to.equal(200);
    });
  });

  describe("log level", () => {
    for (const [level, written] of [
      ["ERROR", ["ERROR"]],
      ["warn", ["ERROR"]],
      ["INFO", ["INFO", "ERROR"]],
      ["DEBUG", ["INFO", "ERROR"]],
      ["LOUD", ["INFO", "ERROR"]],
      [undefined, ["INFO", "ERROR"]],
    ] as const) {
      it(`AWS_LAMBDA_LOG_LEVEL=${level} writes ${written.join(" and ")} lines`, async () => {
        const { crud, mem } = load({ ...ENV_VARS, AWS_LAMBDA_LOG_LEVEL: level });
        const info = await invoke(crud, ping());
        mem.failNext("get", new TypeError("bug"));
        const error = await invoke(crud, event());
        expect([...info.lines, ...error.lines].map((l) => l["level"])).to.deep.equal(written);
      });
    }
  });
});
