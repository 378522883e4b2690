import { expect } from "chai";
import { CONFIG_NAMESPACE } from "../components/config";
import { customDomainLine, trafficShiftingLine } from "./banner";
import * as os from "node:os";
import { buildModel } from "./model";
import { PROJECT_DIR, runProgram, type ProgramRun } from "./program";

describe("the local cloud with a custom domain", function () {
  this.timeout(120_000);
  let run: ProgramRun;
  before(async () => {
    run = await runProgram({
      stack: "prod",
      config: {
        [`${CONFIG_NAMESPACE}:domain`]: {
          name: "api.example.com",
          hostedZoneId: "Z0123456789ABCDEFGHIJ",
          basePath: "v1",
        },
      },
    });
  });

  it("serves the same API and stage as without one, and says why the domain is not emulated", async () => {
    const shape = async (r: ProgramRun) => {
      const model = await buildModel(r, PROJECT_DIR, os.tmpdir());
      return model.apis.map((a) => ({ name: a.name, stages: a.stages.map((s) => s.name) }));
    };
    expect(await shape(run)).to.deep.equal(await shape(await runProgram({ stack: "prod" })));
    const model = await buildModel(run, PROJECT_DIR, os.tmpdir());
    const domain = model.notEmulated.filter((line) => line.includes("custom domain"));
    expect(domain.map((line) => line.split(" ")[0]).sort()).to.deep.equal([
      "aws:acm/certificate:Certificate",
      "aws:acm/certificateValidation:CertificateValidation",
      "aws:apigateway/basePathMapping:BasePathMapping",
      "aws:apigateway/domainName:DomainName",
      "aws:route53/record:Record",
    ]);
  });

  it("the banner's Domain line: the URL pulumi up serves it at", () => {
    expect(customDomainLine(run.outputs)).to.equal(
      "Domain https://api.example.com/v1 (where pulumi up serves it; here, the API URL above)",
    );
  });

  it("no Domain line for a stack without one", async () => {
    const { outputs } = await runProgram({ stack: "prod" });
    expect(outputs.url, "url is the invoke URL").to.equal(outputs.apiUrl);
    expect(customDomainLine(outputs)).to.equal(undefined);
  });
});

describe("the local cloud with promotion (CodeDeploy)", function () {
  this.timeout(120_000);

  it("serves the API through the live alias: every route runs the function", async () => {
    const run = await runProgram({ stack: "dev" });
    const model = await buildModel(run, PROJECT_DIR, os.tmpdir());
    const fn = run.ofType("aws:lambda/function:Function")[0]!;
    const alias = run.ofType("aws:lambda/alias:Alias")[0]!;
    // The body's integrations name the alias, not the function.
    expect(
      model.apis[0]!.body?.paths?.["/DynamoDBManager"]?.post?.["x-amazon-apigateway-integration"]
        ?.uri,
    ).to.equal(alias.state.invokeArn);
    const post = model.apis[0]!.root.children.find((c) => c.path === "/DynamoDBManager")!;
    expect(post.methods.get("POST")?.functionName).to.equal(fn.state.name);
    expect(post.methods.get("POST")?.unsupported).to.equal(undefined);
  });

  it("says at startup that traffic shifting is not emulated", async () => {
    const run = await runProgram({ stack: "prod" });
    expect(trafficShiftingLine(run.outputs)).to.equal(
      "Promotion CodeDeployDefault.LambdaCanary10Percent5Minutes after pulumi up; here live " +
        "serves the newest code at once (traffic shifting is not emulated)",
    );
    const model = await buildModel(run, PROJECT_DIR, os.tmpdir());
    const codeDeploy = model.notEmulated.filter((line) => line.startsWith("aws:codedeploy/"));
    expect(codeDeploy).to.deep.equal([
      "aws:codedeploy/application:Application ×1 (traffic shifting is not emulated: the alias serves the newest version at once)",
      "aws:codedeploy/deploymentGroup:DeploymentGroup ×1 (traffic shifting is not emulated: the alias serves the newest version at once)",
    ]);
    expect(model.notEmulated.join()).not.to.include("aws:lambda/alias");
  });

  it("no Promotion line for a stack with promotion off", async () => {
    const { outputs } = await runProgram({
      stack: "dev",
      config: { [`${CONFIG_NAMESPACE}:promotion`]: { enabled: false } },
    });
    expect(trafficShiftingLine(outputs)).to.equal(undefined);
  });
});
