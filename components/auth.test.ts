/**
 * Authentication as the program declares it, under mocks, for each mode: the Cognito user pool
 * and app client (held to what Cognito refuses), the authorizer or SigV4 in the API's body, which
 * methods stay open, the outputs, and that the document the function serves states the same
 * requirements as the deployed body.
 */
/* eslint-disable @typescript-eslint/no-explicit-any -- recorded inputs are untyped data */
import { expect } from "chai";
import { ENV } from "../contract/env";
import { buildOpenApiDocument, publicDocument, type Document } from "../contract/openapi";
import { ROUTES } from "../contract/operations";
import { parseApiSecurity } from "../contract/security";
import { withSecurity } from "../contract/openapi-security";
import { reveal, runProgram, type ProgramRun, type RecordedResource } from "../local/program";
import { COGNITO_LIMITS } from "./auth";
import { parseConfig } from "./config";

const NS = "lambda-apigateway";
const T = {
  userPool: "aws:cognito/userPool:UserPool",
  client: "aws:cognito/userPoolClient:UserPoolClient",
  resourceServer: "aws:cognito/resourceServer:ResourceServer",
  domain: "aws:cognito/userPoolDomain:UserPoolDomain",
  restApi: "aws:apigateway/restApi:RestApi",
  stage: "aws:apigateway/stage:Stage",
  function: "aws:lambda/function:Function",
};

const one = (run: ProgramRun, type: string): RecordedResource => {
  const found = run.ofType(type);
  expect(found, type).to.have.length(1);
  return found[0]!;
};
const bodyOf = (run: ProgramRun) => JSON.parse(one(run, T.restApi).inputs.body) as Document;

/** Every method of the body, ANY included, upper case. */
function methodsOf(body: Document): { path: string; method: string; op: any }[] {
  return Object.entries<any>(body.paths).flatMap(([path, item]) =>
    Object.entries<any>(item)
      .filter(([k]) => k !== "parameters")
      .map(([k, op]) => ({
        path,
        method: k === "x-amazon-apigateway-any-method" ? "ANY" : k.toUpperCase(),
        op,
      })),
  );
}

const isOpen = (path: string, method: string) =>
  method === "OPTIONS" || (method === "GET" && path === "/openapi.json");

/** What the function serves: the committed document with the security its environment names. */
function servedDocument(run: ProgramRun): Document {
  const env = reveal(one(run, T.function).inputs).environment.variables;
  return withSecurity(buildOpenApiDocument(), parseApiSecurity(env[ENV.apiSecurity]));
}

describe("auth: cognito, a pool created by the stack (prod's config)", function () {
  this.timeout(60_000);
  let run: ProgramRun;
  before(async () => {
    run = await runProgram({ stack: "prod" });
  });

  it("creates a pool only administrators add users to, with a strong password policy", () => {
    const pool = one(run, T.userPool).inputs;
    expect(pool.adminCreateUserConfig.allowAdminCreateUserOnly).to.equal(true);
    expect(pool.passwordPolicy).to.include({
      requireLowercase: true,
      requireUppercase: true,
      requireNumbers: true,
      requireSymbols: true,
    });
    expect(pool.passwordPolicy.minimumLength).to.be.within(
      COGNITO_LIMITS.passwordMinLength.min,
      99,
    );
    // Cognito refuses OPTIONAL or ON MFA without an SMS or TOTP configuration.
    if (pool.mfaConfiguration !== "OFF") {
      expect(!!(pool.softwareTokenMfaConfiguration?.enabled || pool.smsConfiguration)).to.equal(
        true,
      );
    }
    expect(pool.accountRecoverySetting.recoveryMechanisms).to.deep.equal([
      { name: "verified_email", priority: 1 },
    ]);
  });

  it("protects the production pool: deletion protection, protect and retainOnDelete", () => {
    const pool = one(run, T.userPool);
    expect(pool.inputs.deletionProtection).to.equal("ACTIVE");
    expect(pool.options).to.deep.equal({ protect: true, retainOnDelete: true });
  });

  it("gives the app client no secret, SRP sign-in only and token lifetimes Cognito accepts", () => {
    const client = one(run, T.client).inputs;
    expect(client.userPoolId).to.equal(one(run, T.userPool).id);
    expect(client.generateSecret).to.equal(false);
    expect(client.explicitAuthFlows).to.have.members([
      "ALLOW_USER_SRP_AUTH",
      "ALLOW_REFRESH_TOKEN_AUTH",
    ]);
    expect(client.preventUserExistenceErrors).to.equal("ENABLED");
    expect(client.tokenValidityUnits).to.deep.equal({
      accessToken: "minutes",
      idToken: "minutes",
      refreshToken: "days",
    });
    for (const key of ["accessTokenValidity", "idTokenValidity"]) {
      expect(client[key], key).to.be.within(5, 1440);
      expect(client.refreshTokenValidity * 1440, `refresh outlasts ${key}`).to.be.above(
        client[key],
      );
    }
    expect(client.refreshTokenValidity).to.be.within(1, 3650);
  });

  it("puts a cognito_user_pools authorizer for the pool in the body", () => {
    const scheme = (bodyOf(run).components?.securitySchemes as any).cognito;
    // API Gateway's import takes a Cognito authorizer only as an apiKey scheme on Authorization.
    expect(scheme).to.include({ type: "apiKey", name: "Authorization", in: "header" });
    expect(scheme["x-amazon-apigateway-authtype"]).to.equal("cognito_user_pools");
    expect(scheme["x-amazon-apigateway-authorizer"]).to.deep.equal({
      type: "cognito_user_pools",
      providerARNs: [one(run, T.userPool).state.arn],
    });
  });

  it("requires the token on every method but CORS preflights and GET /openapi.json", () => {
    const methods = methodsOf(bodyOf(run));
    expect(methods.length).to.be.above(ROUTES.length);
    for (const { path, method, op } of methods) {
      const requirement = op.security?.[0];
      if (isOpen(path, method)) expect(op.security, `${method} ${path}`).to.deep.equal([]);
      else expect(requirement?.cognito, `${method} ${path}`).to.deep.equal([]);
    }
  });

  it("serves the requirements it deploys: the public body is the document the function serves", () => {
    const served = servedDocument(run);
    const deployed = publicDocument(bodyOf(run));
    expect(deployed).to.deep.equal({
      ...served,
      info: { ...served.info, title: deployed.info.title },
    });
  });

  it("exports the pool, its issuer and the app client", () => {
    const pool = one(run, T.userPool);
    expect(pool.id).to.match(/^us-east-1_[0-9A-Za-z]{9}$/);
    expect(run.outputs.userPoolIssuer).to.equal(
      `https://cognito-idp.us-east-1.amazonaws.com/${pool.id}`,
    );
    expect(run.outputs.userPoolClientId).to.equal(one(run, T.client).id);
  });
});

describe("auth: cognito with read and write scopes", function () {
  this.timeout(60_000);
  let run: ProgramRun;
  before(async () => {
    run = await runProgram({
      stack: "prod",
      config: {
        [`${NS}:cognito`]: { resourceServer: "items", domainPrefix: "lambda-apigateway-prod-test" },
      },
    });
  });

  it("defines the scopes on a resource server, which Cognito needs before a client may use them", () => {
    const server = one(run, T.resourceServer).inputs;
    expect(server.identifier).to.equal("items");
    expect(server.scopes.map((s: any) => s.scopeName).sort()).to.deep.equal(["read", "write"]);
    for (const s of server.scopes)
      expect(s.scopeName).to.match(/^[\x21\x23-\x2E\x30-\x5B\x5D-\x7E]{1,256}$/);
    const client = one(run, T.client).inputs;
    expect(client.allowedOauthScopes).to.include.members(["items/read", "items/write"]);
    // Cognito refuses OAuth flows without the flag, callback URLs and an identity provider.
    expect(client.allowedOauthFlowsUserPoolClient).to.equal(true);
    expect(client.allowedOauthFlows).to.deep.equal(["code"]);
    expect(client.callbackUrls).to.deep.equal(["https://app.example.com"]);
    expect(client.supportedIdentityProviders).to.deep.equal(["COGNITO"]);
    expect(one(run, T.domain).inputs.domain).to.equal("lambda-apigateway-prod-test");
  });

  it("asks reads for the read scope, writes for the write scope, ANY for either", () => {
    const defined = new Set(one(run, T.resourceServer).state.scopeIdentifiers as string[]);
    for (const { path, method, op } of methodsOf(bodyOf(run))) {
      if (isOpen(path, method)) continue;
      const scopes: string[] = op.security[0].cognito;
      const expected =
        method === "ANY"
          ? ["items/read", "items/write"]
          : method === "GET"
            ? ["items/read"]
            : ["items/write"];
      expect(scopes, `${method} ${path}`).to.deep.equal(expected);
      for (const scope of scopes) expect(defined.has(scope), scope).to.equal(true);
    }
  });

  it("serves the same scopes it deploys", () => {
    const served = servedDocument(run);
    expect(publicDocument(bodyOf(run)).paths).to.deep.equal(served.paths);
  });
});

describe("auth: cognito with an existing pool", function () {
  this.timeout(60_000);
  const arn = "arn:aws:cognito-idp:us-east-1:123456789012:userpool/us-east-1_AbCdEfGhI";
  let run: ProgramRun;
  before(async () => {
    run = await runProgram({ stack: "prod", config: { [`${NS}:cognito`]: { userPoolArn: arn } } });
  });

  it("creates no pool or client and trusts the given pool", () => {
    expect(run.ofType(T.userPool)).to.deep.equal([]);
    expect(run.ofType(T.client)).to.deep.equal([]);
    const scheme = (bodyOf(run).components?.securitySchemes as any).cognito;
    expect(scheme["x-amazon-apigateway-authorizer"].providerARNs).to.deep.equal([arn]);
    expect(run.outputs.userPoolIssuer).to.equal(
      "https://cognito-idp.us-east-1.amazonaws.com/us-east-1_AbCdEfGhI",
    );
  });
});

for (const region of ["us-east-1", "cn-north-1"]) {
  describe(`auth: iam (${region})`, function () {
    this.timeout(60_000);
    let run: ProgramRun;
    before(async () => {
      run = await runProgram({
        stack: "dev",
        config: { [`${NS}:auth`]: "iam", "aws:region": region },
      });
    });

    it("signs every method but CORS preflights and GET /openapi.json with SigV4 (AWS_IAM)", () => {
      const body = bodyOf(run);
      expect((body.components?.securitySchemes as any).sigv4).to.deep.include({
        type: "apiKey",
        name: "Authorization",
        in: "header",
        "x-amazon-apigateway-authtype": "awsSigv4",
      });
      for (const { path, method, op } of methodsOf(body)) {
        if (isOpen(path, method)) expect(op.security, `${method} ${path}`).to.deep.equal([]);
        else expect(op.security, `${method} ${path}`).to.deep.equal([{ sigv4: [] }]);
      }
      expect(run.ofType(T.userPool)).to.deep.equal([]);
    });

    it("exports the execute-api:Invoke resource in the region's partition", () => {
      const partition = region.startsWith("cn-") ? "aws-cn" : "aws";
      expect(run.outputs.invokeResourceArn).to.equal(`${one(run, T.stage).state.executionArn}/*/*`);
      expect(run.outputs.invokeResourceArn).to.match(
        new RegExp(`^arn:${partition}:execute-api:${region}:\\d{12}:[a-z0-9]+/test/\\*/\\*$`),
      );
    });

    it("serves the requirements it deploys", () => {
      const served = servedDocument(run);
      expect(publicDocument(bodyOf(run)).paths).to.deep.equal(served.paths);
      expect(publicDocument(bodyOf(run)).components).to.deep.equal(served.components);
    });
  });
}

describe("auth config: what Cognito refuses fails the program, naming the key", () => {
  // The raw config as Pulumi hands it to the program: groups as JSON.
  const raw = (cognito: Record<string, unknown>, corsAllowOrigins?: string[]) => ({
    auth: "cognito",
    cognito: JSON.stringify(cognito),
    ...(corsAllowOrigins ? { corsAllowOrigins: JSON.stringify(corsAllowOrigins) } : {}),
  });
  const scoped = { resourceServer: "items", domainPrefix: "login" };
  const cases: [Record<string, string>, RegExp][] = [
    [{ auth: "oauth" }, /lambda-apigateway:auth must be one of none, cognito, iam/],
    [raw({ accessTokenMinutes: 4 }), /cognito\.accessTokenMinutes must be at least 5/],
    [raw({ idTokenMinutes: 1441 }), /cognito\.idTokenMinutes must be at most 1440/],
    [raw({ refreshTokenDays: 3651 }), /cognito\.refreshTokenDays must be at most 3650/],
    [
      raw({ refreshTokenDays: 1, accessTokenMinutes: 1440 }),
      /cognito\.refreshTokenDays must outlast accessTokenMinutes \(1440 minutes\)/,
    ],
    [
      raw({ refreshTokenDays: 1, idTokenMinutes: 1440 }),
      /cognito\.refreshTokenDays must outlast idTokenMinutes \(1440 minutes\)/,
    ],
    [raw({ passwordMinLength: 6 }), /cognito\.passwordMinLength must be at least 8/],
    [raw({ passwordMinLength: 100 }), /cognito\.passwordMinLength must be at most 99/],
    [raw({ domainPrefix: "my-aws-login" }), /cognito\.domainPrefix must not contain "aws"/],
    [raw({ domainPrefix: "-login" }), /cognito\.domainPrefix must be 1–63/],
    [raw({ resourceServer: "has space" }), /cognito\.resourceServer must be 1–256/],
    [
      raw({ resourceServer: "items" }, ["https://a.example"]),
      /cognito\.domainPrefix must be set with resourceServer/,
    ],
    [raw(scoped, ["*"]), /lambda-apigateway:corsAllowOrigins must name the browser app's origin/],
    [
      raw(scoped, ["http://app.example"]),
      /corsAllowOrigins must be https \(or http:\/\/localhost\) with cognito\.resourceServer: Cognito refuses other callback URLs \(http:\/\/app\.example\)/,
    ],
    [raw({ userPoolArn: "us-east-1_abc" }), /cognito\.userPoolArn must be a Cognito user pool ARN/],
    [raw({ selfSignup: true }), /cognito\.selfSignup is not a known key/],
  ];
  for (const [config, message] of cases) {
    it(JSON.stringify(config), () => {
      expect(() => parseConfig("prod", config)).to.throw(message);
    });
  }

  it("accepts prod's settings, and scopes with a domain and an https origin", () => {
    expect(parseConfig("prod", { auth: "cognito" }).auth).to.equal("cognito");
    const cfg = parseConfig(
      "prod",
      raw({ resourceServer: "items", domainPrefix: "login-prod" }, [
        "https://app.example.com",
        "http://localhost:5173",
      ]),
    );
    expect(cfg.cognito.resourceServer).to.equal("items");
  });

  it("leaves the rules of a created pool to a created pool: an existing pool needs none", () => {
    const cfg = parseConfig(
      "prod",
      raw(
        {
          userPoolArn: "arn:aws:cognito-idp:us-east-1:123456789012:userpool/us-east-1_AbC",
          resourceServer: "items",
          refreshTokenDays: 1,
          accessTokenMinutes: 1440,
        },
        ["*"],
      ),
    );
    expect(cfg.cognito.resourceServer).to.equal("items");
  });
});
