/**
 * AWS's rules on every committed stack under mocks (all pass), and each rule on a broken copy of
 * what the program registers (each reports it).
 */
import * as path from "node:path";
import { expect } from "chai";
import { PROJECT_DIR, runProgram, withOverrides, type ProgramRun } from "../local/program";
import {
  AWS_RULES,
  LAMBDA_ENVIRONMENT_MAX_BYTES,
  API_CONFIG_KEY,
  roleSetInConfig,
  accountSettingSurvivesDestroy,
  apiMappingPath,
  apiPathsFromOpenApiBody,
  apiPathsFromResources,
  arnsInStackPartition,
  checkAwsRules,
  domainCertificateInRegion,
  domainNameSyntax,
  iamRoleDescription,
  iamRoleName,
  lambdaEnvironmentSize,
  lambdaFunctionName,
  logGroupName,
  integrationResponseProblems,
  oneVariablePathPartPerParent,
  pathProblems,
  stageAccessLogsNeedAccountRole,
  stageName,
  deploymentGroupAlarms,
  lambdaAliasName,
  lambdaAppSpecProblems,
  MAX_DEPLOYMENT_GROUP_ALARMS,
  type LambdaAppSpec,
  type AwsRule,
  type DeclaredResource,
  type DeclaredStack,
} from "./aws-rules";
import { committedStacks, declaredStack } from "./program";
import { checkAlarmCount } from "../components/promotion";
import { CONFIG_NAMESPACE } from "../components/config";

const T = {
  function: "aws:lambda/function:Function",
  role: "aws:iam/role:Role",
  logGroup: "aws:cloudwatch/logGroup:LogGroup",
  stage: "aws:apigateway/stage:Stage",
  restApi: "aws:apigateway/restApi:RestApi",
  account: "aws:apigateway/account:Account",
};

/** A deep copy of a stack with one resource type's first resource changed. */
function withChanged(
  stack: DeclaredStack,
  type: string,
  change: (r: DeclaredResource) => void,
  config: Record<string, string> = {},
): DeclaredStack {
  const copy: DeclaredStack = JSON.parse(JSON.stringify(stack));
  const target = copy.resources.find((r) => r.type === type);
  expect(target, type).to.not.equal(undefined);
  change(target!);
  return { ...copy, config: { ...copy.config, ...config } };
}

const run = (rule: AwsRule, stack: DeclaredStack) => rule.check(stack).map((v) => v.message);

describe("AWS rules (testing/aws-rules.ts)", function () {
  this.timeout(120_000);
  const runs = new Map<string, ProgramRun>();

  before(async () => {
    for (const s of committedStacks()) {
      runs.set(s.label, await runProgram({ projectDir: s.projectDir, stack: s.stack }));
    }
  });

  it("finds the committed stacks: dev, prod and the bootstrap stack", () => {
    expect([...runs.keys()]).to.include.members(["dev", "prod"]);
    expect(
      [...runs.keys()].some((k) => k.startsWith("bootstrap/")),
      "a bootstrap stack",
    ).to.equal(true);
  });

  it("every rule cites the AWS documentation", () => {
    for (const rule of AWS_RULES) expect(rule.doc, rule.name).to.match(/^https:\/\/docs\.aws\./);
  });

  for (const s of committedStacks()) {
    it(`pass on every resource of ${s.label}`, () => {
      expect(checkAwsRules(declaredStack(runs.get(s.label)!))).to.deep.equal([]);
    });
  }

  const dev = () => declaredStack(runs.get("dev")!);
  const bootstrap = () => declaredStack([...runs].find(([k]) => k.startsWith("bootstrap/"))![1]);

  describe("access logs need the account's CloudWatch role", () => {
    it("reports a stage with access logs in a stack that does not say the role exists", () => {
      expect(roleSetInConfig(dev().config), "dev says the role is set").to.equal(true);
      const stage = dev().resources.find((r) => r.type === T.stage)!;
      expect(stage.inputs.accessLogSettings, "dev logs").to.not.equal(undefined);
      const config = withOverrides(dev().config, { [API_CONFIG_KEY]: { accessLogs: false } });
      const unset = { ...dev(), config };
      expect(run(stageAccessLogsNeedAccountRole, unset).join()).to.include("bootstrap/");
    });

    it("passes when the program is told the role is missing: no access logs, no log group", async () => {
      const off = await runProgram({
        stack: "prod",
        config: { [API_CONFIG_KEY]: { accessLogs: false } },
      });
      const stack = declaredStack(off);
      expect(run(stageAccessLogsNeedAccountRole, stack)).to.deep.equal([]);
      const stage = off.ofType(T.stage)[0]!;
      expect(stage.inputs.accessLogSettings).to.equal(undefined);
      expect(off.ofType(T.logGroup).map((g) => g.name)).to.not.include("api-access-logs");
    });
  });

  describe("the account setting survives any destroy", () => {
    it("reports an Account (or its role) without protect and retainOnDelete", () => {
      const b = bootstrap();
      for (const type of [T.account, T.role]) {
        const bare = withChanged(
          b,
          type,
          (r) => (r.options = { protect: true, retainOnDelete: false }),
        );
        expect(run(accountSettingSurvivesDestroy, bare), type).to.have.length(1);
      }
    });

    it("reports an Account in a stack that also serves an API", () => {
      const account = bootstrap().resources.find((r) => r.type === T.account)!;
      const mixed = { ...dev(), resources: [...dev().resources, account] };
      expect(run(accountSettingSurvivesDestroy, mixed).join()).to.include("move it to bootstrap/");
    });
  });

  describe("limits", () => {
    it("Lambda: environment variables over 4 KB", () => {
      const fn = dev().resources.find((r) => r.type === T.function)!;
      const vars: Record<string, string> = fn.inputs.environment.variables;
      const used = Object.entries(vars).reduce((n, [k, v]) => n + k.length + String(v).length, 0);
      expect(used, "dev's own environment fits").to.be.lessThan(LAMBDA_ENVIRONMENT_MAX_BYTES);
      const room = LAMBDA_ENVIRONMENT_MAX_BYTES - used - "PAD".length;
      const exactly = withChanged(dev(), T.function, (r) => {
        r.inputs.environment.variables.PAD = "x".repeat(room);
      });
      expect(run(lambdaEnvironmentSize, exactly), "exactly 4096 bytes").to.deep.equal([]);
      const over = withChanged(dev(), T.function, (r) => {
        r.inputs.environment.variables.PAD = "é".repeat(Math.ceil(room / 2) + 1); // 2 bytes each
      });
      expect(run(lambdaEnvironmentSize, over).join()).to.match(/over Lambda's 4096/);
    });

    it("Lambda: function names of 65 characters or with other characters", () => {
      const name = (n: string) => withChanged(dev(), T.function, (r) => (r.inputs.name = n));
      expect(run(lambdaFunctionName, name("f".repeat(64)))).to.deep.equal([]);
      expect(run(lambdaFunctionName, name("f".repeat(65)))).to.have.length(1);
      expect(run(lambdaFunctionName, name("crud.api"))).to.have.length(1);
    });

    it("Lambda: auto-named functions count Pulumi's suffix", () => {
      const fn = dev().resources.find((r) => r.type === T.function)!;
      expect(fn.inputs.name, "auto-named").to.equal(undefined);
      expect(fn.state.name).to.match(new RegExp(`^${fn.name}-[0-9a-f]{7}$`));
      const long = withChanged(dev(), T.function, (r) => {
        r.state.name = `${"f".repeat(57)}-abcdef1`; // 65
      });
      expect(run(lambdaFunctionName, long)).to.have.length(1);
    });

    it("IAM: role names over 64 characters, descriptions outside Latin-1", () => {
      const role = (change: (r: DeclaredResource) => void) => withChanged(dev(), T.role, change);
      expect(
        run(
          iamRoleName,
          role((r) => (r.inputs.name = "r".repeat(65))),
        ),
      ).to.have.length(1);
      expect(
        run(
          iamRoleName,
          role((r) => (r.inputs.name = "r".repeat(64))),
        ),
      ).to.deep.equal([]);
      expect(
        run(
          iamRoleDescription,
          role((r) => (r.inputs.description = "Runs crud — dev")),
        ),
      ).to.have.length(1);
    });

    it("CloudWatch Logs: group names over 512 characters or with other characters", () => {
      const group = (n: string) => withChanged(dev(), T.logGroup, (r) => (r.inputs.name = n));
      expect(run(logGroupName, group(`/aws/${"x".repeat(507)}`))).to.deep.equal([]);
      expect(run(logGroupName, group(`/aws/${"x".repeat(508)}`))).to.have.length(1);
      expect(run(logGroupName, group("/aws/lambda/a b"))).to.have.length(1);
    });

    it("API Gateway: stage names outside [A-Za-z0-9_-]{1,128}", () => {
      const stage = (n: string) => withChanged(dev(), T.stage, (r) => (r.inputs.stageName = n));
      expect(run(stageName, stage("v1_test-2"))).to.deep.equal([]);
      expect(run(stageName, stage("v1.0"))).to.have.length(1);
      expect(run(stageName, stage("s".repeat(129)))).to.have.length(1);
      expect(run(stageName, stage(""))).to.have.length(1);
    });
  });

  describe("one variable path part per parent resource", () => {
    it("reports two variable siblings and a greedy part that is not last", () => {
      expect(
        pathProblems(["/items", "/items/{id}", "/items/{id}/tags", "/{proxy+}"]),
      ).to.deep.equal([]);
      const [sibling] = pathProblems(["/items/{id}", "/items/{itemId}/tags"]);
      expect(sibling).to.include('"/items"').and.include("{id}, {itemId}");
      expect(pathProblems(["/{proxy+}/x"]).join()).to.include("must be the last part");
      expect(pathProblems(["/{a}", "/{proxy+}"])).to.have.length(1);
    });

    it("reads the paths from recorded API Gateway resources (an API built resource by resource)", async () => {
      // The local cloud's fixture program declares its API with Resource/Method resources.
      const fixture = declaredStack(
        await runProgram({
          projectDir: path.join(PROJECT_DIR, "local", "fixtures"),
          stack: "test",
        }),
      );
      const paths = apiPathsFromResources(fixture);
      expect(paths.size, "one REST API").to.equal(1);
      const [api, list] = [...paths][0]!;
      expect(api).to.be.a("string");
      expect(list).to.include("/items/{id}");
      expect(run(oneVariablePathPartPerParent, fixture)).to.deep.equal([]);
      // A renamed path parameter next to the old one, as a rename done resource by resource leaves.
      const copy = JSON.parse(JSON.stringify(fixture)) as DeclaredStack;
      const items = copy.resources.find((r) => r.state.path === "/items/{id}")!;
      const renamed: DeclaredStack = {
        ...copy,
        resources: [
          ...copy.resources,
          {
            ...items,
            name: "res-items-itemId",
            state: { ...items.state, path: "/items/{itemId}" },
          },
        ],
      };
      expect(run(oneVariablePathPartPerParent, renamed).join()).to.include("variable children");
    });

    it("reads the paths from a RestApi's OpenAPI body", () => {
      const body = JSON.stringify({
        openapi: "3.0.1",
        paths: { "/items": {}, "/items/{id}": {}, "/items/{itemId}/tags": {}, "/{proxy+}": {} },
      });
      expect(apiPathsFromOpenApiBody(body)).to.deep.equal([
        "/items",
        "/items/{id}",
        "/items/{itemId}/tags",
        "/{proxy+}",
      ]);
      // With a body, the rule reads the body, not Resource resources.
      const withBody = withChanged(dev(), T.restApi, (r) => (r.inputs.body = body));
      const bodyOnly = {
        ...withBody,
        resources: withBody.resources.filter((r) => r.type !== "aws:apigateway/resource:Resource"),
      };
      expect(run(oneVariablePathPartPerParent, bodyOnly).join()).to.include("{id}, {itemId}");
      expect(() => apiPathsFromOpenApiBody("{not json")).to.throw(/body is not JSON/);
    });
  });

  describe("integration responses (a MOCK preflight's)", () => {
    const body = (response: object, headers: object = { "Access-Control-Allow-Origin": {} }) =>
      JSON.stringify({
        paths: {
          "/items": {
            options: {
              responses: { "204": { description: "", headers } },
              "x-amazon-apigateway-integration": { type: "mock", responses: { default: response } },
            },
          },
        },
      });
    const header = "method.response.header.Access-Control-Allow-Origin";

    it("passes a quoted static value for a declared header of a declared status", () => {
      expect(
        integrationResponseProblems(
          body({ statusCode: "204", responseParameters: { [header]: "'*'" } }),
        ),
      ).to.deep.equal([]);
    });

    it("reports an unquoted value, an undeclared header and an undeclared status", () => {
      expect(
        integrationResponseProblems(
          body({ statusCode: "204", responseParameters: { [header]: "*" } }),
        ),
      ).to.deep.equal([
        `options /items: ${header} = * is neither a quoted static value nor a mapping expression`,
      ]);
      expect(
        integrationResponseProblems(
          body({ statusCode: "204", responseParameters: { [header]: "'*'" } }, {}),
        ),
      ).to.deep.equal([`options /items: ${header} is not a header the 204 response declares`]);
      expect(
        integrationResponseProblems(body({ statusCode: "200", responseParameters: {} })),
      ).to.deep.equal([
        "options /items: integration response default maps to 200, which the method does not declare",
      ]);
    });
  });

  describe("ARNs in the stack's partition", () => {
    it("reports an aws ARN in a China region", () => {
      const cn = { ...dev(), config: { ...dev().config, "aws:region": "cn-north-1" } };
      const found = run(arnsInStackPartition, cn);
      expect(found.length, "dev's ARNs are all arn:aws:").to.be.greaterThan(0);
      expect(found[0]).to.include("aws-cn");
    });

    for (const stack of ["dev", "prod"]) {
      it(`${stack} in cn-north-1 (partition aws-cn under mocks) names only aws-cn ARNs`, async () => {
        const cn = await runProgram({ stack, config: { "aws:region": "cn-north-1" } });
        expect(cn.partition).to.equal("aws-cn");
        expect(checkAwsRules(declaredStack(cn))).to.deep.equal([]);
        const attached = cn
          .ofType("aws:iam/rolePolicyAttachment:RolePolicyAttachment")
          .map((a) => a.inputs.policyArn);
        for (const arn of attached) expect(arn).to.match(/^arn:aws-cn:iam::aws:policy\//);
        expect(cn.outputs.apiUrl).to.match(/\.amazonaws\.com\.cn\//);
      });
    }

    it("the bootstrap stack in an aws-cn-style partition attaches the aws-cn managed policy", async () => {
      const s = committedStacks().find((c) => c.label.startsWith("bootstrap/"))!;
      const cn = await runProgram({
        projectDir: s.projectDir,
        stack: s.stack,
        config: { "aws:region": "cn-northwest-1" },
      });
      const [attachment] = cn.ofType("aws:iam/rolePolicyAttachment:RolePolicyAttachment");
      expect(attachment!.inputs.policyArn).to.equal(
        "arn:aws-cn:iam::aws:policy/service-role/AmazonAPIGatewayPushToCloudWatchLogs",
      );
      expect(checkAwsRules(declaredStack(cn))).to.deep.equal([]);
    });
  });

  describe("custom domains", () => {
    const DOMAIN = "aws:apigateway/domainName:DomainName";
    const CERTIFICATE = "aws:acm/certificate:Certificate";
    const BASE_PATH_MAPPING = "aws:apigateway/basePathMapping:BasePathMapping";
    const API_MAPPING = "aws:apigatewayv2/apiMapping:ApiMapping";
    const ARN =
      "arn:aws:acm:us-east-1:123456789012:certificate/0e1d2c3b-4a59-6877-8695-a4b3c2d1e0f9";
    const variants = new Map<string, DeclaredStack>();
    const variant = (label: string) => variants.get(label)!;

    before(async () => {
      const domains: Record<string, Record<string, unknown>> = {
        "zone, base path v1": { name: "api.example.com", hostedZoneId: "Z1", basePath: "v1" },
        "certificate, orders/v1": {
          name: "api.example.com",
          certificateArn: ARN,
          basePath: "orders/v1",
        },
      };
      for (const [label, domain] of Object.entries(domains)) {
        const run = await runProgram({
          stack: "prod",
          config: { [`${CONFIG_NAMESPACE}:domain`]: domain },
        });
        variants.set(label, declaredStack(run));
      }
    });

    it("every rule passes on prod with a custom domain, its certificate made or given", () => {
      for (const [label, stack] of variants) {
        expect(
          stack.resources.some((r) => r.type === DOMAIN),
          label,
        ).to.equal(true);
        expect(checkAwsRules(stack), label).to.deep.equal([]);
      }
    });

    it("a REGIONAL domain needs its certificate in the stack's region, read from the ARN", () => {
      for (const [label, stack] of variants) {
        const elsewhere = withChanged(stack, DOMAIN, (d) => {
          d.inputs.regionalCertificateArn = String(d.inputs.regionalCertificateArn).replace(
            ":us-east-1:",
            ":eu-west-1:",
          );
        });
        expect(run(domainCertificateInRegion, elsewhere).join(), label).to.match(
          /certificate in eu-west-1; it needs one in us-east-1/,
        );
      }
      // The stack's region decides: the same certificate is wrong for a stack in eu-west-1.
      const moved = {
        ...variant("certificate, orders/v1"),
        config: { ...variant("certificate, orders/v1").config, "aws:region": "eu-west-1" },
      };
      expect(run(domainCertificateInRegion, moved)).to.have.length(1);
    });

    it("domain names: syntax, 253 characters, and 64 for a certificate's own name", () => {
      const named = (type: string, name: string) =>
        run(
          domainNameSyntax,
          withChanged(variant("zone, base path v1"), type, (r) => (r.inputs.domainName = name)),
        );
      const label = "a".repeat(63);
      const longest = `${label}.${label}.${label}.${"a".repeat(57)}.com`; // 253
      expect(longest).to.have.length(253);
      expect(named(DOMAIN, longest)).to.deep.equal([]);
      expect(named(DOMAIN, `a${longest}`).join()).to.include("254 characters");
      expect(named(DOMAIN, `${"a".repeat(64)}.example.com`).join()).to.include("no domain name");
      for (const bad of [
        "api_v1.example.com",
        "-api.example.com",
        "api-.example.com",
        "localhost",
      ]) {
        expect(named(DOMAIN, bad), bad).to.have.length(1);
      }
      expect(named(DOMAIN, "*.example.com"), "AWS takes a wildcard").to.deep.equal([]);
      const cn = `${"a".repeat(52)}.example.com`; // 64
      expect(named(CERTIFICATE, cn)).to.deep.equal([]);
      expect(named(CERTIFICATE, `a${cn}`).join()).to.include("65 characters (at most 64)");
    });

    it("base paths: no / at their ends, AWS's characters, several levels only with v2 on TLS 1.2", () => {
      const mapped = (path: string) =>
        run(
          apiMappingPath,
          withChanged(variant("zone, base path v1"), BASE_PATH_MAPPING, (m) => {
            m.inputs.basePath = path;
          }),
        );
      expect(mapped("v1_beta.2")).to.deep.equal([]);
      expect(mapped("/v1").join()).to.include('must not start or end with "/"');
      expect(mapped("v1/").join()).to.include('must not start or end with "/"');
      expect(mapped("v 1").join()).to.include("letters, digits and $-_.+!*'()/ only");
      expect(mapped("x".repeat(301)).join()).to.include("1–300 characters");
      expect(mapped("orders/v1").join()).to.include("only API Gateway v2's ApiMapping");

      const multi = variant("certificate, orders/v1");
      const key = (path: string) =>
        run(
          apiMappingPath,
          withChanged(multi, API_MAPPING, (m) => (m.inputs.apiMappingKey = path)),
        );
      expect(key("orders/v1/items")).to.deep.equal([]);
      expect(key("/orders/v1").join()).to.include('must not start or end with "/"');
      const tls10 = withChanged(multi, DOMAIN, (d) => (d.inputs.securityPolicy = "TLS_1_0"));
      expect(run(apiMappingPath, tls10).join()).to.include("need a REGIONAL domain with TLS_1_2");
    });
  });
  describe("promotion: the alias, the deployment group and the AppSpec", () => {
    const ALIAS = "aws:lambda/alias:Alias";
    const GROUP = "aws:codedeploy/deploymentGroup:DeploymentGroup";

    it("alias names: 1–128 letters, digits, - and _, not all digits", () => {
      const named = (name: string) =>
        run(
          lambdaAliasName,
          withChanged(dev(), ALIAS, (r) => (r.inputs.name = name)),
        );
      expect(dev().resources.find((r) => r.type === ALIAS)!.inputs.name).to.equal("live");
      expect(named("blue-green_2")).to.deep.equal([]);
      expect(named("42").join()).to.include("not all digits");
      expect(named("live!").join()).to.include("characters outside");
      expect(named("a".repeat(129)).join()).to.include("129 characters");
    });

    it(`a deployment group takes at most ${MAX_DEPLOYMENT_GROUP_ALARMS} alarms, each once`, () => {
      const alarms = (names: string[]) =>
        run(
          deploymentGroupAlarms,
          withChanged(dev(), GROUP, (g) => (g.inputs.alarmConfiguration.alarms = names)),
        );
      const group = dev().resources.find((r) => r.type === GROUP)!;
      expect(group.inputs.alarmConfiguration.alarms).to.have.length.within(1, 10);
      const many = Array.from({ length: 11 }, (_, i) => `alarm-${i}`);
      expect(alarms(many.slice(0, 10))).to.deep.equal([]);
      expect(alarms(many).join()).to.include("has 11 alarms (at most 10)");
      expect(alarms(["a", "b", "a"]).join()).to.include("names a more than once");
    });

    it("the component refuses more alarms than CodeDeploy takes, before AWS does", () => {
      expect(() => checkAlarmCount("Promotion", MAX_DEPLOYMENT_GROUP_ALARMS)).not.to.throw();
      expect(() => checkAlarmCount("Promotion", 11)).to.throw(
        /11 alarms, but CodeDeploy takes at most 10/,
      );
    });

    it("an AppSpec names two published versions, never $LATEST, and not the same one twice", () => {
      const spec = (current: string, target: string): LambdaAppSpec => ({
        version: "0.0",
        Resources: [
          {
            fn: {
              Type: "AWS::Lambda::Function",
              Properties: {
                Name: "fn",
                Alias: "live",
                CurrentVersion: current,
                TargetVersion: target,
              },
            },
          },
        ],
      });
      expect(lambdaAppSpecProblems(spec("1", "2"))).to.deep.equal([]);
      expect(lambdaAppSpecProblems(spec("1", "$LATEST")).join()).to.include(
        'TargetVersion "$LATEST" is not a published version',
      );
      expect(lambdaAppSpecProblems(spec("0", "2")).join()).to.include('CurrentVersion "0"');
      expect(lambdaAppSpecProblems(spec("3", "3")).join()).to.include("are both 3");
      expect(lambdaAppSpecProblems({ ...spec("1", "2"), version: "0.1" }).join()).to.include(
        'version is "0.1"',
      );
    });
  });
});
