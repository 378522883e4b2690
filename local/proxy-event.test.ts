import type { APIGatewayProxyEvent } from "aws-lambda";
import { expect } from "chai";
import { routeRequest } from "./api-gateway";
import { capturedEvent } from "./fixtures/events";
import type { ResourceModel, RestApiModel } from "./model";
import { buildProxyEvent, INTERNAL_ERROR, isBinaryMediaType, mapProxyResult } from "./proxy-event";

const ctx = {
  apiId: "abc123",
  stage: "v1",
  deploymentId: "dep123",
  stageVariables: { flavour: "vanilla" },
  resourceId: "r1",
  resourcePath: "/items/{id}",
  pathParameters: { id: "42" },
  binaryMediaTypes: ["application/octet-stream", "image/*"],
  requestId: "req-1",
};
const request = (over: Partial<Parameters<typeof buildProxyEvent>[0]> = {}) => ({
  httpMethod: "POST",
  path: "/items/42",
  query: "",
  rawHeaders: ["Host", "127.0.0.1:3000", "Content-Type", "application/json"],
  body: Buffer.from('{"a":1}'),
  sourceIp: "127.0.0.1",
  localPort: 3000,
  ...over,
});

describe("local cloud: Lambda proxy event and result mapping", () => {
  it("gives single and multi-value query parameters, decoded, or null when there are none", () => {
    const e = buildProxyEvent(request({ query: "a=1&a=2&b=x%20y&flag&c=1+2%2B3" }), ctx);
    expect(e.queryStringParameters).to.deep.equal({ a: "2", b: "x y", flag: "", c: "1 2+3" });
    expect(e.multiValueQueryStringParameters).to.deep.equal({
      a: ["1", "2"],
      b: ["x y"],
      flag: [""],
      c: ["1 2+3"],
    });
    const none = buildProxyEvent(request(), ctx);
    expect(none.queryStringParameters).to.equal(null);
    expect(none.multiValueQueryStringParameters).to.equal(null);
  });

  it("keeps the client's header casing and every value of a repeated header", () => {
    const e = buildProxyEvent(
      request({ rawHeaders: ["X-Multi", "1", "X-Multi", "2", "Host", "h"] }),
      ctx,
    );
    expect(e.multiValueHeaders["X-Multi"]).to.deep.equal(["1", "2"]);
    expect(e.headers["X-Multi"]).to.equal("2");
    expect(e.headers["X-Forwarded-For"]).to.equal("127.0.0.1");
  });

  it("appends the caller's address to a client-sent X-Forwarded-For; sourceIp stays the caller", () => {
    const e = buildProxyEvent(
      request({ rawHeaders: ["X-Forwarded-For", "203.0.113.9"], sourceIp: "127.0.0.1" }),
      ctx,
    );
    expect(e.multiValueHeaders["X-Forwarded-For"]).to.deep.equal(["203.0.113.9, 127.0.0.1"]);
    expect(e.headers["X-Forwarded-For"]).to.equal("203.0.113.9, 127.0.0.1");
    expect(e.requestContext.identity.sourceIp).to.equal("127.0.0.1");
  });

  it("passes no Content-Length, Connection or header the Connection header names", () => {
    const e = buildProxyEvent(
      request({
        rawHeaders: [
          "Content-Length",
          "7",
          "Connection",
          "keep-alive, X-Hop",
          "X-Hop",
          "1",
          "Keep-Alive",
          "timeout=5",
          "X-Kept",
          "yes",
        ],
      }),
      ctx,
    );
    const names = Object.keys(e.multiValueHeaders).map((h) => h.toLowerCase());
    expect(names).to.include("x-kept");
    for (const gone of ["content-length", "connection", "x-hop", "keep-alive"]) {
      expect(names).to.not.include(gone);
      expect(Object.keys(e.headers).map((h) => h.toLowerCase())).to.not.include(gone);
    }
  });

  it("carries the stage's deployment id in requestContext.deploymentId", () => {
    expect(buildProxyEvent(request(), ctx).requestContext).to.include({ deploymentId: "dep123" });
  });

  it("base64-encodes bodies of the API's binary media types only", () => {
    const bytes = Buffer.from([0, 255, 254, 1]);
    const bin = buildProxyEvent(
      request({ body: bytes, rawHeaders: ["Content-Type", "image/png"] }),
      ctx,
    );
    expect(bin.isBase64Encoded).to.equal(true);
    expect(Buffer.from(bin.body!, "base64").equals(bytes)).to.equal(true);
    const text = buildProxyEvent(request(), ctx);
    expect(text).to.include({ isBase64Encoded: false, body: '{"a":1}' });
    expect(buildProxyEvent(request({ body: Buffer.alloc(0) }), ctx).body).to.equal(null);
  });

  it("matches binary media types with wildcards and parameters", () => {
    expect(isBinaryMediaType("image/png; q=1", ["image/*"])).to.equal(true);
    expect(isBinaryMediaType("application/json", ["image/*"])).to.equal(false);
    expect(isBinaryMediaType("text/plain", ["*/*"])).to.equal(true);
    expect(isBinaryMediaType(undefined, ["*/*"])).to.equal(false);
  });

  it("maps statusCode, headers and multiValueHeaders, merging a header given in both", () => {
    const r = mapProxyResult(
      JSON.stringify({
        statusCode: 201,
        headers: { "X-One": "1", "Set-Cookie": "c=3", "x-twice": "same", "X-Num": 5 },
        multiValueHeaders: { "Set-Cookie": ["a=1", "b=2"], "X-Twice": ["same", "other"] },
        body: "created",
      }),
      undefined,
      [],
    );
    expect(r).to.not.have.property("malformed");
    if ("malformed" in r) return;
    expect(r.statusCode).to.equal(201);
    expect(r.headers).to.deep.include({
      "X-One": ["1"],
      "Set-Cookie": ["a=1", "b=2", "c=3"],
      "X-Twice": ["same", "other"],
      "X-Num": ["5"],
    });
    expect(r.headers["Content-Type"]).to.deep.equal(["application/json"]);
    expect(r.body.toString()).to.equal("created");
  });

  it("decodes a base64 body only when the response type or Accept is a binary media type", () => {
    const payload = JSON.stringify({
      statusCode: 200,
      headers: { "content-type": "image/png" },
      body: Buffer.from([1, 2, 3]).toString("base64"),
      isBase64Encoded: true,
    });
    const decoded = mapProxyResult(payload, undefined, ["image/*"]);
    expect("body" in decoded && [...decoded.body]).to.deep.equal([1, 2, 3]);
    const passedThrough = mapProxyResult(payload, "text/html", []);
    expect("body" in passedThrough && passedThrough.body.toString()).to.equal("AQID");
  });

  for (const [name, result] of Object.entries({
    "a string": "hello",
    null: null,
    "no statusCode": { body: "x" },
    "a non-integer statusCode": { statusCode: "200", body: "x" },
    "an object body": { statusCode: 200, body: { a: 1 } },
    "an unexpected field": { statusCode: 200, body: "x", extra: true },
    "array headers": { statusCode: 200, headers: ["a"] },
    "non-array multiValueHeaders": { statusCode: 200, multiValueHeaders: { a: "b" } },
  })) {
    it(`treats ${name} as a malformed proxy response`, () => {
      expect(mapProxyResult(JSON.stringify(result), undefined, [])).to.have.property("malformed");
    });
  }

  it("answers like API Gateway on a malformed result", () => {
    expect(JSON.parse(INTERNAL_ERROR)).to.deep.equal({ message: "Internal server error" });
  });
});

describe("local cloud: events compared with captured API Gateway events", () => {
  // A REST API shaped like the probe's: one `/{proxy+}` resource with ANY, stage "live".
  const proxy: ResourceModel = {
    id: "al6gqb",
    path: "/{proxy+}",
    pathPart: "{proxy+}",
    children: [],
    methods: new Map([
      [
        "ANY",
        {
          httpMethod: "ANY",
          functionName: "f",
          authorization: "NONE",
          apiKeyRequired: false,
          security: [],
          authorizationScopes: [],
          providerArns: [],
        },
      ],
    ]),
  };
  const api: RestApiModel = {
    logicalName: "api",
    id: "5h7pqvr9u4",
    name: "probe",
    root: { id: "root", path: "/", pathPart: "", children: [proxy], methods: new Map() },
    stages: [{ name: "live", variables: null, deploymentId: "dep123", throttle: { methods: {} } }],
    binaryMediaTypes: [],
    apiKeySource: "HEADER",
    securitySchemes: {},
    usagePlans: [],
    gatewayResponses: {},
  };
  const captured = capturedEvent("voker-apigwv1-request.json");

  /** The request the live capture came from, as a client sends it over HTTP/1.1. */
  function probeEvent(): APIGatewayProxyEvent {
    const body = Buffer.from(captured.body!, "utf8");
    const routed = routeRequest(
      api,
      `/${captured.requestContext.stage}${captured.path}`,
      {
        httpMethod: captured.httpMethod,
        // `encodedPlus` sent as a%2Bb and `literalPlus` as a+b, as their names say.
        query:
          "empty=&encodedPlus=a%2Bb&literalPlus=a+b&redirect=https%3A%2F%2Fexample.com%2Fa%2Fb&repeat=one&repeat=two",
        rawHeaders: [
          "Host",
          captured.headers.Host!,
          "User-Agent",
          "curl/8.7.1",
          "accept",
          "*/*",
          "content-type",
          "application/json",
          "cookie",
          "session=abc123; theme=dark",
          "x-voker-probe",
          "first",
          "x-voker-probe",
          "second",
          "Content-Length",
          String(body.length),
          "Connection",
          "keep-alive",
        ],
        body,
        sourceIp: captured.requestContext.identity.sourceIp,
        localPort: 443,
      },
      "req-1",
    );
    if (routed.kind !== "routed") throw new Error(`not routed: ${routed.kind}`);
    return routed.event;
  }

  it("delivers path, pathParameters and requestContext.path still percent-encoded, as captured", () => {
    const e = probeEvent();
    expect(e.path).to.equal(captured.path).and.equal("/capture/space%20value");
    expect(e.pathParameters).to.deep.equal(captured.pathParameters);
    expect(e.requestContext.path).to.equal(captured.requestContext.path);
    expect(e.resource).to.equal(captured.resource);
    expect(e.requestContext.resourcePath).to.equal(captured.requestContext.resourcePath);
  });

  it("decodes the query as captured: + is a space, %2B is a plus", () => {
    const e = probeEvent();
    expect(e.queryStringParameters).to.deep.equal(captured.queryStringParameters);
    expect(e.multiValueQueryStringParameters).to.deep.equal(
      captured.multiValueQueryStringParameters,
    );
  });

  it("passes the client's headers as captured: repeated values kept, no Content-Length or Connection", () => {
    const e = probeEvent();
    const local = new Set(["X-Amzn-Trace-Id", "X-Forwarded-Port", "X-Forwarded-Proto"]);
    const without = (h: Record<string, unknown>) =>
      Object.fromEntries(Object.entries(h).filter(([k]) => !local.has(k)));
    expect(without(e.multiValueHeaders)).to.deep.equal(without(captured.multiValueHeaders));
    expect(without(e.headers)).to.deep.equal(without(captured.headers));
    expect(e.body).to.equal(captured.body);
    expect(e.isBase64Encoded).to.equal(captured.isBase64Encoded);
  });

  it("has exactly the fields of a captured event from an API without keys or authorizers", () => {
    const real = capturedEvent("powertools-apigw-rest-no-auth.json");
    const e = probeEvent();
    const keys = (o: object) => Object.keys(o).sort();
    expect(keys(e)).to.deep.equal(keys(real));
    expect(keys(e.requestContext)).to.deep.equal(keys(real.requestContext));
    expect(keys(e.requestContext.identity)).to.deep.equal(keys(real.requestContext.identity));
    // The library samples name no field the capture lacks, beyond optional features'.
    const optional = new Set(["authorizer", "apiKey", "apiKeyId", "operationName", "clientCert"]);
    for (const sample of [
      "aws-lambda-go-apigw-request.json",
      "aws-sam-cli-AwsProxy.template.json",
    ]) {
      const s = capturedEvent(sample);
      for (const k of keys(s.requestContext)) {
        if (!optional.has(k)) expect(keys(e.requestContext), `${sample}: ${k}`).to.include(k);
      }
      for (const k of keys(s)) expect(keys(e), `${sample}: ${k}`).to.include(k);
    }
  });
});
