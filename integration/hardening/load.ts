/**
 * Bounded load test (`npm run test:load`): autocannon drives a mix of creates, reads, updates,
 * lists and deletes over both APIs through the local cloud on 127.0.0.1, then stops by itself.
 *
 * Passes when no request got a 5xx (or any non-2xx, or a socket error), and the table ends with
 * exactly (acknowledged creates − acknowledged deletes) items. The last line is the summary.
 */
import { ScanCommand } from "@aws-sdk/lib-dynamodb";
import autocannon from "autocannon";
import { startTarget } from "./harness";

const REQUESTS = 20_000;
const CONNECTIONS = 32;

/** What a connection remembers between the requests of one cycle (autocannon resets it per cycle). */
interface Cycle {
  cycle?: number;
  id?: string;
  etag?: string;
}

const acked = { creates: 0, deletes: 0 };
const statuses = new Map<number, number>();
const surprises: string[] = [];

function header(headers: Record<string, unknown> | undefined, name: string): string | undefined {
  for (const [key, value] of Object.entries(headers ?? {})) {
    if (key.toLowerCase() === name) return String(value);
  }
  return undefined;
}

/** Records a response; anything but the expected status is kept for the report. */
function expectStatus(expected: number, what: string) {
  return (status: number, body: string) => {
    statuses.set(status, (statuses.get(status) ?? 0) + 1);
    if (status !== expected && surprises.length < 10) {
      surprises.push(`${what} → ${status} ${body.slice(0, 200)}`);
    }
  };
}

async function main(): Promise<number> {
  // As `npm start -- --no-throttle`: the dev stage's 50 req/s would turn most of this into 429s.
  const target = await startTarget({ throttle: false });
  try {
    const base = new URL(target.cloud.apiUrl);
    const stage = base.pathname.replace(/\/+$/, "");
    const json = { "content-type": "application/json" };
    let cycles = 0;

    // One cycle per connection: create → read → update → list → tutorial read → delete (every
    // other cycle, so the table grows and the final count tests both kinds of acknowledgement).
    const requests: autocannon.Request[] = [
      {
        method: "POST",
        setupRequest: (req, ctx) => {
          const c = ctx as Cycle;
          c.cycle = ++cycles;
          c.id = `load-${c.cycle}`;
          return {
            ...req,
            path: `${stage}/items`,
            headers: json,
            body: JSON.stringify({ id: c.id, cycle: c.cycle, tags: { $SS: ["a", "b"] } }),
          };
        },
        onResponse: (status, body, ctx, headers) => {
          expectStatus(201, "POST /items")(status, body);
          const c = ctx as Cycle;
          if (status === 201) acked.creates++;
          c.etag = header(headers as Record<string, unknown>, "etag");
        },
      },
      {
        method: "GET",
        setupRequest: (req, ctx) => ({ ...req, path: `${stage}/items/${(ctx as Cycle).id}` }),
        onResponse: expectStatus(200, "GET /items/{id}"),
      },
      {
        method: "PATCH",
        setupRequest: (req, ctx) => {
          const c = ctx as Cycle;
          return {
            ...req,
            path: `${stage}/items/${c.id}`,
            headers: { ...json, "if-match": c.etag ?? '"1"' },
            body: JSON.stringify({ touched: c.cycle }),
          };
        },
        onResponse: (status, body, ctx, headers) => {
          expectStatus(200, "PATCH /items/{id}")(status, body);
          (ctx as Cycle).etag = header(headers as Record<string, unknown>, "etag");
        },
      },
      {
        method: "GET",
        setupRequest: (req) => ({ ...req, path: `${stage}/items?limit=20` }),
        onResponse: expectStatus(200, "GET /items"),
      },
      {
        method: "POST",
        setupRequest: (req, ctx) => ({
          ...req,
          path: `${stage}/DynamoDBManager`,
          headers: json,
          body: JSON.stringify({ operation: "read", payload: { Key: { id: (ctx as Cycle).id } } }),
        }),
        onResponse: expectStatus(200, "POST /DynamoDBManager read"),
      },
      {
        method: "DELETE",
        setupRequest: (req, ctx) => {
          const c = ctx as Cycle;
          // Odd cycles keep their item: read it once more instead of deleting it.
          if ((c.cycle ?? 0) % 2 === 1)
            return { ...req, method: "GET", path: `${stage}/items/${c.id}` };
          return { ...req, path: `${stage}/items/${c.id}`, headers: { "if-match": c.etag ?? "*" } };
        },
        onResponse: (status, body, ctx) => {
          const deleting = ((ctx as Cycle).cycle ?? 0) % 2 === 0;
          expectStatus(deleting ? 204 : 200, deleting ? "DELETE /items/{id}" : "GET /items/{id}")(
            status,
            body,
          );
          if (deleting && status === 204) acked.deletes++;
        },
      },
    ];

    const result = await autocannon({
      url: `${base.origin}${stage}`,
      connections: CONNECTIONS,
      amount: REQUESTS,
      timeout: 30,
      requests,
    });

    const { Count } = await target.ddb.send(
      new ScanCommand({
        TableName: target.facts.tableName,
        Select: "COUNT",
        ConsistentRead: true,
      }),
    );
    const expected = acked.creates - acked.deletes;
    const errors = result.errors + result.timeouts;
    const checks = {
      [`at least ${REQUESTS} requests`]: result.requests.total >= REQUESTS,
      "zero 5xx": result["5xx"] === 0,
      "zero other non-2xx": result.non2xx === 0,
      "zero socket errors and timeouts": errors === 0,
      "items = acknowledged creates − deletes": Count === expected,
    };
    const failed = Object.entries(checks)
      .filter(([, ok]) => !ok)
      .map(([name]) => name);
    for (const s of surprises) console.log(`unexpected: ${s}`);
    console.log(
      `statuses: ${[...statuses].map(([s, n]) => `${s}×${n}`).join(", ")}; ` +
        `${result.duration.toFixed(1)} s at ${CONNECTIONS} connections`,
    );
    console.log(
      `load: ${result.requests.total} requests, ${errors} errors, ${result["5xx"]} 5xx, ` +
        `${result.requests.average.toFixed(0)} req/s, p99 ${result.latency.p99} ms; ` +
        `items ${Count} = ${acked.creates} creates − ${acked.deletes} deletes (${expected}): ` +
        (failed.length ? `FAILED (${failed.join("; ")})` : "ok"),
    );
    return failed.length ? 1 : 0;
  } finally {
    await target.stop();
  }
}

main().then(
  (code) => process.exit(code),
  (err: unknown) => {
    console.error(err);
    process.exit(1);
  },
);
