/**
 * The RecordStore on DynamoDB: the Idempotency-Key records table, and TransactWriteItems across it
 * and the items table. Loaded only by requests that carry the key, so TransactWriteItems' code
 * never weighs on the others.
 */
import type { AttributeValue } from "@aws-sdk/client-dynamodb";
import { DeleteCommand, PutCommand, TransactWriteCommand } from "./sdk.vendor";
import {
  TransactionCanceled,
  type RecordStore,
  type TableRef,
  type TransactWrite,
} from "../core/store";
import {
  conditionFailed,
  deleteInput,
  fromAttributeMap,
  putInput,
  updateInput,
  type Clients,
} from "./dynamodb";

export interface RecordStoreOptions {
  /** The items table. */
  tableName: string;
  /** The records table. */
  recordsTableName: string;
}

/** TransactWriteItems' cancellation, with each write's reason and old item (when asked for). */
function transactionCanceled(err: unknown): never {
  const e = err as {
    name?: string;
    CancellationReasons?: {
      Code?: string;
      Message?: string;
      Item?: Record<string, AttributeValue>;
    }[];
  };
  if (e?.name === "TransactionCanceledException" && Array.isArray(e.CancellationReasons)) {
    throw new TransactionCanceled(
      e.CancellationReasons.map((r) => ({
        code: r.Code ?? "None",
        message: r.Message,
        item: r.Item ? fromAttributeMap(r.Item) : undefined,
      })),
    );
  }
  throw err;
}

export function createRecordStore(options: RecordStoreOptions, clients: Clients): RecordStore {
  const tables: Record<TableRef, string> = {
    items: options.tableName,
    records: options.recordsTableName,
  };
  const TableName = options.recordsTableName;

  const transactItem = (w: TransactWrite) => {
    const table = tables[w.table];
    if ("put" in w) return { Put: putInput(table, w.put) };
    if ("update" in w) return { Update: updateInput(table, w.update) };
    return { Delete: deleteInput(table, w.delete) };
  };

  return {
    async putRecord(p) {
      await clients
        .writes()
        .send(new PutCommand(putInput(TableName, p)))
        .catch(conditionFailed);
    },
    async deleteRecord(p) {
      await clients
        .writes()
        .send(new DeleteCommand(deleteInput(TableName, p)))
        .catch(conditionFailed);
    },
    async transact(writes) {
      await clients
        .writes()
        .send(new TransactWriteCommand({ TransactItems: writes.map(transactItem) }))
        .catch(transactionCanceled);
    },
  };
}
