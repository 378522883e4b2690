/**
 * The local cloud against its fixture program: real DynamoDB Local, real worker processes, real HTTP.
 * Expected values come from what the program recorded (cloud.program / cloud.model), not from copies.
 */
import * as http from "node:http";
import * as path from "node:path";
import {
  DescribeTableCommand,
  DescribeTimeToLiveCommand,
  DynamoDBClient,
  GetItemCommand,
} from "@aws-sdk/client-dynamodb";
import { Sha256 } from "@aws-crypto/sha256-js";
import { SignatureV4 } from "@smithy/signature-v4";
import type { APIGatewayProxyEvent } from "aws-lambda";
import { expect } from "chai";
import type { LocalIamUser } from "./auth/sigv4";
import { LOCAL_CREDENTIALS, startLocalCloud, type LocalCloud } from "./index";
import { capturedEvent } from "./fixtures/events";
import { runtimeMajor } from "./node-runtime";
import { TABLE_TYPE } from "./tables";

export const FIXTURE_DIR = path.join(__dirname, "fixtures");
const INTEGRATION_TIMEOUT_MS = 3000;

interface Echo {
  event: APIGatewayProxyEvent;
  env: Record<string, string | null>;
  functionName: string;
  remainingMs: number;
  pid: number;
  node: string;
}

/** A raw HTTP request, so repeated headers go out as separate lines (fetch would merge them). */
function request(
  url: string,
  options: {
    method?: string;
    headers?: Record<string, string | string[]>;
    body?: Buffer | string;
  } = {},
): Promise<{ status: number; headers: http.IncomingHttpHeaders; body: Buffer; ms: number }> {
  const started = Date.now();
  return new Promise((resolve, reject) => {
    const req = http.request(
      url,
      { method: options.method ?? "GET", headers: options.headers },
      (res) => {
        const chunks: Buffer[] = [];
        res.on("data", (c: Buffer) => chunks.push(c));
        res.on("end", () =>
          resolve({
            status: res.statusCode!,
            headers: res.headers,
            body: Buffer.concat(chunks),
            ms: Date.now() - started,
          }),
        );
      },
    );
    req.on("error", reject);
    req.end(options.body);
  });
}

const alive = (pid: number) => {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
};

async function waitUntil(check: () => boolean, ms: number): Promise<boolean> {
  const deadline = Date.now() + ms;
  while (!check()) {
    if (Date.now() > deadline) return false;
    await new Promise((r) => setTimeout(r, 50));
  }
  return true;
}

describe("local cloud (fixture program)", function () {
  this.timeout(120_000);
  let cloud: LocalCloud;
  let client: DynamoDBClient;
  const logs: string[] = [];

  before(async () => {
    process.env.HOME_FROM_PARENT = "must not leak into functions";
    cloud = await startLocalCloud({
      stack: "test",
      projectDir: FIXTURE_DIR,
      integrationTimeoutMs: INTEGRATION_TIMEOUT_MS,
      log: (line) => logs.push(line),
    });
    client = new DynamoDBClient({
      endpoint: cloud.dynamoDbEndpoint,
      region: cloud.region,
      credentials: LOCAL_CREDENTIALS,
    });
  });
  after(async () => {
    client?.destroy();
    await cloud?.stop();
    delete process.env.HOME_FROM_PARENT;
  });

  const fn = (logical: string) => cloud.model.functions.find((f) => f.logicalName === logical)!;
  const echo = async (suffix: string, options?: Parameters<typeof request>[1]) => {
    const res = await request(`${cloud.apiUrl}${suffix}`, options);
    expect(res.status, res.body.toString()).to.equal(200);
    return { ...(JSON.parse(res.body.toString()) as Echo), res };
  };

  it("serves the stage the program declares and lists what it does not emulate", () => {
    const stage = cloud.program.ofType("aws:apigateway/stage:Stage")[0]!;
    expect(cloud.apiUrl).to.match(
      new RegExp(`^http://127\\.0\\.0\\.1:\\d+/${stage.inputs.stageName}$`),
    );
    const notEmulated = logs.filter((l) => l.startsWith("Not emulated:"));
    expect(notEmulated).to.have.length(1);
    expect(notEmulated[0])
      .to.include("aws:iam/role:Role ×1")
      .and.include("aws:lambda/permission:Permission ×4");
  });

  it("creates each table with the key schema, indexes and TTL the program declares", async () => {
    const recorded = cloud.program.ofType(TABLE_TYPE)[0]!.state;
    const { Table } = await client.send(new DescribeTableCommand({ TableName: recorded.name }));
    expect(Table?.KeySchema).to.deep.equal([{ AttributeName: recorded.hashKey, KeyType: "HASH" }]);
    expect(Table?.GlobalSecondaryIndexes?.map((i) => i.IndexName)).to.deep.equal(
      recorded.globalSecondaryIndexes.map((i: { name: string }) => i.name),
    );
    const ttl = await client.send(new DescribeTimeToLiveCommand({ TableName: recorded.name }));
    expect(ttl.TimeToLiveDescription?.AttributeName).to.equal(recorded.ttl.attributeName);
  });

  it("gives each function its recorded environment plus the local endpoint, region and keys, and nothing of ours", async () => {
    const { env, functionName } = await echo("/echo");
    const recorded = fn("echo");
    expect(functionName).to.equal(recorded.name);
    expect(env).to.deep.include({
      TABLE_NAME: recorded.environment.TABLE_NAME,
      GREETING: recorded.environment.GREETING,
      AWS_ENDPOINT_URL_DYNAMODB: cloud.dynamoDbEndpoint,
      AWS_REGION: cloud.region,
      AWS_DEFAULT_REGION: cloud.region,
      AWS_ACCESS_KEY_ID: LOCAL_CREDENTIALS.accessKeyId,
      AWS_LAMBDA_FUNCTION_NAME: recorded.name,
      HOME_FROM_PARENT: null,
    });
    expect(recorded.environment.TABLE_NAME).to.equal(
      cloud.program.ofType(TABLE_TYPE)[0]!.state.name,
    );
  });

  it("runs each function on the Node major of its runtime (nodejs22.x → Node 22), whatever Node we run on", async () => {
    const { node } = await echo("/echo");
    const runtime = fn("echo").runtime;
    expect(runtime).to.equal("nodejs22.x");
    expect(node).to.match(new RegExp(`^v${runtimeMajor(runtime)}\\.`));
    expect(
      logs.some(
        (l) =>
          l.includes(`Function ${fn("echo").name} (`) && l.includes(`Node ${node.slice(1)} from `),
      ),
    ).to.equal(true);
  });

  it("lets a function reach its table through the SDK with nothing but its environment", async () => {
    const put = await request(`${cloud.apiUrl}/store/item-1`, {
      method: "PUT",
      body: "stored through Lambda",
    });
    expect(put.status, put.body.toString()).to.equal(204);
    const got = await request(`${cloud.apiUrl}/store/item-1`);
    expect(JSON.parse(got.body.toString())).to.deep.equal({
      id: "item-1",
      body: "stored through Lambda",
    });
    const table = fn("store").environment.TABLE_NAME!;
    const direct = await client.send(
      new GetItemCommand({ TableName: table, Key: { id: { S: "item-1" } } }),
    );
    expect(direct.Item?.body?.S).to.equal("stored through Lambda");
  });

  it("sends the event shape of API Gateway's REST proxy integration", async () => {
    const { event, res, remainingMs } = await echo("/items/42?q=1", {
      headers: { "User-Agent": "shape-test" },
    });
    const stage = cloud.program.ofType("aws:apigateway/stage:Stage")[0]!.inputs;
    // Exactly the fields of a captured event from an API without keys or authorizers.
    const real = capturedEvent("powertools-apigw-rest-no-auth.json");
    const keys = (o: object) => Object.keys(o).sort();
    expect(keys(event)).to.deep.equal(keys(real));
    expect(keys(event.requestContext)).to.deep.equal(keys(real.requestContext));
    expect(keys(event.requestContext.identity)).to.deep.equal(keys(real.requestContext.identity));
    expect(event).to.deep.include({
      resource: "/items/{id}",
      path: "/items/42",
      httpMethod: "GET",
      pathParameters: { id: "42" },
      stageVariables: stage.variables,
      body: null,
      isBase64Encoded: false,
    });
    const api = cloud.program.ofType("aws:apigateway/restApi:RestApi")[0]!;
    const deployment = cloud.program.ofType("aws:apigateway/deployment:Deployment")[0]!;
    expect(stage.deployment).to.equal(deployment.id);
    expect(event.requestContext).to.deep.include({
      apiId: api.id,
      deploymentId: deployment.id,
      stage: stage.stageName,
      resourcePath: "/items/{id}",
      httpMethod: "GET",
      path: `/${stage.stageName}/items/42`,
      requestId: res.headers["x-amzn-requestid"],
    });
    expect(event.requestContext.identity).to.include({
      sourceIp: "127.0.0.1",
      userAgent: "shape-test",
    });
    expect(event.requestContext.requestTime).to.match(
      /^\d{2}\/[A-Z][a-z]{2}\/\d{4}:\d{2}:\d{2}:\d{2} \+0000$/,
    );
    expect(Math.abs(event.requestContext.requestTimeEpoch - Date.now())).to.be.below(10_000);
    expect(remainingMs).to.be.within(1, fn("echo").timeoutMs);
  });

  it("routes like API Gateway: explicit method before ANY, static before {param} before {proxy+}", async () => {
    const names = { echo: fn("echo").name, fallback: fn("fallback").name };
    const served = async (method: string, suffix: string) => {
      const { event, functionName } = await echo(suffix, { method });
      return { fn: functionName, resource: event.resource, params: event.pathParameters };
    };
    expect(await served("GET", "/echo")).to.deep.include({ fn: names.echo, resource: "/echo" });
    expect(await served("DELETE", "/echo")).to.deep.include({
      fn: names.fallback,
      resource: "/echo",
    });
    expect(await served("GET", "/items/static")).to.deep.equal({
      fn: names.fallback,
      resource: "/items/static",
      params: null,
    });
    expect(await served("GET", "/items/a%20b")).to.deep.equal({
      fn: names.echo,
      resource: "/items/{id}",
      params: { id: "a%20b" },
    });
    expect(await served("GET", "/files/a/b/c.txt")).to.deep.equal({
      fn: names.echo,
      resource: "/files/{proxy+}",
      params: { proxy: "a/b/c.txt" },
    });
    expect(await served("PUT", "/anything/else")).to.deep.equal({
      fn: names.fallback,
      resource: "/{proxy+}",
      params: { proxy: "anything/else" },
    });
  });

  it("sends what a live capture shows for the same request: encoded path, + in the query, headers", async () => {
    const captured = capturedEvent("voker-apigwv1-request.json");
    const { event } = await echo(
      `${captured.path}?empty=&encodedPlus=a%2Bb&literalPlus=a+b&redirect=https%3A%2F%2Fexample.com%2Fa%2Fb&repeat=one&repeat=two`,
      {
        method: "POST",
        headers: {
          "content-type": "application/json",
          cookie: "session=abc123; theme=dark",
          "x-voker-probe": ["first", "second"],
          "X-Forwarded-For": "203.0.113.9",
        },
        body: captured.body!,
      },
    );
    const stage = cloud.program.ofType("aws:apigateway/stage:Stage")[0]!.inputs.stageName;
    expect(event).to.deep.include({
      resource: captured.resource,
      path: captured.path,
      pathParameters: captured.pathParameters,
      queryStringParameters: captured.queryStringParameters,
      multiValueQueryStringParameters: captured.multiValueQueryStringParameters,
      body: captured.body,
      isBase64Encoded: false,
    });
    expect(event.requestContext.path).to.equal(
      captured.requestContext.path.replace(`/${captured.requestContext.stage}/`, `/${stage}/`),
    );
    for (const name of ["content-type", "cookie", "x-voker-probe"]) {
      expect(event.multiValueHeaders[name], name).to.deep.equal(captured.multiValueHeaders[name]);
    }
    expect(event.headers["X-Forwarded-For"]).to.equal("203.0.113.9, 127.0.0.1");
    const names = Object.keys(event.headers).map((h) => h.toLowerCase());
    expect(names).to.not.include.members(["content-length", "connection"]);
  });

  /** GET /iam (an AWS_IAM method) signed by `caller`, as awscurl and HTTPie's aws-auth sign. */
  async function signedEcho(caller: LocalIamUser) {
    const url = new URL(`${cloud.apiUrl}/iam`);
    const signer = new SignatureV4({
      credentials: caller,
      region: cloud.region,
      service: "execute-api",
      sha256: Sha256,
    });
    const signed = await signer.sign({
      method: "GET",
      protocol: url.protocol,
      hostname: url.hostname,
      port: Number(url.port),
      path: url.pathname,
      headers: {
        host: url.host,
        // The SHA-256 of the empty body, as the captured request sent it.
        "x-amz-content-sha256": "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855",
      },
    });
    return echo("/iam", {
      headers: { ...(signed.headers as Record<string, string>), "User-Agent": "HTTPie/3.2.2" },
    });
  }
  const iamCapture = () => capturedEvent("powertools-apigw-rest-iam.json");
  const lower = (headers: object) => Object.keys(headers).map((h) => h.toLowerCase());

  it("IAM methods: the event keeps the SigV4 headers but not Authorization, as captured", async () => {
    const captured = iamCapture();
    const sigv4 = /^(authorization|x-amz-date|x-amz-content-sha256|x-amz-security-token)$/;
    const { event } = await signedEcho(cloud.iamRoleSession);
    for (const headers of [event.headers, event.multiValueHeaders]) {
      expect(
        lower(headers)
          .filter((h) => sigv4.test(h))
          .sort(),
      ).to.deep.equal(
        lower(captured.headers)
          .filter((h) => sigv4.test(h))
          .sort(),
      );
    }
  });

  it("IAM methods: a role session reaches the function as the captured assumed-role caller", async () => {
    const captured = iamCapture().requestContext.identity;
    const session = cloud.iamRoleSession;
    const { event } = await signedEcho(session);
    const ours = event.requestContext.identity;
    expect(Object.keys(ours).sort()).to.deep.equal(Object.keys(captured).sort());
    // The relations the capture shows: caller and user are "<role id>:<session>", the ARN the
    // session's assumed-role ARN in the caller's account, the access key the session's.
    const shape = (id: typeof ours) => ({
      callerIsUser: id.caller === id.user,
      sessionInCaller: id.caller!.split(":")[1] === id.userArn!.split("/").pop(),
      arn: id.userArn!.replace(/:\d{12}:/, ":ACCOUNT:").replace(/\/[^/]+\/[^/]+$/, "/ROLE/SESSION"),
      accountInArn: id.userArn!.includes(`::${id.accountId}:`),
      nulls: Object.keys(id)
        .filter((k) => id[k as keyof typeof id] === null)
        .sort(),
    });
    expect(shape(ours)).to.deep.equal(shape(captured));
    expect(ours).to.include({ accessKey: session.accessKeyId, userArn: session.userArn });
    // The IAM user still reaches it as a user.
    const asUser = (await signedEcho(cloud.iamCaller)).event.requestContext.identity;
    expect(asUser).to.include({ userArn: cloud.iamCaller.userArn, caller: cloud.iamCaller.userId });
  });

  it("extendedRequestId looks like the captured ones and is the response's x-amz-apigw-id; domainName has no port", async () => {
    const captures = [
      "powertools-apigw-rest-no-auth.json",
      "powertools-apigw-rest-iam.json",
      "powertools-apigw-rest-cognito.json",
      "voker-apigwv1-request.json",
    ].map((f) => capturedEvent(f).requestContext);
    const form = (id: string) => ({
      length: id.length,
      last: id.slice(-1),
      chars: /^[A-Za-z0-9+/]+=$/.test(id),
    });
    const { event, res } = await echo("/echo");
    const ctx = event.requestContext;
    for (const captured of captures) {
      expect(form(ctx.extendedRequestId!)).to.deep.equal(form(captured.extendedRequestId!));
      // The capture's domain is its Host header (on 443, so no port); its prefix the first label.
      expect(captured.domainPrefix).to.equal(captured.domainName!.split(".")[0]);
    }
    expect(res.headers["x-amz-apigw-id"]).to.equal(ctx.extendedRequestId);
    const host = new URL(cloud.apiUrl).hostname;
    expect(ctx.domainName).to.equal(host);
    expect(ctx.domainPrefix).to.equal(host.split(".")[0]);
  });

  it("query strings: a raw ; separates parameters; raw |, { and } are refused in the gateway's error shape", async () => {
    // No captured event shows either. The ; rule is what amplify-swift#3955/#4274 and
    // amplify-android#3387 found on API Gateway ("X;Y" arrives as "X"); the refused characters
    // are the developer guide's important notes for REST APIs, and the 400 answer is unverified
    // (contract/limits.ts, API_GATEWAY_BAD_QUERY).
    const { event } = await echo("/echo?a=X;Y&b=1");
    expect(event.queryStringParameters).to.include({ a: "X", b: "1" });
    expect(event.multiValueQueryStringParameters!["a"]).to.deep.equal(["X"]);
    for (const c of ["|", "{", "}"]) {
      const res = await request(`${cloud.apiUrl}/echo?a=x${c}y`);
      expect(res.status, c).to.equal(400);
      expect(JSON.parse(res.body.toString())).to.have.property("message");
      // Encoded, they pass.
      const ok = await echo(`/echo?a=x${encodeURIComponent(c)}y`);
      expect(ok.event.queryStringParameters).to.deep.equal({ a: `x${c}y` });
    }
  });

  it("refuses header values over 10,240 bytes in all, in the gateway's error shape, before the function runs", async () => {
    // No capture of this refusal was found: the limit is the quotas table's, the answer's status
    // unverified (contract/limits.ts, API_GATEWAY_431).
    const under = await echo("/echo", { headers: { "X-Pad": "p".repeat(9_000) } });
    expect(under.event.headers["X-Pad"]).to.have.length(9_000);
    const over = await request(`${cloud.apiUrl}/echo`, {
      headers: { "X-Pad": "p".repeat(10_300) },
    });
    expect(over.status).to.equal(431);
    expect(over.headers["content-type"]).to.equal("application/json");
    expect(JSON.parse(over.body.toString())).to.deep.equal({
      message: "Request Header Fields Too Large",
    });
  });

  it("answers API Gateway's 403s for a method the resource lacks and for an unknown stage", async () => {
    const noMethod = await request(`${cloud.apiUrl}/items/42`, { method: "POST", body: "{}" });
    expect(noMethod.status).to.equal(403);
    expect(JSON.parse(noMethod.body.toString())).to.deep.equal({
      message: "Missing Authentication Token",
    });
    const noStage = await request(`${cloud.apiUrl.replace(/\/[^/]+$/, "/no-such-stage")}/echo`);
    expect(noStage.status).to.equal(403);
    expect(JSON.parse(noStage.body.toString())).to.deep.equal({ message: "Forbidden" });
  });

  it("passes multi-value query strings and headers, and returns multi-value response headers", async () => {
    const { event, res } = await echo("/echo?tag=a&tag=b&single=x%20y", {
      headers: { "X-Multi": ["one", "two"] },
    });
    expect(event.queryStringParameters).to.deep.equal({ tag: "b", single: "x y" });
    expect(event.multiValueQueryStringParameters).to.deep.equal({
      tag: ["a", "b"],
      single: ["x y"],
    });
    expect(event.multiValueHeaders["X-Multi"]).to.deep.equal(["one", "two"]);
    expect(event.headers["X-Multi"]).to.equal("two");
    expect(res.headers["set-cookie"]).to.deep.equal(["a=1", "b=2"]);
    expect(res.headers["x-single"]).to.equal("one");
  });

  it("carries binary bodies base64-encoded both ways for the API's binary media types", async () => {
    const bytes = Buffer.from([0x00, 0xff, 0xfe, 0x80, 0x41, 0x0a, 0xc3]);
    const { event } = await echo("/echo", {
      method: "POST",
      body: bytes,
      headers: { "Content-Type": "application/octet-stream" },
    });
    expect(event.isBase64Encoded).to.equal(true);
    expect(Buffer.from(event.body!, "base64").equals(bytes)).to.equal(true);

    const roundTrip = await request(`${cloud.apiUrl}/echo?respond=binary`, {
      method: "POST",
      body: bytes,
      headers: { "Content-Type": "image/png", Accept: "application/octet-stream" },
    });
    expect(roundTrip.status).to.equal(200);
    expect([...roundTrip.body]).to.deep.equal([...bytes].reverse());

    const text = await echo("/echo", {
      method: "POST",
      body: '{"a":"é"}',
      headers: { "Content-Type": "application/json" },
    });
    expect(text.event).to.include({ isBase64Encoded: false, body: '{"a":"é"}' });
  });

  it("answers 413 before the function runs when the event is over Lambda's 6 MB invoke limit", async () => {
    // 4 MB of body makes an event under 6 MB; 7 MB one over it (API Gateway itself takes 10 MB).
    const under = await echo("/echo", { method: "POST", body: Buffer.alloc(4 << 20, 0x61) });
    expect(under.event.body).to.have.length(4 << 20);
    const over = await request(`${cloud.apiUrl}/echo`, {
      method: "POST",
      body: Buffer.alloc(7 << 20, 0x61),
    });
    expect(over.status).to.equal(413);
    // The body and error type API Gateway answered with in a published capture.
    expect(over.body.toString()).to.equal('{"message": "Request Too Long"}');
    expect(over.headers["x-amzn-errortype"]).to.equal("BadRequestException");
    expect(logs.some((l) => /POST \/v1\/echo → 413 .*invoke limit/.test(l))).to.equal(true);
    await echo("/echo");
  });

  it("answers 413 for a payload over 10 MB in API Gateway's plain text, and keeps serving", async () => {
    const big = await request(`${cloud.apiUrl}/echo`, {
      method: "POST",
      body: Buffer.alloc(10 * 1024 * 1024 + 1, 0x61),
    });
    expect(big.status).to.equal(413);
    // As in the published capture: text, no request id headers (contract/limits.ts).
    expect(big.body.toString()).to.equal("HTTP content length exceeded 10485760 bytes.");
    expect(big.headers["content-type"]).to.equal("text; charset=utf-8");
    expect(big.headers).not.to.have.property("x-amzn-requestid");
    await echo("/echo");
  });

  it("answers the function's own timeout with 502 (a function error), then serves from a fresh environment", async () => {
    const timeoutMs = fn("misbehave").timeoutMs;
    const slow = await request(`${cloud.apiUrl}/misbehave?do=sleep&ms=${timeoutMs * 4}`);
    expect(slow.status).to.equal(502);
    expect(JSON.parse(slow.body.toString())).to.deep.equal({ message: "Internal server error" });
    expect(slow.ms).to.be.within(timeoutMs - 50, timeoutMs * 3);
    expect((await request(`${cloud.apiUrl}/misbehave`)).status).to.equal(200);
  });

  it("answers 504 only at API Gateway's integration timeout, when the function's own is longer", async () => {
    expect(fn("echo").timeoutMs).to.be.above(INTEGRATION_TIMEOUT_MS);
    const slow = await request(`${cloud.apiUrl}/echo?sleepMs=${fn("echo").timeoutMs - 500}`);
    expect(slow.status).to.equal(504);
    expect(JSON.parse(slow.body.toString())).to.deep.equal({
      message: "Endpoint request timed out",
    });
    expect(slow.ms).to.be.within(INTEGRATION_TIMEOUT_MS - 50, fn("echo").timeoutMs - 500);
  });

  for (const crash of ["exit", "uncaught"]) {
    it(`answers 502 when the function's process dies (${crash}), and keeps serving`, async () => {
      const before = JSON.parse((await request(`${cloud.apiUrl}/misbehave`)).body.toString())
        .pid as number;
      const res = await request(`${cloud.apiUrl}/misbehave?do=${crash}`);
      expect(res.status).to.equal(502);
      expect(JSON.parse(res.body.toString())).to.deep.equal({ message: "Internal server error" });
      expect(
        await waitUntil(() => !alive(before), 2000),
        "the crashed environment is gone",
      ).to.equal(true);
      const after = await request(`${cloud.apiUrl}/misbehave`);
      expect(after.status).to.equal(200);
      expect(JSON.parse(after.body.toString()).pid).to.not.equal(before);
      await echo("/echo");
    });
  }

  it("answers 502 when the handler throws", async () => {
    const res = await request(`${cloud.apiUrl}/misbehave?do=throw`);
    expect(res.status).to.equal(502);
    expect(JSON.parse(res.body.toString())).to.deep.equal({ message: "Internal server error" });
  });

  for (const kind of [
    "no-status",
    "object-body",
    "extra-key",
    "bad-headers",
    "string",
    "nothing",
  ]) {
    it(`answers 502 Internal server error for a malformed result (${kind})`, async () => {
      const res = await request(`${cloud.apiUrl}/misbehave?do=malformed&kind=${kind}`);
      expect(res.status).to.equal(502);
      expect(JSON.parse(res.body.toString())).to.deep.equal({ message: "Internal server error" });
    });
  }

  it("stops and restarts DynamoDB Local on the same endpoint, tables re-created (for fault tests)", async () => {
    const javaPid = cloud.dynamoDb.pid!;
    await cloud.dynamoDb.stop();
    expect(cloud.dynamoDb.running).to.equal(false);
    expect(alive(javaPid)).to.equal(false);
    const down = await request(`${cloud.apiUrl}/store/during-outage`);
    expect(down.status).to.be.within(500, 504);
    await cloud.dynamoDb.start();
    expect(cloud.dynamoDb.pid).to.not.equal(javaPid);
    const put = await request(`${cloud.apiUrl}/store/after-restart`, {
      method: "PUT",
      body: "back",
    });
    expect(put.status, put.body.toString()).to.equal(204);
    const got = await request(`${cloud.apiUrl}/store/after-restart`);
    expect(JSON.parse(got.body.toString()).body).to.equal("back");
  });

  it("runs one invocation per environment at a time, in a bounded pool", async () => {
    const results = await Promise.all(Array.from({ length: 6 }, () => echo("/echo?sleepMs=400")));
    const pids = new Set(results.map((r) => r.pid));
    expect(pids.size).to.be.within(2, 4); // overlapping invocations need separate environments, at most 4
    expect(cloud.functionPids("echo").length).to.be.at.most(4);
  });
});

describe("local cloud follows the program and its config", function () {
  this.timeout(120_000);
  let cloud: LocalCloud | undefined;
  after(() => cloud?.stop());

  it("changes key schema, stage and environment when the config changes", async () => {
    cloud = await startLocalCloud({
      stack: "test",
      projectDir: FIXTURE_DIR,
      config: {
        "local-fixture:hashKey": "pk",
        "local-fixture:rangeKey": "sk",
        "local-fixture:stageName": "v2",
        "local-fixture:greeting": "changed by config",
      },
    });
    const client = new DynamoDBClient({
      endpoint: cloud.dynamoDbEndpoint,
      region: cloud.region,
      credentials: LOCAL_CREDENTIALS,
    });
    try {
      const name = cloud.program.ofType(TABLE_TYPE)[0]!.state.name;
      const { Table } = await client.send(new DescribeTableCommand({ TableName: name }));
      expect(Table?.KeySchema).to.deep.equal([
        { AttributeName: "pk", KeyType: "HASH" },
        { AttributeName: "sk", KeyType: "RANGE" },
      ]);
    } finally {
      client.destroy();
    }
    expect(cloud.apiUrl).to.match(/\/v2$/);
    const res = await request(`${cloud.apiUrl}/echo`);
    expect(JSON.parse(res.body.toString()).env.GREETING).to.equal("changed by config");
  });

  it("stops everything: no Java, no function processes, no listening port", async () => {
    const c = cloud!;
    const javaPid = c.dynamoDb.pid!;
    const workers = c.functionPids("echo");
    expect(alive(javaPid)).to.equal(true);
    expect(workers.length).to.be.above(0);
    await c.stop();
    expect(alive(javaPid), "DynamoDB Local's Java process").to.equal(false);
    expect(workers.filter(alive), "function processes").to.deep.equal([]);
    const refused = await request(`${c.apiUrl}/echo`).then(
      () => false,
      (err: NodeJS.ErrnoException) => err.code === "ECONNREFUSED",
    );
    expect(refused).to.equal(true);
    cloud = undefined;
  });
});
