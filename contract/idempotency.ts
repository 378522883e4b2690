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

/**
 * Whose keys a record belongs to: a key is unique per caller, never across callers, as Stripe
 * scopes keys to an account and draft-ietf-httpapi-idempotency-key-header to a client. Alice's
 * key neither replays to Bob nor tells him it exists (422), nor blocks him. The caller is who API
 * Gateway says is calling, in this order: a Cognito token's `sub`, an IAM caller's ARN, the API
 * key's id; a stack with none of these (auth `none`, no API key) has one shared scope.
 */
export interface Caller {
  /** `requestContext.authorizer.claims.sub` (Cognito user pool authorizer). */
  sub?: string;
  /** `requestContext.identity.userArn` (AWS_IAM, SigV4). */
  userArn?: string;
  /** `requestContext.identity.apiKeyId` (a method that requires an API key). */
  apiKeyId?: string;
}

/** The scope of the caller's keys: one text per caller, `shared` when API Gateway names none. */
export function idempotencyScope(caller: Caller): string {
  if (caller.sub) return `cognito:${caller.sub}`;
  if (caller.userArn) return `iam:${caller.userArn}`;
  if (caller.apiKeyId) return `apikey:${caller.apiKeyId}`;
  return SHARED_SCOPE;
}

/** The scope of every caller of a stack without authentication or API key. */
export const SHARED_SCOPE = "shared";

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
