/**
 * The JSON convention is unambiguous (fast-check): every shape an item can hold, maps whose only
 * key is a type tag included, reads back as the same DynamoDB types, both as JSON alone and as a
 * client sees it: GET an item, PUT the body back, and the store holds what it held.
 */
import { marshall } from "@aws-sdk/util-dynamodb";
import { expect } from "chai";
import fc from "fast-check";
import { encodeMap, toAttrMap, type AttrMap } from "./core/attributes";
import { parseJson, stringifyJson } from "./core/json";
import { handleRequest, type Deps } from "./service";
import { TRANSLATE_CONFIG, toNativeMap } from "./store/dynamodb";
import { Num } from "../contract/json";
import { storedItem } from "../testing/arbitraries";
import { createMemoryStores } from "../testing/store/memory-store";
import { TEST_CONFIG } from "../testing/store/config";

const RUNS = Number(process.env["PROPERTY_RUNS"] ?? 1000);

/** DynamoDB's own typed form: what the item is, independent of our JSON. */
const typed = (item: AttrMap) => marshall(toNativeMap(item), TRANSLATE_CONFIG.marshallOptions);

describe("the JSON convention round-trips every storable shape (fast-check)", () => {
  it("encode → JSON text → parse reads back the same types", () => {
    fc.assert(
      fc.property(storedItem, (item) => {
        const text = stringifyJson(encodeMap(item));
        expect(typed(toAttrMap(parseJson(text), "body")), text).to.deep.equal(typed(item));
      }),
      { numRuns: RUNS },
    );
  });

  it("GET /items/{id} → PUT of that body with its ETag stores the same item", async () => {
    await fc.assert(
      fc.asyncProperty(storedItem, async (attributes) => {
        const mem = createMemoryStores();
        const deps: Deps = {
          config: TEST_CONFIG,
          store: async () => mem.store,
          records: async () => mem.records,
          generateId: () => "unused",
        };
        const stored = { ...attributes, id: "p", version: Num.of(1) };
        mem.seed(stored);
        // As the store holds it (numbers as DynamoDB normalises them).
        const before = mem.item("p")!;
        const base = {
          resource: "/items/{id}",
          path: "/items/p",
          pathParameters: { id: "p" },
          query: {},
          basePath: "",
        };
        const got = await handleRequest(
          { ...base, method: "GET", headers: {}, body: null, bodyBytes: 0 },
          deps,
        );
        expect(got.response.status).to.equal(200);
        const body = stringifyJson(got.response.body);
        const put = await handleRequest(
          {
            ...base,
            method: "PUT",
            headers: {
              "content-type": "application/json",
              "if-match": got.response.headers["etag"],
            },
            body,
            bodyBytes: Buffer.byteLength(body),
          },
          deps,
        );
        expect(put.response.status, stringifyJson(put.response.body)).to.equal(200);
        expect(typed(mem.item("p")!), body).to.deep.equal(typed({ ...before, version: Num.of(2) }));
      }),
      { numRuns: Math.ceil(RUNS / 4) },
    );
  });
});
