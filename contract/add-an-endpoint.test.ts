/**
 * The "add an endpoint" guide, followed once on a copy of the table: one entry (a throwaway
 * `GET /widgets/{widgetId}`, testing/fixtures/add-an-endpoint/widgets.ts) reaches the OpenAPI
 * document, its security, the REST API's body and the local cloud's routes, through the same
 * functions the program uses. (The handler's branch is the step TypeScript enforces: see
 * `parseRequest` in handlers/core/request.ts.)
 */
/* eslint-disable @typescript-eslint/no-explicit-any -- documents are untyped data here */
import * as os from "node:os";
import * as path from "node:path";
import { expect } from "chai";
import type { OpenAPIV3 } from "openapi-types";
import { restApiBody } from "../components/api";
import { buildModel } from "../local/model";
import { runProgram } from "../local/program";
import { matchRoute } from "../local/routing";
import { GET_WIDGET, WITH_WIDGETS } from "../testing/fixtures/add-an-endpoint/widgets";
import { buildOpenApiDocument } from "./openapi";
import { withSecurity } from "./openapi-security";
import { CATCH_ALL_PATH, OPERATIONS, routesOf } from "./operations";
import { OPEN } from "./security";

const FIXTURE = path.join(__dirname, "..", "testing", "fixtures", "add-an-endpoint");
const WIDGET = "/widgets/{widgetId}";

describe("adding an endpoint: one table entry reaches every part", function () {
  this.timeout(120_000);
  const document = buildOpenApiDocument(WITH_WIDGETS);

  it("is not in the real table (the copy is the test's own)", () => {
    expect(OPERATIONS.map((op) => op.path)).to.not.include(WIDGET);
  });

  it("the routes and the OpenAPI document list it, with its parameter, answers and preflight", () => {
    expect(routesOf(WITH_WIDGETS)).to.deep.include({ path: WIDGET, methods: ["GET"] });
    const item = document.paths[WIDGET] as OpenAPIV3.PathItemObject;
    const get = item.get!;
    expect(get.operationId).to.equal(GET_WIDGET.operationId);
    const [parameter] = get.parameters as OpenAPIV3.ParameterObject[];
    expect(parameter).to.include({ name: "widgetId", in: "path", required: true });
    expect(parameter!.schema).to.include({ type: "string", minLength: 1 });
    expect(Object.keys(get.responses)).to.include.members(["200", "404", "500"]);
    expect(item.options?.tags).to.deep.equal(["CORS"]);
    // Everything else is as the real table makes it.
    const real = buildOpenApiDocument();
    const { [WIDGET]: added, ...others } = document.paths;
    expect(added).to.not.equal(undefined);
    expect(others).to.deep.equal(real.paths);
  });

  it("its scope group decides its security: a read scope on a Cognito stack", () => {
    const scopes = { read: ["items/read"], write: ["items/write"] };
    const secured = withSecurity(
      document,
      { auth: "cognito", apiKey: false, scopes },
      WITH_WIDGETS,
    );
    expect((secured.paths[WIDGET] as any).get.security).to.deep.equal([
      { cognito: ["items/read"] },
    ]);
  });

  it("the REST API's body integrates it with the function, with ANY beside it", () => {
    const invokeArn =
      "arn:aws:apigateway:us-east-1:lambda:path/2015-03-31/functions/fn/invocations";
    const body = restApiBody(document, {
      title: "DynamoDBOperations",
      invokeArn,
      security: OPEN,
      corsAllowOrigins: [],
      catchAllPath: CATCH_ALL_PATH,
    }) as any;
    const item = body.paths[WIDGET];
    expect(Object.keys(item).sort()).to.deep.equal([
      "get",
      "options",
      "x-amazon-apigateway-any-method",
    ]);
    expect(item.get["x-amazon-apigateway-integration"]).to.include({
      type: "aws_proxy",
      uri: invokeArn,
    });
  });

  it("the local cloud, built from the program's recorded resources, routes it to the function", async () => {
    const run = await runProgram({ projectDir: FIXTURE, stack: "test" });
    const model = await buildModel(run, FIXTURE, os.tmpdir());
    const api = model.apis[0]!;
    const fn = model.functions[0]!;
    const match = matchRoute(api.root, "/widgets/w-1", "GET");
    expect(match?.resource.path).to.equal(WIDGET);
    expect(match?.method?.httpMethod).to.equal("GET");
    expect(match?.method?.functionName).to.equal(fn.name);
    expect(match?.pathParameters).to.deep.equal({ widgetId: "w-1" });
    // A method the table does not list still reaches the function (for its 405), through ANY.
    expect(matchRoute(api.root, "/widgets/w-1", "DELETE")?.method?.httpMethod).to.equal("ANY");
  });
});
