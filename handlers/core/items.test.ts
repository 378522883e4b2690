/**
 * The REST items rules on their own: ids, If-Match, versions and ETags, the conditions and the
 * PATCH update DynamoDB gets, and every refusal with its exact code and message.
 */
import { expect } from "chai";
import { ApiError } from "./http";
import {
  checkId,
  etagOf,
  existsCondition,
  parseIfMatch,
  parseItemsRequest,
  patchUpdate,
  satisfies,
  unchangedCondition,
  versionOf,
  type ItemsRequest,
} from "./items";
import { Num } from "../../contract/json";
import { parseJson } from "./json";
import { encodeCursor } from "./cursor";

const n = (text: string) => new Num(text);

function refusal(run: () => unknown): [number, string, string] {
  try {
    run();
  } catch (err) {
    expect(err).to.be.instanceOf(ApiError);
    const e = err as ApiError;
    return [e.status, e.code, e.message];
  }
  throw new Error("accepted");
}

const request = (over: Partial<ItemsRequest>): ItemsRequest => ({
  method: "GET",
  query: {},
  generateId: () => "generated",
  tableName: "t",
  cursorSecret: "0123456789abcdef",
  ...over,
});
const parse = (over: Partial<ItemsRequest>) => parseItemsRequest(request(over));
const body = (text: string) => parseJson(text);

describe("core/items: ids", () => {
  it("takes 1 to 2048 bytes of UTF-8, saying how many it got", () => {
    expect(checkId("a", "id")).to.equal("a");
    expect(checkId("é".repeat(1024), "id")).to.equal("é".repeat(1024));
    expect(refusal(() => checkId("é".repeat(1024) + "a", "the id"))).to.deep.equal([
      400,
      "InvalidId",
      "the id must be 1 to 2048 bytes of UTF-8 (got 2049): send a shorter, non-empty id",
    ]);
    expect(refusal(() => checkId("", "id"))[2]).to.equal(
      "id must be 1 to 2048 bytes of UTF-8 (got 0): send a shorter, non-empty id",
    );
    expect(refusal(() => checkId(7, "id"))).to.deep.equal([
      400,
      "InvalidId",
      "id must be a string",
    ]);
  });
});

describe("core/items: If-Match, versions, ETags", () => {
  it("parses * and lists of strong tags; weak and non-version tags never match", () => {
    expect(parseIfMatch(undefined)).to.equal(undefined);
    expect(parseIfMatch("  *  ")).to.deep.equal({ kind: "exists" });
    expect(
      parseIfMatch(' "0" ,"12", W/"3", "x", "01", "1000000000000000", "999999999999999" '),
    ).to.deep.equal({
      kind: "versions",
      versions: [0, 12, 999_999_999_999_999],
    });
    expect(parseIfMatch('"*"')).to.deep.equal({ kind: "versions", versions: [] });
  });

  it("refuses anything that is not * or quoted tags, with 400 InvalidIfMatch", () => {
    for (const header of ["1", '"1"x', 'x"1"', '"1", 2', "", '"a"b"', "**"]) {
      expect(
        refusal(() => parseIfMatch(header)),
        header,
      ).to.deep.equal([
        400,
        "InvalidIfMatch",
        'If-Match must be * or quoted ETags such as "3", as returned in the ETag header',
      ]);
    }
  });

  it("reads an item's version (0 when it has none or a strange one) and its ETag", () => {
    expect(versionOf({ version: n("7") })).to.equal(7);
    expect(versionOf({ version: n("0") })).to.equal(0);
    for (const version of [n("-1"), n("1.5"), n("1e300"), "3", undefined]) {
      expect(versionOf(version === undefined ? {} : { version }), String(version)).to.equal(0);
    }
    expect(etagOf({ version: n("7") })).to.equal('"7"');
    expect(etagOf({})).to.equal('"0"');
  });

  it("knows which stored items an expectation accepts", () => {
    const exists = { kind: "exists" } as const;
    const v2 = { kind: "versions", versions: [2, 5] } as const;
    expect(satisfies(exists, undefined)).to.equal(false);
    expect(satisfies(exists, { id: "a" })).to.equal(true);
    expect(satisfies(v2, undefined)).to.equal(false);
    expect(satisfies(v2, { version: n("2") })).to.equal(true);
    expect(satisfies(v2, { version: n("5") })).to.equal(true);
    expect(satisfies(v2, { version: n("3") })).to.equal(false);
    expect(satisfies({ kind: "versions", versions: [0] }, { id: "t" })).to.equal(true);
  });
});

describe("core/items: the conditions DynamoDB gets", () => {
  it("exists: the item, at one of the named versions (0: a tutorial item without one)", () => {
    const exists = {
      ConditionExpression: "attribute_exists(#id)",
      ExpressionAttributeNames: { "#id": "id" },
    };
    expect(existsCondition()).to.deep.equal(exists);
    expect(existsCondition({ kind: "exists" })).to.deep.equal(exists);
    expect(existsCondition({ kind: "versions", versions: [3, 0, 7] })).to.deep.equal({
      ConditionExpression:
        "attribute_exists(#id) AND (#ver = :ver0 OR attribute_not_exists(#ver) OR #ver = :ver2)",
      ExpressionAttributeNames: { "#id": "id", "#ver": "version" },
      ExpressionAttributeValues: { ":ver0": n("3"), ":ver2": n("7") },
    });
    expect(existsCondition({ kind: "versions", versions: [0] })).to.deep.equal({
      ConditionExpression: "attribute_exists(#id) AND (attribute_not_exists(#ver))",
      ExpressionAttributeNames: { "#id": "id", "#ver": "version" },
      ExpressionAttributeValues: undefined,
    });
    expect(existsCondition({ kind: "versions", versions: [] })).to.deep.equal({
      ConditionExpression: "attribute_exists(#id) AND (attribute_not_exists(#id))",
      ExpressionAttributeNames: { "#id": "id" },
      ExpressionAttributeValues: undefined,
    });
  });

  it("unchanged: still absent, still without a version, or still at the version read", () => {
    expect(unchangedCondition(undefined)).to.deep.equal({
      ConditionExpression: "attribute_not_exists(#id)",
      ExpressionAttributeNames: { "#id": "id" },
    });
    expect(unchangedCondition({ id: "t" })).to.deep.equal({
      ConditionExpression: "attribute_exists(#id) AND attribute_not_exists(#ver)",
      ExpressionAttributeNames: { "#id": "id", "#ver": "version" },
    });
    expect(unchangedCondition({ id: "a", version: n("4") })).to.deep.equal({
      ConditionExpression: "#ver = :ver",
      ExpressionAttributeNames: { "#ver": "version" },
      ExpressionAttributeValues: { ":ver": n("4") },
    });
  });

  it("PATCH: SET each value, REMOVE each null, bump the version, under the If-Match condition", () => {
    expect(
      patchUpdate({ a: "x", b: n("1") }, ["c", "d"], { kind: "versions", versions: [2] }),
    ).to.deep.equal({
      UpdateExpression:
        "SET #s0 = :s0, #s1 = :s1, #ver = if_not_exists(#ver, :zero) + :one REMOVE #r0, #r1",
      ConditionExpression: "attribute_exists(#id) AND (#ver = :ver0)",
      ExpressionAttributeNames: {
        "#id": "id",
        "#ver": "version",
        "#s0": "a",
        "#s1": "b",
        "#r0": "c",
        "#r1": "d",
      },
      ExpressionAttributeValues: {
        ":ver0": n("2"),
        ":zero": n("0"),
        ":one": n("1"),
        ":s0": "x",
        ":s1": n("1"),
      },
    });
    expect(patchUpdate({}, ["c"])).to.deep.equal({
      UpdateExpression: "SET #ver = if_not_exists(#ver, :zero) + :one REMOVE #r0",
      ConditionExpression: "attribute_exists(#id)",
      ExpressionAttributeNames: { "#id": "id", "#ver": "version", "#r0": "c" },
      ExpressionAttributeValues: { ":zero": n("0"), ":one": n("1") },
    });
    expect(patchUpdate({ a: null }, []).UpdateExpression).to.equal(
      "SET #s0 = :s0, #ver = if_not_exists(#ver, :zero) + :one",
    );
  });
});

describe("core/items: requests", () => {
  it("GET /items: limit 1 to 100 (25 by default), a cursor, nothing else", () => {
    expect(parse({})).to.deep.equal({ kind: "items.list", limit: 25, startKey: undefined });
    expect(parse({ query: { limit: ["1"] } })).to.deep.include({ limit: 1 });
    expect(parse({ query: { limit: ["0100"] } })).to.deep.include({ limit: 100 });
    for (const limit of ["0", "101", "00000", "12345", " 5"]) {
      expect(
        refusal(() => parse({ query: { limit: [limit] } })),
        limit,
      ).to.deep.equal([400, "InvalidLimit", "limit must be an integer from 1 to 100"]);
    }
    expect(refusal(() => parse({ query: { limit: ["1", "2"] } }))).to.deep.equal([
      400,
      "InvalidQuery",
      "give limit at most once",
    ]);
    expect(refusal(() => parse({ query: { sort: ["a"], x: [] } }))).to.deep.equal([
      400,
      "InvalidQuery",
      "unknown query parameter sort, x; allowed: limit, cursor",
    ]);
    const cursor = encodeCursor({ id: "k" }, "t", "0123456789abcdef");
    expect(parse({ query: { cursor: [cursor] } })).to.deep.equal({
      kind: "items.list",
      limit: 25,
      startKey: { id: "k" },
    });
  });

  it("POST /items: the body's id or a generated one, version 1, no query", () => {
    expect(parse({ method: "POST", body: body('{"a":1,"id":"x"}') })).to.deep.equal({
      kind: "items.create",
      id: "x",
      item: { a: n("1"), id: "x", version: n("1") },
    });
    expect(parse({ method: "POST", body: body('{"a":1}') })).to.deep.include({ id: "generated" });
    expect(
      refusal(() => parse({ method: "POST", body: body("{}"), query: { a: ["1"] } })),
    ).to.deep.equal([400, "InvalidQuery", "unknown query parameter a"]);
    expect(refusal(() => parse({ method: "POST", body: body('{"version":1}') }))).to.deep.equal([
      400,
      "InvalidVersion",
      "version is assigned by the server: leave it out when creating",
    ]);
    expect(refusal(() => parse({ method: "POST", body: body('{"id":""}') }))[2]).to.match(
      /^id must be/,
    );
    expect(refusal(() => parse({ method: "POST", body: body("[]") }))).to.deep.equal([
      400,
      "InvalidBody",
      'the body must be a JSON object of attributes, e.g. {"name": "x"}',
    ]);
    expect(refusal(() => parse({ method: "POST", body: body('{"a":{"$SS":[]}}') }))[2]).to.match(
      /^body\.a\.\$SS: /,
    );
  });

  it("/items/{id}: the path's id, checked, and no query", () => {
    expect(parse({ id: "a" })).to.deep.equal({ kind: "items.get", id: "a" });
    expect(refusal(() => parse({ id: "" }))[2]).to.match(/^the id in the path must be 1 to 2048/);
    expect(refusal(() => parse({ id: "a", query: { x: ["1"] } }))).to.deep.equal([
      400,
      "InvalidQuery",
      "unknown query parameter x",
    ]);
    expect(refusal(() => parse({ method: "POST", id: "a" }))).to.deep.equal([
      405,
      "MethodNotAllowed",
      "POST is not served here",
    ]);
  });

  it("DELETE: the If-Match expectation, if any", () => {
    expect(parse({ method: "DELETE", id: "a" })).to.deep.equal({
      kind: "items.delete",
      id: "a",
      expected: undefined,
    });
    expect(parse({ method: "DELETE", id: "a", ifMatch: '"3"' })).to.deep.equal({
      kind: "items.delete",
      id: "a",
      expected: { kind: "versions", versions: [3] },
    });
  });

  it("PUT: the attributes without id and version; a body version works like If-Match", () => {
    expect(
      parse({ method: "PUT", id: "a", body: body('{"id":"a","version":0,"x":1}') }),
    ).to.deep.equal({
      kind: "items.put",
      id: "a",
      attributes: { x: n("1") },
      expected: { kind: "versions", versions: [0] },
    });
    expect(
      parse({ method: "PUT", id: "a", body: body('{"version":4}'), ifMatch: '"3", "4"' }),
    ).to.deep.include({
      expected: { kind: "versions", versions: [4] },
    });
    expect(parse({ method: "PUT", id: "a", body: body("{}"), ifMatch: "*" })).to.deep.include({
      expected: { kind: "exists" },
    });
    for (const version of ["-1", "1.5", '"1"', "0.0", "1e2", "1234567890123456"]) {
      expect(
        refusal(() => parse({ method: "PUT", id: "a", body: body(`{"version":${version}}`) })),
        version,
      ).to.deep.equal([
        400,
        "InvalidVersion",
        "version must be the non-negative integer the item was read with",
      ]);
    }
    expect(
      parse({ method: "PUT", id: "a", body: body('{"version":123456789012345}') }),
    ).to.deep.include({
      expected: { kind: "versions", versions: [123_456_789_012_345] },
    });
    for (const ifMatch of ['"3"', "*"]) {
      expect(
        refusal(() => parse({ method: "PUT", id: "a", body: body('{"version":4}'), ifMatch })),
      ).to.deep.equal([
        400,
        "InvalidVersion",
        "version in the body disagrees with If-Match: send one of them",
      ]);
    }
    expect(
      refusal(() => parse({ method: "PUT", id: "a", body: body('{"id":"b"}') })),
    ).to.deep.equal([
      400,
      "InvalidId",
      'id in the body must match the id in the path ("a") or be left out',
    ]);
    expect(
      refusal(() => parse({ method: "PUT", id: "a", body: body('{"x":{"$B":"!"}}') }))[2],
    ).to.match(/^body\.x\.\$B: /);
  });

  it("PATCH: sets and removes, at least one of them, with the same id and version rules", () => {
    expect(
      parse({ method: "PATCH", id: "a", body: body('{"x":1,"y":null,"id":"a","version":2}') }),
    ).to.deep.equal({
      kind: "items.patch",
      id: "a",
      set: { x: n("1") },
      remove: ["y"],
      expected: { kind: "versions", versions: [2] },
    });
    expect(parse({ method: "PATCH", id: "a", body: body('{"y":null}') })).to.deep.include({
      set: {},
      remove: ["y"],
    });
    expect(parse({ method: "PATCH", id: "a", body: body('{"x":2}') })).to.deep.include({
      set: { x: n("2") },
      remove: [],
    });
    for (const text of ["{}", '{"id":"a"}', '{"version":1}']) {
      expect(
        refusal(() => parse({ method: "PATCH", id: "a", body: body(text) })),
        text,
      ).to.deep.equal([
        400,
        "InvalidBody",
        "PATCH needs at least one attribute to set (or null to remove)",
      ]);
    }
    expect(
      refusal(() => parse({ method: "PATCH", id: "a", body: body('{"id":"b","x":1}') }))[1],
    ).to.equal("InvalidId");
    expect(
      refusal(() => parse({ method: "PATCH", id: "a", body: body('{"x":{"$NS":[1,1]}}') }))[2],
    ).to.match(/^body\.x\.\$NS: /);
    expect(refusal(() => parse({ method: "PATCH", id: "a", body: body("1") }))[1]).to.equal(
      "InvalidBody",
    );
  });
});
