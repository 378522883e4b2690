/**
 * Stoplight Prism as a validating proxy in front of the local cloud, with the document the local
 * cloud serves: the README's requests, sent as curl sends them, break neither side of the
 * document, and every bad-input case the proxy can carry gets the battery's answer, which Prism
 * finds in the document.
 *
 * One proxy, without `--errors`: with it, Prism answers a request that breaks the document itself
 * (422) instead of forwarding it, and the battery's requests break it on purpose. Prism reports
 * what it finds either way, in the `sl-violations` header of each answer; the README's requests
 * must have none, the battery's answers none on the response side.
 */
import { expect } from "chai";
import { parseJson, stringifyJson } from "../../handlers/core/json";
import { CASES, requestOf, seedBattery, type Seeds } from "../hardening/bad-input-cases";
import { call, startTarget, type CallOptions, type Reply, type Target } from "../hardening/harness";
import { matchesShown, readmeRequests } from "../../testing/readme-requests";
import { freePort, startTool, type RunningTool } from "./tools";

/** What Prism 5.14 reads a body into before it forwards it: at most 10 MB (its body parser's limit). */
const PRISM_BODY_LIMIT = 10 * 1024 * 1024;

interface Violation {
  location: string[];
  severity: string;
  message: string;
}

const violationsOf = (reply: Reply): Violation[] =>
  reply.headers["sl-violations"]
    ? (JSON.parse(String(reply.headers["sl-violations"])) as Violation[])
    : [];

const describeViolations = (list: Violation[]) =>
  list.map((v) => `${v.severity} ${v.location.join(".")}: ${v.message}`).join("; ");

/** The deepest nesting of `[` and `{` in JSON text, outside strings. */
function nesting(text: string): number {
  let depth = 0;
  let max = 0;
  let inString = false;
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (inString) {
      if (c === "\\") i++;
      else if (c === '"') inString = false;
    } else if (c === '"') inString = true;
    else if (c === "[" || c === "{") max = Math.max(max, ++depth);
    else if (c === "]" || c === "}") depth--;
  }
  return max;
}

/** How this API reads a JSON text: its value, or that it refuses it. */
function asTheApiReadsIt(text: string): string {
  try {
    return stringifyJson(parseJson(text));
  } catch {
    return "refused";
  }
}

/**
 * Why Prism cannot forward a request as it is, found by reading its source (prism-http 5.12,
 * prism-http-server 5.12): it parses a JSON body and forwards `JSON.stringify` of the value, and
 * turns the query into an object. Undefined when it can.
 */
function notCarried(path: string, options: CallOptions): string | undefined {
  const [bare = "", query = ""] = path.split("?");
  if ([...new URLSearchParams(query).keys()].includes("__proto__")) {
    return "Prism rebuilds the query from a plain object, which drops __proto__";
  }
  try {
    bare.split("/").forEach((segment) => decodeURIComponent(segment));
  } catch {
    return "Prism stops with a URIError on a malformed percent-escape in the path";
  }
  const { body, headers } = options;
  if (body === undefined) return undefined;
  const bytes = Buffer.isBuffer(body)
    ? body
    : Buffer.from(typeof body === "string" ? body : JSON.stringify(body));
  if (bytes.length > PRISM_BODY_LIMIT)
    return "over Prism's 10 MB body limit: it answers 413 itself";
  try {
    new TextDecoder("utf-8", { fatal: true }).decode(bytes);
  } catch {
    // Observed: the API behind Prism stored U+FFFD where the client sent 0xFF.
    return "not UTF-8: Prism reads the body as text, so it forwards U+FFFD for the bytes";
  }
  // call() labels a body JSON unless the case says otherwise.
  const type = headers && "content-type" in headers ? headers["content-type"] : "application/json";
  const text = bytes.toString("utf8");
  if (!type || !/json/i.test(type) || text === "") return undefined;
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    return "not JSON: Prism parses a JSON body first and answers a syntax error itself (400)";
  }
  if (typeof value !== "object" || value === null) {
    return "JSON that is no object or array: Prism forwards a string without its quotes, null as no body";
  }
  if (nesting(text) > 1000) {
    return "nested deeper than Prism's request logger can serialise (a stack overflow)";
  }
  if (asTheApiReadsIt(text) !== asTheApiReadsIt(JSON.stringify(value))) {
    return "Prism forwards the body re-serialised through JavaScript values, which changes it (exact numbers, repeated keys)";
  }
  return undefined;
}

/** Whether a body is the one expected; JSON compared as values (Prism re-serialises answers). */
function sameBody(actual: string, expected: string): boolean {
  try {
    return JSON.stringify(JSON.parse(actual)) === JSON.stringify(JSON.parse(expected));
  } catch {
    return actual === expected;
  }
}

describe("outside tools: Prism as a validating proxy in front of the local cloud", function () {
  this.timeout(300_000);
  let target: Target;
  let prism: RunningTool | undefined;
  let proxy: string;
  let seeds: Seeds;
  const send = (method: string, path: string, options?: CallOptions) =>
    call(proxy, method, path, { agent: target.agent, timeoutMs: 60_000, ...options });

  before(async function () {
    target = await startTarget();
    const api = target.cloud.apiUrl;
    const port = await freePort();
    proxy = `http://127.0.0.1:${port}`;
    const started = performance.now();
    prism = await startTool(
      "@stoplight/prism-cli",
      "prism",
      // --cors false: Prism would otherwise answer preflights itself and add its own CORS headers.
      // --verboseLevel error: at info it logs every request body before forwarding it, which
      // for the 7 MB case outlasts the local cloud's keep-alive and breaks the connection.
      [
        "proxy",
        `${api}/openapi.json`,
        api,
        ...["--port", String(port), "--cors", "false", "--verboseLevel", "error"],
      ],
      async () => (await fetch(`${proxy}/openapi.json`)).ok,
    );
    console.log(`    Prism proxy ready in ${Math.round(performance.now() - started)} ms`);
  });

  after(async function () {
    await prism?.stop();
    await target?.stop();
  });

  it("finds no violation in the README's requests, sent as curl sends them, and passes the README's answers", async () => {
    for (const r of readmeRequests()) {
      const where = `README.md:${r.line} ${r.method} ${r.path}`;
      // As curl: its headers only (a body without Content-Type of its own is a form).
      const headers: Record<string, string | null> = { "content-type": null, ...r.headers };
      const reply = await send(r.method, r.path, { body: r.body, headers });
      expect(describeViolations(violationsOf(reply)), `${where}: Prism's violations`).to.equal("");
      expect(reply.status, `${where}: ${reply.text.slice(0, 300)}`).to.equal(r.expected.status);
      for (const [name, value] of Object.entries(r.expected.headers)) {
        expect(reply.headers[name], `${where}: ${name}`).to.equal(value);
      }
      if (r.expected.body !== undefined) {
        expect(matchesShown(reply.text, r.expected.body), `${where}: ${reply.text}`).to.equal(true);
      }
    }
  });

  describe("the bad-input battery's answers", function () {
    const skipped = new Map<string, string[]>();

    before(async function () {
      seeds = await seedBattery(send, target.facts.tableName);
    });

    after(function () {
      const lines = [...skipped].map(([why, names]) => `${names.length}: ${why}`);
      if (lines.length) {
        console.log(`    cases Prism cannot carry as they are:\n      ${lines.join("\n      ")}`);
      }
    });

    for (const c of CASES) {
      it(`${c.status} ${c.category}: ${c.name}`, async function () {
        const { path, options } = requestOf(c, seeds);
        const why = notCarried(path, options);
        if (why) {
          skipped.set(why, [...(skipped.get(why) ?? []), c.name]);
          this.skip();
        }
        const reply = await send(c.method, path, options);
        const response = violationsOf(reply).filter((v) => v.location[0] === "response");
        expect(describeViolations(response), "Prism's violations of the answer").to.equal("");
        expect(reply.status, reply.text.slice(0, 300)).to.equal(c.status);
        if (c.text !== undefined) {
          expect(sameBody(reply.text, c.text), reply.text.slice(0, 300)).to.equal(true);
        } else {
          const code = (reply.json as { error?: { code?: unknown } } | undefined)?.error?.code;
          expect(code, reply.text.slice(0, 300)).to.equal(c.code);
        }
        c.check?.(reply);
      });
    }
  });
});
