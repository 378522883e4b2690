/**
 * The Store and RecordStore contract: what DynamoDB does with the requests the service and the
 * tutorial's clients send. One suite, run against the in-memory store (store-contract.test.ts) and
 * against DynamoDB Local through the real stores (store-contract.int.test.ts), so the fake the
 * unit tests rely on cannot drift from DynamoDB. Expectations are written out as literals.
 */
import { expect } from "chai";
import {
  Binary,
  BinarySet,
  NumberSet,
  StringSet,
  type AttrMap,
  type AttrValue,
} from "../../handlers/core/attributes";
import { Num } from "../../contract/json";
import {
  ConditionFailed,
  TransactionCanceled,
  type RecordStore,
  type Store,
} from "../../handlers/core/store";
import { RESERVED_WORDS } from "./reserved-words";

export interface ContractSubject {
  store: Store;
  records: RecordStore;
  /**
   * DynamoDB Local, which differs from DynamoDB in the two cases marked "DynamoDB Local differs"
   * below; the in-memory store follows DynamoDB's API reference there.
   */
  dynamoDbLocal?: boolean;
}

const n = (text: string) => new Num(text);

/** A value as comparable JSON: numbers as their text, sets sorted, binary as base64. */
export function plain(value: AttrValue | undefined): unknown {
  if (value === undefined || value === null || typeof value !== "object") return value;
  if (value instanceof Num) return { N: value.text };
  if (value instanceof Binary) return { B: Buffer.from(value.bytes).toString("base64") };
  if (value instanceof StringSet) return { SS: [...value.values].sort() };
  if (value instanceof NumberSet) return { NS: value.values.map((v) => v.text).sort() };
  if (value instanceof BinarySet) {
    return { BS: value.values.map((b) => Buffer.from(b).toString("base64")).sort() };
  }
  if (Array.isArray(value)) return value.map(plain);
  return Object.fromEntries(
    Object.entries(value)
      .sort(([a], [b]) => (a < b ? -1 : 1))
      .map(([k, v]) => [k, plain(v)]),
  );
}

/** The placeholders an expression uses, taken from a dictionary: DynamoDB refuses unused ones. */
export function placeholders(
  expressions: string[],
  names: Record<string, string>,
  values: AttrMap,
): { ExpressionAttributeNames?: Record<string, string>; ExpressionAttributeValues?: AttrMap } {
  const text = expressions.join(" ");
  const usedNames = Object.fromEntries(
    Object.entries(names).filter(([k]) => new RegExp(`${k}\\b`).test(text)),
  );
  const usedValues = Object.fromEntries(
    Object.entries(values).filter(([k]) => new RegExp(`${k}\\b`).test(text)),
  );
  return {
    ...(Object.keys(usedNames).length ? { ExpressionAttributeNames: usedNames } : {}),
    ...(Object.keys(usedValues).length ? { ExpressionAttributeValues: usedValues } : {}),
  };
}

async function failure(promise: Promise<unknown>): Promise<Error> {
  try {
    await promise;
  } catch (err) {
    return err as Error;
  }
  throw new Error("the call succeeded");
}

/** Refused with a ValidationException whose message matches (DynamoDB Local words some differently). */
async function validation(promise: Promise<unknown>, message: RegExp = /./): Promise<void> {
  const err = await failure(promise);
  expect(err.name, err.message).to.equal("ValidationException");
  expect(err.message).to.match(message);
}

let seq = 0;
/** An id no other test (nor an earlier run against the same DynamoDB Local) uses. */
const unique = (prefix: string) => `${prefix}-${process.pid}-${Date.now().toString(36)}-${++seq}`;

export function storeContract(name: string, subject: () => ContractSubject): void {
  describe(`Store contract: ${name}`, function () {
    this.timeout(60_000);
    let store: Store;
    let records: RecordStore;
    let dynamoDbLocal: boolean;
    beforeEach(() => ({ store, records, dynamoDbLocal = false } = subject()));

    const get = async (id: string) => (await store.get({ Key: { id } })).Item;

    describe("PutItem and GetItem", () => {
      it("stores every type and returns numbers as DynamoDB normalises them", async () => {
        const id = unique("types");
        await store.put({
          Item: {
            id,
            s: "héllo",
            empty: "",
            t: true,
            f: false,
            nul: null,
            trailing: n("1.50"),
            exponent: n("1e2"),
            small: n("-0.0100"),
            zero: n("-0"),
            tiny: n("1E-5"),
            big: n("123456789012345678901234567890.12345678"),
            list: [n("1"), "a", [null]],
            map: { inner: { x: n("2") } },
            ss: new StringSet(["b", "a"]),
            ns: new NumberSet([n("10"), n("2.50")]),
            bin: new Binary(Uint8Array.from([0, 1, 255])),
            bs: new BinarySet([Uint8Array.from([2]), Uint8Array.from([1])]),
          },
        });
        expect(plain(await get(id))).to.deep.equal({
          big: { N: "123456789012345678901234567890.12345678" },
          bin: { B: "AAH/" },
          bs: { BS: ["AQ==", "Ag=="] },
          empty: "",
          exponent: { N: "100" },
          f: false,
          id,
          list: [{ N: "1" }, "a", [null]],
          map: { inner: { x: { N: "2" } } },
          ns: { NS: ["10", "2.5"] },
          nul: null,
          s: "héllo",
          small: { N: "-0.01" },
          ss: { SS: ["a", "b"] },
          t: true,
          tiny: { N: "0.00001" },
          trailing: { N: "1.5" },
          zero: { N: "0" },
        });
      });

      it("refuses ReturnValues and ReturnValuesOnConditionCheckFailure outside their values", async () => {
        const id = unique("enums");
        const odd = "" as "NONE";
        await validation(
          store.put({ Item: { id }, ReturnValues: "ALL_NEW" as "NONE" }),
          /Return values set to invalid value/,
        );
        await validation(
          store.put({ Item: { id }, ReturnValuesOnConditionCheckFailure: odd }),
          /Value '' at 'returnValuesOnConditionCheckFailure' failed to satisfy constraint: Member must satisfy enum value set: \[ALL_OLD, NONE\]/,
        );
        await validation(store.delete({ Key: { id }, ReturnValuesOnConditionCheckFailure: odd }));
        await validation(
          store.update({
            Key: { id },
            ReturnValues: "ALL" as "NONE",
            UpdateExpression: "REMOVE #a",
            ExpressionAttributeNames: { "#a": "a" },
          }),
        );
        await validation(
          store.update({
            Key: { id },
            ReturnValuesOnConditionCheckFailure: odd,
            UpdateExpression: "REMOVE #a",
            ExpressionAttributeNames: { "#a": "a" },
          }),
        );
        expect(await get(id)).to.equal(undefined);
      });

      it("answers a missing item with no Item", async () => {
        expect(await store.get({ Key: { id: unique("absent") } })).to.deep.equal({
          Item: undefined,
        });
      });

      it("replaces the whole item, returning the old one only with ReturnValues ALL_OLD", async () => {
        const id = unique("replace");
        expect(await store.put({ Item: { id, a: "1" }, ReturnValues: "ALL_OLD" })).to.deep.equal({
          Attributes: undefined,
        });
        expect(await store.put({ Item: { id, b: "2" } })).to.deep.equal({ Attributes: undefined });
        const replaced = await store.put({ Item: { id, c: "3" }, ReturnValues: "ALL_OLD" });
        expect(plain(replaced.Attributes)).to.deep.equal({ id, b: "2" });
        expect(plain(await get(id))).to.deep.equal({ id, c: "3" });
      });

      it("refuses a failed condition, with the old item only when asked, and changes nothing", async () => {
        const id = unique("exists");
        await store.put({ Item: { id, v: n("1") } });
        const create = {
          Item: { id, v: n("2") },
          ConditionExpression: "attribute_not_exists(#id)",
          ExpressionAttributeNames: { "#id": "id" },
        };
        const bare = await failure(store.put(create));
        expect(bare).to.be.instanceOf(ConditionFailed);
        expect((bare as ConditionFailed).item).to.equal(undefined);
        const withOld = await failure(
          store.put({ ...create, ReturnValuesOnConditionCheckFailure: "ALL_OLD" }),
        );
        expect(plain((withOld as ConditionFailed).item)).to.deep.equal({ id, v: { N: "1" } });
        expect(plain(await get(id))).to.deep.equal({ id, v: { N: "1" } });
        // On a missing item there is no old item to return.
        const missing = await failure(
          store.put({
            Item: { id: unique("missing") },
            ConditionExpression: "attribute_exists(#id)",
            ExpressionAttributeNames: { "#id": "id" },
            ReturnValuesOnConditionCheckFailure: "ALL_OLD",
          }),
        );
        expect(missing).to.be.instanceOf(ConditionFailed);
        expect((missing as ConditionFailed).item).to.equal(undefined);
      });
    });

    describe("condition expressions", () => {
      const names = {
        "#id": "id",
        "#n": "n",
        "#s": "s",
        "#u": "u",
        "#e": "e",
        "#l": "l",
        "#ss": "ss",
        "#m": "m",
        "#flag": "flag",
        "#nul": "nul",
        "#missing": "missing",
        "#bin": "bin",
      };
      const values: AttrMap = {
        ":zero": n("0"),
        ":one": n("1"),
        ":two": n("2"),
        ":three": n("3"),
        ":four9": n("4.9"),
        ":five": n("5"),
        ":five0": n("5.00"),
        ":six": n("6"),
        ":abc": "abc",
        ":ab": "ab",
        ":abd": "abd",
        ":bc": "bc",
        ":B": "B",
        ":a": "a",
        ":z": "z",
        ":true": true,
        ":null": null,
        ":N": "N",
        ":S": "S",
        ":L": "L",
        ":SS": "SS",
        ":M": "M",
        ":NULL": "NULL",
        ":BOOL": "BOOL",
        ":B1": new Binary(Uint8Array.from([1])),
      };
      const stored: Omit<AttrMap, "id"> = {
        n: n("5"),
        s: "abc",
        u: "é",
        e: "😀",
        l: [n("1"), n("2")],
        ss: new StringSet(["a", "b"]),
        m: { k: "v" },
        flag: true,
        nul: null,
        bin: new Binary(Uint8Array.from([1, 2])),
      };
      const cases: [string, boolean][] = [
        ["#n = :five", true],
        ["#n = :five0", true],
        ["#n = :six", false],
        ["#n <> :six", true],
        ["#n <> :five", false],
        ["#n < :six", true],
        ["#n < :five", false],
        ["#n <= :five", true],
        ["#n > :four9", true],
        ["#n > :five", false],
        ["#n >= :five", true],
        ["#n >= :six", false],
        ["#s < :abd", true],
        ["#s < :B", false],
        ["#s = :five", false],
        ["#s <> :five", true],
        ["#s < :five", false],
        ["#missing = :five", false],
        ["#missing <> :five", true],
        ["#missing < :five", false],
        ["#n BETWEEN :one AND :five", true],
        ["#n BETWEEN :one AND :four9", false],
        ["#n IN (:one, :five)", true],
        ["#n IN (:one, :six)", false],
        ["#flag = :true", true],
        ["#nul = :null", true],
        ["begins_with(#s, :ab)", true],
        ["begins_with(#s, :bc)", false],
        ["begins_with(#bin, :B1)", true],
        ["contains(#s, :bc)", true],
        ["contains(#s, :z)", false],
        ["contains(#ss, :a)", true],
        ["contains(#ss, :z)", false],
        ["contains(#l, :two)", true],
        ["contains(#l, :three)", false],
        ["size(#s) = :three", true],
        ["size(#u) = :one", true],
        ["size(#e) = :two", true],
        ["size(#l) = :two", true],
        ["size(#ss) = :two", true],
        ["size(#m) = :one", true],
        ["size(#bin) = :two", true],
        ["size(#missing) = :zero", false],
        ["attribute_type(#n, :N)", true],
        ["attribute_type(#n, :S)", false],
        ["attribute_type(#l, :L)", true],
        ["attribute_type(#ss, :SS)", true],
        ["attribute_type(#m, :M)", true],
        ["attribute_type(#nul, :NULL)", true],
        ["attribute_type(#flag, :BOOL)", true],
        ["attribute_exists(#n)", true],
        ["attribute_exists(#missing)", false],
        ["attribute_not_exists(#missing)", true],
        ["attribute_not_exists(#id)", false],
        ["NOT attribute_exists(#missing)", true],
        ["NOT #flag = :true", false],
        ["attribute_exists(#id) AND attribute_not_exists(#missing)", true],
        ["attribute_exists(#id) AND #n = :six", false],
        ["#n = :six OR #s = :abc", true],
        ["#n = :six OR #s = :ab", false],
        ["(#n = :six OR #s = :abc) AND #flag = :true", true],
        ["#n = :six OR #s = :abc AND #flag = :true", true],
        ["NOT (#n = :six OR #s = :abc)", false],
        ["#n between :one and :five", true],
      ];

      it("evaluates each operator and function on the stored item as DynamoDB does", async () => {
        const id = unique("conditions");
        await store.put({ Item: { id, ...stored } });
        const outcomes: [string, boolean][] = [];
        for (const [condition] of cases) {
          try {
            await store.put({
              Item: { id, ...stored },
              ConditionExpression: condition,
              ...placeholders([condition], names, values),
            });
            outcomes.push([condition, true]);
          } catch (err) {
            if (!(err instanceof ConditionFailed)) {
              throw new Error(`${condition}: ${String(err)}`, { cause: err });
            }
            outcomes.push([condition, false]);
          }
        }
        expect(outcomes).to.deep.equal(cases);
      });

      for (const [what, condition, extra, message] of [
        [
          "an unused name",
          "#n = :five",
          { ExpressionAttributeNames: { "#n": "n", "#x": "x" } },
          /unused in expressions: keys: \{#x\}/,
        ],
        [
          "an unused value",
          "#n = :five",
          { ExpressionAttributeValues: { ":five": n("5"), ":x": n("1") } },
          /unused in expressions: keys: \{:x\}/,
        ],
        ["an undefined name", "#nope = :five", {}, /attribute name.*not defined.*#nope/],
        ["an undefined value", "#n = :nope", {}, /attribute value.*not defined.*:nope/],
        ["a syntax error", "#n = ", {}, /Invalid ConditionExpression: Syntax error/],
        ["an unknown function", "is_there(#n)", {}, /Invalid function name; function: is_there/],
        ["a reserved word", "name = :five", {}, /reserved keyword/],
        [
          "an empty name map",
          "attribute_exists(n)",
          { ExpressionAttributeNames: {} },
          /must not be empty/,
        ],
        [
          "a value without an order in <",
          "#n < :true",
          {},
          /Incorrect operand type for operator or function; operator or function: <, operand type: BOOL/,
        ],
        [
          "BETWEEN with its bounds reversed",
          "#n BETWEEN :five AND :one",
          {},
          /The BETWEEN operator requires upper bound to be greater than or equal to lower bound/,
        ],
      ] as const) {
        it(`refuses ${what} with a ValidationException`, async () => {
          const base = placeholders([condition], names, values);
          await validation(
            store.put({
              Item: { id: unique("invalid") },
              ConditionExpression: condition,
              ...base,
              ...extra,
            }),
            message,
          );
        });
      }

      it("refuses names or values without an expression", async () => {
        await validation(
          store.put({ Item: { id: unique("noexpr") }, ExpressionAttributeNames: { "#a": "a" } }),
          /can only be specified when using expressions/,
        );
      });
    });

    describe("UpdateItem", () => {
      const update = (
        id: string,
        expression: string,
        extra: Partial<Parameters<Store["update"]>[0]> = {},
      ) =>
        store.update({
          Key: { id },
          UpdateExpression: expression,
          ...placeholders(
            [expression, extra.ConditionExpression ?? ""],
            {
              "#a": "a",
              "#b": "b",
              "#n": "n",
              "#c": "c",
              "#ss": "ss",
              "#l": "l",
              "#id": "id",
              "#m": "m",
            },
            {
              ":a": "A",
              ":b": "B",
              ":one": n("1"),
              ":zero": n("0"),
              ":x": n("0.1"),
              ":big": n("12345678901234567890123456789"),
              ":s1": new StringSet(["x", "y"]),
              ":s2": new StringSet(["y", "z"]),
              ":sx": new StringSet(["x"]),
              ":sall": new StringSet(["x", "y", "z"]),
              ":more": [n("3")],
              ":two": n("2"),
            },
          ),
          ...extra,
        });

      it("creates a missing item (an upsert) and returns what ReturnValues asks for", async () => {
        const id = unique("upsert");
        expect(await update(id, "SET #a = :a", { ReturnValues: "ALL_OLD" })).to.deep.equal({
          Attributes: undefined,
        });
        expect(plain(await get(id))).to.deep.equal({ id, a: "A" });
        const allNew = await update(id, "SET #b = :b", { ReturnValues: "ALL_NEW" });
        expect(plain(allNew.Attributes)).to.deep.equal({ id, a: "A", b: "B" });
        const updatedOld = await update(id, "SET #a = :b REMOVE #b", {
          ReturnValues: "UPDATED_OLD",
        });
        expect(plain(updatedOld.Attributes)).to.deep.equal({ a: "A", b: "B" });
        const updatedNew = await update(id, "SET #a = :a, #n = :one", {
          ReturnValues: "UPDATED_NEW",
        });
        expect(plain(updatedNew.Attributes)).to.deep.equal({ a: "A", n: { N: "1" } });
        const none = await update(id, "SET #a = :b", { ReturnValues: "NONE" });
        expect(none).to.deep.equal({ Attributes: undefined });
        expect(await update(id, "REMOVE #b", { ReturnValues: "UPDATED_OLD" })).to.deep.equal({
          Attributes: undefined,
        });
      });

      it("creates an item holding only its key when the update only removes", async () => {
        const id = unique("remove-only");
        await update(id, "REMOVE #a");
        expect(plain(await get(id))).to.deep.equal({ id });
      });

      it("counts exactly: +, if_not_exists, ADD, big numbers", async () => {
        const id = unique("count");
        await validation(
          update(id, "SET #n = #n + :one"),
          /refers to an attribute that does not exist in the item/,
        );
        expect(await get(id)).to.equal(undefined);
        await update(id, "SET #n = if_not_exists(#n, :zero) + :one");
        await update(id, "SET #n = if_not_exists(#n, :zero) + :one");
        await update(id, "ADD #c :one");
        await update(id, "ADD #c :one");
        await update(id, "SET #m = :big");
        await update(id, "SET #m = #m + :x");
        await update(id, "SET #l = :more");
        await update(id, "SET #l = list_append(#l, :more)");
        await update(id, "SET #a = :two - :one");
        expect(plain(await get(id))).to.deep.equal({
          id,
          a: { N: "1" },
          c: { N: "2" },
          l: [{ N: "3" }, { N: "3" }],
          m: { N: "12345678901234567890123456789.1" },
          n: { N: "2" },
        });
        await validation(update(id, "ADD #l :one"), /incorrect data type/);
      });

      it("adds to and deletes from sets; the last member gone removes the attribute", async () => {
        const id = unique("sets");
        await update(id, "ADD #ss :s1");
        await update(id, "ADD #ss :s2");
        expect(plain(await get(id))).to.deep.equal({ id, ss: { SS: ["x", "y", "z"] } });
        await update(id, "DELETE #ss :sx");
        expect(plain(await get(id))).to.deep.equal({ id, ss: { SS: ["y", "z"] } });
        await update(id, "DELETE #ss :sall");
        expect(plain(await get(id))).to.deep.equal({ id });
      });

      for (const [what, expression, message] of [
        [
          "SET on the key",
          "SET #id = :a",
          /Cannot update attribute id\. This attribute is part of the key/,
        ],
        [
          "REMOVE of the key",
          "REMOVE #id",
          /Cannot update attribute id\. This attribute is part of the key/,
        ],
        ["overlapping paths", "SET #a = :a, #a = :b", /Two document paths overlap/],
        ["a clause twice", "SET #a = :a SET #b = :b", /can only be used once/],
        ["a clause without actions", "SET", /Syntax error/],
        ["a reserved bare word", "SET data = :a", /reserved keyword: data/],
        [
          "ADD of a string",
          "ADD #a :a",
          /Incorrect operand type for operator or function; operator: ADD/,
        ],
      ] as const) {
        it(`refuses ${what} with a ValidationException`, async () => {
          await validation(update(unique("bad-update"), expression), message);
        });
      }

      it("applies a condition to the stored item, returning it on failure when asked", async () => {
        const id = unique("cond-update");
        await store.put({ Item: { id, n: n("1") } });
        const err = await failure(
          update(id, "SET #n = :two", {
            ConditionExpression: "#n = :zero",
            ReturnValuesOnConditionCheckFailure: "ALL_OLD",
          }),
        );
        expect(plain((err as ConditionFailed).item)).to.deep.equal({ id, n: { N: "1" } });
        await update(id, "SET #n = :two", { ConditionExpression: "#n = :one" });
        expect(plain(await get(id))).to.deep.equal({ id, n: { N: "2" } });
        const absent = unique("cond-absent");
        const missing = await failure(
          update(absent, "SET #n = :two", {
            ConditionExpression: "attribute_exists(#id)",
            ReturnValuesOnConditionCheckFailure: "ALL_OLD",
          }),
        );
        expect(missing).to.be.instanceOf(ConditionFailed);
        expect((missing as ConditionFailed).item).to.equal(undefined);
        expect(await get(absent)).to.equal(undefined);
      });

      it("runs the legacy AttributeUpdates: PUT, ADD and DELETE", async () => {
        const id = unique("legacy");
        await store.update({
          Key: { id },
          AttributeUpdates: {
            a: { Action: "PUT", Value: "A" },
            n: { Action: "ADD", Value: n("2") },
            ss: { Action: "ADD", Value: new StringSet(["x", "y"]) },
            gone: { Action: "DELETE" },
          },
        });
        await store.update({
          Key: { id },
          AttributeUpdates: {
            n: { Action: "ADD", Value: n("3") },
            ss: { Action: "DELETE", Value: new StringSet(["x"]) },
            a: { Action: "PUT", Value: "B" },
          },
        });
        expect(plain(await get(id))).to.deep.equal({
          id,
          a: "B",
          n: { N: "5" },
          ss: { SS: ["y"] },
        });
        await store.update({ Key: { id }, AttributeUpdates: { a: { Action: "DELETE" } } });
        expect(plain(await get(id))).to.deep.equal({ id, n: { N: "5" }, ss: { SS: ["y"] } });
        await validation(
          store.update({
            Key: { id },
            AttributeUpdates: { a: { Action: "PUT", Value: "C" } },
            ConditionExpression: "attribute_exists(#id)",
            ExpressionAttributeNames: { "#id": "id" },
          }),
          /Can not use both expression and non-expression parameters/,
        );
      });
    });

    describe("AttributeUpdates without an Action", () => {
      it("is a PUT (DynamoDB Local differs)", async () => {
        const id = unique("legacy-default");
        await store.update({ Key: { id }, AttributeUpdates: { a: { Value: "A" } } });
        // DynamoDB's API reference: "If no action is specified, the default is PUT". DynamoDB
        // Local ignores the whole update instead, leaving an item with only its key.
        expect(plain(await get(id))).to.deep.equal(dynamoDbLocal ? { id } : { id, a: "A" });
      });
    });

    describe("DeleteItem", () => {
      it("deletes, returning the old item with ALL_OLD, and refuses a failed condition", async () => {
        const id = unique("delete");
        expect(await store.delete({ Key: { id }, ReturnValues: "ALL_OLD" })).to.deep.equal({
          Attributes: undefined,
        });
        await store.put({ Item: { id, v: n("1") } });
        const versioned = {
          Key: { id },
          ConditionExpression: "#v = :v",
          ExpressionAttributeNames: { "#v": "v" },
          ExpressionAttributeValues: { ":v": n("2") },
          ReturnValuesOnConditionCheckFailure: "ALL_OLD" as const,
        };
        const err = await failure(store.delete(versioned));
        expect(plain((err as ConditionFailed).item)).to.deep.equal({ id, v: { N: "1" } });
        const gone = await store.delete({
          ...versioned,
          ExpressionAttributeValues: { ":v": n("1") },
          ReturnValues: "ALL_OLD",
        });
        expect(plain(gone.Attributes)).to.deep.equal({ id, v: { N: "1" } });
        expect(await get(id)).to.equal(undefined);
        const missing = await failure(
          store.delete({
            Key: { id },
            ConditionExpression: "attribute_exists(#id)",
            ExpressionAttributeNames: { "#id": "id" },
            ReturnValuesOnConditionCheckFailure: "ALL_OLD",
          }),
        );
        expect(missing).to.be.instanceOf(ConditionFailed);
        expect((missing as ConditionFailed).item).to.equal(undefined);
      });
    });

    describe("keys and sizes", () => {
      it("refuses keys that do not match the table's key schema", async () => {
        // DynamoDB and DynamoDB Local word these differently; both refuse them.
        await validation(store.get({ Key: { id: "a", other: "b" } }));
        await validation(store.get({ Key: { id: n("1") } }));
        await validation(store.get({ Key: { other: "a" } }));
        await validation(store.delete({ Key: { id: "a", x: "b" } }));
        await validation(
          store.update({
            Key: { id: "a", x: "b" },
            UpdateExpression: "REMOVE #a",
            ExpressionAttributeNames: { "#a": "a" },
          }),
        );
        await validation(store.scan({ ExclusiveStartKey: { id: "a", x: "b" } }));
        await validation(store.put({ Item: { other: "a" } }));
        await validation(store.put({ Item: { id: n("1") } }), /Type mismatch for key/);
        await validation(store.get({ Key: { id: "" } }), /empty string/);
        await validation(store.put({ Item: { id: "" } }), /empty string/);
      });

      it("takes a key of up to 2048 bytes", async () => {
        const id = `${unique("k")}-`.padEnd(2048, "k");
        await store.put({ Item: { id } });
        expect(plain(await get(id))).to.deep.equal({ id });
        await validation(store.put({ Item: { id: `${id}k` } }), /2048 bytes/);
      });

      it("refuses an item over 400 KB and takes one under it", async () => {
        const id = unique("size");
        await store.put({ Item: { id, big: "x".repeat(400 * 1024 - 200) } });
        await validation(
          store.put({ Item: { id, big: "x".repeat(400 * 1024) } }),
          /Item size has exceeded the maximum allowed size/,
        );
        await validation(
          store.update({
            Key: { id },
            UpdateExpression: "SET #more = :more",
            ExpressionAttributeNames: { "#more": "more" },
            ExpressionAttributeValues: { ":more": "y".repeat(1024) },
          }),
          /Item size to update has exceeded the maximum allowed size/,
        );
      });
    });

    describe("Scan", () => {
      it("pages with Limit and ExclusiveStartKey, every item exactly once", async () => {
        // The table is shared with the other tests: start from an empty one.
        for (let page = await store.scan({}); page.Items.length; page = await store.scan({})) {
          for (const item of page.Items) await store.delete({ Key: { id: item["id"]! } });
        }
        const ids = ["s-a", "s-b", "s-c", "s-d", "s-e"];
        for (const id of ids) await store.put({ Item: { id, n: n("1.0") } });
        const seen: string[] = [];
        const shapes: [number, number, boolean][] = [];
        let start: AttrMap | undefined;
        do {
          const page = await store.scan({ Limit: 2, ExclusiveStartKey: start });
          shapes.push([page.Items.length, page.Count, page.LastEvaluatedKey !== undefined]);
          for (const item of page.Items) {
            seen.push(item["id"] as string);
            expect(plain(item["n"])).to.deep.equal({ N: "1" });
          }
          start = page.LastEvaluatedKey;
          if (start) expect(Object.keys(start)).to.deep.equal(["id"]);
        } while (start);
        expect(shapes).to.deep.equal([
          [2, 2, true],
          [2, 2, true],
          [1, 1, false],
        ]);
        expect([...seen].sort()).to.deep.equal(ids);
        const all = await store.scan({});
        expect([all.Count, all.LastEvaluatedKey]).to.deep.equal([5, undefined]);
        // A page that the limit ends says so, even when nothing is left.
        const exact = await store.scan({ Limit: 5 });
        expect(exact.Count).to.equal(5);
        expect(exact.LastEvaluatedKey).to.not.equal(undefined);
        const after = await store.scan({ Limit: 5, ExclusiveStartKey: exact.LastEvaluatedKey });
        expect([after.Items, after.Count, after.LastEvaluatedKey]).to.deep.equal([
          [],
          0,
          undefined,
        ]);
      });
    });

    describe("RecordStore", () => {
      const lock = {
        ConditionExpression: "attribute_not_exists(#k) OR #state = :done",
        ExpressionAttributeNames: { "#k": "key", "#state": "state" },
        ExpressionAttributeValues: { ":done": "DONE" },
        ReturnValuesOnConditionCheckFailure: "ALL_OLD" as const,
      };

      it("puts and deletes records conditionally, returning the old record on failure", async () => {
        const key = unique("record");
        await records.putRecord({ Item: { key, state: "BUSY", token: "t1" }, ...lock });
        const err = await failure(
          records.putRecord({ Item: { key, state: "BUSY", token: "t2" }, ...lock }),
        );
        expect(plain((err as ConditionFailed).item)).to.deep.equal({
          key,
          state: "BUSY",
          token: "t1",
        });
        const mine = {
          Key: { key },
          ConditionExpression: "#token = :token",
          ExpressionAttributeNames: { "#token": "token" },
        };
        const notMine = await failure(
          records.deleteRecord({ ...mine, ExpressionAttributeValues: { ":token": "t2" } }),
        );
        expect(notMine).to.be.instanceOf(ConditionFailed);
        await records.deleteRecord({ ...mine, ExpressionAttributeValues: { ":token": "t1" } });
        await records.putRecord({ Item: { key, state: "BUSY", token: "t3" }, ...lock });
        await validation(records.putRecord({ Item: { id: key } }));
      });

      it("commits a transaction's writes together, across both tables", async () => {
        const id = unique("tx");
        const key = unique("tx-record");
        await store.put({ Item: { id, n: n("1"), gone: "x" } });
        await records.transact([
          {
            table: "items",
            update: {
              Key: { id },
              UpdateExpression: "ADD #n :one REMOVE #gone",
              ConditionExpression: "attribute_exists(#id)",
              ExpressionAttributeNames: { "#n": "n", "#gone": "gone", "#id": "id" },
              ExpressionAttributeValues: { ":one": n("1") },
            },
          },
          { table: "records", put: { Item: { key, state: "DONE" } } },
        ]);
        expect(plain(await get(id))).to.deep.equal({ id, n: { N: "2" } });
        const other = unique("tx-put");
        await records.transact([
          { table: "items", put: { Item: { id: other } } },
          { table: "items", delete: { Key: { id } } },
        ]);
        expect(await get(id)).to.equal(undefined);
        expect(plain(await get(other))).to.deep.equal({ id: other });
      });

      it("cancels every write when one condition fails, with a reason per write", async () => {
        const id = unique("tx-cancel");
        const key = unique("tx-cancel-record");
        await records.putRecord({ Item: { key, state: "BUSY", token: "t1" } });
        const err = await failure(
          records.transact([
            { table: "items", put: { Item: { id, v: n("1") } } },
            {
              table: "records",
              put: {
                Item: { key, state: "DONE", token: "t2" },
                ConditionExpression: "#token = :token",
                ExpressionAttributeNames: { "#token": "token" },
                ExpressionAttributeValues: { ":token": "t2" },
                ReturnValuesOnConditionCheckFailure: "ALL_OLD",
              },
            },
            {
              table: "items",
              delete: {
                Key: { id: unique("tx-cancel-other") },
                ConditionExpression: "attribute_exists(#id)",
                ExpressionAttributeNames: { "#id": "id" },
              },
            },
          ]),
        );
        expect(err).to.be.instanceOf(TransactionCanceled);
        expect(
          (err as TransactionCanceled).reasons.map((r) => ({ ...r, item: plain(r.item) })),
        ).to.deep.equal([
          { code: "None", message: undefined, item: undefined },
          {
            code: "ConditionalCheckFailed",
            message: "The conditional request failed",
            item: { key, state: "BUSY", token: "t1" },
          },
          {
            code: "ConditionalCheckFailed",
            message: "The conditional request failed",
            item: undefined,
          },
        ]);
        expect(await get(id)).to.equal(undefined);
      });

      it("cancels a transaction whose update cannot be applied, as a ValidationError reason (DynamoDB Local differs)", async () => {
        const id = unique("tx-invalid");
        const transaction = records.transact([
          {
            table: "items",
            update: {
              Key: { id },
              UpdateExpression: "SET #n = #n + :one",
              ExpressionAttributeNames: { "#n": "n" },
              ExpressionAttributeValues: { ":one": n("1") },
            },
          },
          { table: "records", put: { Item: { key: unique("tx-invalid-record") } } },
        ]);
        if (dynamoDbLocal) {
          // DynamoDB cancels the transaction with a ValidationError reason (API reference,
          // TransactionCanceledException); DynamoDB Local refuses the whole request instead.
          await validation(transaction, /attribute that does not exist in the item/);
          expect(await get(id)).to.equal(undefined);
          return;
        }
        const err = await failure(transaction);
        expect(err).to.be.instanceOf(TransactionCanceled);
        const reasons = (err as TransactionCanceled).reasons;
        expect(reasons.map((r) => r.code)).to.deep.equal(["ValidationError", "None"]);
        expect(reasons[0]!.message).to.match(/attribute that does not exist in the item/);
        expect(await get(id)).to.equal(undefined);
      });

      it("refuses two writes to one item, and a malformed write, for the whole request", async () => {
        const id = unique("tx-twice");
        await validation(
          records.transact([
            { table: "items", put: { Item: { id } } },
            { table: "items", delete: { Key: { id } } },
          ]),
          /multiple operations on one item/,
        );
        await validation(
          records.transact([
            {
              table: "items",
              update: {
                Key: { id },
                UpdateExpression: "SET #a = :a",
                ExpressionAttributeNames: { "#a": "a" },
              },
            },
          ]),
          /attribute value.*not defined/,
        );
        expect(await get(id)).to.equal(undefined);
      });
    });

    describe("reserved words", () => {
      it("refuses each reserved word as a bare name, and takes other names", async () => {
        const refused: string[] = [];
        for (const word of [...RESERVED_WORDS, "n", "id", "items2", "ttl_at", "version"]) {
          try {
            await store.delete({
              Key: { id: unique("rw") },
              ConditionExpression: `attribute_not_exists(${word})`,
            });
          } catch (err) {
            if ((err as Error).name !== "ValidationException") throw err;
            // The words the grammar itself uses (AND, SET, ...) fail as syntax errors instead.
            expect((err as Error).message).to.match(/reserved keyword|Syntax error/);
            refused.push(word);
          }
        }
        expect(refused).to.deep.equal([...RESERVED_WORDS]);
      });
    });
  });
}
