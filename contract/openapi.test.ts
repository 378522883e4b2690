/**
 * The OpenAPI document the generator builds from the operation table: a valid OpenAPI 3.0
 * document with an operation for every entry, the tutorial's examples from the README, and
 * API Gateway's own statuses; and the tables it refuses. The handler is held to it by
 * handlers/contract.test.ts.
 */
import SwaggerParser from "@apidevtools/swagger-parser";
import { expect } from "chai";
import type { OpenAPIV3 } from "openapi-types";
import { buildOpenApiDocument, GATEWAY_STATUSES, OPENAPI_VERSION } from "./openapi";
import { OPERATIONS, ROUTES, findOperation } from "./operations";
import { readmeRequests } from "../testing/readme-requests";

describe("OpenAPI document", function () {
  this.timeout(60_000);
  const document = buildOpenApiDocument();

  it("is a valid OpenAPI 3.0 document (swagger-parser)", async () => {
    expect(document.openapi)
      .to.match(/^3\.0\.\d+$/)
      .and.equal(OPENAPI_VERSION);
    // validate() dereferences in place: give it a copy.
    await SwaggerParser.validate(structuredClone(document) as OpenAPIV3.Document);
  });

  it("has an operation for every entry of the table and a preflight for every path, and nothing else", () => {
    const listed = Object.entries(document.paths).flatMap(([p, item]) =>
      Object.keys(item!)
        .filter((k) => k !== "options")
        .map((m) => `${m.toUpperCase()} ${p}`),
    );
    expect(listed.sort()).to.deep.equal(OPERATIONS.map((op) => `${op.method} ${op.path}`).sort());
    expect(Object.keys(document.paths)).to.deep.equal(ROUTES.map((r) => r.path));
    for (const op of OPERATIONS) {
      const item = document.paths[op.path] as OpenAPIV3.PathItemObject;
      const documented = item[op.method.toLowerCase() as OpenAPIV3.HttpMethods];
      expect(documented?.operationId, `${op.method} ${op.path}`).to.equal(op.operationId);
      expect(item.options, `preflight of ${op.path}`).to.be.an("object");
    }
  });

  it("refuses a table it cannot describe: a repeated operation, a path parameter without a schema", () => {
    const getItem = findOperation(OPERATIONS, "GET", "/items/{id}")!;
    expect(() =>
      buildOpenApiDocument([...OPERATIONS, { ...getItem, operationId: "again" }]),
    ).to.throw(/GET \/items\/\{id\} appears twice/);
    expect(() =>
      buildOpenApiDocument([...OPERATIONS, { ...getItem, path: "/other/{id}" }]),
    ).to.throw(/operationId getItem appears twice/);
    expect(() =>
      buildOpenApiDocument([
        ...OPERATIONS,
        { ...getItem, operationId: "getWidget", path: "/widgets/{widgetId}" },
      ]),
    ).to.throw(
      /GET \/widgets\/\{widgetId\} has no schema for \{widgetId\}.*declares \{id\}, not in its path/,
    );
  });

  it("takes the tutorial endpoint's examples from the README's requests", () => {
    const requests = readmeRequests()
      .filter((r) => r.path === "/DynamoDBManager")
      .map((r) => JSON.parse(r.body!) as unknown);
    expect(requests.length, "README requests found").to.be.at.least(8);
    const examples = findOperation(OPERATIONS, "POST", "/DynamoDBManager")!.body!.examples!;
    for (const [name, example] of Object.entries(examples)) {
      expect(requests, `example ${name}`).to.deep.include(example.value);
    }
  });

  it("documents API Gateway's own statuses on every operation", () => {
    for (const [path, item] of Object.entries(document.paths)) {
      for (const [method, op] of Object.entries(
        item as Record<string, OpenAPIV3.OperationObject>,
      )) {
        for (const status of Object.keys(GATEWAY_STATUSES)) {
          expect(op.responses, `${method} ${path}`).to.have.property(status);
        }
      }
    }
  });
});
