import { expect } from "chai";
import { CATCH_ALL_PATH } from "../../contract/operations";
import type { Config } from "./config";
import { encodeCursor } from "./cursor";
import { ApiError, type HttpRequest } from "./http";
import { existsCondition, parseIfMatch, patchUpdate } from "./items";
import { Num } from "../../contract/json";
import { ALLOWED_PARAMETERS } from "../../contract/inputs";
import { MAX_BODY_BYTES, parseRequest, type Command } from "./request";

const config: Config = {
  tableName: "lambda-apigateway",
  cursorSecret: "0123456789abcdef0123",
  corsAllowOrigins: ["http://localhost:5173"],
  dynamoDbTimeoutMs: 1000,
  dynamoDbMaxAttempts: 2,
  idempotencyTtlSeconds: 86_400,
};

function request(over: Partial<HttpRequest> & { body?: string | null }): HttpRequest {
  const body = over.body ?? null;
  return {
    method: "POST",
    resource: "/DynamoDBManager",
    path: over.resource ?? "/DynamoDBManager",
    pathParameters: {},
    query: {},
    headers: body === null ? {} : { "content-type": "application/json" },
    bodyBytes: body === null ? 0 : Buffer.byteLength(body),
    basePath: "/test",
    ...over,
    body,
  };
}

const parse = (over: Parameters<typeof request>[0], cfg: Config = config): Command =>
  parseRequest(request(over), { config: cfg, generateId: () => "generated" });

/** The ApiError a request is refused with. */
function refusal(over: Parameters<typeof request>[0]): ApiError {
  try {
    parse(over);
  } catch (err) {
    if (err instanceof ApiError) return err;
    throw err;
  }
  throw new Error("the request was accepted");
}

const manager = (body: unknown) => ({ body: JSON.stringify(body) });
const item = (method: string, id: string, over: Parameters<typeof request>[0] = {}) =>
  ({
    method,
    resource: "/items/{id}",
    path: `/items/${id}`,
    pathParameters: { id },
    ...over,
  }) as const;

describe("core/request: routing", () => {
  it("answers 404 for the catch-all and unknown resources, naming the routes", () => {
    const err = refusal({ method: "GET", resource: CATCH_ALL_PATH, path: "/nope" });
    expect(err.status).to.equal(404);
    expect(err.message).to.contain("GET /nope").and.contain("POST /DynamoDBManager");
  });

  it("answers 405 with Allow for a method the route does not serve", () => {
    const err = refusal({ method: "DELETE", resource: "/items" });
    expect(err.status).to.equal(405);
    expect(err.headers.allow).to.equal("GET, POST, OPTIONS");
  });

  it("answers a CORS preflight for an allowed origin, and none for another", () => {
    const ok = parse({
      method: "OPTIONS",
      resource: "/items/{id}",
      headers: { origin: "http://localhost:5173" },
    });
    expect(ok.kind).to.equal("respond");
    const headers = ok.kind === "respond" ? ok.response.headers : {};
    expect(ok.kind === "respond" && ok.response.status).to.equal(204);
    expect(headers["access-control-allow-origin"]).to.equal("http://localhost:5173");
    expect(headers["access-control-allow-methods"]).to.equal("GET, PUT, PATCH, DELETE, OPTIONS");
    // An open stack's callers send no credentials.
    expect(headers["access-control-allow-headers"]).to.equal(
      "content-type, if-match, idempotency-key",
    );
    const other = parse({
      method: "OPTIONS",
      resource: "/items",
      headers: { origin: "http://evil.test" },
    });
    expect(
      other.kind === "respond" && other.response.headers["access-control-allow-origin"],
    ).to.equal(undefined);
  });

  it("lets browsers send what the stack's security needs: a token, a SigV4 signature, the API key", () => {
    const allowed = (apiSecurity: string) => {
      const answer = parse(
        { method: "OPTIONS", resource: "/items", headers: { origin: "http://localhost:5173" } },
        { ...config, apiSecurity },
      );
      return answer.kind === "respond"
        ? answer.response.headers["access-control-allow-headers"]?.split(", ")
        : undefined;
    };
    // The prod stack: Cognito tokens and the usage plan's key.
    expect(allowed('{"auth":"cognito","apiKey":true}')).to.include.members([
      "authorization",
      "x-api-key",
      "idempotency-key",
    ]);
    expect(allowed('{"auth":"iam","apiKey":false}')).to.include.members([
      "authorization",
      "x-amz-date",
      "x-amz-security-token",
    ]);
    expect(allowed('{"auth":"none","apiKey":false}')).to.not.include("authorization");
  });
});

describe("core/request: bodies", () => {
  it("refuses malformed JSON with 400 and where it broke", () => {
    const err = refusal({ body: '{"operation": "ping",' });
    expect([err.status, err.code]).to.deep.equal([400, "InvalidJson"]);
    expect(err.message).to.contain("position");
  });

  for (const body of ["[]", '"ping"', "null", "42"]) {
    it(`refuses the non-object body ${body} with 400`, () => {
      expect(refusal({ body }).status).to.equal(400);
      expect(refusal({ method: "POST", resource: "/items", body }).status).to.equal(400);
    });
  }

  it("refuses a body over 400 KB with 413 before parsing it", () => {
    const body = "x".repeat(MAX_BODY_BYTES + 1);
    expect(refusal({ body }).status).to.equal(413);
    expect(refusal({ ...item("PUT", "a"), body }).status).to.equal(413);
  });

  it("requires application/json on the REST API (415), and refuses other charsets", () => {
    const body = '{"a":1}';
    expect(refusal({ method: "POST", resource: "/items", body, headers: {} }).status).to.equal(415);
    expect(
      refusal({
        method: "POST",
        resource: "/items",
        body,
        headers: { "content-type": "text/plain" },
      }).status,
    ).to.equal(415);
    expect(
      refusal({
        method: "POST",
        resource: "/items",
        body,
        headers: { "content-type": "application/json; charset=latin1" },
      }).status,
    ).to.equal(415);
    const ok = parse({
      method: "POST",
      resource: "/items",
      body,
      headers: { "content-type": "application/json; charset=UTF-8" },
    });
    expect(ok.kind).to.equal("items.create");
  });

  it("accepts the tutorial's curl -d requests on /DynamoDBManager (form type or none), not XML", () => {
    const body = '{"operation":"ping"}';
    for (const headers of [{}, { "content-type": "application/x-www-form-urlencoded" }]) {
      expect(parse({ body, headers }).kind).to.equal("respond");
    }
    expect(refusal({ body, headers: { "content-type": "application/xml" } }).status).to.equal(415);
  });
});

describe("core/request: /DynamoDBManager", () => {
  it("parses the tutorial's create, read, update and delete", () => {
    const create = parse(
      manager({ operation: "create", payload: { Item: { id: "1234ABCD", number: 5 } } }),
    );
    expect(create).to.deep.equal({
      kind: "manager.create",
      params: {
        Item: { id: "1234ABCD", number: new Num("5") },
        ConditionExpression: undefined,
        ExpressionAttributeNames: undefined,
        ExpressionAttributeValues: undefined,
        ReturnValues: undefined,
      },
    });
    const update = parse(
      manager({
        operation: "update",
        payload: {
          Key: { id: "1234ABCD" },
          UpdateExpression: "SET #num = :newNum",
          ExpressionAttributeNames: { "#num": "number" },
          ExpressionAttributeValues: { ":newNum": 10 },
        },
      }),
    );
    expect(update.kind).to.equal("manager.update");
    if (update.kind === "manager.update") {
      expect(update.params.ExpressionAttributeValues).to.deep.equal({
        ":newNum": new Num("10"),
        ":lockVersionOne": new Num("1"),
      });
    }
    expect(
      parse(manager({ operation: "read", payload: { Key: { id: "1234ABCD" } } })).kind,
    ).to.equal("manager.read");
    expect(
      parse(manager({ operation: "delete", payload: { Key: { id: "1234ABCD" } } })).kind,
    ).to.equal("manager.delete");
  });

  it("parses the older tutorial's AttributeUpdates", () => {
    const cmd = parse(
      manager({
        operation: "update",
        payload: { Key: { id: "a" }, AttributeUpdates: { n: { Value: 1, Action: "ADD" } } },
      }),
    );
    expect(cmd.kind === "manager.update" && cmd.params.AttributeUpdates).to.deep.equal({
      n: { Action: "ADD", Value: new Num("1") },
      version: { Action: "ADD", Value: new Num("1") },
    });
  });

  it("answers echo with the payload unchanged, digits included, and ping with pong", () => {
    const echo = parseRequest(
      request({ body: '{"operation":"echo","payload":{"n":12345678901234567890.5}}' }),
      {
        config,
        generateId: () => "x",
      },
    );
    expect(echo.kind === "respond" && echo.response.body).to.deep.equal({
      n: new Num("12345678901234567890.5"),
    });
    const ping = parse(manager({ operation: "ping" }));
    expect(ping.kind === "respond" && ping.response.body).to.equal("pong");
  });

  it("refuses TableName in the payload, and any parameter not listed for the operation", () => {
    const err = refusal(
      manager({ operation: "read", payload: { Key: { id: "a" }, TableName: "other" } }),
    );
    expect([err.status, err.code]).to.deep.equal([400, "ParameterNotAllowed"]);
    for (const [operation, allowed] of Object.entries(ALLOWED_PARAMETERS)) {
      const e = refusal(
        manager({
          operation,
          payload: { Key: { id: "a" }, Item: { id: "a" }, FilterExpression: "x" },
        }),
      );
      expect(e.status).to.equal(400);
      expect(e.message).to.contain(allowed.join(", "));
    }
  });

  it("accepts tableName only when it is the configured table", () => {
    expect(parse(manager({ operation: "ping", tableName: config.tableName })).kind).to.equal(
      "respond",
    );
    const err = refusal(
      manager({ operation: "read", tableName: "other", payload: { Key: { id: "a" } } }),
    );
    expect([err.status, err.code]).to.deep.equal([400, "TableNotAllowed"]);
  });

  for (const [body, code] of [
    [{ operation: "drop" }, "UnknownOperation"],
    [{ operation: 1 }, "ValidationError"],
    [{ operation: "read" }, "ValidationError"],
    [{ operation: "read", payload: { Key: "a" } }, "ValidationError"],
    [
      { operation: "create", payload: { Item: { id: "a" }, ReturnValues: "ALL_NEW" } },
      "ValidationError",
    ],
    [{ operation: "list", payload: { Limit: 0 } }, "ValidationError"],
    [{ operation: "list", payload: { Limit: 1.5 } }, "ValidationError"],
    [{ operation: "ping", extra: 1 }, "ValidationError"],
    [{ operation: "create", payload: { Item: { id: "a", n: { $SS: [] } } } }, "InvalidValue"],
  ] as const) {
    it(`refuses ${JSON.stringify(body)} with 400 ${code}`, () => {
      const err = refusal(manager(body));
      expect([err.status, err.code]).to.deep.equal([400, code]);
    });
  }
});

describe("core/request: /items", () => {
  const list = (query: Record<string, string[]>) =>
    ({ method: "GET", resource: "/items", query }) as const;

  it("creates with the body's id or a generated one, at version 1", () => {
    const a = parse({ method: "POST", resource: "/items", body: '{"id":"a","n":1}' });
    expect(a).to.deep.equal({
      kind: "items.create",
      id: "a",
      item: { id: "a", n: new Num("1"), version: new Num("1") },
    });
    const b = parse({ method: "POST", resource: "/items", body: '{"n":1}' });
    expect(b.kind === "items.create" && b.id).to.equal("generated");
    expect(refusal({ method: "POST", resource: "/items", body: '{"version":3}' }).status).to.equal(
      400,
    );
  });

  it("limits ids to 1..2048 UTF-8 bytes", () => {
    expect(parse(item("GET", "é".repeat(1024))).kind).to.equal("items.get");
    expect(refusal(item("GET", "é".repeat(1025))).code).to.equal("InvalidId");
    expect(refusal(item("GET", "")).code).to.equal("InvalidId");
    expect(refusal({ method: "POST", resource: "/items", body: '{"id":""}' }).code).to.equal(
      "InvalidId",
    );
    expect(refusal({ method: "POST", resource: "/items", body: '{"id":7}' }).code).to.equal(
      "InvalidId",
    );
  });

  it("pages with limit 1..100 (default 25) and refuses other query parameters", () => {
    expect(parse(list({}))).to.deep.equal({ kind: "items.list", limit: 25, startKey: undefined });
    expect(parse(list({ limit: ["100"] }))).to.deep.include({ limit: 100 });
    for (const limit of ["0", "101", "-1", "1.5", "abc", ""]) {
      expect(refusal(list({ limit: [limit] })).code, limit).to.equal("InvalidLimit");
    }
    expect(refusal(list({ limt: ["5"] })).code).to.equal("InvalidQuery");
    expect(refusal(list({ limit: ["5", "6"] })).code).to.equal("InvalidQuery");
  });

  it("accepts its own cursors and refuses forged, tampered or foreign ones", () => {
    const cursor = encodeCursor({ id: "k" }, config.tableName, config.cursorSecret);
    expect(parse(list({ cursor: [cursor] }))).to.deep.include({ startKey: { id: "k" } });
    const [payload, mac] = cursor.split(".");
    const forged = `${Buffer.from('{"t":"lambda-apigateway","k":{"id":"z"}}').toString("base64url")}.${mac}`;
    const foreignTable = encodeCursor({ id: "k" }, "other-table", config.cursorSecret);
    const foreignSecret = encodeCursor({ id: "k" }, config.tableName, "another-secret-0123");
    for (const bad of [
      forged,
      foreignTable,
      foreignSecret,
      `${payload}.`,
      "garbage",
      `${cursor}x`,
    ]) {
      const err = refusal(list({ cursor: [bad] }));
      expect([err.status, err.code], bad).to.deep.equal([400, "InvalidCursor"]);
    }
  });

  it("reads If-Match and a body version as the expected version, and refuses disagreement", () => {
    const put = parse(
      item("PUT", "a", {
        body: '{"x":1}',
        headers: { "content-type": "application/json", "if-match": '"2"' },
      }),
    );
    expect(put).to.deep.equal({
      kind: "items.put",
      id: "a",
      attributes: { x: new Num("1") },
      expected: { kind: "versions", versions: [2] },
    });
    const fromBody = parse(item("PUT", "a", { body: '{"x":1,"version":4}' }));
    expect(fromBody.kind === "items.put" && fromBody.expected).to.deep.equal({
      kind: "versions",
      versions: [4],
    });
    const err = refusal(
      item("PUT", "a", {
        body: '{"version":4}',
        headers: { "content-type": "application/json", "if-match": '"2"' },
      }),
    );
    expect(err.code).to.equal("InvalidVersion");
    expect(refusal(item("PUT", "a", { body: '{"id":"b"}' })).code).to.equal("InvalidId");
  });

  it("parses If-Match per RFC 9110: *, lists, and weak tags that never match", () => {
    expect(parseIfMatch("*")).to.deep.equal({ kind: "exists" });
    expect(parseIfMatch('"1", "3"')).to.deep.equal({ kind: "versions", versions: [1, 3] });
    expect(parseIfMatch('W/"1"')).to.deep.equal({ kind: "versions", versions: [] });
    expect(() => parseIfMatch("1")).to.throw(ApiError);
    expect(existsCondition({ kind: "versions", versions: [] }).ConditionExpression).to.contain(
      "attribute_not_exists(#id)",
    );
  });

  it("declares exactly the attribute names its conditions use (DynamoDB refuses unused ones)", () => {
    const expectations = [
      undefined,
      { kind: "exists" as const },
      { kind: "versions" as const, versions: [] },
      { kind: "versions" as const, versions: [0] },
      { kind: "versions" as const, versions: [2, 5] },
    ];
    for (const expected of expectations) {
      const { ConditionExpression, ExpressionAttributeNames } = existsCondition(expected);
      const used = new Set(ConditionExpression.match(/#\w+/g));
      expect(
        new Set(Object.keys(ExpressionAttributeNames)),
        JSON.stringify(expected),
      ).to.deep.equal(used);
    }
  });

  it("turns a PATCH into SET for values and REMOVE for nulls, always bumping the version", () => {
    const cmd = parse(
      item("PATCH", "a", {
        body: '{"x":1,"gone":null,"id":"a"}',
        headers: { "content-type": "application/merge-patch+json" },
      }),
    );
    expect(cmd).to.deep.include({
      kind: "items.patch",
      set: { x: new Num("1") },
      remove: ["gone"],
    });
    const update = patchUpdate({ x: new Num("1") }, ["gone"], { kind: "versions", versions: [3] });
    expect(update.UpdateExpression).to.equal(
      "SET #s0 = :s0, #ver = if_not_exists(#ver, :zero) + :one REMOVE #r0",
    );
    expect(update.ConditionExpression).to.equal("attribute_exists(#id) AND (#ver = :ver0)");
    expect(update.ExpressionAttributeNames).to.deep.include({
      "#s0": "x",
      "#r0": "gone",
      "#ver": "version",
    });
    expect(refusal(item("PATCH", "a", { body: "{}" })).code).to.equal("InvalidBody");
  });
});

describe("core/request: exact answers, both sides of each boundary", () => {
  const answer = (over: Parameters<typeof request>[0]) => {
    const e = refusal(over);
    return [e.status, e.code, e.message];
  };
  const items = (headers: Record<string, string>, method = "POST") =>
    ({ method, resource: "/items", body: '{"a":1}', headers }) as const;

  it("names the routes it serves when none matches", () => {
    expect(answer({ method: "GET", resource: CATCH_ALL_PATH, path: "/nope" })).to.deep.equal([
      404,
      "RouteNotFound",
      "no route for GET /nope; this API serves POST /DynamoDBManager, GET|POST /items, GET|PUT|PATCH|DELETE /items/{id}, GET /openapi.json",
    ]);
  });

  it("answers a method a route does not serve with 405 and the methods it does", () => {
    const e = refusal({ method: "PUT", resource: "/DynamoDBManager" });
    expect([e.status, e.code, e.message, e.headers]).to.deep.equal([
      405,
      "MethodNotAllowed",
      "PUT is not allowed on /DynamoDBManager; use POST",
      { allow: "POST, OPTIONS" },
    ]);
    expect(answer({ method: "DELETE", resource: "/items" })).to.deep.equal([
      405,
      "MethodNotAllowed",
      "DELETE is not allowed on /items; use GET, POST",
    ]);
    expect(refusal({ method: "POST", resource: "/openapi.json" }).headers).to.deep.equal({
      allow: "GET, OPTIONS",
    });
  });

  it("routes GET /openapi.json to the document, and OPTIONS to a preflight", () => {
    expect(
      parse({ method: "GET", resource: "/openapi.json", query: { limit: ["1"] } }),
    ).to.deep.equal({
      kind: "openapi",
    });
    const preflight = parse({ method: "OPTIONS", resource: "/items" });
    expect(preflight).to.deep.equal({
      kind: "respond",
      operation: "preflight",
      response: { status: 204, headers: { allow: "GET, POST, OPTIONS", vary: "Origin" } },
    });
  });

  it("accepts application/json with or without a UTF-8 charset, however it is spaced or cased", () => {
    for (const type of [
      "application/json",
      "  Application/JSON ; charset=utf-8 ",
      'application/json; charset="UTF-8"',
      "application/json;charset=utf-8",
      "application/json ;charset=utf-8",
      "application/json; boundary=x",
    ]) {
      expect(parse(items({ "content-type": type })).kind, type).to.equal("items.create");
    }
  });

  it("refuses other types and charsets with 415, saying what to send", () => {
    for (const type of [
      "application/jsonx",
      "x application/json",
      "application/json x",
      "application/json;charset=latin1",
      "application/json; charset =latin1",
      ";",
      "text/plain",
      "application/merge-patch+json",
    ]) {
      expect(answer(items({ "content-type": type })), type).to.deep.equal([
        415,
        "UnsupportedMediaType",
        `send the body as application/json (UTF-8), not ${type}`,
      ]);
    }
    for (const headers of [{}, { "content-type": "  " }] as Record<string, string>[]) {
      expect(answer(items(headers))).to.deep.equal([
        415,
        "UnsupportedMediaType",
        "send the body as application/json (UTF-8); Content-Type is missing",
      ]);
    }
  });

  it("takes merge-patch for PATCH only, and plain text or form data on /DynamoDBManager", () => {
    const patch = item("PATCH", "a", {
      body: '{"x":1}',
      headers: { "content-type": "application/merge-patch+json" },
    });
    expect(parse(patch).kind).to.equal("items.patch");
    expect(answer({ ...patch, method: "PUT" })[0]).to.equal(415);
    for (const type of ["text/plain", "application/x-www-form-urlencoded", "application/json"]) {
      expect(
        parse({ body: '{"operation":"ping"}', headers: { "content-type": type } }).kind,
      ).to.equal("respond");
    }
    expect(
      answer({ body: '{"operation":"ping"}', headers: { "content-type": "text/html" } }),
    ).to.deep.equal([
      415,
      "UnsupportedMediaType",
      "send the body as application/json (UTF-8), not text/html",
    ]);
  });

  it("takes a body of exactly 400 KB, and refuses one byte more with 413", () => {
    const envelope = (size: number) => {
      const text = `{"operation":"echo","payload":"${"x".repeat(size - 33)}"}`;
      expect(Buffer.byteLength(text)).to.equal(size);
      return text;
    };
    expect(parse({ body: envelope(409_600) }).kind).to.equal("respond");
    expect(answer({ body: envelope(409_601) })).to.deep.equal([
      413,
      "PayloadTooLarge",
      "the body is 409601 bytes; DynamoDB items are at most 409600 bytes, so send less",
    ]);
  });

  it("refuses an empty or blank body with 400 InvalidJson", () => {
    for (const body of [null, "", " \n\t "]) {
      expect(answer({ body, headers: {} })).to.deep.equal([
        400,
        "InvalidJson",
        "the body is empty: send a JSON object",
      ]);
    }
    expect(answer({ body: '{"operation":' })).to.deep.equal([
      400,
      "InvalidJson",
      "the body is not valid JSON: Unexpected end of input at position 13",
    ]);
  });

  it("answers ping and echo itself, naming the operation", () => {
    expect(parse(manager({ operation: "ping" }))).to.deep.equal({
      kind: "respond",
      operation: "manager.ping",
      response: { status: 200, headers: { "content-type": "application/json" }, body: "pong" },
    });
    expect(parse(manager({ operation: "echo", payload: { a: "b" } }))).to.deep.equal({
      kind: "respond",
      operation: "manager.echo",
      response: { status: 200, headers: { "content-type": "application/json" }, body: { a: "b" } },
    });
  });

  it("reads the id from the path, and an /items/{id} request without one has an empty id", () => {
    expect(parse(item("GET", "a b"))).to.deep.equal({ kind: "items.get", id: "a b" });
    expect(answer({ method: "GET", resource: "/items/{id}", pathParameters: {} })[1]).to.equal(
      "InvalidId",
    );
  });
});
