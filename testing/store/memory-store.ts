/**
 * An in-memory `Store` and `RecordStore` for unit tests of the service and the adapter. It follows
 * DynamoDB's semantics for what the handler and the tutorial's requests send: conditional writes
 * (`ConditionFailed`, with the old item when `ReturnValuesOnConditionCheckFailure` is ALL_OLD),
 * update expressions and the legacy AttributeUpdates, ReturnValues, key and placeholder
 * validation, the 400 KB item limit, Scan paging, and TransactWriteItems (all or nothing, with a
 * cancellation reason per write). The contract suite (store-contract.ts) runs the same cases
 * against this store and against DynamoDB Local, so where the two differ, a test says so.
 *
 * Not modelled: Scan's 1 MB page limit, throttling and capacity (inject those with `failNext`),
 * and concurrency (every call runs alone; interleave writers with `beforeCall`).
 */
import type { AttrMap } from "../../handlers/core/attributes";
import {
  ConditionFailed,
  TransactionCanceled,
  type CancellationReason,
  type DeleteParams,
  type GetParams,
  type PutParams,
  type RecordStore,
  type ScanParams,
  type Store,
  type TableRef,
  type TransactWrite,
  type UpdateParams,
} from "../../handlers/core/store";
import { Num } from "../../contract/json";
import { IDEMPOTENCY_RECORD, PARTITION_KEY } from "../../contract/keys";
import { DYNAMODB_PARTITION_KEY_BYTES, DYNAMODB_TRANSACTION_ITEMS } from "../../contract/limits";
import {
  Placeholders,
  applyUpdate,
  evaluate,
  parseCondition,
  parseUpdate,
  touchedNames,
  type Condition,
  type UpdateAction,
} from "./expressions";
import {
  MAX_ITEM_BYTES,
  arithmetic,
  equalValues,
  itemSize,
  makeSet,
  setMembers,
  storedMap,
  storedValue,
  typeOf,
  validationError,
  type SetType,
} from "./values";

/** DynamoDB's limit for a partition key value. */
const MAX_KEY_BYTES = DYNAMODB_PARTITION_KEY_BYTES;
const MAX_TRANSACTION_WRITES = DYNAMODB_TRANSACTION_ITEMS;

export type Method = keyof Store | keyof RecordStore;

export interface Call {
  method: Method;
  params: unknown;
}

/** One table: string partition key → item, as stored (numbers normalised). */
class Table {
  readonly rows = new Map<string, AttrMap>();
  constructor(readonly keyName: string) {}

  /** The key's value from a `Key` parameter, or DynamoDB's ValidationException. */
  keyOf(key: AttrMap, what = "The provided key element does not match the schema"): string {
    const names = Object.keys(key);
    const value = key[this.keyName];
    if (names.length !== 1 || typeof value !== "string") throw validationError(what);
    return this.checkedKey(value);
  }

  /** The key's value from a whole item (PutItem). */
  keyOfItem(item: AttrMap): string {
    if (!Object.hasOwn(item, this.keyName)) {
      throw validationError(
        `One or more parameter values were invalid: Missing the key ${this.keyName} in the item`,
      );
    }
    const value = item[this.keyName]!;
    if (typeof value !== "string") {
      throw validationError(
        `One or more parameter values were invalid: Type mismatch for key ${this.keyName} expected: S actual: ${typeOf(value)}`,
      );
    }
    return this.checkedKey(value);
  }

  private checkedKey(value: string): string {
    if (value === "") {
      throw validationError(
        `One or more parameter values are not valid. The AttributeValue for a key attribute cannot contain an empty string value. Key: ${this.keyName}`,
      );
    }
    if (Buffer.byteLength(value, "utf8") > MAX_KEY_BYTES) {
      throw validationError(
        `One or more parameter values were invalid: Size of hashkey has exceeded the maximum size limit of ${MAX_KEY_BYTES} bytes`,
      );
    }
    return value;
  }

  /** Keys in DynamoDB Local's scan order for a string key: by UTF-8 bytes. */
  orderedKeys(): string[] {
    return [...this.rows.keys()].sort((a, b) =>
      Buffer.compare(Buffer.from(a, "utf8"), Buffer.from(b, "utf8")),
    );
  }
}

interface Expressions {
  ConditionExpression?: string;
  UpdateExpression?: string;
  ExpressionAttributeNames?: Record<string, string>;
  ExpressionAttributeValues?: AttrMap;
}

/** Parses a request's expressions and checks its placeholders as DynamoDB does, before any read. */
function parseExpressions(p: Expressions): { condition?: Condition; actions?: UpdateAction[] } {
  const uses = p.ConditionExpression !== undefined || p.UpdateExpression !== undefined;
  if (!uses && p.ExpressionAttributeNames !== undefined) {
    throw validationError("ExpressionAttributeNames can only be specified when using expressions");
  }
  if (!uses && p.ExpressionAttributeValues !== undefined) {
    throw validationError("ExpressionAttributeValues can only be specified when using expressions");
  }
  const values =
    p.ExpressionAttributeValues === undefined
      ? undefined
      : Object.fromEntries(
          Object.entries(p.ExpressionAttributeValues).map(([k, v]) => [k, storedValue(v)]),
        );
  const placeholders = new Placeholders(p.ExpressionAttributeNames, values);
  const actions =
    p.UpdateExpression === undefined ? undefined : parseUpdate(p.UpdateExpression, placeholders);
  const condition =
    p.ConditionExpression === undefined
      ? undefined
      : parseCondition(p.ConditionExpression, placeholders);
  placeholders.checkAllUsed();
  return { condition, actions };
}

function checkOnFailure(value: string | undefined): void {
  if (value !== undefined && value !== "ALL_OLD" && value !== "NONE") {
    throw validationError(
      `1 validation error detected: Value '${value}' at 'returnValuesOnConditionCheckFailure' failed to satisfy constraint: Member must satisfy enum value set: [ALL_OLD, NONE]`,
    );
  }
}

/** Throws ConditionFailed when the condition does not hold for the stored item (or its absence). */
function check(
  condition: Condition | undefined,
  current: AttrMap | undefined,
  onFailure: "ALL_OLD" | "NONE" | undefined,
): void {
  if (condition && !evaluate(condition, current ?? {})) {
    throw new ConditionFailed(onFailure === "ALL_OLD" && current ? storedMap(current) : undefined);
  }
}

function checkReturnValues(value: string | undefined, allowed: readonly string[]): void {
  // DynamoDB Local reads an empty ReturnValues as none.
  if (value !== undefined && value !== "" && !allowed.includes(value)) {
    throw validationError("Return values set to invalid value");
  }
}

function checkSize(item: AttrMap, message: string): void {
  if (itemSize(item) > MAX_ITEM_BYTES) throw validationError(message);
}

const cannotUpdateKey = (name: string) =>
  validationError(`Cannot update attribute ${name}. This attribute is part of the key`);

/** The legacy AttributeUpdates form of UpdateItem. */
function applyAttributeUpdates(
  before: AttrMap,
  updates: NonNullable<UpdateParams["AttributeUpdates"]>,
  keyName: string,
): AttrMap {
  const after = { ...before };
  for (const [name, { Action = "PUT", Value }] of Object.entries(updates)) {
    if (name === keyName) throw cannotUpdateKey(name);
    const current = after[name];
    const value = Value === undefined ? undefined : storedValue(Value);
    if (Action === "PUT") {
      if (value === undefined) {
        throw validationError(
          "One or more parameter values were invalid: Only DELETE action is allowed when no attribute value is specified",
        );
      }
      after[name] = value;
    } else if (Action === "DELETE") {
      if (value === undefined) {
        delete after[name];
        continue;
      }
      const gone = setMembers(value);
      if (!gone) {
        throw validationError(
          "One or more parameter values were invalid: DELETE action with value is not supported for the type " +
            typeOf(value),
        );
      }
      if (current === undefined) continue;
      if (typeOf(current) !== typeOf(value)) {
        throw validationError("Type mismatch for attribute to update");
      }
      const left = setMembers(current)!.filter((m) => !gone.some((g) => equalValues(m, g)));
      if (left.length) after[name] = makeSet(typeOf(value) as SetType, left);
      else delete after[name];
    } else {
      if (value === undefined || (typeOf(value) !== "N" && !setMembers(value))) {
        throw validationError(
          "One or more parameter values were invalid: ADD action is not supported for the type " +
            (value === undefined ? "none" : typeOf(value)),
        );
      }
      if (current === undefined) after[name] = value;
      else if (typeOf(current) !== typeOf(value)) {
        throw validationError("Type mismatch for attribute to update");
      } else if (value instanceof Num) {
        after[name] = arithmetic("+", current as Num, value);
      } else {
        const members = setMembers(current)!;
        for (const m of setMembers(value)!) {
          if (!members.some((n) => equalValues(m, n))) members.push(m);
        }
        after[name] = makeSet(typeOf(value) as SetType, members);
      }
    }
  }
  return after;
}

function pick(item: AttrMap | undefined, names: string[]): AttrMap | undefined {
  if (!item) return undefined;
  const out: AttrMap = {};
  for (const name of names) if (Object.hasOwn(item, name)) out[name] = item[name]!;
  return Object.keys(out).length ? out : undefined;
}

/** An UpdateItem worked out against the stored item: the new item and the values to return. */
function planUpdate(
  table: Table,
  p: UpdateParams,
): { id: string; current?: AttrMap; after: AttrMap; returned?: AttrMap } {
  const expressions = p.UpdateExpression !== undefined || p.ConditionExpression !== undefined;
  if (p.AttributeUpdates !== undefined && expressions) {
    const used = ["UpdateExpression", "ConditionExpression"].filter(
      (k) => p[k as keyof UpdateParams] !== undefined,
    );
    throw validationError(
      `Can not use both expression and non-expression parameters in the same request: Non-expression parameters: {AttributeUpdates} Expression parameters: {${used.join(", ")}}`,
    );
  }
  checkReturnValues(p.ReturnValues, ["NONE", "ALL_OLD", "UPDATED_OLD", "ALL_NEW", "UPDATED_NEW"]);
  checkOnFailure(p.ReturnValuesOnConditionCheckFailure);
  const id = table.keyOf(p.Key);
  const { condition, actions } = parseExpressions(p);
  for (const action of actions ?? []) {
    if (action.path[0] === table.keyName) throw cannotUpdateKey(table.keyName);
  }
  const current = table.rows.get(id);
  check(condition, current, p.ReturnValuesOnConditionCheckFailure);
  const before: AttrMap = current ?? { [table.keyName]: id };
  const changed = actions
    ? applyUpdate(before, actions)
    : p.AttributeUpdates
      ? applyAttributeUpdates(before, p.AttributeUpdates, table.keyName)
      : before;
  const after = storedMap(changed);
  checkSize(after, "Item size to update has exceeded the maximum allowed size");
  const touched = actions ? touchedNames(actions) : Object.keys(p.AttributeUpdates ?? {});
  const returned =
    p.ReturnValues === "ALL_OLD"
      ? current
      : p.ReturnValues === "ALL_NEW"
        ? after
        : p.ReturnValues === "UPDATED_OLD"
          ? pick(current, touched)
          : p.ReturnValues === "UPDATED_NEW"
            ? pick(after, touched)
            : undefined;
  return { id, current, after, returned: returned && storedMap(returned) };
}

function planPut(table: Table, p: PutParams): { id: string; current?: AttrMap; item: AttrMap } {
  checkReturnValues(p.ReturnValues, ["NONE", "ALL_OLD"]);
  checkOnFailure(p.ReturnValuesOnConditionCheckFailure);
  const item = storedMap(p.Item);
  const id = table.keyOfItem(item);
  checkSize(item, "Item size has exceeded the maximum allowed size");
  const { condition } = parseExpressions(p);
  const current = table.rows.get(id);
  check(condition, current, p.ReturnValuesOnConditionCheckFailure);
  return { id, current, item };
}

function planDelete(table: Table, p: DeleteParams): { id: string; current?: AttrMap } {
  checkReturnValues(p.ReturnValues, ["NONE", "ALL_OLD"]);
  checkOnFailure(p.ReturnValuesOnConditionCheckFailure);
  const id = table.keyOf(p.Key);
  const { condition } = parseExpressions(p);
  const current = table.rows.get(id);
  check(condition, current, p.ReturnValuesOnConditionCheckFailure);
  return { id, current };
}

export interface MemoryStores {
  store: Store;
  records: RecordStore;
  /** Every call, in order, with the parameters it was given. */
  readonly calls: Call[];
  /** The items of a table as stored, in scan order (copies). */
  contents(table?: TableRef): AttrMap[];
  /** The stored item with this key, or undefined (a copy). */
  item(id: string, table?: TableRef): AttrMap | undefined;
  /** Stores an item as it is, bypassing the Store (a fixture, e.g. an item the tutorial wrote). */
  seed(item: AttrMap, table?: TableRef): void;
  /** The next `times` calls of `method` throw `error` after being recorded, changing nothing. */
  failNext(method: Method, error: unknown, times?: number): void;
  /** Runs before each call is applied (after it is recorded): a way to interleave another writer. */
  beforeCall(hook: ((call: Call) => Promise<void> | void) | undefined): void;
}

/** A fresh pair of tables: the items (key `id`) and the Idempotency-Key records (key `key`). */
export function createMemoryStores(): MemoryStores {
  const tables: Record<TableRef, Table> = {
    items: new Table(PARTITION_KEY.name),
    records: new Table(IDEMPOTENCY_RECORD.key.name),
  };
  const calls: Call[] = [];
  const failures = new Map<Method, unknown[]>();
  let hook: ((call: Call) => Promise<void> | void) | undefined;

  async function enter(method: Method, params: unknown): Promise<void> {
    const call = { method, params };
    calls.push(call);
    const queued = failures.get(method);
    if (queued?.length) throw queued.shift();
    if (hook) await hook(call);
  }

  const items = tables.items;

  const store: Store = {
    async put(p) {
      await enter("put", p);
      const { id, current, item } = planPut(items, p);
      items.rows.set(id, item);
      return {
        Attributes: p.ReturnValues === "ALL_OLD" && current ? storedMap(current) : undefined,
      };
    },
    async get(p: GetParams) {
      await enter("get", p);
      const current = items.rows.get(items.keyOf(p.Key));
      return { Item: current && storedMap(current) };
    },
    async update(p) {
      await enter("update", p);
      const { id, after, returned } = planUpdate(items, p);
      items.rows.set(id, after);
      return { Attributes: returned };
    },
    async delete(p) {
      await enter("delete", p);
      const { id, current } = planDelete(items, p);
      items.rows.delete(id);
      return {
        Attributes: p.ReturnValues === "ALL_OLD" && current ? storedMap(current) : undefined,
      };
    },
    async scan(p: ScanParams) {
      await enter("scan", p);
      if (p.Limit !== undefined && (!Number.isInteger(p.Limit) || p.Limit < 1)) {
        throw validationError("Limit must be greater than or equal to 1");
      }
      let keys = items.orderedKeys();
      if (p.ExclusiveStartKey) {
        const start = Buffer.from(
          items.keyOf(
            p.ExclusiveStartKey,
            "The provided starting key is invalid: The provided key element does not match the schema",
          ),
          "utf8",
        );
        keys = keys.filter((k) => Buffer.compare(Buffer.from(k, "utf8"), start) > 0);
      }
      const page = p.Limit === undefined ? keys : keys.slice(0, p.Limit);
      const last = page[page.length - 1];
      return {
        Items: page.map((k) => storedMap(items.rows.get(k)!)),
        Count: page.length,
        LastEvaluatedKey:
          p.Limit !== undefined && page.length === p.Limit && last !== undefined
            ? { [items.keyName]: last }
            : undefined,
      };
    },
  };

  const records: RecordStore = {
    async putRecord(p) {
      await enter("putRecord", p);
      const { id, item } = planPut(tables.records, p);
      tables.records.rows.set(id, item);
    },
    async deleteRecord(p) {
      await enter("deleteRecord", p);
      const { id } = planDelete(tables.records, p);
      tables.records.rows.delete(id);
    },
    async transact(writes: readonly TransactWrite[]) {
      await enter("transact", writes);
      if (writes.length < 1 || writes.length > MAX_TRANSACTION_WRITES) {
        throw validationError(
          `1 validation error detected: Value at 'transactItems' failed to satisfy constraint: Member must have length between 1 and ${MAX_TRANSACTION_WRITES}`,
        );
      }
      // Parsing and key errors fail the whole request, before any condition is evaluated.
      const targets = writes.map((w) => {
        const table = tables[w.table];
        const id =
          "put" in w
            ? table.keyOfItem(storedMap(w.put.Item))
            : table.keyOf("update" in w ? w.update.Key : w.delete.Key);
        parseExpressions("put" in w ? w.put : "update" in w ? w.update : w.delete);
        return { table, id };
      });
      const seen = new Set(targets.map((t) => `${t.table.keyName}\u0000${t.id}`));
      if (seen.size !== targets.length) {
        throw validationError("Transaction request cannot include multiple operations on one item");
      }
      const outcomes = writes.map((w, i) => {
        const { table } = targets[i]!;
        try {
          if ("put" in w) {
            const { id, item } = planPut(table, w.put);
            return {
              reason: { code: "None" } as CancellationReason,
              apply: () => table.rows.set(id, item),
            };
          }
          if ("update" in w) {
            const { id, after } = planUpdate(table, w.update);
            return { reason: { code: "None" }, apply: () => table.rows.set(id, after) };
          }
          const { id } = planDelete(table, w.delete);
          return { reason: { code: "None" }, apply: () => table.rows.delete(id) };
        } catch (err) {
          if (err instanceof ConditionFailed) {
            return {
              reason: {
                code: "ConditionalCheckFailed",
                message: "The conditional request failed",
                item: err.item,
              },
            };
          }
          if ((err as Error).name === "ValidationException") {
            return { reason: { code: "ValidationError", message: (err as Error).message } };
          }
          throw err;
        }
      });
      if (outcomes.some((o) => o.reason.code !== "None")) {
        throw new TransactionCanceled(
          outcomes.map(({ reason }) => ({
            code: reason.code,
            message: reason.message,
            item: reason.item,
          })),
        );
      }
      for (const o of outcomes) o.apply!();
    },
  };

  return {
    store,
    records,
    calls,
    contents: (table = "items") =>
      tables[table].orderedKeys().map((k) => storedMap(tables[table].rows.get(k)!)),
    item: (id, table = "items") => {
      const found = tables[table].rows.get(id);
      return found && storedMap(found);
    },
    seed: (item, table = "items") => {
      tables[table].rows.set(tables[table].keyOfItem(item), storedMap(item));
    },
    failNext: (method, error, times = 1) => {
      failures.set(method, [...(failures.get(method) ?? []), ...Array<unknown>(times).fill(error)]);
    },
    beforeCall: (h) => {
      hook = h;
    },
  };
}
