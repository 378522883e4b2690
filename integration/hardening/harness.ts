/**
 * What the hardening suites share: one local cloud per file, the facts they derive from the program
 * it runs (table name, function timeout, the handler's SDK timeout budget), a raw HTTP client that
 * can send any bytes with any headers, and a consistent read of the whole table.
 */
import * as http from "node:http";
import { DynamoDBClient } from "@aws-sdk/client-dynamodb";
import { DynamoDBDocumentClient, GetCommand, ScanCommand } from "@aws-sdk/lib-dynamodb";
import { expect } from "chai";
import { ENV } from "../../contract/env";
import { SHARED_SCOPE } from "../../contract/idempotency";
import { IDEMPOTENCY_RECORD } from "../../contract/keys";
import { recordKey } from "../../handlers/core/idempotency";
import { startLocalCloud } from "../../local";

export type LocalCloud = Awaited<ReturnType<typeof startLocalCloud>>;
export type LocalCloudOptions = Parameters<typeof startLocalCloud>[0];

/** The facts a suite needs, as the local cloud serves them: never hand-made copies. */
export interface ProgramFacts {
  tableName: string;
  /** The Idempotency-Key records table the function is given. */
  recordsTableName: string;
  /** The table's partition key attribute. */
  hashKey: string;
  /** The CRUD function's configured timeout (Lambda's default is 3 s). */
  functionTimeoutMs: number;
  /** The environment the program gives the function, outputs (and secrets) resolved. */
  env: Record<string, string>;
  /** Per-attempt DynamoDB timeout and attempts the handler is configured with. */
  dynamoDbTimeoutMs: number;
  dynamoDbMaxAttempts: number;
}

/** Reads the facts from the model the local cloud derived from the program it ran. */
export function programFacts(cloud: LocalCloud): ProgramFacts {
  const { tables, functions } = cloud.model;
  expect(functions, "the program declares exactly one Lambda function").to.have.length(1);
  const fn = functions[0]!;
  const env = fn.environment;
  const recordsTableName = env[ENV.idempotencyTableName] ?? "";
  expect(
    tables.map((t) => t.name).sort(),
    "the program declares the items table and its Idempotency-Key records table",
  ).to.deep.equal([env[ENV.tableName], recordsTableName].sort());
  const table = tables.find((t) => t.name === env[ENV.tableName])!;
  const dynamoDbTimeoutMs = Number(env[ENV.dynamoDbTimeoutMs]);
  const dynamoDbMaxAttempts = Number(env[ENV.dynamoDbMaxAttempts]);
  expect(env[ENV.tableName], `the function's ${ENV.tableName}`).to.equal(table.name);
  expect(dynamoDbTimeoutMs, `the function's ${ENV.dynamoDbTimeoutMs}`).to.be.above(0);
  expect(dynamoDbMaxAttempts, `the function's ${ENV.dynamoDbMaxAttempts}`).to.be.above(0);
  return {
    tableName: table.name,
    recordsTableName,
    hashKey: String(table.resource.state.hashKey),
    functionTimeoutMs: fn.timeoutMs,
    env,
    dynamoDbTimeoutMs,
    dynamoDbMaxAttempts,
  };
}

/**
 * The longest a request may take when DynamoDB does not answer: every attempt times out, plus the
 * SDK's standard retry backoff between attempts (base 100 ms doubling, full jitter) and a margin
 * for the gateway, the worker and a loaded CI machine.
 */
export function sdkTimeoutBudgetMs(facts: ProgramFacts, marginMs = 1500): number {
  let backoff = 0;
  for (let attempt = 1; attempt < facts.dynamoDbMaxAttempts; attempt++) {
    backoff += Math.min(20_000, 100 * 2 ** (attempt - 1));
  }
  return facts.dynamoDbTimeoutMs * facts.dynamoDbMaxAttempts + backoff + marginMs;
}

export interface Target {
  cloud: LocalCloud;
  facts: ProgramFacts;
  /** Document client on the local cloud's engine, for reading the table behind the API's back. */
  ddb: DynamoDBDocumentClient;
  /** Sends one request to `apiUrl + path`. */
  call(method: string, path: string, options?: CallOptions): Promise<Reply>;
  /** The keep-alive agent `call` uses. */
  agent: http.Agent;
  stop(): Promise<void>;
}

/**
 * A local cloud for a hardening suite. Throttling is off unless asked for: the suites drive the
 * function with bursts far above a stack's stage limits on purpose (local/access.int.test.ts
 * tests the throttling itself).
 */
export async function startTarget(options: LocalCloudOptions = {}): Promise<Target> {
  const cloud = await startLocalCloud({
    port: 0,
    log: () => undefined,
    throttle: false,
    ...options,
  });
  try {
    const facts = programFacts(cloud);
    const ddb = DynamoDBDocumentClient.from(
      new DynamoDBClient({
        endpoint: cloud.dynamoDbEndpoint,
        region: cloud.program.region,
        credentials: { accessKeyId: "hardening", secretAccessKey: "hardening" },
        maxAttempts: 1,
      }),
    );
    const agent = new http.Agent({ keepAlive: true, maxSockets: 64 });
    return {
      cloud,
      facts,
      ddb,
      call: (method, path, opts) => call(cloud.apiUrl, method, path, { agent, ...opts }),
      agent,
      stop: async () => {
        agent.destroy();
        ddb.destroy();
        await cloud.stop();
      },
    };
  } catch (err) {
    await cloud.stop();
    throw err;
  }
}

export interface CallOptions {
  /** A string or bytes are sent as they are; anything else is JSON-encoded. */
  body?: unknown;
  /** Defaults to `content-type: application/json` when there is a body; `null` drops a header. */
  headers?: Record<string, string | null>;
  agent?: http.Agent;
  /** Abandon the request after this long (the reply then has status 0). */
  timeoutMs?: number;
}

export interface Reply {
  status: number;
  headers: http.IncomingHttpHeaders;
  text: string;
  /** The parsed body, or undefined when it is not JSON. */
  json: unknown;
  /** Wall-clock time from sending to the last byte. */
  ms: number;
}

export function call(
  baseUrl: string,
  method: string,
  path: string,
  options: CallOptions = {},
): Promise<Reply> {
  const url = new URL(baseUrl + path);
  if (url.hostname !== "127.0.0.1") throw new Error(`only loopback traffic is allowed: ${url}`);
  let payload: Buffer | undefined;
  if (typeof options.body === "string") payload = Buffer.from(options.body);
  else if (Buffer.isBuffer(options.body)) payload = options.body;
  else if (options.body !== undefined) payload = Buffer.from(JSON.stringify(options.body));
  const headers: Record<string, string> = {};
  if (payload) {
    headers["content-type"] = "application/json";
    headers["content-length"] = String(payload.length);
  }
  for (const [name, value] of Object.entries(options.headers ?? {})) {
    if (value === null) delete headers[name.toLowerCase()];
    else headers[name.toLowerCase()] = value;
  }
  const started = performance.now();
  return new Promise((resolve, reject) => {
    const req = http.request(
      url,
      { method, headers, agent: options.agent, timeout: options.timeoutMs },
      (res) => {
        const chunks: Buffer[] = [];
        res.on("data", (chunk: Buffer) => chunks.push(chunk));
        res.on("error", reject);
        res.on("end", () => {
          const text = Buffer.concat(chunks).toString("utf8");
          let json: unknown;
          try {
            json = JSON.parse(text);
          } catch {
            json = undefined;
          }
          const ms = performance.now() - started;
          resolve({ status: res.statusCode ?? 0, headers: res.headers, text, json, ms });
        });
      },
    );
    req.on("timeout", () => {
      req.destroy();
      resolve({
        status: 0,
        headers: {},
        text: "",
        json: undefined,
        ms: performance.now() - started,
      });
    });
    // A server may answer (413) and close before it has read a large body: keep its answer.
    req.on("error", (err: NodeJS.ErrnoException) => {
      if (err.code === "EPIPE" || err.code === "ECONNRESET") return;
      reject(err);
    });
    req.end(payload);
  });
}

/** The `{"error": {"code", "message"}}` body of an error reply, asserted to have that shape. */
export function errorOf(reply: Reply): { code: string; message: string } {
  expect(reply.headers["content-type"], "error replies are JSON").to.match(/^application\/json/);
  const body = reply.json as { error?: { code?: unknown; message?: unknown } } | undefined;
  expect(body, `error body of ${reply.status}: ${reply.text.slice(0, 300)}`).to.be.an("object");
  expect(body!.error, "error body has an error object").to.be.an("object");
  const { code, message } = body!.error!;
  expect(code, "error.code").to.be.a("string").and.not.equal("");
  expect(message, "error.message").to.be.a("string").and.not.equal("");
  expect(message as string, "no stack trace in the message").not.to.match(/\n\s+at /);
  return { code: code as string, message: message as string };
}

/** Every item in the table, read consistently and sorted by id, for before/after comparisons. */
export async function scanAll(
  target: Pick<Target, "ddb" | "facts">,
): Promise<Record<string, unknown>[]> {
  const { tableName, hashKey } = target.facts;
  const items: Record<string, unknown>[] = [];
  let startKey: Record<string, unknown> | undefined;
  // Bounded: the suites' tables hold at most a few thousand items.
  for (let page = 0; page < 1000; page++) {
    const out = await target.ddb.send(
      new ScanCommand({ TableName: tableName, ConsistentRead: true, ExclusiveStartKey: startKey }),
    );
    items.push(...(out.Items ?? []));
    startKey = out.LastEvaluatedKey;
    if (!startKey) break;
  }
  return items.sort((a, b) => String(a[hashKey]).localeCompare(String(b[hashKey])));
}

/**
 * The Idempotency-Key record of `key` in `scope` (these suites call anonymous stacks: the shared
 * scope), read consistently from the records table.
 */
export async function recordOf(
  target: Pick<Target, "ddb" | "facts">,
  key: string,
  scope = SHARED_SCOPE,
): Promise<Record<string, unknown> | undefined> {
  const out = await target.ddb.send(
    new GetCommand({
      TableName: target.facts.recordsTableName,
      Key: { [IDEMPOTENCY_RECORD.key.name]: recordKey(scope, key) },
      ConsistentRead: true,
    }),
  );
  return out.Item;
}

/** A fresh id per run, so suites never depend on each other's leftovers. */
export function uniqueId(prefix: string): string {
  return `${prefix}-${Date.now().toString(36)}-${Math.random().toString(36).slice(2, 8)}`;
}
