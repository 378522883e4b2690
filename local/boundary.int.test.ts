/**
 * No request takes `npm start` down: the CLI runs the real program (dev stack) as a real process,
 * and hostile requests (the ones that used to end it, fuzzed paths, methods and headers, headers
 * over Node's limit, bodies that never end) hit its API and Lambda ports. After each, the process
 * is alive and still serving. Its start is checked too: "Ready" comes once the sources are watched. Requests go over raw TCP, so nothing a client library would refuse
 * to send is filtered out first.
 */
import { spawn, type ChildProcess } from "node:child_process";
import * as http from "node:http";
import * as net from "node:net";
import * as path from "node:path";
import { expect } from "chai";
import fc from "fast-check";
import { API_GATEWAY_PAYLOAD_BYTES, LAMBDA_SYNC_PAYLOAD_BYTES } from "../contract/limits";

const CLI = path.join(__dirname, "cli.ts");
const REPO = path.resolve(__dirname, "..");

interface Raw {
  status: number;
  headers: string;
  body: string;
}

/** Sends `request` as written and reads until the server closes; undefined status: no answer. */
function raw(port: number, request: string): Promise<Raw | { error: string }> {
  return new Promise((resolve) => {
    const socket = net.connect({ host: "127.0.0.1", port });
    const chunks: Buffer[] = [];
    socket.setTimeout(15_000, () => {
      socket.destroy();
      resolve({ error: "no answer within 15 s" });
    });
    socket.on("data", (c: Buffer) => chunks.push(c));
    socket.on("error", (err: NodeJS.ErrnoException) => {
      if (!chunks.length) resolve({ error: err.code ?? err.message });
    });
    socket.on("close", () => {
      const text = Buffer.concat(chunks).toString("latin1");
      const m = /^HTTP\/1\.1 (\d{3})[^\r]*\r\n([\s\S]*?)\r\n\r\n([\s\S]*)$/.exec(text);
      resolve(
        m
          ? { status: Number(m[1]), headers: m[2]!, body: m[3]! }
          : { error: `no HTTP answer: ${JSON.stringify(text.slice(0, 80))}` },
      );
    });
    socket.write(request, "latin1");
  });
}

const get = (port: number, target: string, headers = "") =>
  raw(
    port,
    `GET ${target} HTTP/1.1\r\nHost: 127.0.0.1:${port}\r\nConnection: close\r\n${headers}\r\n`,
  );

const answered = (r: Raw | { error: string }): Raw => {
  expect(r, "error" in r ? r.error : "").to.have.property("status");
  return r as Raw;
};

/**
 * Streams `total` bytes in 1 MB chunks, as fast as the connection takes them, until the server
 * answers or cuts the connection. Returns what came back and how much was sent by then.
 */
function upload(
  url: string,
  total: number,
): Promise<{ sent: number; status?: number; cut?: string }> {
  return new Promise((resolve) => {
    const chunk = Buffer.alloc(1024 * 1024, "a");
    let sent = 0;
    let done = false;
    const finish = (outcome: { status?: number; cut?: string }) => {
      if (done) return;
      done = true;
      req.destroy();
      resolve({ sent, ...outcome });
    };
    const req = http.request(url, {
      method: "POST",
      headers: { "Content-Type": "application/json", "Transfer-Encoding": "chunked" },
    });
    req.on("response", (res) => {
      res.resume();
      finish({ status: res.statusCode });
    });
    req.on("error", (err: NodeJS.ErrnoException) => finish({ cut: err.code ?? err.message }));
    const pump = () => {
      while (!done && sent < total) {
        sent += chunk.length;
        if (!req.write(chunk)) {
          req.once("drain", pump);
          return;
        }
      }
      if (!done && sent >= total) req.end();
    };
    pump();
  });
}

describe("npm start survives hostile requests on every port", function () {
  this.timeout(180_000);
  let child: ChildProcess;
  const lines: string[] = [];
  let api: URL;
  let apiPort: number;
  let lambdaPort: number;
  let docsPath: string;

  before(async () => {
    child = spawn(process.execPath, ["--import", "tsx", CLI, "--stack", "dev"], {
      cwd: REPO,
      env: { ...process.env, PORT: "0" },
      stdio: ["ignore", "pipe", "pipe"],
    });
    let buffered = "";
    await new Promise<void>((resolve, reject) => {
      const onData = (chunk: Buffer) => {
        buffered += chunk.toString();
        const parts = buffered.split("\n");
        buffered = parts.pop()!;
        lines.push(...parts);
        if (lines.some((l) => l.startsWith("Enforced "))) resolve();
      };
      child.stdout!.on("data", onData);
      child.stderr!.on("data", onData);
      child.once("exit", (code) =>
        reject(new Error(`npm start exited (${code}):\n${lines.join("\n")}`)),
      );
    });
    const value = (prefix: string) => lines.find((l) => l.startsWith(prefix))!.slice(prefix.length);
    api = new URL(value("API "));
    apiPort = Number(api.port);
    lambdaPort = Number(new URL(value("Lambda ")).port);
    docsPath = new URL(value("Docs ")).pathname;
  });
  after(async () => {
    if (child && child.exitCode === null) {
      const exited = new Promise((r) => child.once("exit", r));
      child.kill("SIGINT");
      await exited;
    }
  });

  it('says "Ready" only once the edit loop watches the sources (a save from then on is served)', () => {
    const watching = lines.findIndex((l) => l.includes("Edit loop: watching the sources of"));
    const ready = lines.findIndex((l) => l.startsWith("Ready in"));
    expect(watching, lines.join("\n")).to.be.greaterThan(-1);
    expect(watching).to.be.lessThan(ready);
  });

  /** The process is alive and its API and Lambda ports still answer. */
  async function stillServing(): Promise<void> {
    expect(child.exitCode, lines.slice(-20).join("\n")).to.equal(null);
    expect(answered(await get(apiPort, docsPath)).status).to.equal(200);
    expect(answered(await get(lambdaPort, "/2015-03-31/functions")).status).to.equal(200);
  }

  it("answers the requests that used to end it (docs/__proto__, // on both ports) and lives on", async () => {
    const proto = answered(await get(apiPort, `${docsPath}/__proto__`));
    expect(proto.status).to.be.below(500);
    const apiRoot = answered(await get(apiPort, "//"));
    // No stage named "": API Gateway's own 403.
    expect(apiRoot.status).to.equal(403);
    expect(JSON.parse(apiRoot.body)).to.have.property("message");
    const lambdaRoot = answered(await get(lambdaPort, "//"));
    expect(lambdaRoot.status).to.equal(404);
    expect(lambdaRoot.headers).to.match(/x-amzn-ErrorType: UnknownOperationException/i);
    await stillServing();
  });

  it("answers headers over Node's limit with 431 and a body in the gateway's error shape, on both ports", async () => {
    const huge = `X-Big: ${"b".repeat(17 * 1024)}\r\n`;
    for (const port of [apiPort, lambdaPort]) {
      const res = answered(await get(port, `${api.pathname}/items`, huge));
      expect(res.status).to.equal(431);
      expect(res.headers).to.match(/content-type: application\/json/i);
      expect(JSON.parse(res.body)).to.deep.equal({ message: "Request Header Fields Too Large" });
    }
    await stillServing();
  });

  it("fuzzed methods, paths and headers on both ports: every request is answered, the process lives", async () => {
    const segment = fc.oneof(
      fc.constantFrom(
        "",
        "__proto__",
        "constructor",
        "docs",
        "..",
        "%",
        "%zz",
        "%00",
        "2015-03-31",
        "functions",
        "invocations",
        "items",
        api.pathname.slice(1),
      ),
      fc.string({
        unit: fc.constantFrom(..."abc-_.~%?&=;:@!$'()*+,|{}[]^`\\\"<>0123456789"),
        maxLength: 12,
      }),
    );
    const target = fc.array(segment, { maxLength: 6 }).map((parts) => `/${parts.join("/")}`);
    const method = fc.oneof(
      fc.constantFrom(
        "GET",
        "POST",
        "PUT",
        "DELETE",
        "OPTIONS",
        "HEAD",
        "PATCH",
        "TRACE",
        "CONNECT",
      ),
      fc.stringMatching(/^[A-Za-z]{1,12}$/),
    );
    const name = fc
      .stringMatching(/^[A-Za-z0-9!#$%&'*+.^_`|~-]{1,24}$/)
      .filter(
        (n) => !/^(content-length|transfer-encoding|connection|host|expect|upgrade)$/i.test(n),
      );
    const value = fc.string({
      unit: fc.integer({ min: 0x20, max: 0x7e }).map((c) => String.fromCharCode(c)),
      maxLength: 200,
    });
    const headers = fc.array(fc.tuple(name, value), { maxLength: 8 });
    await fc.assert(
      fc.asyncProperty(
        fc.constantFrom(apiPort, lambdaPort),
        method,
        target,
        headers,
        async (port, m, t, hs) => {
          const lines = hs.map(([n, v]) => `${n}: ${v}\r\n`).join("");
          const res = await raw(
            port,
            `${m} ${t} HTTP/1.1\r\nHost: 127.0.0.1:${port}\r\nConnection: close\r\n${lines}\r\n`,
          );
          // Anything from 2xx to a 4xx is fine; a 5xx only from the function or the boundary.
          expect(res, `${m} ${t}`).to.have.property("status");
          expect(child.exitCode, lines).to.equal(null);
        },
      ),
      { numRuns: 300 },
    );
    await stillServing();
  });

  it("refuses a body past Lambda's 6 MB on the Lambda port while it is still being sent", async () => {
    const list = await fetch(`http://127.0.0.1:${lambdaPort}/2015-03-31/functions`);
    const { Functions } = (await list.json()) as { Functions: { FunctionName: string }[] };
    const total = 8 * LAMBDA_SYNC_PAYLOAD_BYTES;
    const out = await upload(
      `http://127.0.0.1:${lambdaPort}/2015-03-31/functions/${Functions[0]!.FunctionName}/invocations`,
      total,
    );
    // Refused (413), or cut off, before the whole body went out: it was never buffered whole.
    expect(out.status === 413 || out.cut !== undefined, JSON.stringify(out)).to.equal(true);
    expect(out.sent).to.be.below(total);
    await stillServing();
  });

  it("refuses a body past API Gateway's 10 MB on the API port while it is still being sent", async () => {
    const total = 8 * API_GATEWAY_PAYLOAD_BYTES;
    const out = await upload(`${api.href}/items`, total);
    expect(out.status === 413 || out.cut !== undefined, JSON.stringify(out)).to.equal(true);
    expect(out.sent).to.be.below(total);
    await stillServing();
  });
});
