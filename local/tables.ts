/**
 * Turns the DynamoDB tables a Pulumi program declares into tables in DynamoDB Local: same name, key
 * schema, attributes, indexes and TTL, read from what the program registered, never from a copy.
 */
import {
  CreateTableCommand,
  DescribeTableCommand,
  UpdateTimeToLiveCommand,
  type CreateTableCommandInput,
  type DynamoDBClient,
  type KeySchemaElement,
  type Projection,
} from "@aws-sdk/client-dynamodb";
import type { RecordedResource } from "./program";

export const TABLE_TYPE = "aws:dynamodb/table:Table";

// The subset of aws.dynamodb.TableArgs that shapes the table's data model.
interface TableInputs {
  name: string;
  hashKey: string;
  rangeKey?: string;
  attributes?: { name: string; type: "S" | "N" | "B" }[];
  globalSecondaryIndexes?: {
    name: string;
    hashKey: string;
    rangeKey?: string;
    projectionType: "ALL" | "KEYS_ONLY" | "INCLUDE";
    nonKeyAttributes?: string[];
  }[];
  localSecondaryIndexes?: {
    name: string;
    rangeKey: string;
    projectionType: "ALL" | "KEYS_ONLY" | "INCLUDE";
    nonKeyAttributes?: string[];
  }[];
  ttl?: { attributeName?: string; enabled?: boolean };
  streamEnabled?: boolean;
  streamViewType?: "NEW_IMAGE" | "OLD_IMAGE" | "NEW_AND_OLD_IMAGES" | "KEYS_ONLY";
}

function keySchema(hashKey: string, rangeKey?: string): KeySchemaElement[] {
  const keys: KeySchemaElement[] = [{ AttributeName: hashKey, KeyType: "HASH" }];
  if (rangeKey) keys.push({ AttributeName: rangeKey, KeyType: "RANGE" });
  return keys;
}

function projection(type: Projection["ProjectionType"], nonKey?: string[]): Projection {
  return type === "INCLUDE"
    ? { ProjectionType: type, NonKeyAttributes: nonKey }
    : { ProjectionType: type };
}

/** The CreateTable request for a table the program registered. */
export function createTableInput(table: RecordedResource): CreateTableCommandInput {
  const t = table.state as TableInputs;
  const input: CreateTableCommandInput = {
    TableName: t.name,
    KeySchema: keySchema(t.hashKey, t.rangeKey),
    AttributeDefinitions: (t.attributes ?? []).map((a) => ({
      AttributeName: a.name,
      AttributeType: a.type,
    })),
    // DynamoDB Local accepts on-demand billing; capacity settings do not change its behaviour.
    BillingMode: "PAY_PER_REQUEST",
  };
  if (t.globalSecondaryIndexes?.length) {
    input.GlobalSecondaryIndexes = t.globalSecondaryIndexes.map((gsi) => ({
      IndexName: gsi.name,
      KeySchema: keySchema(gsi.hashKey, gsi.rangeKey),
      Projection: projection(gsi.projectionType, gsi.nonKeyAttributes),
    }));
  }
  if (t.localSecondaryIndexes?.length) {
    input.LocalSecondaryIndexes = t.localSecondaryIndexes.map((lsi) => ({
      IndexName: lsi.name,
      KeySchema: keySchema(t.hashKey, lsi.rangeKey),
      Projection: projection(lsi.projectionType, lsi.nonKeyAttributes),
    }));
  }
  if (t.streamEnabled) {
    input.StreamSpecification = { StreamEnabled: true, StreamViewType: t.streamViewType };
  }
  return input;
}

/**
 * Creates the table in DynamoDB Local, or leaves it as it is when it already exists (a `--data`
 * directory from an earlier run), and switches on TTL when the program declares it.
 */
export async function materialiseTable(
  client: DynamoDBClient,
  table: RecordedResource,
): Promise<"created" | "existing"> {
  const input = createTableInput(table);
  let outcome: "created" | "existing" = "created";
  try {
    await client.send(new CreateTableCommand(input));
  } catch (err) {
    if ((err as Error).name !== "ResourceInUseException") throw err;
    outcome = "existing";
    await client.send(new DescribeTableCommand({ TableName: input.TableName }));
  }
  const ttl = (table.state as TableInputs).ttl;
  if (outcome === "created" && ttl?.enabled && ttl.attributeName) {
    await client.send(
      new UpdateTimeToLiveCommand({
        TableName: input.TableName,
        TimeToLiveSpecification: { AttributeName: ttl.attributeName, Enabled: true },
      }),
    );
  }
  return outcome;
}
