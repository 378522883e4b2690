/**
 * Idempotency-Key for writes: the key's rules, the request fingerprint, and the protocol that
 * makes a keyed write and its record unable to disagree. Loaded only for requests that carry the key.
 *
 * The protocol, per keyed write:
 * 1. Lock: a conditional PutItem of an IN_PROGRESS record (key, fingerprint, a random token, a lease
 *    until the function's own deadline). It succeeds only when no live record holds the key. If one
 *    does: a different fingerprint answers 422, a COMPLETED record is replayed, an IN_PROGRESS one
 *    answers 409 with Retry-After until its lease ends.
 * 2. Plan: read what the write needs and work out its response before writing. Every keyed write
 *    has a response known in advance; a write whose response DynamoDB only knows afterwards
 *    (ReturnValues other than NONE, the legacy AttributeUpdates) is refused with 400 up front.
 * 3. Commit: one TransactWriteItems holds the write and the COMPLETED record (with the response),
 *    the record conditioned on still holding our lock token. Both land or neither does.
 * 4. On any failure the lock is released (conditionally on our token) so a retry runs at once;
 *    if even that fails, the lease ends it.
 *
 * So if the function dies at any point, there are only two states: the commit landed (item and
 * record; a retry gets the replay), or it did not (no change; a retry runs once the lock is
 * released or its lease, at most the function timeout, has passed). Only 2xx responses are
 * recorded: an error changed nothing, so running the request again is safe.
 */
import { createHash, randomUUID } from "node:crypto";
import { deflateRawSync, inflateRawSync } from "node:zlib";
import {
  IDEMPOTENCY_ERRORS,
  IDEMPOTENCY_KEY_HEADER,
  IDEMPOTENCY_KEY_MAX_LENGTH,
  IDEMPOTENT_REPLAYED_HEADER,
} from "../../contract/idempotency";
import { IDEMPOTENCY_RECORD } from "../../contract/keys";
import { Binary, type AttrMap, type AttrValue } from "./attributes";
import { mapError, unavailable } from "./errors";
import { ApiError, type HttpRequest, type HttpResponse } from "./http";
import { Num } from "../../contract/json";
import { stringifyJson } from "./json";
import {
  ConditionFailed,
  TransactionCanceled,
  type CancellationReason,
  type RecordStore,
  type TransactWrite,
} from "./store";

const PRINTABLE_ASCII = /^[\x20-\x7e]+$/;

/** The key from the header, or a 400 saying what a valid one looks like. */
export function checkKey(header: string): string {
  if (header.length === 0 || header.length > IDEMPOTENCY_KEY_MAX_LENGTH) {
    throw invalidKey(`is ${header.length} characters long`);
  }
  if (!PRINTABLE_ASCII.test(header))
    throw invalidKey("holds characters that are not printable ASCII");
  return header;
}

function invalidKey(problem: string): ApiError {
  const { status, code } = IDEMPOTENCY_ERRORS.invalidKey;
  return new ApiError(
    status,
    code,
    `${IDEMPOTENCY_KEY_HEADER} ${problem}: send 1 to ${IDEMPOTENCY_KEY_MAX_LENGTH} printable ASCII characters, such as a UUID, or leave the header out`,
  );
}

/** A keyed request this deployment or this write cannot honour: 400, before anything is written. */
export function notSupported(why: string): ApiError {
  const { status, code } = IDEMPOTENCY_ERRORS.notSupported;
  return new ApiError(status, code, `${IDEMPOTENCY_KEY_HEADER} cannot be used here: ${why}`);
}

const sha256 = (text: string) => createHash("sha256").update(text, "utf8").digest("hex");

/**
 * The records table's key for a caller's key: the scope (contract/idempotency.ts) as a digest, so
 * a long IAM ARN cannot push the key past DynamoDB's partition key limit, then the key itself.
 */
export function recordKey(scope: string, key: string): string {
  return `${sha256(scope)}:${key}`;
}

/** Method, path and a hash of the body: what must match for a repeat to be "the same request". */
export function fingerprint(req: Pick<HttpRequest, "method" | "path" | "body">): string {
  return sha256(`${req.method}\n${req.path}\n${sha256(req.body ?? "")}`);
}

/** Response headers a replay repeats; CORS headers are worked out per request instead. */
const KEPT_HEADERS = ["content-type", "etag", "location"];
/** Bodies longer than this are stored deflated, so a record of a large item stays under 400 KB. */
const DEFLATE_ABOVE = 16 * 1024;

const IN_PROGRESS = "IN_PROGRESS";
const COMPLETED = "COMPLETED";
const K = IDEMPOTENCY_RECORD.key.name;

/** The write that changes the item, and its response worked out before writing. */
export interface Planned {
  response: HttpResponse;
  write: TransactWrite;
  /**
   * What a failed condition on the write means, given the item as it was (when asked for): an
   * error to answer, or "retry" to plan again after a lost race.
   */
  onConditionFailed(item: AttrMap | undefined): ApiError | "retry";
}

export interface KeyedWrite {
  /** The record's key: the caller's scope and the Idempotency-Key (`recordKey`). */
  key: string;
  fingerprint: string;
  records: RecordStore;
  /** Epoch milliseconds. */
  now: () => number;
  /** How long this invocation may still run: the lock's lease. */
  leaseMs: number;
  /** How long a completed record is replayed. */
  ttlSeconds: number;
  plan: () => Promise<Planned>;
  /** Plans tried before answering 409 to writers that keep racing. */
  attempts: number;
}

function inUse(retryAfterSeconds: number, detail: string): ApiError {
  const { status, code } = IDEMPOTENCY_ERRORS.inUse;
  return new ApiError(
    status,
    code,
    `a request with this ${IDEMPOTENCY_KEY_HEADER} ${detail}; retry after the delay in Retry-After to get its response`,
    { "retry-after": String(Math.max(1, Math.ceil(retryAfterSeconds))) },
  );
}

function mismatch(): ApiError {
  const { status, code } = IDEMPOTENCY_ERRORS.mismatch;
  return new ApiError(
    status,
    code,
    `this ${IDEMPOTENCY_KEY_HEADER} was used for a different request (method, path or body): send a new key for a new request, or repeat the original request exactly`,
  );
}

const numberOf = (v: AttrValue | undefined) => (v instanceof Num ? v.toNumber() : NaN);
const stringOf = (v: AttrValue | undefined) => (typeof v === "string" ? v : undefined);

/** The stored response, marked as replayed. */
export function replay(record: AttrMap): HttpResponse {
  const headers: Record<string, string> = {};
  const stored = record["headers"];
  if (stored && typeof stored === "object" && !Array.isArray(stored) && !(stored instanceof Num)) {
    for (const [name, value] of Object.entries(stored as AttrMap)) {
      if (typeof value === "string") headers[name] = value;
    }
  }
  headers[IDEMPOTENT_REPLAYED_HEADER.toLowerCase()] = "true";
  const deflated = record["bodyDeflated"];
  const rawBody =
    deflated instanceof Binary
      ? inflateRawSync(deflated.bytes).toString("utf8")
      : stringOf(record["body"]);
  return { status: numberOf(record["status"]), headers, rawBody: rawBody ?? "" };
}

/** The COMPLETED record of a response. */
export function completedRecord(
  run: Pick<KeyedWrite, "key" | "fingerprint"> & { token: string },
  response: HttpResponse,
  expiresAt: number,
): AttrMap {
  const headers: AttrMap = {};
  for (const name of KEPT_HEADERS) {
    const value = response.headers[name];
    if (value !== undefined) headers[name] = value;
  }
  const text =
    response.rawBody ?? (response.body === undefined ? undefined : stringifyJson(response.body));
  const body: AttrMap =
    text === undefined
      ? {}
      : text.length > DEFLATE_ABOVE
        ? { bodyDeflated: new Binary(deflateRawSync(Buffer.from(text, "utf8"))) }
        : { body: text };
  return {
    [K]: run.key,
    state: COMPLETED,
    fingerprint: run.fingerprint,
    token: run.token,
    status: Num.of(response.status),
    headers,
    ...body,
    [IDEMPOTENCY_RECORD.ttlAttribute]: Num.of(expiresAt),
  };
}

/** The answer for a request whose key a live record holds. */
function answerFor(record: AttrMap | undefined, run: KeyedWrite, nowMs: number): HttpResponse {
  if (!record) throw inUse(1, "is being processed");
  if (record["fingerprint"] !== run.fingerprint) throw mismatch();
  if (record["state"] === COMPLETED) return replay(record);
  const leaseLeft = (numberOf(record["leaseUntil"]) - nowMs) / 1000;
  throw inUse(Number.isFinite(leaseLeft) ? leaseLeft : 1, "is still running");
}

/** A cancelled commit as the client's answer (or "retry"). */
function fromCancellation(reasons: readonly CancellationReason[], planned: Planned) {
  const [write, record] = reasons;
  // Our lock was taken over: only after its lease ended, so the other request is the live one.
  if (record?.code === "ConditionalCheckFailed") return inUse(1, "was taken over by a retry");
  if (write?.code === "ConditionalCheckFailed") return planned.onConditionFailed(write.item);
  for (const r of reasons) {
    if (r.code === "TransactionConflict") return mapError({ name: "TransactionConflictException" });
    if (r.code === "ValidationError") {
      return mapError({ name: "ValidationException", message: r.message ?? "" });
    }
    if (/Throttl|ProvisionedThroughput|RequestLimit/.test(r.code)) return unavailable();
  }
  return undefined;
}

/** Runs one keyed write through lock, plan and commit; see the module comment. */
export async function runKeyedWrite(run: KeyedWrite): Promise<HttpResponse> {
  // Unique per attempt: the commit and the release act only on the lock holding it.
  const token = randomUUID();
  const start = run.now();
  const nowSeconds = Math.floor(start / 1000);
  const expiresAt = nowSeconds + run.ttlSeconds;
  const ours = {
    ConditionExpression: "#state = :inProgress AND #token = :token",
    ExpressionAttributeNames: { "#state": "state", "#token": "token" },
    ExpressionAttributeValues: { ":inProgress": IN_PROGRESS, ":token": token },
  };
  // Best effort, and only our own IN_PROGRESS lock: a COMPLETED record is never removed.
  const release = () =>
    run.records.deleteRecord({ Key: { [K]: run.key }, ...ours }).catch(() => undefined);
  try {
    await run.records.putRecord({
      Item: {
        [K]: run.key,
        state: IN_PROGRESS,
        fingerprint: run.fingerprint,
        token,
        leaseUntil: Num.of(start + run.leaseMs),
        [IDEMPOTENCY_RECORD.ttlAttribute]: Num.of(expiresAt),
      },
      // Free, expired (TTL deletes lazily), or a lock whose holder can no longer be running.
      ConditionExpression:
        "attribute_not_exists(#k) OR #exp <= :nowS OR (#state = :inProgress AND #lease <= :nowMs)",
      ExpressionAttributeNames: {
        "#k": K,
        "#exp": IDEMPOTENCY_RECORD.ttlAttribute,
        "#state": "state",
        "#lease": "leaseUntil",
      },
      ExpressionAttributeValues: {
        ":nowS": Num.of(nowSeconds),
        ":nowMs": Num.of(start),
        ":inProgress": IN_PROGRESS,
      },
      ReturnValuesOnConditionCheckFailure: "ALL_OLD",
    });
  } catch (err) {
    if (err instanceof ConditionFailed) return answerFor(err.item, run, start);
    // The lock may have landed all the same (a timeout): release it, or its lease will.
    await release();
    throw err;
  }
  try {
    for (let attempt = 1; attempt <= run.attempts; attempt++) {
      const planned = await run.plan();
      try {
        await run.records.transact([
          planned.write,
          {
            table: "records",
            put: { Item: completedRecord({ ...run, token }, planned.response, expiresAt), ...ours },
          },
        ]);
        return planned.response;
      } catch (err) {
        if (!(err instanceof TransactionCanceled)) throw err;
        const answer = fromCancellation(err.reasons, planned);
        if (answer === "retry") continue;
        throw answer ?? err;
      }
    }
    throw new ApiError(409, "Conflict", "the item is being changed by other writers; retry");
  } catch (err) {
    // Nothing was committed (or, after a timeout, maybe it was: then the record is COMPLETED and
    // the condition keeps it). Best effort: if DynamoDB is unreachable, the lease ends the lock.
    await run.records.deleteRecord({ Key: { [K]: run.key }, ...ours }).catch(() => undefined);
    throw err;
  }
}
