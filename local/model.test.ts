/**
 * The local cloud's model of a body-defined REST API, built from what the real program registers
 * under mocks: routes, ANY, integrations, API key requirements, gateway responses, and how the
 * local API Gateway renders its own errors with them.
 */
import * as os from "node:os";
import { expect } from "chai";
import { CATCH_ALL_PATH, ROUTES } from "../contract/operations";
import { gatewayErrorResponse } from "./gateway-responses";
import { buildModel, type LocalModel, type ResourceModel } from "./model";
import { PROJECT_DIR, runProgram } from "./program";

function methodsByPath(root: ResourceModel): Record<string, string[]> {
  const out: Record<string, string[]> = {};
  const visit = (r: ResourceModel) => {
    if (r.methods.size) out[r.path] = [...r.methods.keys()].sort();
    r.children.forEach(visit);
  };
  visit(root);
  return out;
}

for (const stack of ["dev", "prod"]) {
  describe(`local model of the ${stack} stack's body`, function () {
    this.timeout(60_000);
    let model: LocalModel;

    before(async () => {
      model = await buildModel(await runProgram({ stack }), PROJECT_DIR, os.tmpdir());
    });

    it("has every route with its methods, OPTIONS and ANY, the catch-all and the root", () => {
      const expected: Record<string, string[]> = {};
      for (const r of ROUTES) expected[r.path] = [...r.methods, "OPTIONS", "ANY"].sort();
      expected[CATCH_ALL_PATH] = ["ANY"];
      expected["/"] = ["ANY"];
      expect(methodsByPath(model.apis[0]!.root)).to.deep.equal(expected);
    });

    it("sends every method but preflights to the program's function; preflights are MOCKs", () => {
      const fn = model.functions[0]!.name;
      const visit = (r: ResourceModel): void => {
        for (const m of r.methods.values()) {
          expect(m.unsupported).to.equal(undefined);
          if (m.httpMethod === "OPTIONS") {
            expect(m.functionName, `${m.httpMethod} ${r.path}`).to.equal(undefined);
            // Read from the body: the static headers of its default integration response.
            expect(m.mock?.responses["default"]?.statusCode).to.equal("204");
            expect(m.mock?.responses["default"]?.headers).to.have.property("Allow");
            continue;
          }
          expect(m.functionName, `${m.httpMethod} ${r.path}`).to.equal(fn);
        }
        r.children.forEach(visit);
      };
      visit(model.apis[0]!.root);
    });

    it("knows the API key source, the security of every method and the gateway responses", () => {
      const api = model.apis[0]!;
      expect(api.apiKeySource).to.equal("HEADER");
      expect(api.gatewayResponses).to.have.keys("DEFAULT_4XX", "DEFAULT_5XX", "THROTTLED");
      // prod: a Cognito token and the API key on every method but preflights and the document.
      const prod = stack === "prod";
      const poolArn = prod ? String(model.userPools.find(() => true)?.arn) : undefined;
      const visit = (r: ResourceModel): void => {
        for (const m of r.methods.values()) {
          const open =
            m.httpMethod === "OPTIONS" || (m.httpMethod === "GET" && r.path === "/openapi.json");
          const guarded = prod && !open;
          const where = `${m.httpMethod} ${r.path}`;
          expect(m.apiKeyRequired, where).to.equal(guarded);
          expect(m.authorization, where).to.equal(guarded ? "COGNITO_USER_POOLS" : "NONE");
          expect(m.providerArns, where).to.deep.equal(guarded ? [poolArn] : []);
          expect(m.security, where).to.deep.equal(guarded ? [{ cognito: [], api_key: [] }] : []);
        }
        r.children.forEach(visit);
      };
      visit(api.root);
      if (prod) expect(api.securitySchemes.api_key).to.include({ type: "apiKey", in: "header" });
    });

    it("renders API Gateway's own errors in the declared shape, with the CORS headers", () => {
      const api = model.apis[0]!;
      const origin = stack === "dev" ? "http://localhost:5173" : "https://app.example.com";
      const res = gatewayErrorResponse(api, {
        type: "REQUEST_TOO_LARGE",
        status: 413,
        message: 'Request "Entity" Too Large',
        requestId: "r1",
        requestHeaders: {},
      });
      expect(res.statusCode).to.equal(413);
      expect(JSON.parse(res.body.toString())).to.deep.equal({
        error: { code: "REQUEST_TOO_LARGE", message: 'Request "Entity" Too Large' },
      });
      expect(res.headers["Access-Control-Allow-Origin"]).to.deep.equal([origin]);
      const throttled = gatewayErrorResponse(api, {
        type: "THROTTLED",
        status: 429,
        message: "Too Many Requests",
        requestId: "r2",
        requestHeaders: {},
      });
      expect(throttled.headers["Retry-After"]).to.deep.equal(["1"]);
    });
  });
}

describe("gateway errors of an API that declares no gateway responses", () => {
  it("are API Gateway's built-in {message}", () => {
    const res = gatewayErrorResponse(
      {
        logicalName: "a",
        id: "a",
        name: "a",
        root: { id: "r", path: "/", pathPart: "", children: [], methods: new Map() },
        stages: [],
        usagePlans: [],
        binaryMediaTypes: [],
        apiKeySource: "HEADER",
        securitySchemes: {},
        gatewayResponses: {},
      },
      {
        type: "INTEGRATION_TIMEOUT",
        status: 504,
        message: "Endpoint request timed out",
        requestId: "r",
        requestHeaders: {},
      },
    );
    expect([res.statusCode, JSON.parse(res.body.toString())]).to.deep.equal([
      504,
      { message: "Endpoint request timed out" },
    ]);
  });
});
