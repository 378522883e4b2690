/**
 * The contract checker on hand-made responses: what it accepts and what it refuses, so a flow
 * that passes through it cannot pass with an undocumented status or shape.
 */
import { expect } from "chai";
import { buildOpenApiDocument } from "../contract/openapi";
import { Contract, type ObservedResponse } from "./contract";

const json = { "content-type": "application/json" };
const error = JSON.stringify({ error: { code: "X", message: "y" } });

describe("client/contract", () => {
  const contract = new Contract(buildOpenApiDocument());
  const problems = (r: Partial<ObservedResponse>) =>
    contract.problems({
      method: "GET",
      path: "/items/42",
      status: 200,
      headers: json,
      text: "",
      ...r,
    });

  it("accepts documented answers, with their headers", () => {
    const item = JSON.stringify({ id: "42", version: 1, name: "a" });
    expect(problems({ text: item, headers: { ...json, etag: '"1"' } })).to.deep.equal([]);
    expect(problems({ status: 404, text: error })).to.deep.equal([]);
    expect(problems({ method: "DELETE", status: 204, headers: {} })).to.deep.equal([]);
    expect(problems({ method: "POST", path: "/DynamoDBManager", text: '"pong"' })).to.deep.equal(
      [],
    );
  });

  it("refuses an undocumented status, a wrong shape, a missing documented header", () => {
    expect(problems({ status: 418, text: error }).join()).to.match(
      /418 is not documented for getItem/,
    );
    expect(
      problems({ text: JSON.stringify({ version: 1 }), headers: { ...json, etag: '"1"' } }).join(),
    ).to.match(/must have required property 'id'/);
    expect(problems({ text: JSON.stringify({ id: "42" }) }).join()).to.match(
      /header ETag is missing/,
    );
    expect(
      problems({ status: 404, text: JSON.stringify({ message: "Not Found" }) }).join(),
    ).to.match(/schema Error/);
    expect(problems({ method: "DELETE", status: 204, headers: {}, text: "{}" }).join()).to.match(
      /a body where the document says none/,
    );
  });

  it("allows only 404 on unknown paths and 405 with Allow on undocumented methods", () => {
    expect(problems({ path: "/nothing", status: 404, text: error })).to.deep.equal([]);
    expect(problems({ path: "/nothing", status: 200, text: error }).join()).to.match(/only 404/);
    expect(
      problems({
        method: "DELETE",
        path: "/items",
        status: 405,
        text: error,
        headers: { ...json, allow: "GET" },
      }),
    ).to.deep.equal([]);
    expect(
      problems({ method: "DELETE", path: "/items", status: 405, text: error }).join(),
    ).to.match(/without Allow/);
  });
});
