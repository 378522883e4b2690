/**
 * What the service needs from DynamoDB, in the core's types. The parameters are DynamoDB's own
 * (minus TableName, which only the store sets); store/dynamodb.ts implements them.
 */
import type { AttrMap, AttrValue } from "./attributes";

interface Conditional {
  ConditionExpression?: string;
  ExpressionAttributeNames?: Record<string, string>;
  ExpressionAttributeValues?: AttrMap;
  /** Lets the caller tell "missing" from "changed" when a condition fails. */
  ReturnValuesOnConditionCheckFailure?: "ALL_OLD" | "NONE";
}

export interface PutParams extends Conditional {
  Item: AttrMap;
  ReturnValues?: "NONE" | "ALL_OLD";
}

export interface GetParams {
  Key: AttrMap;
  ConsistentRead?: boolean;
}

export type UpdateAction = "PUT" | "ADD" | "DELETE";

export interface UpdateParams extends Conditional {
  Key: AttrMap;
  UpdateExpression?: string;
  /** The legacy form of the tutorial's update. */
  AttributeUpdates?: Record<string, { Value?: AttrValue; Action?: UpdateAction }>;
  ReturnValues?: "NONE" | "ALL_OLD" | "UPDATED_OLD" | "ALL_NEW" | "UPDATED_NEW";
}

export interface DeleteParams extends Conditional {
  Key: AttrMap;
  ReturnValues?: "NONE" | "ALL_OLD";
}

export interface ScanParams {
  Limit?: number;
  ExclusiveStartKey?: AttrMap;
  ConsistentRead?: boolean;
}

export interface ScanResult {
  Items: AttrMap[];
  Count: number;
  LastEvaluatedKey?: AttrMap;
}

export interface Store {
  put(params: PutParams): Promise<{ Attributes?: AttrMap }>;
  get(params: GetParams): Promise<{ Item?: AttrMap }>;
  update(params: UpdateParams): Promise<{ Attributes?: AttrMap }>;
  delete(params: DeleteParams): Promise<{ Attributes?: AttrMap }>;
  scan(params: ScanParams): Promise<ScanResult>;
}

/** A write's condition did not hold. `item` is the item as it was, when the caller asked for it. */
export class ConditionFailed extends Error {
  override name = "ConditionFailed";
  constructor(readonly item?: AttrMap) {
    super("The conditional request failed");
  }
}

/** The table a transaction's write goes to: the items, or the Idempotency-Key records. */
export type TableRef = "items" | "records";

/** One write of a TransactWriteItems call (which takes no ReturnValues). */
export type TransactWrite = { table: TableRef } & (
  | { put: Omit<PutParams, "ReturnValues"> }
  | {
      update: Omit<UpdateParams, "ReturnValues" | "AttributeUpdates"> & {
        UpdateExpression: string;
      };
    }
  | { delete: Omit<DeleteParams, "ReturnValues"> }
);

/** What the Idempotency-Key path needs beyond the Store: the records table, and transactions. */
export interface RecordStore {
  /** PutItem on the records table; a failed condition throws ConditionFailed with the old record. */
  putRecord(params: Omit<PutParams, "ReturnValues">): Promise<void>;
  /** DeleteItem on the records table; a failed condition throws ConditionFailed. */
  deleteRecord(params: Omit<DeleteParams, "ReturnValues">): Promise<void>;
  /** One TransactWriteItems: every write or none. A cancellation throws TransactionCanceled. */
  transact(writes: readonly TransactWrite[]): Promise<void>;
}

/** Why each write of a cancelled transaction failed, in order (`None` for those that did not). */
export interface CancellationReason {
  code: string;
  message?: string;
  /** The item as it was, when its write asked for it (ReturnValuesOnConditionCheckFailure). */
  item?: AttrMap;
}

export class TransactionCanceled extends Error {
  override name = "TransactionCanceled";
  constructor(readonly reasons: readonly CancellationReason[]) {
    super(`Transaction cancelled: ${reasons.map((r) => r.code).join(", ")}`);
  }
}
