/**
 * The `Idempotency-Key` contract as data, in one place: the headers, which tutorial writes take the
 * key, and the statuses and error codes it adds. Which operations take it is the operation table's
 * `idempotent` (operations.ts); the records table's key schema is in keys.ts. The handler, the
 * docs (docs/api.md) and the OpenAPI document all read these; none keeps a copy.
 */

/** Request header that makes a write safe to retry (IETF draft-ietf-httpapi-idempotency-key-header). */
export const IDEMPOTENCY_KEY_HEADER = "Idempotency-Key";

/** Response header marking an answer replayed from the record of an earlier request. */
export const IDEMPOTENT_REPLAYED_HEADER = "Idempotent-Replayed";

/** A key is 1 to 255 printable ASCII characters (space to tilde). */
export const IDEMPOTENCY_KEY_MAX_LENGTH = 255;
export const IDEMPOTENCY_KEY_PATTERN = "^[\\x20-\\x7E]{1,255}$";

/** Operations of `POST /DynamoDBManager` that take the key: the tutorial's writes. */
export const IDEMPOTENT_OPERATIONS = ["create", "update", "delete"] as const;

/** How long a record is kept (stack config `idempotencyTtlHours`). */
export const DEFAULT_IDEMPOTENCY_TTL_HOURS = 24;

/** Every answer the key adds to a write's documented ones. */
export const IDEMPOTENCY_ERRORS = {
  /** The key is empty, longer than 255 characters, or not printable ASCII. */
  invalidKey: { status: 400, code: "InvalidIdempotencyKey" },
  /** The write's response depends on values only DynamoDB knows after it (ReturnValues, AttributeUpdates). */
  notSupported: { status: 400, code: "IdempotencyKeyNotSupported" },
  /** A request with this key is still running; comes with `Retry-After`. */
  inUse: { status: 409, code: "IdempotencyKeyInUse" },
  /** This key was used with a different method, path or body. */
  mismatch: { status: 422, code: "IdempotencyKeyMismatch" },
} as const;
