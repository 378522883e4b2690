/**
 * The bad-input battery: requests no client should send, through the local cloud's HTTP API (the
 * real program, gateway, function and DynamoDB Local). Each must get its exact 4xx and a JSON error
 * naming what is wrong (API Gateway's 413s: their exact body); none may reach a 5xx or change the
 * table. The cases are in bad-input-cases.ts.
 */
import * as net from "node:net";
import { expect } from "chai";
import { CASES, requestOf, seedBattery, type Seeds } from "./bad-input-cases";
import { errorOf, scanAll, startTarget, type Target } from "./harness";

const CATEGORIES = new Set(CASES.map((c) => c.category)).size;

describe(`hardening: bad-input battery, ${CASES.length} cases in ${CATEGORIES} categories`, function () {
  // Starting Java and bundling the function takes a while on a shared CI machine.
  this.timeout(120_000);
  let target: Target;
  let seeds: Seeds;
  let snapshot: Record<string, unknown>[];

  before(async function () {
    target = await startTarget();
    seeds = await seedBattery(target.call, target.facts.tableName);
    snapshot = await scanAll(target);
    expect(snapshot).to.have.length.of.at.least(4);
  });

  after(async function () {
    await target?.stop();
  });

  for (const c of CASES) {
    it(`${c.status} ${c.category}: ${c.name}`, async function () {
      const { path, options } = requestOf(c, seeds);
      const reply = await target.call(c.method, path, options);
      expect(reply.status, `never a 5xx: ${reply.text.slice(0, 300)}`).to.be.below(500);
      expect(reply.status, reply.text.slice(0, 300)).to.equal(c.status);
      if (c.text !== undefined) expect(reply.text).to.equal(c.text);
      else expect(errorOf(reply).code).to.equal(c.code);
      c.check?.(reply);
    });
  }

  it("leaves the table exactly as it was", async function () {
    const after = await scanAll(target);
    expect(after).to.deep.equal(snapshot);
  });
});

/**
 * Hostile `Authorization` headers against the prod stack (Cognito authorizer and API key): every
 * one is refused by the authorizer with 401 in the error shape, before the function, and none
 * gets a 5xx or changes the table.
 */
describe("hardening: hostile Authorization headers (prod: Cognito and API key)", function () {
  this.timeout(120_000);
  let target: Target;
  let key: string;
  let valid: string;
  let snapshot: Record<string, unknown>[];

  before(async function () {
    target = await startTarget({ stack: "prod" });
    key = target.cloud.apiKeys[0]!;
    valid = await target.cloud.issueToken();
    snapshot = await scanAll(target);
  });
  after(async function () {
    await target?.stop();
  });

  const part = (v: unknown) => Buffer.from(JSON.stringify(v)).toString("base64url");
  const [header, payload] = ["x", "y"];
  const hostile: [string, () => string][] = [
    ["oversized (9 KB)", () => `Bearer ${"A".repeat(9 * 1024)}`],
    [
      "oversized claims",
      () => `Bearer ${part({ alg: "RS256" })}.${part({ pad: "x".repeat(6000) })}.sig`,
    ],
    ["malformed: one segment", () => "Bearer abc"],
    ["malformed: not base64", () => "Bearer ###.$$$.%%%"],
    ["malformed: JSON that is not an object", () => `Bearer ${part([1, 2])}.${part("str")}.x`],
    ["malformed: empty segments", () => "Bearer .."],
    ["wrong scheme: Basic", () => `Basic ${Buffer.from("admin:admin").toString("base64")}`],
    ["wrong scheme: Digest", () => 'Digest username="a", realm="r", nonce="n", response="x"'],
    [
      "wrong scheme: SigV4",
      () =>
        "AWS4-HMAC-SHA256 Credential=AKIA/20240101/us-east-1/execute-api/aws4_request, SignedHeaders=host, Signature=00",
    ],
    ["a valid token under another scheme", () => `Token ${valid}`],
    ["two tokens", () => `Bearer ${valid} Bearer ${valid}`],
    ["alg none", () => `Bearer ${part({ alg: "none" })}.${valid.split(".")[1]}.`],
    [
      "kid path traversal",
      () =>
        `Bearer ${part({ alg: "RS256", kid: "../../../../etc/passwd" })}.${valid.split(".")[1]}.${valid.split(".")[2]}`,
    ],
    [
      "jku to another key set",
      () =>
        `Bearer ${part({ alg: "RS256", jku: "http://127.0.0.1:1/jwks.json" })}.${valid.split(".")[1]}.${valid.split(".")[2]}`,
    ],
    [
      "prototype names",
      () =>
        `Bearer ${part({ alg: "RS256", __proto__: { x: 1 } })}.${part({ constructor: "x", iss: "toString" })}.x`,
    ],
    ["tabs inside the token", () => `Bearer \t${header}\t.${payload}\t.z`],
    ["non-ASCII", () => "Bearer ünïcødé.tökén.sïg"],
  ];
  for (const [name, make] of hostile) {
    it(`401 ${name}`, async function () {
      const reply = await target.call("GET", "/items", {
        headers: { authorization: make(), "x-api-key": key },
      });
      expect(reply.status, `never a 5xx: ${reply.text.slice(0, 200)}`).to.be.below(500);
      expect(reply.status, reply.text.slice(0, 200)).to.equal(401);
      expect(errorOf(reply).code).to.equal("UNAUTHORIZED");
    });
  }

  it("401 header injection: a CRLF-smuggled second header line is a header of its own, not part of the token", async function () {
    // Node's client refuses CR/LF in a header value, so this goes out as raw bytes.
    const url = new URL(target.cloud.apiUrl);
    const raw = await new Promise<string>((resolve, reject) => {
      const socket = net.connect(Number(url.port), url.hostname, () => {
        socket.end(
          `GET ${url.pathname}/items HTTP/1.1\r\nHost: ${url.host}\r\nx-api-key: ${key}\r\n` +
            `Authorization: Bearer x\r\nAuthorization: Bearer ${valid}\r\nX-Injected: 1\r\nConnection: close\r\n\r\n`,
        );
      });
      let data = "";
      socket.on("data", (chunk) => (data += chunk.toString()));
      socket.on("end", () => resolve(data));
      socket.on("error", reject);
    });
    // Node keeps the first of two Authorization headers, as API Gateway takes one value.
    expect(raw.split("\r\n")[0]).to.equal("HTTP/1.1 401 Unauthorized");
  });

  it("leaves the table exactly as it was", async function () {
    expect(await scanAll(target)).to.deep.equal(snapshot);
  });
});
