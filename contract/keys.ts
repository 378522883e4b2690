/**
 * The key schemas: what infrastructure and runtime must agree on about the tables. The Table
 * component declares them; the handler addresses items and Idempotency-Key records by them.
 */

/** The items table's partition key (the AWS tutorial's table: `id`, a String). */
export const PARTITION_KEY = { name: "id", type: "S" } as const;

/**
 * The Idempotency-Key records table: one item per key, removed by DynamoDB's TTL once `expiresAt`
 * (epoch seconds) has passed (the handler also treats an expired record as absent, since TTL
 * deletes lazily).
 */
export const IDEMPOTENCY_RECORD = {
  /** Partition key: the Idempotency-Key itself. */
  key: { name: "key", type: "S" },
  ttlAttribute: "expiresAt",
  /** Appended to the item table's name to name the records table. */
  tableSuffix: "-idempotency",
} as const;
