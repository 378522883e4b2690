/**
 * Closed lookups: every lookup keyed by what a client sends (operation names, routes, methods,
 * query names, payload parameter and envelope field names, type tags, picklist values, header
 * names, JSON escapes, Idempotency-Key values) matches own keys only. For arbitrary strings, and
 * for every name a JavaScript object or function inherits, each gets its documented 4xx and no
 * table is touched: the stores here fail the test on any call.
 */
import { expect } from "chai";
import fc from "fast-check";
import type { APIGatewayProxyEvent } from "aws-lambda";
import { buildProxyEvent } from "../local/proxy-event";
import { INHERITED_NAMES } from "../testing/arbitraries";
import type { Config } from "./core/config";
import { RESERVED_KEYS } from "./core/json";
import { ALLOWED_PARAMETERS, TUTORIAL_OPERATIONS } from "../contract/inputs";
import type { RecordStore, Store } from "./core/store";
import { toHttpRequest } from "./crud";
import { IDEMPOTENCY_KEY_HEADER } from "../contract/idempotency";
import { ROUTES } from "../contract/operations";
import { handleRequest } from "./service";
import { TEST_CONFIG } from "../testing/store/config";

const RUNS = Number(process.env["PROPERTY_RUNS"] ?? 300);

const config: Config = TEST_CONFIG;

/** Stores whose every method records the call: "no table touched" means none was made. */
function untouchable() {
  const calls: string[] = [];
  const store = new Proxy({} as Store & RecordStore, {
    // Not a thenable: awaiting the store must give the store.
    get: (_target, method) =>
      method === "then"
        ? undefined
        : () => {
            calls.push(String(method));
            return Promise.reject(new Error(`table touched: ${String(method)}`));
          },
  });
  return { calls, store };
}

/** A name: inherited ones often, arbitrary (including non-ASCII and empty) ones otherwise. */
const name = fc.oneof(
  { weight: 2, arbitrary: fc.constantFrom(...INHERITED_NAMES) },
  { weight: 1, arbitrary: fc.string() },
  { weight: 1, arbitrary: fc.string({ unit: "grapheme" }) },
);

interface Sent {
  method: string;
  resource: string;
  path?: string;
  query?: Record<string, string[]>;
  headers?: Record<string, string>;
  body?: string;
}

/** Through the adapter as API Gateway delivers it (a parsed JSON event) and the service. */
async function send(sent: Sent) {
  // JSON.parse keeps "__proto__" as an own key, as the Lambda runtime's event parsing does.
  const event = JSON.parse(
    JSON.stringify({
      httpMethod: sent.method,
      resource: sent.resource,
      path: sent.path ?? sent.resource,
      headers: { "content-type": "application/json", ...sent.headers },
      multiValueQueryStringParameters: null,
      pathParameters: sent.resource.includes("{id}") ? { id: "x" } : null,
      body: sent.body ?? null,
      isBase64Encoded: false,
      requestContext: { path: `/test${sent.path ?? sent.resource}` },
    }),
  ) as APIGatewayProxyEvent;
  if (sent.query) {
    // Built as text so that "__proto__" stays a query name, not a prototype.
    const entries = Object.entries(sent.query).map(
      ([k, v]) => `${JSON.stringify(k)}:${JSON.stringify(v)}`,
    );
    event.multiValueQueryStringParameters = JSON.parse(`{${entries.join(",")}}`);
  }
  const { calls, store } = untouchable();
  const outcome = await handleRequest(toHttpRequest(event), {
    config,
    store: async () => store,
    records: async () => store,
    generateId: () => "generated",
  });
  const body = outcome.response.body as { error?: { code?: string } } | undefined;
  return { status: outcome.response.status, code: body?.error?.code, calls };
}

/** A JSON object text with one more member named `key`, built as text for the same reason. */
const withMember = (objectText: string, key: string, value = "1") =>
  `${objectText.slice(0, -1)}${objectText.length > 2 ? "," : ""}${JSON.stringify(key)}:${value}}`;

const expectRefused = (
  reply: Awaited<ReturnType<typeof send>>,
  status: number,
  code: string | readonly string[],
) => {
  expect(reply.calls, "no table touched").to.deep.equal([]);
  expect(reply.status).to.equal(status);
  expect([code].flat()).to.include(reply.code);
};

const property = (
  arb: fc.Arbitrary<string>,
  check: (s: string) => Promise<void>,
  examples: readonly string[] = INHERITED_NAMES,
) =>
  fc.assert(fc.asyncProperty(arb, check), {
    numRuns: RUNS,
    examples: examples.map((n) => [n]),
    // The counterexample is the story; shrinking a string of an async property takes long.
    endOnFailure: true,
  });

describe("closed lookups: inherited names and arbitrary strings get their documented 4xx", function () {
  this.timeout(120_000);
  it("lists the inherited names it tries", () => {
    expect(INHERITED_NAMES).to.include.members(["constructor", "__proto__", "toString", "call"]);
  });

  it("operation names that are no operation: 400 UnknownOperation", async () => {
    await property(name, async (op) => {
      fc.pre(!(TUTORIAL_OPERATIONS as readonly string[]).includes(op));
      for (const payload of ["{}", '{"Key":{"id":"a"}}']) {
        const reply = await send({
          method: "POST",
          resource: "/DynamoDBManager",
          body: `{"operation":${JSON.stringify(op)},"payload":${payload}}`,
        });
        expectRefused(reply, 400, "UnknownOperation");
      }
    });
  });

  it("payload parameters an operation does not take: 400 ParameterNotAllowed", async () => {
    const required: Record<string, string> = {
      create: '{"Item":{"id":"a"}}',
      read: '{"Key":{"id":"a"}}',
      update: '{"Key":{"id":"a"},"UpdateExpression":"SET n = :n"}',
      delete: '{"Key":{"id":"a"}}',
      list: "{}",
    };
    await property(name, async (param) => {
      for (const [op, payload] of Object.entries(required)) {
        if (ALLOWED_PARAMETERS[op]!.includes(param)) continue;
        const reply = await send({
          method: "POST",
          resource: "/DynamoDBManager",
          body: `{"operation":"${op}","payload":${withMember(payload, param)}}`,
        });
        // Keys that would reach a prototype never get past the JSON parser.
        const expected = RESERVED_KEYS.has(param) ? "InvalidJson" : "ParameterNotAllowed";
        expectRefused(reply, 400, expected);
      }
    });
  });

  it("envelope fields beside operation, payload and tableName: 400", async () => {
    await property(name, async (field) => {
      fc.pre(!["operation", "payload", "tableName"].includes(field));
      const reply = await send({
        method: "POST",
        resource: "/DynamoDBManager",
        body: withMember('{"operation":"list","payload":{}}', field),
      });
      expectRefused(reply, 400, RESERVED_KEYS.has(field) ? "InvalidJson" : "ValidationError");
    });
  });

  it("picklist values (ReturnValues, AttributeUpdates Action) outside the list: 400 ValidationError", async () => {
    await property(name, async (value) => {
      fc.pre(!["NONE", "ALL_OLD", "UPDATED_OLD", "ALL_NEW", "UPDATED_NEW"].includes(value));
      fc.pre(!["PUT", "ADD", "DELETE"].includes(value));
      for (const payload of [
        `{"Item":{"id":"a"},"ReturnValues":${JSON.stringify(value)}}`,
        `{"Key":{"id":"a"},"AttributeUpdates":{"n":{"Action":${JSON.stringify(value)}}}}`,
      ]) {
        const op = payload.includes("Item") ? "create" : "update";
        const reply = await send({
          method: "POST",
          resource: "/DynamoDBManager",
          body: `{"operation":"${op}","payload":${payload}}`,
        });
        expectRefused(reply, 400, "ValidationError");
      }
    });
  });

  it("resources that are no route: 404 RouteNotFound", async () => {
    await property(name, async (resource) => {
      fc.pre(!ROUTES.some((r) => r.path === resource));
      const reply = await send({ method: "GET", resource });
      expectRefused(reply, 404, "RouteNotFound");
    });
  });

  it("methods a route does not serve: 405 MethodNotAllowed", async () => {
    await property(name, async (method) => {
      for (const route of ROUTES) {
        const upper = method.toUpperCase();
        if ((route.methods as readonly string[]).includes(upper) || upper === "OPTIONS") continue;
        const reply = await send({ method, resource: route.path, body: "{}" });
        expectRefused(reply, 405, "MethodNotAllowed");
      }
    });
  });

  it("query names /items does not take: 400 InvalidQuery", async () => {
    await property(name, async (query) => {
      fc.pre(query !== "limit" && query !== "cursor");
      const reply = await send({ method: "GET", resource: "/items", query: { [query]: ["1"] } });
      expectRefused(reply, 400, "InvalidQuery");
      const write = await send({
        method: "DELETE",
        resource: "/items/{id}",
        path: "/items/x",
        query: { [query]: ["1"] },
      });
      expectRefused(write, 400, "InvalidQuery");
    });
  });

  it("members beside a type tag: 400 InvalidValue", async () => {
    await property(name, async (member) => {
      fc.pre(member !== "$SS");
      const reply = await send({
        method: "POST",
        resource: "/items",
        body: `{"tags":${withMember('{"$SS":["a"]}', member)}}`,
      });
      expectRefused(reply, 400, RESERVED_KEYS.has(member) ? "InvalidJson" : "InvalidValue");
    });
  });

  it("escapes JSON does not define: 400 InvalidJson", async () => {
    await property(
      fc.oneof(
        fc.constantFrom(...INHERITED_NAMES.map((n) => n[0]!)),
        fc.string({ minLength: 1, maxLength: 1 }),
      ),
      async (c) => {
        fc.pre(!'"\\/bfnrtu'.includes(c));
        const reply = await send({ method: "POST", resource: "/items", body: `{"a":"\\${c}"}` });
        expectRefused(reply, 400, "InvalidJson");
      },
      [...new Set(INHERITED_NAMES.map((n) => n[0]!))],
    );
  });

  it("header names change nothing: a refused request stays refused", async () => {
    await property(name, async (header) => {
      fc.pre(/^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/.test(header)); // an HTTP token
      fc.pre(header.toLowerCase() !== "content-type");
      const reply = await send({
        method: "POST",
        resource: "/DynamoDBManager",
        headers: { [header]: "x" },
        body: '{"operation":"drop","payload":{}}',
      });
      expectRefused(reply, 400, "UnknownOperation");
    });
  });

  it("Idempotency-Key values that are no key: 400 InvalidIdempotencyKey, nothing written", async () => {
    await property(
      fc.oneof(
        fc.constant(""),
        fc.string({ minLength: 256, maxLength: 300 }),
        fc.string({ unit: "grapheme", minLength: 1 }).filter((s) => /[^\x20-\x7e]/.test(s)),
      ),
      async (key) => {
        const reply = await send({
          method: "POST",
          resource: "/items",
          headers: { [IDEMPOTENCY_KEY_HEADER]: key },
          body: '{"id":"a"}',
        });
        expectRefused(reply, 400, "InvalidIdempotencyKey");
      },
      [],
    );
  });
});

describe("closed lookups in the local cloud's API Gateway", () => {
  it("query and header names that objects inherit reach the function as sent", () => {
    for (const n of INHERITED_NAMES) {
      const event = buildProxyEvent(
        {
          httpMethod: "GET",
          path: "/items",
          query: `${encodeURIComponent(n)}=1&${encodeURIComponent(n)}=2`,
          rawHeaders: [n, "a", n, "b"],
          body: Buffer.alloc(0),
          sourceIp: "127.0.0.1",
          localPort: 3000,
        },
        {
          apiId: "api",
          stage: "test",
          stageVariables: null,
          resourceId: "r",
          resourcePath: "/items",
          deploymentId: "dep",
          pathParameters: null,
          binaryMediaTypes: [],
          requestId: "req",
        },
      );
      expect(Object.hasOwn(event.multiValueQueryStringParameters!, n), n).to.equal(true);
      expect(event.multiValueQueryStringParameters![n], n).to.deep.equal(["1", "2"]);
      expect(event.queryStringParameters![n], n).to.equal("2");
      expect(Object.hasOwn(event.multiValueHeaders, n), n).to.equal(true);
      expect(event.multiValueHeaders[n], n).to.deep.equal(["a", "b"]);
    }
  });
});
