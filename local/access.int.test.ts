/**
 * What the local cloud enforces, over HTTP on the real program, as each stack declares it: Cognito
 * tokens and the API key on prod, SigV4 on an iam stack, stage and usage plan throttling. Every
 * refusal is checked with its status and body, which come from the program's gateway responses
 * (`{"error": {"code": <response type>, "message": ...}}`), and a valid caller gets through with
 * its identity logged by the handler.
 */
import { Sha256 } from "@aws-crypto/sha256-js";
import { SignatureV4 } from "@smithy/signature-v4";
import { expect } from "chai";
import { authorizeWith } from "../integration/flows/credentials";
import { AccessControl, isRefusal } from "./access";
import { startLocalCloud, type LocalCloud } from "./index";

interface Reply {
  status: number;
  body: unknown;
  headers: Headers;
}

async function send(url: string, init: RequestInit = {}): Promise<Reply> {
  const res = await fetch(url, init);
  const text = await res.text();
  let body: unknown = text;
  try {
    body = JSON.parse(text);
  } catch {
    // not JSON: keep the text
  }
  return { status: res.status, body, headers: res.headers };
}

const gatewayError = (code: string, message: string) => ({ error: { code, message } });

describe("local cloud enforces prod's Cognito authorizer and API key", function () {
  this.timeout(120_000);
  let cloud: LocalCloud;
  const lines: string[] = [];
  let key: string;

  before(async () => {
    cloud = await startLocalCloud({ stack: "prod", log: (line) => lines.push(line) });
    key = cloud.apiKeys[0]!;
  });
  after(() => cloud?.stop());

  it("says what it enforces and knows the API key", () => {
    expect(cloud.apiKeys).to.have.length(1);
    expect(key).to.match(/^[0-9a-f]{40}$/);
    expect(lines.join("\n")).to.match(
      /enforces: Cognito ID tokens; API keys \(x-api-key\); stage throttling/,
    );
  });

  it("refuses an anonymous request with 401 Unauthorized, even with the API key", async () => {
    for (const headers of [{}, { "x-api-key": key }] as Record<string, string>[]) {
      const res = await send(`${cloud.apiUrl}/items`, { headers });
      expect(res.status).to.equal(401);
      expect(res.body).to.deep.equal(gatewayError("UNAUTHORIZED", "Unauthorized"));
      // The declared gateway response's CORS headers come along (prod allows one origin).
      expect(res.headers.get("access-control-allow-origin")).to.equal("https://app.example.com");
    }
  });

  it("refuses an expired token with 401 and API Gateway's message", async () => {
    const token = await cloud.issueToken({
      lifetimeSeconds: 60,
      now: Math.floor(Date.now() / 1000) - 120,
    });
    const res = await send(`${cloud.apiUrl}/items`, {
      headers: { authorization: `Bearer ${token}`, "x-api-key": key },
    });
    expect(res.status).to.equal(401);
    expect(res.body).to.deep.equal(gatewayError("UNAUTHORIZED", "The incoming token has expired"));
  });

  it("refuses a valid token without the key, or with a wrong key, with 403 INVALID_API_KEY", async () => {
    const token = await cloud.issueToken();
    const extras: Record<string, string>[] = [{}, { "x-api-key": `${key}x` }, { "x-api-key": "" }];
    for (const extra of extras) {
      const res = await send(`${cloud.apiUrl}/items`, {
        headers: { authorization: `Bearer ${token}`, ...extra },
      });
      expect(res.status, JSON.stringify(extra)).to.equal(403);
      expect(res.body).to.deep.equal(gatewayError("INVALID_API_KEY", "Forbidden"));
    }
  });

  it("lets a token with the key through, and the handler logs the caller", async () => {
    const token = await cloud.issueToken({ username: "grace" });
    const res = await send(`${cloud.apiUrl}/items`, {
      method: "POST",
      headers: {
        authorization: `Bearer ${token}`,
        "x-api-key": key,
        "content-type": "application/json",
      },
      body: JSON.stringify({ id: "access-1" }),
    });
    expect(res.status).to.equal(201);
    const line = lines.find((l) => l.includes('"resource":"/items"') && l.includes('"caller"'));
    expect(line, "the handler's request line").to.not.equal(undefined);
    const logged = JSON.parse(line!.slice(line!.indexOf("{")));
    expect(logged.caller).to.include({ username: "grace", tokenUse: "id" });
    expect(logged.caller.sub).to.match(/^[0-9a-f-]{36}$/);
    expect(cloud.model.userPools[0]!.clientIds).to.include(logged.caller.clientId);
  });

  it("leaves CORS preflights and GET /openapi.json open; the document states the security", async () => {
    const preflight = await send(`${cloud.apiUrl}/items`, {
      method: "OPTIONS",
      headers: { origin: "https://app.example.com", "access-control-request-method": "POST" },
    });
    expect(preflight.status).to.equal(204);
    const doc = await send(`${cloud.apiUrl}/openapi.json`);
    expect(doc.status).to.equal(200);
    const body = doc.body as any; // eslint-disable-line @typescript-eslint/no-explicit-any
    expect(Object.keys(body.components.securitySchemes).sort()).to.deep.equal([
      "api_key",
      "cognito",
    ]);
    expect(body.paths["/items"].get.security).to.deep.equal([{ cognito: [], api_key: [] }]);
    // Public operations say so: an empty requirement list, not nothing.
    expect(body.paths["/openapi.json"].get.security).to.deep.equal([]);
    expect(body.paths["/items"].options.security).to.deep.equal([]);
  });

  it("lets a browser app send its Cognito token and the API key (CORS preflight)", async () => {
    const preflight = await send(`${cloud.apiUrl}/items`, {
      method: "OPTIONS",
      headers: {
        origin: "https://app.example.com",
        "access-control-request-method": "POST",
        "access-control-request-headers": "authorization, x-api-key, content-type",
      },
    });
    expect(preflight.status).to.equal(204);
    expect(preflight.headers.get("access-control-allow-origin")).to.equal(
      "https://app.example.com",
    );
    const allowed = (preflight.headers.get("access-control-allow-headers") ?? "").split(/,\s*/);
    expect(allowed).to.include.members(["authorization", "x-api-key", "content-type"]);
    // API Gateway answered (a MOCK integration): the function wrote no request line for it.
    expect(lines.filter((l) => l.includes('"method":"OPTIONS"'))).to.deep.equal([]);
    expect(
      lines.some((l) => l.startsWith("OPTIONS ") && l.includes("(MOCK integration)")),
    ).to.equal(true);
  });
});

describe("local cloud enforces an iam stack's SigV4", function () {
  this.timeout(120_000);
  let cloud: LocalCloud;
  const lines: string[] = [];

  before(async () => {
    cloud = await startLocalCloud({
      stack: "dev",
      config: { "lambda-apigateway:auth": "iam" },
      log: (line) => lines.push(line),
    });
  });
  after(() => cloud?.stop());

  /** A request signed the way AWS SDKs and awscurl sign it. */
  async function signed(path: string, options: { secret?: string; date?: Date } = {}) {
    const url = new URL(`${cloud.apiUrl}${path}`);
    const signer = new SignatureV4({
      credentials: {
        accessKeyId: cloud.iamCaller.accessKeyId,
        secretAccessKey: options.secret ?? cloud.iamCaller.secretAccessKey,
      },
      region: cloud.region,
      service: "execute-api",
      sha256: Sha256,
    });
    const request = await signer.sign(
      {
        method: "GET",
        protocol: url.protocol,
        hostname: url.hostname,
        port: Number(url.port),
        path: url.pathname,
        query: Object.fromEntries(url.searchParams),
        headers: { host: url.host },
      },
      { signingDate: options.date ?? new Date() },
    );
    return send(url.href, { headers: request.headers as Record<string, string> });
  }

  it("refuses an unsigned request with 403 Missing Authentication Token", async () => {
    const res = await send(`${cloud.apiUrl}/items`);
    expect(res.status).to.equal(403);
    expect(res.body).to.deep.equal(
      gatewayError("MISSING_AUTHENTICATION_TOKEN", "Missing Authentication Token"),
    );
  });

  it("refuses a wrong signature and a stale one with 403", async () => {
    const wrong = await signed("/items", { secret: "not-the-secret" });
    expect(wrong.status).to.equal(403);
    expect((wrong.body as { error: { code: string; message: string } }).error).to.include({
      code: "INVALID_SIGNATURE",
    });
    expect(wrong.headers.get("x-amzn-errortype")).to.equal("InvalidSignatureException");
    const stale = await signed("/items", { date: new Date(Date.now() - 6 * 60_000) });
    expect(stale.status).to.equal(403);
    expect((stale.body as { error: { message: string } }).error.message).to.match(
      /^Signature expired/,
    );
  });

  it("takes a body signed by the flow's signer (what the stack target uses with AWS credentials)", async () => {
    const authorize = authorizeWith({
      sigv4: { region: cloud.region, credentials: cloud.iamCaller },
    })!;
    const request = await authorize(
      new Request(`${cloud.apiUrl}/items/signed%20id`, {
        method: "PUT",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({ name: "signed" }),
      }),
    );
    const res = await fetch(request);
    expect(res.status, await res.clone().text()).to.equal(201);
    // The same signature over another body is refused.
    const tampered = new Request(request, { body: JSON.stringify({ name: "changed" }) });
    expect((await fetch(tampered)).status).to.equal(403);
  });

  it("lets a signed request through, with the caller in the event", async () => {
    const res = await signed("/items?limit=2");
    expect(res.status).to.equal(200);
    const line = lines.find((l) => l.includes('"caller"') && l.includes("userArn"));
    const logged = JSON.parse(line!.slice(line!.indexOf("{")));
    expect(logged.caller).to.deep.equal({
      userArn: cloud.iamCaller.userArn,
      accountId: cloud.iamCaller.accountId,
      caller: cloud.iamCaller.userId,
      accessKey: cloud.iamCaller.accessKeyId,
    });
  });
});

describe("local cloud throttles as the stage and the usage plan declare", function () {
  this.timeout(120_000);
  let cloud: LocalCloud;

  before(async () => {
    cloud = await startLocalCloud({
      stack: "dev",
      config: { "lambda-apigateway:api": { throttleRateLimit: 1, throttleBurstLimit: 2 } },
    });
  });
  after(() => cloud?.stop());

  it("answers 429 THROTTLED with the declared gateway response once the burst is spent, per method", async () => {
    const statuses: number[] = [];
    let last: Reply | undefined;
    for (let i = 0; i < 4; i++) {
      last = await send(`${cloud.apiUrl}/items/throttle-me`);
      statuses.push(last.status);
    }
    expect(statuses.slice(0, 2)).to.deep.equal([404, 404]);
    expect(statuses.slice(2)).to.include(429);
    const throttled =
      last!.status === 429 ? last! : await send(`${cloud.apiUrl}/items/throttle-me`);
    expect(throttled.body).to.deep.equal(gatewayError("THROTTLED", "Too Many Requests"));
    // The program's THROTTLED gateway response adds Retry-After.
    expect(throttled.headers.get("retry-after")).to.match(/^\d+$/);
    // Another method has a bucket of its own.
    expect((await send(`${cloud.apiUrl}/items`)).status).to.equal(200);
  });

  it("lets every request through with throttling off (--no-throttle)", async () => {
    const api = cloud.model.apis[0]!;
    const access = new AccessControl({
      api,
      userPools: [],
      iamUsers: [],
      region: cloud.region,
      throttle: false,
    });
    const method = api.root.children.find((c) => c.path === "/items")!.methods.get("GET")!;
    for (let i = 0; i < 20; i++) {
      const outcome = await access.check({
        method,
        stage: api.stages[0]!,
        resourcePath: "/items",
        httpMethod: "GET",
        rawPath: "/test/items",
        query: "",
        headers: {},
        body: Buffer.alloc(0),
      });
      expect(isRefusal(outcome)).to.equal(false);
    }
  });

  it("throttles each API key by its usage plan, and counts its quota", async () => {
    const api = cloud.model.apis[0]!;
    const method = api.root.children.find((c) => c.path === "/items")!.methods.get("GET")!;
    const keyed = { ...method, apiKeyRequired: true };
    const plan = {
      id: "p",
      name: "plan",
      stages: [{ name: api.stages[0]!.name, methods: {} }],
      throttle: { rate: 1, burst: 2 },
      quota: { limit: 3, period: "DAY" as const, offset: 0 },
      keys: [{ id: "k", name: "k", value: "v".repeat(30), enabled: true }],
    };
    const access = new AccessControl({
      api: {
        ...api,
        usagePlans: [plan],
        stages: [{ ...api.stages[0]!, throttle: { methods: {} } }],
      },
      userPools: [],
      iamUsers: [],
      region: cloud.region,
      throttle: true,
    });
    const check = () =>
      access.check({
        method: keyed,
        stage: { ...api.stages[0]!, throttle: { methods: {} } },
        resourcePath: "/items",
        httpMethod: "GET",
        rawPath: "/test/items",
        query: "",
        headers: { "x-api-key": "v".repeat(30) },
        body: Buffer.alloc(0),
      });
    const first = [await check(), await check(), await check()];
    expect(first.map((o) => (isRefusal(o) ? o.type : "ok"))).to.deep.equal([
      "ok",
      "ok",
      "THROTTLED",
    ]);
    await new Promise((r) => setTimeout(r, 1100));
    expect(isRefusal(await check())).to.equal(false);
    await new Promise((r) => setTimeout(r, 1100));
    const quota = await check();
    expect(quota).to.include({ type: "QUOTA_EXCEEDED", status: 429, message: "Limit Exceeded" });
  });
});
