/**
 * Who may call which method, on a small hand-written table and document: the expected schemes,
 * requirements and refusals are spelled out here, not derived from the constants the module
 * exports; and the real table's groups, as the API has always had them.
 */
import { expect } from "chai";
import type { OpenAPIV3 } from "openapi-types";
import { OPERATIONS, type AuthGroup, type HttpMethod, type Operation } from "./operations";
import {
  groupRequirement,
  securityRequirement,
  securitySchemes,
  withSecurity,
} from "./openapi-security";
import type { ApiSecurity } from "./security";

const SCOPES = { read: ["items/read"], write: ["items/write", "items/admin"] };
const cognito: ApiSecurity = { auth: "cognito", apiKey: false };
const scoped: ApiSecurity = { auth: "cognito", apiKey: false, scopes: SCOPES };
const iam: ApiSecurity = { auth: "iam", apiKey: false };
const keyOnly: ApiSecurity = { auth: "none", apiKey: true };

const ok = { description: "ok" };
const op = (id: string): OpenAPIV3.OperationObject => ({
  operationId: id,
  responses: { "200": ok },
});

const entry = (operationId: string, method: HttpMethod, path: string, auth: AuthGroup) =>
  ({
    operationId,
    method,
    path,
    auth,
    summary: operationId,
    tag: "Items",
    responses: { 200: ok },
  }) satisfies Operation;

/** The operations of `document()`, with their groups. */
const TABLE: Operation[] = [
  entry("get", "GET", "/items/{id}", "read"),
  entry("put", "PUT", "/items/{id}", "write"),
  entry("post", "POST", "/items/{id}", "write"),
  entry("patch", "PATCH", "/items/{id}", "write"),
  entry("delete", "DELETE", "/items/{id}", "write"),
  entry("document", "GET", "/openapi.json", "open"),
  entry("list", "GET", "/items", "read"),
];

/** Every method the API serves on a path, a preflight, the open document and a non-method key. */
function document(): OpenAPIV3.Document {
  return {
    openapi: "3.0.3",
    info: { title: "t", version: "1" },
    paths: {
      "/items/{id}": {
        parameters: [{ name: "id", in: "path", required: true, schema: { type: "string" } }],
        get: op("get"),
        put: op("put"),
        post: op("post"),
        patch: op("patch"),
        delete: op("delete"),
        options: op("preflight"),
      },
      "/openapi.json": { get: op("document"), options: op("documentPreflight") },
    },
    components: {
      schemas: { Error: { type: "object" } },
      securitySchemes: { existing: { type: "http", scheme: "basic" } },
    },
  };
}

describe("security: schemes", () => {
  it("none without a key declares nothing", () => {
    expect(securitySchemes({ auth: "none", apiKey: false })).to.deep.equal({});
  });

  it("cognito takes a bearer token in Authorization: an ID token, or an access token with scopes", () => {
    const idToken = securitySchemes(cognito);
    expect(Object.keys(idToken)).to.deep.equal(["cognito"]);
    expect(idToken["cognito"]).to.include({ type: "apiKey", name: "Authorization", in: "header" });
    expect(idToken["cognito"]!.description).to.match(/ID token/);
    expect(securitySchemes(scoped)["cognito"]!.description).to.match(/access token/);
  });

  it("iam takes a SigV4 signature in Authorization; an API key goes in x-api-key", () => {
    const both = securitySchemes({ auth: "iam", apiKey: true });
    expect(Object.keys(both).sort()).to.deep.equal(["api_key", "sigv4"]);
    expect(both["sigv4"]).to.include({ type: "apiKey", name: "Authorization", in: "header" });
    expect(both["sigv4"]!.description).to.match(/Signature Version 4/);
    expect(both["api_key"]).to.include({ type: "apiKey", name: "x-api-key", in: "header" });
    expect(both["api_key"]!.description).to.match(/it does not authenticate/);
    expect(securitySchemes(keyOnly)).to.have.all.keys("api_key");
  });
});

describe("security: the requirement of a method", () => {
  it("leaves preflights and the open group open in every stack", () => {
    for (const security of [cognito, scoped, iam, keyOnly]) {
      expect(securityRequirement(security, "OPTIONS", "/items/{id}", TABLE)).to.equal(undefined);
      expect(securityRequirement(security, "GET", "/openapi.json", TABLE)).to.equal(undefined);
      expect(groupRequirement(security, "open")).to.equal(undefined);
    }
  });

  it("protects the table's other operations, and ANY on any path", () => {
    expect(securityRequirement(iam, "GET", "/items", TABLE)).to.deep.equal([{ sigv4: [] }]);
    expect(securityRequirement(iam, "ANY", "/openapi.json", TABLE)).to.deep.equal([{ sigv4: [] }]);
  });

  it("refuses a method the table does not have, naming where to add it", () => {
    expect(() => securityRequirement(iam, "POST", "/openapi.json", TABLE)).to.throw(
      /POST \/openapi.json is not in the operation table: add it to contract\/operations.ts/,
    );
  });

  it("asks the read group for a read scope, the write group for a write scope, ANY for either", () => {
    expect(securityRequirement(scoped, "GET", "/items", TABLE)).to.deep.equal([
      { cognito: ["items/read"] },
    ]);
    for (const method of ["POST", "PUT", "PATCH", "DELETE"]) {
      expect(securityRequirement(scoped, method, "/items/{id}", TABLE)).to.deep.equal([
        { cognito: ["items/write", "items/admin"] },
      ]);
    }
    expect(
      securityRequirement(
        { ...scoped, scopes: { read: ["a", "b"], write: ["b", "c"] } },
        "ANY",
        "/DynamoDBManager",
      ),
    ).to.deep.equal([{ cognito: ["a", "b", "c"] }]);
  });

  it("asks cognito without scopes for no scope, and an API key beside the identity", () => {
    expect(groupRequirement(cognito, "read")).to.deep.equal([{ cognito: [] }]);
    expect(groupRequirement(cognito, "write")).to.deep.equal([{ cognito: [] }]);
    expect(groupRequirement({ ...scoped, apiKey: true }, "write")).to.deep.equal([
      { cognito: ["items/write", "items/admin"], api_key: [] },
    ]);
    expect(groupRequirement(keyOnly, "read")).to.deep.equal([{ api_key: [] }]);
  });

  it("requires nothing of an open stack", () => {
    expect(groupRequirement({ auth: "none", apiKey: false }, "write")).to.equal(undefined);
  });

  it("keeps the API's groups: the document open, every other GET a read, every other method a write", () => {
    for (const op of OPERATIONS) {
      const expected =
        op.path === "/openapi.json" ? "open" : op.method === "GET" ? "read" : "write";
      expect(op.auth, `${op.method} ${op.path}`).to.equal(expected);
    }
  });
});

describe("security: the document with the stack's requirements", () => {
  it("says once, at the root, that an open stack needs no authentication, and changes nothing else", () => {
    const doc = document();
    const out = withSecurity(doc, { auth: "none", apiKey: false }, TABLE);
    expect(out).to.deep.equal({ ...document(), security: [] });
    expect(doc, "the input is left as it was").to.deep.equal(document());
  });

  it("adds the requirement and API Gateway's 401 to each protected operation, responses in order", () => {
    const out = withSecurity(document(), scoped, TABLE);
    const item = out.paths["/items/{id}"]!;
    expect(Object.keys(item).sort()).to.deep.equal(
      ["delete", "get", "options", "parameters", "patch", "post", "put"].sort(),
    );
    expect(item.parameters).to.deep.equal(document().paths["/items/{id}"]!.parameters);
    // Public operations say so: `security: []`, not nothing.
    expect(item.options).to.deep.equal({ ...op("preflight"), security: [] });
    expect(item.get!.security).to.deep.equal([{ cognito: ["items/read"] }]);
    for (const write of [item.put, item.post, item.patch, item.delete]) {
      expect(write!.security).to.deep.equal([{ cognito: ["items/write", "items/admin"] }]);
    }
    expect(Object.keys(item.get!.responses)).to.deep.equal(["200", "401"]);
    const unauthorized = item.get!.responses["401"] as OpenAPIV3.ResponseObject;
    expect(unauthorized.description).to.match(/^API Gateway: .*UNAUTHORIZED/);
    expect(unauthorized.content).to.deep.equal({
      "application/json": { schema: { $ref: "#/components/schemas/Error" } },
    });
    expect(item.get!.operationId).to.equal("get");
    expect(out.paths["/openapi.json"]).to.deep.equal({
      get: { ...op("document"), security: [] },
      options: { ...op("documentPreflight"), security: [] },
    });
    expect(
      out,
      "a secured stack states each operation's requirement, none at the root",
    ).not.to.have.property("security");
  });

  it("merges its schemes into the document's components, keeping what was there", () => {
    const out = withSecurity(document(), { ...cognito, apiKey: true }, TABLE);
    expect(out.components!.schemas).to.deep.equal({ Error: { type: "object" } });
    expect(Object.keys(out.components!.securitySchemes!).sort()).to.deep.equal([
      "api_key",
      "cognito",
      "existing",
    ]);
    expect(out.info).to.deep.equal({ title: "t", version: "1" });
  });

  it("adds components to a document without them, and skips a path without an item", () => {
    const bare: OpenAPIV3.Document = {
      openapi: "3.0.3",
      info: { title: "t", version: "1" },
      paths: { "/items": { get: op("list") }, "/gone": undefined },
    };
    const out = withSecurity(bare, iam, TABLE);
    expect(out.components).to.deep.equal({ securitySchemes: securitySchemes(iam) });
    expect(out.paths["/items"]!.get!.security).to.deep.equal([{ sigv4: [] }]);
    expect(out.paths["/gone"]).to.deep.equal({});
  });

  it("answers 403 for IAM and for a missing API key, both named when both apply; 401 only for cognito", () => {
    const responses = (security: ApiSecurity) =>
      withSecurity(document(), security, TABLE).paths["/items/{id}"]!.post!.responses;
    const forbidden = (security: ApiSecurity) =>
      (responses(security)["403"] as OpenAPIV3.ResponseObject).description;

    expect(Object.keys(responses(iam))).to.deep.equal(["200", "403"]);
    expect(forbidden(iam)).to.match(/^API Gateway: no valid SigV4 signature .*ACCESS_DENIED\)\.$/);
    expect(Object.keys(responses(keyOnly))).to.deep.equal(["200", "403"]);
    expect(forbidden(keyOnly)).to.equal(
      "API Gateway: no valid API key in x-api-key (INVALID_API_KEY).",
    );
    const both = forbidden({ auth: "iam", apiKey: true });
    expect(both).to.match(/ACCESS_DENIED\); no valid API key in x-api-key \(INVALID_API_KEY\)\.$/);
    expect(Object.keys(responses({ ...cognito, apiKey: true }))).to.deep.equal([
      "200",
      "401",
      "403",
    ]);
  });
});

describe("security: operations outside the table", () => {
  it("are refused, naming the operation and where to add it", () => {
    const doc = document();
    doc.paths["/widgets"] = { get: op("listWidgets") };
    expect(() => withSecurity(doc, iam, TABLE)).to.throw(
      /GET \/widgets \(operationId listWidgets\) is not in the operation table/,
    );
  });
});
