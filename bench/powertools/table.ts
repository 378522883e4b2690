/**
 * The Powertools peer's idempotency table: the schema Powertools' DynamoDB persistence layer
 * expects by default (`DynamoDBPersistenceLayer`: partition key `id`, a String, and DynamoDB's TTL
 * on `expiration`), created in DynamoDB Local the way the local cloud creates ours
 * (`local/tables.ts`, from a table resource's inputs).
 */
import type { DynamoDBClient } from "@aws-sdk/client-dynamodb";
import { materialiseTable, TABLE_TYPE } from "../../local/tables";
import type { RecordedResource } from "../../local/program";

/** The peer's own variable: Powertools has no standard one for the table name. */
export const POWERTOOLS_TABLE_ENV = "POWERTOOLS_IDEMPOTENCY_TABLE_NAME";

/** The table as a Pulumi program would declare it (`aws.dynamodb.Table` inputs). */
export function powertoolsTable(itemsTableName: string): RecordedResource {
  const name = `${itemsTableName}-powertools-idempotency`;
  const inputs = {
    name,
    hashKey: "id",
    attributes: [{ name: "id", type: "S" }],
    billingMode: "PAY_PER_REQUEST",
    ttl: { attributeName: "expiration", enabled: true },
  };
  return {
    type: TABLE_TYPE,
    name,
    id: name,
    inputs,
    state: inputs,
    custom: true,
    options: { protect: false, retainOnDelete: false },
    external: false,
    ignoreChanges: [],
  };
}

/**
 * Creates the peer's table (or leaves it when it exists) and returns the variables the peer
 * needs to find it.
 */
export async function createPowertoolsTable(
  client: DynamoDBClient,
  itemsTableName: string,
): Promise<Record<string, string>> {
  const table = powertoolsTable(itemsTableName);
  await materialiseTable(client, table);
  return { [POWERTOOLS_TABLE_ENV]: table.name };
}
