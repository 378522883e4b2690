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

  it("takes API Gateway's 413s in their own shapes: plain text, and JSON {message}", () => {
    const post = { method: "POST", path: "/items", status: 413 };
    const text = { "content-type": "text; charset=utf-8" };
    const over10MB = "HTTP content length exceeded 10485760 bytes.";
    expect(problems({ ...post, headers: text, text: over10MB })).to.deep.equal([]);
    expect(problems({ ...post, text: '{"message": "Request Too Long"}' })).to.deep.equal([]);
    expect(problems({ ...post, text: error }), "the function's own 413").to.deep.equal([]);
    expect(
      problems({ ...post, headers: { "content-type": "text/html" }, text: "<p>" }).join(),
    ).to.match(/content-type text\/html is not documented \(documented: application\/json, text\)/);
    expect(problems({ ...post, text: '{"message": 413}' }).join()).to.match(/schema TooLarge/);
    // Only 413 has API Gateway's own shapes; every other error is the error shape.
    expect(problems({ status: 404, headers: text, text: "Not Found" }).join()).to.match(
      /content-type text is not documented/,
    );
  });

  it("drops a trailing slash before matching a path, as API Gateway does", () => {
    const page = JSON.stringify({ items: [], nextCursor: null });
    expect(problems({ path: "/items/", text: page })).to.deep.equal([]);
    expect(problems({ path: "/items/?limit=1", text: page })).to.deep.equal([]);
    expect(contract.match("GET", "/items/").operation?.operationId).to.equal("listItems");
    expect(contract.match("GET", "/items/42/").operation?.operationId).to.equal("getItem");
    expect(contract.match("GET", "/").template).to.equal(undefined);
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
