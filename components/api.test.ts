/**
 * The REST API's body as AWS sees it: what API Gateway's import refuses or ignores, checked on
 * the bodies of both committed stacks; what two versions of the program deploy, compared
 * under mocks: a removed route leaves the body, a renamed path parameter is one body update; the
 * stage's detailed metrics; and the account's CloudWatch role its access logs need.
 */
/* eslint-disable @typescript-eslint/no-explicit-any -- documents are untyped data here */
import * as path from "node:path";
import SwaggerParser from "@apidevtools/swagger-parser";
import { expect } from "chai";
import type { OpenAPIV3 } from "openapi-types";
import { ACCOUNT_ID, runProgram, type ProgramRun } from "../local/program";
import { gatewayCorsParameters } from "./api";
import { mockPreflight } from "./api/body";
import { buildOpenApiDocument } from "../contract/openapi";
import { ROUTES } from "../contract/operations";
import { readConfig } from "../handlers/core/config";
import { parseRequest } from "../handlers/core/request";
import { declaredFunction } from "../testing/handler";
import { missingCloudWatchRoleMessage, requireCloudWatchRole } from "./api/account";
import { CONFIG_NAMESPACE } from "./config";

const REST_API = "aws:apigateway/restApi:RestApi";
const DEPLOYMENT = "aws:apigateway/deployment:Deployment";
const METHOD_SETTINGS = "aws:apigateway/methodSettings:MethodSettings";
const STAGE = "aws:apigateway/stage:Stage";
const ACCOUNT = "aws:apigateway/account:Account";
const VERSIONS_DIR = path.join(__dirname, "fixtures", "api-versions");

const restApiOf = (run: ProgramRun) => {
  const apis = run.ofType(REST_API);
  expect(apis).to.have.length(1);
  return apis[0]!;
};
const bodyOf = (run: ProgramRun) => JSON.parse(restApiOf(run).inputs.body) as OpenAPIV3.Document;

/** Every schema object in a document, with where it is. */
function schemaObjects(doc: any): { where: string; schema: any }[] {
  const out: { where: string; schema: any }[] = [];
  const visit = (schema: any, where: string) => {
    if (!schema || typeof schema !== "object") return;
    out.push({ where, schema });
    for (const key of ["items", "additionalProperties", "not"])
      visit(schema[key], `${where}.${key}`);
    for (const key of ["anyOf", "oneOf", "allOf"]) {
      (schema[key] ?? []).forEach((s: any, i: number) => visit(s, `${where}.${key}[${i}]`));
    }
    for (const [name, s] of Object.entries(schema.properties ?? {})) visit(s, `${where}.${name}`);
  };
  for (const [name, s] of Object.entries(doc.components?.schemas ?? {})) visit(s, name);
  for (const [p, item] of Object.entries<any>(doc.paths)) {
    for (const [m, op] of Object.entries<any>(item)) {
      for (const param of op?.parameters ?? []) visit(param.schema, `${m} ${p} ${param.name}`);
    }
  }
  return out;
}

const operations = (doc: any) =>
  Object.entries<any>(doc.paths).flatMap(([p, item]) =>
    Object.entries<any>(item).map(([method, op]) => ({ path: p, method, op })),
  );

for (const stack of ["dev", "prod"]) {
  describe(`REST API body of stack ${stack}: what API Gateway accepts`, function () {
    this.timeout(60_000);
    let run: ProgramRun;
    let body: any;

    before(async () => {
      run = await runProgram({ stack });
      body = bodyOf(run);
    });

    it("is a valid OpenAPI 3.0 document (API Gateway imports 3.0, not 3.1)", async () => {
      expect(body.openapi).to.match(/^3\.0\.\d+$/);
      await SwaggerParser.validate(structuredClone(body));
    });

    it("answers each route's preflight with a MOCK: the function's own headers, no invoke, no auth", async () => {
      const { env } = await declaredFunction(run);
      const config = readConfig(env);
      const origin = config.corsAllowOrigins[0]!;
      for (const route of ROUTES) {
        const op = body.paths[route.path].options;
        const integration = op["x-amazon-apigateway-integration"];
        expect(integration.type, route.path).to.equal("mock");
        expect(integration.requestTemplates).to.deep.equal({
          "application/json": '{"statusCode": 200}',
        });
        expect(op.security ?? [], "a preflight carries no credentials").to.deep.equal([]);
        const mocked = Object.fromEntries(
          Object.entries<string>(integration.responses.default.responseParameters).map(([k, v]) => [
            k.replace("method.response.header.", "").toLowerCase(),
            v.slice(1, -1),
          ]),
        );
        // What the function answers a preflight from an allowed origin.
        const command = parseRequest(
          {
            method: "OPTIONS",
            resource: route.path,
            path: route.path,
            pathParameters: {},
            query: {},
            headers: { origin },
            body: null,
            bodyBytes: 0,
            basePath: "",
          },
          { config, generateId: () => "" },
        );
        expect(command.kind).to.equal("respond");
        const answer = (command as { response: { status: number; headers: object } }).response;
        expect(integration.responses.default.statusCode).to.equal(String(answer.status));
        expect(mocked, route.path).to.deep.equal(answer.headers);
      }
    });

    it("declares the body media types binary, so the function gets the bytes a client sent", () => {
      const taken = new Set(
        operations(body).flatMap(({ op }) => Object.keys(op.requestBody?.content ?? {})),
      );
      expect(body["x-amazon-apigateway-binary-media-types"]).to.have.members([...taken]);
      // Not */*: a preflight (no body, no Content-Type) stays a text request for its MOCK template.
      expect(body["x-amazon-apigateway-binary-media-types"]).not.to.include("*/*");
    });

    it("is under PutRestApi's 6 MB limit", () => {
      expect(Buffer.byteLength(restApiOf(run).inputs.body)).to.be.below(6 * 1024 * 1024);
    });

    it("has path segments API Gateway allows, parameters whole segments, greedy ones last", () => {
      for (const p of Object.keys(body.paths)) {
        const segments = p.split("/").slice(1);
        segments.forEach((seg, i) => {
          if (p === "/") return;
          const param = /^\{[A-Za-z0-9_]+\+?\}$/.test(seg);
          expect(param || /^[A-Za-z0-9._,:-]+$/.test(seg), `${p}: segment "${seg}"`).to.equal(true);
          if (seg.endsWith("+}"))
            expect(i, `${p}: greedy parameter last`).to.equal(segments.length - 1);
        });
      }
    });

    it("has no sibling path parameters with different names (API Gateway refuses them)", () => {
      const byParent = new Map<string, Set<string>>();
      for (const p of Object.keys(body.paths)) {
        const segments = p.split("/");
        segments.forEach((seg, i) => {
          if (!seg.startsWith("{")) return;
          const parent = segments.slice(0, i).join("/");
          if (!byParent.has(parent)) byParent.set(parent, new Set());
          byParent.get(parent)!.add(seg.replace("+", ""));
        });
      }
      for (const [parent, names] of byParent) {
        expect([...names], `variable children of "${parent || "/"}"`).to.have.length(1);
      }
    });

    it("declares every path parameter of every method, including ANY", () => {
      for (const { path: p, method, op } of operations(body)) {
        const names = [...p.matchAll(/\{([^}+]+)\+?\}/g)].map((m) => m[1]).sort();
        const declared = (op.parameters ?? [])
          .filter((x: any) => x.in === "path")
          .map((x: any) => x.name)
          .sort();
        expect(declared, `${method} ${p}`).to.deep.equal(names);
      }
    });

    it("has alphanumeric model names and only apiKey security schemes, set per operation", () => {
      for (const name of Object.keys(body.components.schemas)) {
        expect(name, "model name").to.match(/^[A-Za-z0-9]+$/);
      }
      for (const [name, scheme] of Object.entries<any>(body.components.securitySchemes ?? {})) {
        expect(scheme.type, name).to.equal("apiKey");
      }
      // API Gateway ignores root-level security.
      expect(body.security).to.equal(undefined);
    });

    it("uses no schema keyword API Gateway's import refuses", () => {
      for (const { where, schema } of schemaObjects(body)) {
        for (const keyword of [
          "discriminator",
          "example",
          "exclusiveMinimum",
          "readOnly",
          "default",
          "deprecated",
        ]) {
          expect(schema, `${where}.${keyword}`).not.to.have.property(keyword);
        }
        expect(["int32", "int64", "decimal"], `${where} format`).not.to.include(schema.format);
      }
    });

    it("gives every body a named model and every response inline (no response $ref)", () => {
      for (const { path: p, method, op } of operations(body)) {
        for (const [status, response] of Object.entries<any>(op.responses ?? {})) {
          expect(response, `${method} ${p} ${status}`).not.to.have.property("$ref");
          for (const [type, media] of Object.entries<any>(response.content ?? {})) {
            // Method responses must be objects, not primitives: a model reference is.
            expect(media.schema, `${method} ${p} ${status} ${type}`).to.have.keys("$ref");
          }
        }
        for (const [type, media] of Object.entries<any>(op.requestBody?.content ?? {})) {
          expect(media.schema, `${method} ${p} body ${type}`).to.have.keys("$ref");
        }
      }
    });

    it("integrates as Lambda proxy (POST), preflights as MOCK, and declares known gateway response types only", () => {
      for (const { path: p, method, op } of operations(body)) {
        const integration = op["x-amazon-apigateway-integration"];
        // Both stacks allow one origin: API Gateway answers their preflights itself.
        if (method === "options") {
          expect(integration?.type, `${method} ${p}`).to.equal("mock");
          continue;
        }
        expect(integration?.type, `${method} ${p}`).to.equal("aws_proxy");
        expect(integration.httpMethod, "Lambda is invoked with POST").to.equal("POST");
      }
      const known = new Set([
        "ACCESS_DENIED",
        "API_CONFIGURATION_ERROR",
        "AUTHORIZER_CONFIGURATION_ERROR",
        "AUTHORIZER_FAILURE",
        "BAD_REQUEST_PARAMETERS",
        "BAD_REQUEST_BODY",
        "DEFAULT_4XX",
        "DEFAULT_5XX",
        "EXPIRED_TOKEN",
        "INTEGRATION_FAILURE",
        "INTEGRATION_TIMEOUT",
        "INVALID_API_KEY",
        "INVALID_SIGNATURE",
        "MISSING_AUTHENTICATION_TOKEN",
        "QUOTA_EXCEEDED",
        "REQUEST_TOO_LARGE",
        "RESOURCE_NOT_FOUND",
        "THROTTLED",
        "UNAUTHORIZED",
        "UNSUPPORTED_MEDIA_TYPE",
        "WAF_FILTERED",
      ]);
      for (const [type, r] of Object.entries<any>(body["x-amazon-apigateway-gateway-responses"])) {
        expect(known.has(type), type).to.equal(true);
        for (const [name, value] of Object.entries<string>(r.responseParameters)) {
          expect(name, "a response header").to.match(/^gatewayresponse\.header\.[A-Za-z0-9-]+$/);
          expect(value, `${name}: a static value is quoted`).to.match(/^'[^']*'$/);
        }
      }
    });
  });
}

describe("gateway responses' CORS headers", () => {
  it("match the function where API Gateway can: none, *, or one origin; Vary only for several", () => {
    expect(gatewayCorsParameters([])).to.deep.equal({});
    expect(gatewayCorsParameters(["*"])).to.have.property(
      "gatewayresponse.header.Access-Control-Allow-Origin",
      "'*'",
    );
    expect(gatewayCorsParameters(["https://a.example"])).to.include({
      "gatewayresponse.header.Access-Control-Allow-Origin": "'https://a.example'",
      "gatewayresponse.header.Vary": "'Origin'",
    });
    expect(gatewayCorsParameters(["https://a.example", "https://b.example"])).to.deep.equal({
      "gatewayresponse.header.Vary": "'Origin'",
    });
  });
});

describe("preflights: MOCK only where the answer is the same for every Origin", () => {
  const doc = buildOpenApiDocument() as any;
  const op = doc.paths["/items"].options;
  const security = { auth: "cognito", apiKey: true } as const;
  it("is a MOCK with no origin, *, or one origin", () => {
    for (const origins of [[], ["*"], ["https://a.example"]]) {
      const mock = mockPreflight("/items", op, { corsAllowOrigins: origins, security }) as any;
      expect(mock["x-amazon-apigateway-integration"].type, origins.join()).to.equal("mock");
    }
    const one = mockPreflight("/items", op, {
      corsAllowOrigins: ["https://a.example"],
      security,
    }) as any;
    expect(one["x-amazon-apigateway-integration"].responses.default.responseParameters).to.include({
      "method.response.header.Access-Control-Allow-Origin": "'https://a.example'",
      "method.response.header.Access-Control-Allow-Headers":
        "'content-type, if-match, idempotency-key, authorization, x-api-key'",
      "method.response.header.Allow": "'GET, POST, OPTIONS'",
    });
  });

  it("leaves the preflight to the function with several origins (the answer depends on Origin)", () => {
    const origins = ["https://a.example", "https://b.example"];
    expect(mockPreflight("/items", op, { corsAllowOrigins: origins, security })).to.equal(
      undefined,
    );
  });
});

describe("two versions of the API under mocks", function () {
  this.timeout(120_000);
  const runs: Record<string, ProgramRun> = {};

  before(async () => {
    for (const variant of ["v1", "removed", "renamed"]) {
      runs[variant] = await runProgram({ projectDir: VERSIONS_DIR, stack: variant });
    }
  });

  /** Every resource's type and name: what Pulumi would create, keep or delete. */
  const inventory = (run: ProgramRun) => run.resources.map((r) => `${r.type} ${r.name}`).sort();
  const trigger = (run: ProgramRun) => run.ofType(DEPLOYMENT)[0]!.inputs.triggers.redeployment;

  it("removing a route removes it from the body, and the API is redeployed", () => {
    const before = bodyOf(runs.v1!);
    const after = bodyOf(runs.removed!);
    expect(before.paths).to.have.property("/openapi.json");
    expect(after.paths).not.to.have.property("/openapi.json");
    // With putRestApiMode overwrite, the whole API is the body: nothing else to delete.
    expect(restApiOf(runs.removed!).inputs.putRestApiMode).to.equal("overwrite");
    expect(inventory(runs.removed!)).to.deep.equal(inventory(runs.v1!));
    expect(trigger(runs.removed!)).to.not.equal(trigger(runs.v1!));
  });

  it("renaming {id} to {itemId} is one update of the same RestApi, with no resource to create first", () => {
    const before = bodyOf(runs.v1!);
    const after = bodyOf(runs.renamed!);
    expect(Object.keys(after.paths)).to.include("/items/{itemId}").and.not.include("/items/{id}");
    for (const { method, op } of operations(after).filter((o) => o.path === "/items/{itemId}")) {
      const names = (op.parameters ?? [])
        .filter((p: any) => p.in === "path")
        .map((p: any) => p.name);
      expect(names, method).to.deep.equal(["itemId"]);
    }
    // Same resources, same names: Pulumi updates the RestApi's body in place (one PutRestApi),
    // where per-route Resources would create {itemId} beside {id} and fail as its sibling.
    expect(inventory(runs.renamed!)).to.deep.equal(inventory(runs.v1!));
    expect(runs.renamed!.ofType("aws:apigateway/resource:Resource")).to.deep.equal([]);
    expect(restApiOf(runs.renamed!).name).to.equal(restApiOf(runs.v1!).name);
    expect(trigger(runs.renamed!)).to.not.equal(trigger(runs.v1!));
    expect(Object.keys(before.paths)).to.include("/items/{id}");
  });
});

describe("API Gateway's detailed metrics", function () {
  this.timeout(120_000);
  const metricsEnabled = (run: ProgramRun) =>
    run.ofType(METHOD_SETTINGS)[0]!.inputs.settings.metricsEnabled;

  it("are off in every committed stack: no alarm or widget reads them", async () => {
    for (const stack of ["dev", "prod"]) {
      const run = await runProgram({ stack });
      expect(run.ofType(METHOD_SETTINGS), stack).to.have.length(1);
      expect(metricsEnabled(run), stack).to.equal(false);
    }
  });

  it("are on when api.detailedMetrics says so", async () => {
    const run = await runProgram({
      stack: "dev",
      config: { [`${CONFIG_NAMESPACE}:api`]: { detailedMetrics: true } },
    });
    expect(metricsEnabled(run)).to.equal(true);
  });
});

describe("the account's CloudWatch role, which a stage's access logs need", function () {
  this.timeout(120_000);
  const failure = async (options: Parameters<typeof runProgram>[0]) => {
    try {
      await runProgram(options);
    } catch (err) {
      return (err as Error).message;
    }
    return undefined;
  };

  it("is read, never owned: one account setting, read by the account id", async () => {
    const run = await runProgram({ stack: "prod" });
    const accounts = run.ofType(ACCOUNT);
    expect(accounts.map((a) => ({ id: a.id, external: a.external }))).to.deep.equal([
      { id: ACCOUNT_ID, external: true },
    ]);
    expect(run.ofType(STAGE)[0]!.inputs.accessLogSettings.destinationArn).to.be.a("string");
  });

  it("stops the program, saying what to do, in an account where bootstrap/ never ran", async () => {
    const message = await failure({ stack: "dev", apiGatewayCloudWatchRoleArn: "" });
    expect(message).to.be.a("string");
    expect(message)
      .to.include("API Gateway has no CloudWatch role in this account's us-east-1 settings")
      .and.include("CloudWatch Logs role ARN must be set in account settings")
      .and.include("bootstrap/")
      .and.include("lambda-apigateway:api.accessLogs: false");
    expect(message).to.equal(
      `The Pulumi program ${path.resolve(__dirname, "..", "index.ts")} failed under mocks: ` +
        `error serializing property "accessLogSettings": ${missingCloudWatchRoleMessage("us-east-1")}`,
    );
  });

  it("stops a preview too, which is where it matters: before anything is created", async () => {
    const message = await failure({
      stack: "prod",
      preview: true,
      apiGatewayCloudWatchRoleArn: "",
    });
    expect(message).to.include(missingCloudWatchRoleMessage("us-east-1"));
  });

  it("is not needed, nor read, with access logs off", async () => {
    const run = await runProgram({
      stack: "dev",
      apiGatewayCloudWatchRoleArn: "",
      config: { [`${CONFIG_NAMESPACE}:api`]: { accessLogs: false } },
    });
    expect(run.ofType(ACCOUNT)).to.deep.equal([]);
    expect(run.ofType(STAGE)[0]!.inputs.accessLogSettings).to.equal(undefined);
  });

  it("requireCloudWatchRole passes a role through and refuses none, naming the region", () => {
    const arn = "arn:aws:iam::123456789012:role/x";
    expect(requireCloudWatchRole(arn, "eu-west-1")).to.equal(arn);
    for (const none of ["", undefined]) {
      expect(() => requireCloudWatchRole(none, "eu-west-1")).to.throw(
        missingCloudWatchRoleMessage("eu-west-1"),
      );
    }
    expect(missingCloudWatchRoleMessage("eu-west-1")).to.include("eu-west-1");
  });
});
