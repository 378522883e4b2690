/**
 * The handler in-process against DynamoDB Local, with the table and the environment variables the
 * Pulumi program declares: the tutorial's examples verbatim, every REST status, exact numbers,
 * paging, logs, random requests, and a dead database.
 */
import * as fs from "node:fs";
import * as path from "node:path";
import { DeleteItemCommand, GetItemCommand, PutItemCommand } from "@aws-sdk/client-dynamodb";
import Ajv from "ajv";
import type { APIGatewayProxyEvent } from "aws-lambda";
import { expect } from "chai";
import fc from "fast-check";
import {
  item as itemArbitrary,
  normalise,
  request as requestArbitrary,
} from "../testing/arbitraries";
import * as net from "node:net";
import { readConfig } from "./core/config";
import { encodeCursor } from "./core/cursor";
import type { HttpRequest } from "./core/http";
import { parseJson, stringifyJson } from "./core/json";
import { ENV } from "../contract/env";
import { LAMBDA_SYNC_PAYLOAD_BYTES } from "../contract/limits";
import { handleRequest } from "./service";
import { createDynamoDbStore } from "./store/dynamodb";
import type { ApiCall } from "../local/api-gateway";
import {
  lambdaContext,
  startHandlerEnvironment,
  type Answer,
  type HandlerEnvironment,
} from "../testing/handler";
import { capturedEvent } from "../local/fixtures/events";

const JSON_TYPE = { "content-type": "application/json" };

// The EMF specification's own JSON schema (origin noted in the file).
const validateEmf = new Ajv({ allErrors: true }).compile(
  JSON.parse(
    fs.readFileSync(path.join(__dirname, "..", "testing", "fixtures", "emf.schema.json"), "utf8"),
  ),
);

/** What the EMF specification requires beyond its schema: targets that exist with the right types. */
function emfProblems(doc: Record<string, unknown>): string[] {
  const problems = validateEmf(doc)
    ? []
    : (validateEmf.errors ?? []).map((e) => `${e.instancePath} ${e.message}`);
  const aws = doc["_aws"] as {
    CloudWatchMetrics?: { Dimensions: string[][]; Metrics: { Name: string }[] }[];
  };
  for (const directive of aws?.CloudWatchMetrics ?? []) {
    if (directive.Metrics.length > 100) problems.push("more than 100 metrics in a directive");
    for (const key of directive.Dimensions.flat()) {
      if (typeof doc[key] !== "string") problems.push(`dimension ${key} is not a root string`);
    }
    for (const { Name } of directive.Metrics) {
      const v = doc[Name];
      const numeric = typeof v === "number" || (Array.isArray(v) && v.length <= 100);
      if (!numeric) problems.push(`metric ${Name} is not a root number`);
    }
  }
  return problems;
}
const RUNS = Number(process.env["PROPERTY_RUNS_INTEGRATION"] ?? 150);

describe("handlers/crud against DynamoDB Local", function () {
  this.timeout(120_000);
  let h: HandlerEnvironment;
  const logs: Record<string, unknown>[] = [];
  const originalWrite = process.stdout.write;

  const call = (c: ApiCall) => h.invoke(c);
  const manager = (body: unknown) =>
    call({
      method: "POST",
      path: "/DynamoDBManager",
      headers: JSON_TYPE,
      body: typeof body === "string" ? body : JSON.stringify(body),
    });
  const rest = (
    method: string,
    path: string,
    body?: unknown,
    headers: Record<string, string> = {},
  ) =>
    call({
      method,
      path,
      headers: body === undefined ? headers : { ...JSON_TYPE, ...headers },
      body: body === undefined ? undefined : typeof body === "string" ? body : JSON.stringify(body),
    });
  const expectError = (a: Answer, status: number, code?: string) => {
    expect(a.status, a.body).to.equal(status);
    expect(a.headers["content-type"]).to.equal("application/json");
    const error = (a.json as { error: { code: string; message: string } }).error;
    expect(error.message)
      .to.be.a("string")
      .and.not.match(/\n\s+at /);
    if (code) expect(error.code).to.equal(code);
  };

  before(async () => {
    h = await startHandlerEnvironment();
    process.env["AWS_LAMBDA_LOG_LEVEL"] = "INFO";
    // The handler's log lines are kept for assertions; everything else (mocha) passes through.
    process.stdout.write = ((chunk: string | Uint8Array, ...rest: unknown[]) => {
      const text = String(chunk);
      if (text.startsWith('{"timestamp"')) {
        logs.push(JSON.parse(text) as Record<string, unknown>);
        return true;
      }
      return (originalWrite as (...args: unknown[]) => boolean).call(
        process.stdout,
        chunk,
        ...rest,
      );
    }) as typeof process.stdout.write;
  });

  after(async () => {
    process.stdout.write = originalWrite;
    await h?.stop();
  });

  it("takes its table and settings from the program's function, not a copy", () => {
    expect(h.tableName).to.equal("lambda-apigateway");
    for (const name of Object.values(ENV)) expect(h.env, name).to.have.property(name);
  });

  describe("the tutorial's examples, verbatim", () => {
    it("create, read, update to 10, read 10, delete, read nothing", async () => {
      let a = await manager(
        '{"operation": "create", "payload": {"Item": {"id": "1234ABCD", "number": 5}}}',
      );
      expect([a.status, a.json]).to.deep.equal([200, {}]);
      a = await manager('{"operation": "read", "payload": {"Key": {"id": "1234ABCD"}}}');
      expect(a.json).to.deep.equal({ Item: { id: "1234ABCD", number: 5, version: 1 } });
      a = await manager(
        '{"operation": "update", "payload": {"Key": {"id": "1234ABCD"}, "UpdateExpression": "SET #num = :newNum", "ExpressionAttributeNames": {"#num": "number"}, "ExpressionAttributeValues": {":newNum": 10}}}',
      );
      expect([a.status, a.json]).to.deep.equal([200, {}]);
      a = await manager('{"operation": "read", "payload": {"Key": {"id": "1234ABCD"}}}');
      expect(a.json).to.deep.equal({ Item: { id: "1234ABCD", number: 10, version: 2 } });
      a = await manager('{"operation": "delete", "payload": {"Key": {"id": "1234ABCD"}}}');
      expect([a.status, a.json]).to.deep.equal([200, {}]);
      a = await manager('{"operation": "read", "payload": {"Key": {"id": "1234ABCD"}}}');
      expect([a.status, a.json]).to.deep.equal([200, {}]);
    });

    it("echo returns the payload unchanged; ping returns pong", async () => {
      const echo = await manager(
        '{"operation": "echo", "payload": {"somekey1": "somevalue1", "somekey2": "somevalue2"}}',
      );
      expect([echo.status, echo.json]).to.deep.equal([
        200,
        { somekey1: "somevalue1", somekey2: "somevalue2" },
      ]);
      const ping = await call({
        method: "POST",
        path: "/DynamoDBManager",
        body: '{"operation": "ping", "payload": {}}',
      });
      expect([ping.status, ping.json]).to.deep.equal([200, "pong"]);
    });

    it("works with curl -d's form content type, as in the tutorial", async () => {
      const a = await call({
        method: "POST",
        path: "/DynamoDBManager",
        headers: { "content-type": "application/x-www-form-urlencoded" },
        body: '{"operation": "create", "payload": {"Item": {"id": "5678EFGH", "number": 15}}}',
      });
      expect(a.status).to.equal(200);
    });
  });

  describe("POST /DynamoDBManager beyond the examples", () => {
    it("supports AttributeUpdates, ReturnValues, conditions (409) and list with LastEvaluatedKey", async () => {
      let a = await manager({
        operation: "update",
        payload: {
          Key: { id: "au" },
          AttributeUpdates: { n: { Value: 2, Action: "ADD" } },
          ReturnValues: "ALL_NEW",
        },
      });
      expect(a.json).to.deep.equal({ Attributes: { id: "au", n: 2, version: 1 } });
      a = await manager({
        operation: "create",
        payload: { Item: { id: "au" }, ConditionExpression: "attribute_not_exists(id)" },
      });
      expectError(a, 409, "ConditionalCheckFailed");
      a = await manager({ operation: "list", payload: { Limit: 1 } });
      const page = a.json as { Items: unknown[]; Count: number; LastEvaluatedKey?: unknown };
      expect([page.Items.length, page.Count]).to.deep.equal([1, 1]);
      expect(page.LastEvaluatedKey).to.be.an("object");
      a = await manager({
        operation: "list",
        payload: { ExclusiveStartKey: page.LastEvaluatedKey },
      });
      expect(a.status).to.equal(200);
    });

    it("never returns $metadata", async () => {
      for (const body of [
        { operation: "create", payload: { Item: { id: "m" } } },
        { operation: "read", payload: { Key: { id: "m" } } },
        { operation: "list" },
        { operation: "delete", payload: { Key: { id: "m" } } },
      ]) {
        expect((await manager(body)).body).not.to.contain("$metadata");
      }
    });

    it("refuses TableName, other parameters, a foreign tableName and unknown operations with 400", async () => {
      expectError(
        await manager({ operation: "read", payload: { Key: { id: "a" }, TableName: "other" } }),
        400,
        "ParameterNotAllowed",
      );
      expectError(
        await manager({ operation: "list", payload: { FilterExpression: "a = b" } }),
        400,
        "ParameterNotAllowed",
      );
      expectError(
        await manager({ operation: "read", tableName: "other", payload: { Key: { id: "a" } } }),
        400,
        "TableNotAllowed",
      );
      expectError(await manager({ operation: "truncate" }), 400, "UnknownOperation");
      const ok = await manager({
        operation: "read",
        tableName: "lambda-apigateway",
        payload: { Key: { id: "a" } },
      });
      expect(ok.status).to.equal(200);
    });

    it("maps DynamoDB's validation errors to 400 with its message", async () => {
      const a = await manager({
        operation: "update",
        payload: {
          Key: { id: "a" },
          UpdateExpression: "SET #x = :x",
          ExpressionAttributeValues: { ":x": 1 },
        },
      });
      expectError(a, 400, "ValidationError");
      expect((a.json as { error: { message: string } }).error.message).to.contain("#x");
      expectError(
        await manager({ operation: "read", payload: { Key: { id: 5 } } }),
        400,
        "ValidationError",
      );
    });
  });

  describe("REST /items", () => {
    it("POST: 201 with Location, ETag and the stored item; the same id again: 409", async () => {
      const a = await rest("POST", "/items", { id: "r1", name: "first" });
      expect(a.status).to.equal(201);
      expect(a.headers.location).to.equal("/test/items/r1");
      expect(a.headers.etag).to.equal('"1"');
      expect(a.json).to.deep.equal({ id: "r1", name: "first", version: 1 });
      expectError(await rest("POST", "/items", { id: "r1" }), 409, "ItemExists");
    });

    it("POST without an id generates one, reachable at Location", async () => {
      const a = await rest("POST", "/items", { name: "anon" });
      expect(a.status).to.equal(201);
      const id = (a.json as { id: string }).id;
      expect(id).to.match(/^[0-9a-f-]{36}$/);
      const got = await rest("GET", a.headers.location!.replace("/test", ""));
      expect([got.status, got.json]).to.deep.equal([200, { id, name: "anon", version: 1 }]);
    });

    it("GET: 200 with ETag, or 404", async () => {
      const a = await rest("GET", "/items/r1");
      expect([a.status, a.headers.etag]).to.deep.equal([200, '"1"']);
      expectError(await rest("GET", "/items/absent"), 404, "ItemNotFound");
    });

    it("PUT: 201 when new, 200 when replacing (whole item, version + 1)", async () => {
      let a = await rest("PUT", "/items/p1", { a: 1, b: 2 });
      expect([a.status, a.json]).to.deep.equal([201, { id: "p1", a: 1, b: 2, version: 1 }]);
      a = await rest("PUT", "/items/p1", { c: 3 });
      expect([a.status, a.headers.etag, a.json]).to.deep.equal([
        200,
        '"2"',
        { id: "p1", c: 3, version: 2 },
      ]);
      expect((await rest("GET", "/items/p1")).json).to.deep.equal({ id: "p1", c: 3, version: 2 });
    });

    it("PATCH: changes only the given attributes (null removes), 404 when absent", async () => {
      await rest("PUT", "/items/pa", { keep: "k", change: 1, drop: true });
      const a = await rest("PATCH", "/items/pa", { change: 2, drop: null, add: [1, "x"] });
      expect([a.status, a.json]).to.deep.equal([
        200,
        { id: "pa", keep: "k", change: 2, add: [1, "x"], version: 2 },
      ]);
      expectError(await rest("PATCH", "/items/absent", { x: 1 }), 404, "ItemNotFound");
      expectError(await rest("GET", "/items/absent"), 404);
    });

    it("DELETE: 204, then 404", async () => {
      await rest("PUT", "/items/d1", { x: 1 });
      const a = await rest("DELETE", "/items/d1");
      expect([a.status, a.body]).to.deep.equal([204, ""]);
      expectError(await rest("DELETE", "/items/d1"), 404, "ItemNotFound");
    });

    it("version across both APIs: a tutorial write makes a REST If-Match stale", async () => {
      const created = await rest("POST", "/items", { id: "lu1", balance: 100 });
      expect(created.headers.etag).to.equal('"1"');
      // The tutorial's update, with its own ADD clause joined by the version's.
      const update = await manager({
        operation: "update",
        payload: {
          Key: { id: "lu1" },
          UpdateExpression: "SET balance = :b ADD visits :one",
          ExpressionAttributeValues: { ":b": 50, ":one": 1 },
        },
      });
      expect(update.status, update.body).to.equal(200);
      expectError(
        await rest("PUT", "/items/lu1", { balance: 0 }, { "if-match": '"1"' }),
        412,
        "PreconditionFailed",
      );
      expect((await rest("GET", "/items/lu1")).json).to.deep.equal({
        id: "lu1",
        balance: 50,
        visits: 1,
        version: 2,
      });
      // A tutorial create replaces the item at the next version; one naming a stale version fails.
      const replaced = await manager({
        operation: "create",
        payload: { Item: { id: "lu1", balance: 7 } },
      });
      expect(replaced.status, replaced.body).to.equal(200);
      expect((await rest("GET", "/items/lu1")).headers.etag).to.equal('"3"');
      const stale = await manager({
        operation: "create",
        payload: { Item: { id: "lu1", balance: 8, version: 2 } },
      });
      expectError(stale, 409, "ConditionalCheckFailed");
      const current = await manager({
        operation: "create",
        payload: {
          Item: { id: "lu1", balance: 8, version: 3 },
          ConditionExpression: "balance = :b",
          ExpressionAttributeValues: { ":b": 7 },
        },
      });
      expect(current.status, current.body).to.equal(200);
      // version cannot be written around the rules.
      const forged = await manager({
        operation: "update",
        payload: {
          Key: { id: "lu1" },
          UpdateExpression: "SET version = :x",
          ExpressionAttributeValues: { ":x": "abc" },
        },
      });
      expectError(forged, 400, "InvalidVersion");
      expect((await rest("GET", "/items/lu1")).json).to.deep.equal({
        id: "lu1",
        balance: 8,
        version: 4,
      });
      // The tutorial's delete leaves nothing an old ETag could match.
      await manager({ operation: "delete", payload: { Key: { id: "lu1" } } });
      expectError(await rest("PUT", "/items/lu1", { balance: 1 }, { "if-match": '"4"' }), 412);
    });

    it("If-Match: a stale ETag gets 412 on PUT, PATCH and DELETE, and changes nothing", async () => {
      await rest("PUT", "/items/v", { n: 1 });
      const current = (await rest("PATCH", "/items/v", { n: 2 })).headers.etag!;
      expect(current).to.equal('"2"');
      const stale = { "if-match": '"1"' };
      expectError(await rest("PUT", "/items/v", { n: 9 }, stale), 412, "PreconditionFailed");
      expectError(await rest("PATCH", "/items/v", { n: 9 }, stale), 412, "PreconditionFailed");
      expectError(await rest("DELETE", "/items/v", undefined, stale), 412, "PreconditionFailed");
      expectError(await rest("PUT", "/items/v", { n: 9, version: 1 }), 412, "PreconditionFailed");
      expectError(await rest("PUT", "/items/nothing-here", { n: 9 }, { "if-match": "*" }), 412);
      expect((await rest("GET", "/items/v")).json).to.deep.equal({ id: "v", n: 2, version: 2 });
      const ok = await rest("PUT", "/items/v", { n: 3 }, { "if-match": current });
      expect([ok.status, ok.headers.etag]).to.deep.equal([200, '"3"']);
      expect((await rest("DELETE", "/items/v", undefined, { "if-match": '"3"' })).status).to.equal(
        204,
      );
    });

    it("400 for malformed JSON and non-object bodies, 415 for other content types, 413 over 400 KB", async () => {
      expectError(await rest("POST", "/items", '{"id": "x",'), 400, "InvalidJson");
      for (const body of ["[]", '"s"', "null", "1"])
        expectError(await rest("POST", "/items", body), 400, "InvalidBody");
      expectError(
        await call({
          method: "POST",
          path: "/items",
          headers: { "content-type": "text/plain" },
          body: "{}",
        }),
        415,
      );
      expectError(await call({ method: "PUT", path: "/items/x", body: "{}" }), 415);
      const big = JSON.stringify({ id: "big", blob: "x".repeat(400 * 1024) });
      expectError(await rest("POST", "/items", big), 413, "PayloadTooLarge");
      expectError(await rest("GET", "/items/big"), 404);
    });

    it("400 for an empty or over-long id", async () => {
      expectError(await rest("POST", "/items", { id: "" }), 400, "InvalidId");
      expectError(await rest("PUT", `/items/${"a".repeat(2049)}`, { x: 1 }), 400, "InvalidId");
      expect((await rest("PUT", `/items/${"a".repeat(2048)}`, { x: 1 })).status).to.equal(201);
    });

    describe("percent-encoded ids (REST APIs deliver path parameters still encoded)", () => {
      it('/items/a%2Fb, /items/a%20b and a body id "a/b" or "a b" address the same item', async () => {
        for (const [id, encoded] of [
          ["a/b", "a%2Fb"],
          ["a b", "a%20b"],
        ] as const) {
          const put = await rest("PUT", `/items/${encoded}`, { via: "path" });
          expect(put.status, put.body).to.equal(201);
          expect(put.json).to.deep.include({ id });
          expectError(await rest("POST", "/items", { id }), 409, "ItemExists");
          const direct = await h.client.send(
            new GetItemCommand({ TableName: h.tableName, Key: { id: { S: id } } }),
          );
          expect(direct.Item?.via?.S, `stored under ${JSON.stringify(id)}`).to.equal("path");
        }
      });

      it("Location round-trips for ids with a space, a slash, a percent sign and non-ASCII", async () => {
        for (const id of ["loc a b", "loc/a/b", "loc 100%", "loc-λ-世界", "loc+plus"]) {
          const created = await rest("POST", "/items", { id, n: 1 });
          expect(created.status, created.body).to.equal(201);
          const got = await rest("GET", created.headers.location!.replace(/^\/test/, ""));
          expect([got.status, got.json], id).to.deep.equal([200, { id, n: 1, version: 1 }]);
        }
      });

      it("refuses a malformed percent-escape with 400 InvalidPathEncoding, changing nothing", async () => {
        for (const path of ["/items/%zz", "/items/100%", "/items/%E0%A4%A", "/items/%C3%28"]) {
          const a = await rest("PUT", path, { x: 1 });
          expectError(a, 400, "InvalidPathEncoding");
          expect((a.json as { error: { message: string } }).error.message).to.contain("%25");
        }
        expectError(await rest("GET", "/items/%zz"), 400, "InvalidPathEncoding");
      });

      it("decodes a captured REST event's encoded path parameter once", async () => {
        // The live capture, re-aimed at /items/{id} with the same encoded segment it carried.
        const captured = capturedEvent("voker-apigwv1-request.json");
        const segment = captured.pathParameters!.proxy!.split("/").pop()!;
        expect(segment).to.equal("space%20value");
        const event: APIGatewayProxyEvent = {
          ...captured,
          httpMethod: "PUT",
          resource: "/items/{id}",
          path: `/items/${segment}`,
          pathParameters: { id: segment },
          queryStringParameters: null,
          multiValueQueryStringParameters: null,
          requestContext: {
            ...captured.requestContext,
            resourcePath: "/items/{id}",
            path: `/${captured.requestContext.stage}/items/${segment}`,
          },
        };
        const { handler } = await import("./crud");
        const result = await handler(event, lambdaContext());
        expect(result.statusCode, result.body).to.equal(201);
        expect(JSON.parse(result.body)).to.deep.include({
          id: "space value",
          ...JSON.parse(captured.body!),
        });
        const get = await rest("GET", "/items/space%20value");
        expect(get.status).to.equal(200);
      });
    });

    it("404 for unknown routes, 405 with Allow for unserved methods", async () => {
      expectError(await call({ method: "GET", path: "/nothing/here" }), 404, "RouteNotFound");
      const a = await call({ method: "DELETE", path: "/items" });
      expectError(a, 405, "MethodNotAllowed");
      expect(a.headers.allow).to.equal("GET, POST, OPTIONS");
      expect((await call({ method: "GET", path: "/DynamoDBManager" })).headers.allow).to.equal(
        "POST, OPTIONS",
      );
    });

    it("CORS: headers for the configured origin, preflight answered, others get none", async () => {
      const origin = h.env[ENV.corsAllowOrigins]!.split(",")[0]!;
      const a = await call({ method: "GET", path: "/items/r1", headers: { origin } });
      expect(a.headers["access-control-allow-origin"]).to.equal(origin);
      expect(a.headers["access-control-expose-headers"]).to.contain("etag");
      const pre = await call({
        method: "OPTIONS",
        path: "/items/r1",
        headers: { origin, "access-control-request-method": "PUT" },
      });
      expect(pre.status).to.equal(204);
      expect(pre.headers["access-control-allow-methods"]).to.contain("PUT");
      const other = await call({
        method: "GET",
        path: "/items/r1",
        headers: { origin: "https://elsewhere.test" },
      });
      expect(other.headers["access-control-allow-origin"]).to.equal(undefined);
      const err = await call({ method: "GET", path: "/items/absent", headers: { origin } });
      expect(err.headers["access-control-allow-origin"]).to.equal(origin);
    });
  });

  describe("exact values", () => {
    it("stores and returns big and precise numbers exactly, and refuses what DynamoDB would round", async () => {
      const text =
        '{"id":"num","safe":9007199254740993,"precise":0.12345678901234567890123456789012345678,"big":12345678901234567890123456789012345678,"neg":-1e-130}';
      const a = await rest("POST", "/items", text);
      expect(a.status).to.equal(201);
      const got = await rest("GET", "/items/num");
      expect(normalise(parseJson(got.body))).to.deep.equal(
        normalise(parseJson(text.replace("}", ',"version":1}'))),
      );
      expect(got.body)
        .to.contain("9007199254740993")
        .and.contain("0.12345678901234567890123456789012345678");
      expectError(
        await rest("POST", "/items", '{"n":123456789012345678901234567890123456789}'),
        400,
        "InvalidValue",
      );
      expectError(await rest("POST", "/items", '{"n":1e126}'), 400, "InvalidValue");
    });

    it("round-trips sets and binary in the $SS/$NS/$BS/$B convention", async () => {
      const body = {
        id: "typed",
        ss: { $SS: ["a", "b"] },
        ns: { $NS: [1, 2.5] },
        b: { $B: "AAEC/w==" },
        bs: { $BS: ["AA==", "AQ=="] },
      };
      expect((await rest("PUT", "/items/typed", body)).status).to.equal(201);
      const got = await rest("GET", "/items/typed");
      expect(normalise(parseJson(got.body))).to.deep.equal(
        normalise(parseJson(JSON.stringify({ ...body, version: 1 }))),
      );
      expectError(await rest("PUT", "/items/typed", { s: { $SS: [] } }), 400, "InvalidValue");
    });

    it("a map whose only key is a type tag, written by the tutorial, survives GET → PUT", async () => {
      await rest("PUT", "/items/tagged", { m: {} });
      for (const [tag, value] of [
        ["$SS", { $SS: ["a"] }],
        ["$B", "not base64 at all"],
      ] as const) {
        const a = await manager({
          operation: "update",
          payload: {
            Key: { id: "tagged" },
            UpdateExpression: "SET m.#t = :v",
            ExpressionAttributeNames: { "#t": tag },
            ExpressionAttributeValues: { ":v": value },
          },
        });
        expect(a.status, a.body).to.equal(200);
        const got = await rest("GET", "/items/tagged");
        expect(got.json).to.deep.include({ m: { $M: { [tag]: value } } });
        const put = await rest("PUT", "/items/tagged", got.body, { "if-match": got.headers.etag! });
        expect(put.status, put.body).to.equal(200);
        expect((await rest("GET", "/items/tagged")).json).to.deep.include({
          m: { $M: { [tag]: value } },
        });
        // Back to an empty map for the next tag.
        await manager({
          operation: "update",
          payload: {
            Key: { id: "tagged" },
            UpdateExpression: "SET m = :e",
            ExpressionAttributeValues: { ":e": {} },
          },
        });
      }
    });

    it(`random valid items round-trip exactly through DynamoDB Local (${RUNS} runs)`, async () => {
      let runs = 0;
      await fc.assert(
        // id and version are the server's to set; the other attributes are anything valid.
        fc.asyncProperty(
          itemArbitrary.filter((i) => !("id" in i) && !("version" in i)),
          async (generated) => {
            runs++;
            const id = `prop-${runs}`;
            const put = await call({
              method: "PUT",
              path: `/items/${id}`,
              headers: JSON_TYPE,
              body: stringifyJson(generated),
            });
            expect(put.status, put.body).to.equal(201);
            const got = await rest("GET", `/items/${id}`);
            const expected = normalise(parseJson(stringifyJson({ ...generated, id, version: 1 })));
            expect(normalise(parseJson(got.body))).to.deep.equal(expected);
          },
        ),
        { numRuns: RUNS },
      );
      console.log(`      ${runs} random items round-tripped through DynamoDB Local`);
    });
  });

  describe("paging", () => {
    it("ends pages before Lambda's 6 MB on both APIs, where DynamoDB's 1 MB page is 6.5 MB of JSON", async () => {
      // Written directly: 360 KB of control characters each (6 bytes each as JSON).
      const big = ["big-1", "big-2", "big-3"];
      for (const id of big) {
        await h.client.send(
          new PutItemCommand({
            TableName: h.tableName,
            Item: { id: { S: id }, text: { S: "\u0001".repeat(360 * 1024) } },
          }),
        );
      }
      try {
        const size = (a: Answer) =>
          Buffer.byteLength(
            JSON.stringify({ statusCode: a.status, headers: a.headers, body: a.body }),
          );
        const seen: string[] = [];
        let cursor: string | null = null;
        do {
          const a = await rest("GET", `/items?limit=100${cursor ? `&cursor=${cursor}` : ""}`);
          expect(a.status).to.equal(200);
          expect(size(a)).to.be.at.most(LAMBDA_SYNC_PAYLOAD_BYTES);
          const page = a.json as { items: { id: string }[]; nextCursor: string | null };
          expect(page.items.length).to.be.at.least(1);
          seen.push(...page.items.map((i) => i.id));
          cursor = page.nextCursor;
        } while (cursor);
        expect(seen.filter((id) => big.includes(id)).sort()).to.deep.equal(big);
        const listed: string[] = [];
        let start: unknown;
        do {
          const a = await manager({
            operation: "list",
            payload: start ? { ExclusiveStartKey: start } : {},
          });
          expect(size(a)).to.be.at.most(LAMBDA_SYNC_PAYLOAD_BYTES);
          const page = a.json as { Items: { id: string }[]; LastEvaluatedKey?: unknown };
          listed.push(...page.Items.map((i) => i.id));
          start = page.LastEvaluatedKey;
        } while (start);
        expect(listed.filter((id) => big.includes(id)).sort()).to.deep.equal(big);
      } finally {
        for (const id of big) {
          await h.client.send(
            new DeleteItemCommand({ TableName: h.tableName, Key: { id: { S: id } } }),
          );
        }
      }
    });

    it("returns every item exactly once across pages, default 25, at most 100", async () => {
      for (let i = 0; i < 60; i++) await rest("PUT", `/items/page-${i}`, { i });
      const expected = new Set<string>();
      let scan = await manager({ operation: "list" });
      for (;;) {
        const p = scan.json as { Items: { id: string }[]; LastEvaluatedKey?: unknown };
        p.Items.forEach((i) => expected.add(i.id));
        if (!p.LastEvaluatedKey) break;
        scan = await manager({
          operation: "list",
          payload: { ExclusiveStartKey: p.LastEvaluatedKey },
        });
      }
      expect(expected.size).to.be.greaterThan(60);

      const first = await rest("GET", "/items");
      expect((first.json as { items: unknown[] }).items).to.have.length(25);
      const seen: string[] = [];
      let cursor: string | null = null;
      let pages = 0;
      do {
        const a: Answer = await rest(
          "GET",
          `/items?limit=7${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ""}`,
        );
        expect(a.status, a.body).to.equal(200);
        const page = a.json as { items: { id: string }[]; nextCursor: string | null };
        expect(page.items.length).to.be.at.most(7);
        seen.push(...page.items.map((i) => i.id));
        cursor = page.nextCursor;
        pages++;
      } while (cursor);
      expect(seen).to.have.length(expected.size);
      expect(new Set(seen)).to.deep.equal(expected);
      expect(pages).to.be.at.least(Math.ceil(expected.size / 7));
    });

    it("refuses a limit over 100 and forged or foreign cursors with 400", async () => {
      expectError(await rest("GET", "/items?limit=101"), 400, "InvalidLimit");
      expectError(await rest("GET", "/items?limit=0"), 400, "InvalidLimit");
      const page = (await rest("GET", "/items?limit=1")).json as { nextCursor: string };
      const [payload] = page.nextCursor.split(".");
      const forged = `${payload}.${Buffer.from("not the mac").toString("base64url")}`;
      const foreign = encodeCursor({ id: "page-1" }, "another-table", h.env[ENV.cursorSecret]!);
      for (const c of [forged, foreign, "abc"]) {
        expectError(
          await rest("GET", `/items?cursor=${encodeURIComponent(c)}`),
          400,
          "InvalidCursor",
        );
      }
    });
  });

  describe("robustness and logs", () => {
    it(`random requests never get a 5xx (${RUNS} runs against DynamoDB Local)`, async () => {
      let runs = 0;
      await fc.assert(
        fc.asyncProperty(requestArbitrary, async (r) => {
          runs++;
          const [resource, method] = r.routed;
          const path = resource.replace("{id}", encodeURIComponent(r.id || "x"));
          const headers: Record<string, string> = {};
          if (r.contentType !== null) headers["content-type"] = r.contentType;
          if (r.ifMatch !== null) headers["if-match"] = r.ifMatch;
          const query = new URLSearchParams(
            Object.entries(r.query).flatMap(([k, vs]) => vs.map((v): [string, string] => [k, v])),
          ).toString();
          const a = await call({
            method,
            path: query ? `${path}?${query}` : path,
            headers,
            body: r.body ?? undefined,
          });
          expect(a.status, a.body).to.be.below(500);
        }),
        { numRuns: RUNS },
      );
      console.log(`      ${runs} random requests through the handler: no 5xx`);
    });

    it("logs one JSON line per request with request id and cold-start flag, never the payload", async () => {
      const marker = "payload-marker-7f3a";
      const before = logs.length;
      await rest("POST", "/items", { id: `log-${marker}`, secret: marker });
      await manager({ operation: "echo", payload: { secret: marker } });
      const mine = logs.slice(before);
      expect(mine).to.have.length(2);
      for (const line of mine) {
        expect(line).to.include({ level: "INFO", message: "request", coldStart: false });
        expect(line.requestId).to.be.a("string");
      }
      expect(logs[0]!.coldStart).to.equal(true);
      expect(logs.slice(1).every((l) => l.coldStart === false)).to.equal(true);
      expect(JSON.stringify(logs)).not.to.contain(marker);
    });
  });

  describe("metrics: the request line is a CloudWatch EMF document", () => {
    const lineOf = async (send: () => Promise<Answer>) => {
      const before = logs.length;
      const answer = await send();
      const mine = logs.slice(before);
      expect(mine, "one line per request").to.have.length(1);
      return { answer, line: mine[0]! };
    };

    it("the first request of the container counts a cold start, the others do not", () => {
      expect(logs[0]).to.include({ coldStart: true, ColdStarts: 1 });
      expect(logs.slice(1).every((l) => l["ColdStarts"] === 0)).to.equal(true);
    });

    it("names the namespace, this function, the operation and the status class, with the values", async () => {
      const namespace = h.env[ENV.metricsNamespace];
      expect(namespace).to.be.a("string").and.not.equal("");
      const cases: [string, () => Promise<Answer>, string, string, boolean][] = [
        [
          "create",
          () => rest("POST", "/items", { id: "emf-1", n: 1 }),
          "items.create",
          "2xx",
          true,
        ],
        ["missing", () => rest("GET", "/items/emf-absent"), "items.get", "4xx", true],
        ["replace", () => rest("PUT", "/items/emf-1", { n: 2 }), "items.put", "2xx", true],
        [
          "read",
          () => manager({ operation: "read", payload: { Key: { id: "emf-1" } } }),
          "manager.read",
          "2xx",
          true,
        ],
        ["ping", () => manager({ operation: "ping", payload: {} }), "manager.ping", "2xx", false],
        ["preflight", () => rest("OPTIONS", "/items"), "preflight", "2xx", false],
        ["bad JSON", () => rest("POST", "/items", "{nope"), "none", "4xx", false],
        ["no route", () => rest("GET", "/nowhere"), "none", "4xx", false],
      ];
      for (const [what, send, operation, statusClass, usesDynamoDb] of cases) {
        const { answer, line } = await lineOf(send);
        expect(emfProblems(line), what).to.deep.equal([]);
        expect(String(answer.status)[0] + "xx", what).to.equal(statusClass);
        const aws = line["_aws"] as {
          Timestamp: number;
          CloudWatchMetrics: {
            Namespace: string;
            Dimensions: string[][];
            Metrics: { Name: string; Unit: string }[];
          }[];
        };
        expect(
          aws.CloudWatchMetrics.map((d) => d.Namespace),
          what,
        ).to.deep.equal([namespace, namespace]);
        expect(Math.abs(aws.Timestamp - Date.now()), what).to.be.below(60_000);
        expect(line, what).to.include({
          FunctionName: h.functionName,
          Operation: operation,
          StatusClass: statusClass,
          Requests: 1,
          ColdStarts: 0,
        });
        const dimensionSets = aws.CloudWatchMetrics.flatMap((d) => d.Dimensions);
        expect(dimensionSets, what).to.deep.include(["FunctionName", "Operation", "StatusClass"]);
        expect(
          dimensionSets.every((set) => set[0] === "FunctionName"),
          what,
        ).to.equal(true);
        const metricNames = aws.CloudWatchMetrics.flatMap((d) => d.Metrics.map((m) => m.Name));
        if (usesDynamoDb) {
          expect(metricNames, what).to.include("DynamoDBTime");
          const ms = line["DynamoDBTime"] as number;
          // Inside the request's own duration, which the adapter measures separately.
          expect(ms, what)
            .to.be.greaterThan(0)
            .and.at.most((line["durationMs"] as number) + 1);
        } else {
          expect(metricNames, what).to.not.include("DynamoDBTime");
          expect(line, what).to.not.have.property("DynamoDBTime");
        }
      }
    });
  });

  describe("a database that accepts connections but never answers", () => {
    let blackHole: net.Server;
    const sockets = new Set<net.Socket>();
    before(async () => {
      blackHole = net.createServer((socket) => sockets.add(socket));
      await new Promise<void>((resolve) => blackHole.listen(0, "127.0.0.1", resolve));
    });
    after(async () => {
      sockets.forEach((s) => s.destroy());
      await new Promise((resolve) => blackHole.close(resolve));
    });

    /** Runs one request through the core with a store whose DynamoDB never answers. */
    async function againstBlackHole(request: Partial<HttpRequest>, maxAttempts: number) {
      const { port } = blackHole.address() as net.AddressInfo;
      const saved = process.env["AWS_ENDPOINT_URL_DYNAMODB"];
      process.env["AWS_ENDPOINT_URL_DYNAMODB"] = `http://127.0.0.1:${port}`;
      const config = {
        ...readConfig(process.env),
        dynamoDbTimeoutMs: 300,
        dynamoDbMaxAttempts: maxAttempts,
      };
      const store = createDynamoDbStore({
        tableName: config.tableName,
        timeoutMs: 300,
        maxAttempts,
      });
      const socketsBefore = sockets.size;
      const started = Date.now();
      // The SDK resolves the endpoint on the first call, so the variable stays set until then.
      const outcome = await handleRequest(
        {
          method: "GET",
          resource: "/items",
          path: "/items",
          pathParameters: {},
          query: {},
          headers: {},
          body: null,
          bodyBytes: 0,
          basePath: "",
          ...request,
        },
        { config, store: async () => store, generateId: () => "x" },
      ).finally(() => (process.env["AWS_ENDPOINT_URL_DYNAMODB"] = saved));
      return {
        response: outcome.response,
        elapsed: Date.now() - started,
        connections: sockets.size - socketsBefore,
      };
    }

    it("fails each call within timeout × attempts from the config, as 503", async () => {
      const { response, elapsed, connections } = await againstBlackHole(
        { resource: "/items/{id}", path: "/items/a", pathParameters: { id: "a" } },
        2,
      );
      expect(response.status).to.equal(503);
      expect(response.headers["retry-after"]).to.equal("1");
      // Two attempts of 300 ms plus the SDK's backoff between them; far below any Lambda timeout.
      expect(elapsed).to.be.within(550, 2500);
      expect(connections).to.equal(2);
    });

    it("sends a write once: an unanswered write may have landed, so it is a 503, not a retry", async () => {
      const body = '{"id":"once"}';
      const { response, connections } = await againstBlackHole(
        {
          method: "POST",
          headers: { "content-type": "application/json" },
          body,
          bodyBytes: body.length,
        },
        3,
      );
      expect(response.status).to.equal(503);
      expect(connections).to.equal(1);
    });
  });

  // Last: it stops the database.
  describe("a dead database", () => {
    it("answers 503 with Retry-After within the SDK budget, not the function's timeout", async () => {
      await h.dynamodb.stop();
      const budget =
        Number(h.env[ENV.dynamoDbTimeoutMs]) * Number(h.env[ENV.dynamoDbMaxAttempts]) + 2000;
      for (const c of [
        { method: "GET", path: "/items/r1" },
        {
          method: "POST",
          path: "/DynamoDBManager",
          headers: JSON_TYPE,
          body: '{"operation":"read","payload":{"Key":{"id":"a"}}}',
        },
      ]) {
        const started = Date.now();
        const a = await call(c);
        expectError(a, 503, "ServiceUnavailable");
        expect(a.headers["retry-after"]).to.match(/^\d+$/);
        expect(Date.now() - started).to.be.below(budget);
      }
      const ping = await manager({ operation: "ping" });
      expect(ping.status).to.equal(200);
      expect(logs.at(-2)).to.include({
        level: "ERROR",
        status: 503,
        Operation: "manager.read",
        StatusClass: "5xx",
      });
      expect(logs.at(-2)!["DynamoDBTime"]).to.be.greaterThan(0);
    });
  });
});
