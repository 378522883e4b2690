import * as os from "node:os";
import * as path from "node:path";
import * as fs from "node:fs";
import { expect } from "chai";
import { PROJECT_DIR, runProgram, type ProgramRun } from "../../local/program";
import {
  DOCKER_MISSING,
  LOCALSTACK_IMAGE,
  LocalStackTarget,
  PULUMI_MISSING,
  awsProviderConfig,
  executeApiUrl,
  localStackEnvironment,
  pulumiAvailable,
  readRawStackConfig,
  servicesFor,
  throwawayProjectSettings,
  throwawayStackConfig,
} from "./localstack";

const ENDPOINT = "http://localhost:49153";

describe("LocalStack target: pure parts", function () {
  describe("the services the stack uses, derived from what the program registers", function () {
    let dev: ProgramRun;
    before(async function () {
      this.timeout(120_000);
      dev = await runProgram({ stack: "dev" });
    });

    it("cover every AWS resource type of the dev stack: table, function, API, roles, logs", function () {
      const services = servicesFor(dev.resources.map((r) => r.type)).map((s) => s.localstack);
      expect(services).to.include.members([
        "apigateway",
        "dynamodb",
        "iam",
        "lambda",
        "logs",
        "sts",
      ]);
      // Nothing the program does not register (no S3, SQS...): LocalStack starts only these.
      const modules = new Set(
        dev.resources.map((r) => /^aws:([^/]+)\//.exec(r.type)?.[1]).filter((m) => m !== undefined),
      );
      for (const service of services) {
        if (service === "sts") continue; // the provider's own account lookup
        const module = service === "logs" ? "cloudwatch" : service;
        expect(modules, `${service} comes from a registered resource`).to.include(module);
      }
    });

    it("follow the program: a type from another module adds its service", function () {
      const types = [...dev.resources.map((r) => r.type), "aws:sqs/queue:Queue"];
      expect(servicesFor(types).map((s) => s.localstack)).to.include("sqs");
    });
  });

  it("maps CloudWatch log groups to Logs and alarms to CloudWatch", function () {
    expect(servicesFor(["aws:cloudwatch/logGroup:LogGroup"]).map((s) => s.endpoint)).to.deep.equal([
      "logs",
      "sts",
    ]);
    expect(
      servicesFor(["aws:cloudwatch/metricAlarm:MetricAlarm"]).map((s) => s.localstack),
    ).to.deep.equal(["cloudwatch", "sts"]);
  });

  it("ignores components, providers and non-AWS resources, and lists each service once", function () {
    const services = servicesFor([
      "lambda-apigateway:index:Table",
      "pulumi:providers:aws",
      "random:index/randomPassword:RandomPassword",
      "aws:dynamodb/table:Table",
      "aws:dynamodb/tableItem:TableItem",
    ]);
    expect(services.map((s) => s.endpoint)).to.deep.equal(["dynamodb", "sts"]);
  });

  it("refuses an AWS module it cannot place, naming the type and where to add it", function () {
    expect(() => servicesFor(["aws:sfn/stateMachine:StateMachine"])).to.throw(
      /aws:sfn\/stateMachine:StateMachine.*SERVICE_OF_MODULE/,
    );
  });

  it("starts only the used services and passes the auth token on only when set", function () {
    const services = servicesFor(["aws:dynamodb/table:Table", "aws:lambda/function:Function"]);
    expect(localStackEnvironment(services, undefined)).to.deep.equal({
      SERVICES: "dynamodb,lambda,sts",
      LAMBDA_IGNORE_ARCHITECTURE: "1",
    });
    expect(localStackEnvironment(services, "ls-token").LOCALSTACK_AUTH_TOKEN).to.equal("ls-token");
    expect(localStackEnvironment(services, "")).not.to.have.property("LOCALSTACK_AUTH_TOKEN");
  });

  it("points the provider's endpoint for every used service, and only those, at the container", function () {
    const services = servicesFor(["aws:dynamodb/table:Table", "aws:apigateway/restApi:RestApi"]);
    const config = awsProviderConfig(ENDPOINT, services, "eu-west-1");
    expect(config["aws:endpoints"]).to.deep.equal([
      { apigateway: ENDPOINT, dynamodb: ENDPOINT, sts: ENDPOINT },
    ]);
    expect(config).to.include({
      "aws:region": "eu-west-1",
      "aws:accessKey": "test",
      "aws:secretKey": "test",
      "aws:skipCredentialsValidation": true,
      "aws:skipRequestingAccountId": true,
      "aws:skipMetadataApiCheck": true,
      "aws:skipRegionValidation": true,
    });
    expect(config).not.to.have.property("aws:s3UsePathStyle");
    const withS3 = awsProviderConfig(ENDPOINT, servicesFor(["aws:s3/bucket:Bucket"]), "us-east-1");
    expect(withS3["aws:s3UsePathStyle"]).to.equal(true);
  });

  it("builds the throwaway stack's config from the real stack file, minus its aws settings", function () {
    const raw = readRawStackConfig(PROJECT_DIR, "dev");
    const services = servicesFor(["aws:dynamodb/table:Table"]);
    const config = throwawayStackConfig(
      { ...raw, "aws:profile": "production-admin" },
      ENDPOINT,
      services,
    );
    for (const [key, value] of Object.entries(raw)) {
      if (!key.startsWith("aws:")) expect(config[key], key).to.deep.equal(value);
    }
    expect(config).not.to.have.property("aws:profile");
    expect(config["aws:region"]).to.equal(raw["aws:region"]);
    expect(config["aws:endpoints"]).to.deep.equal([{ dynamodb: ENDPOINT, sts: ENDPOINT }]);
  });

  it("refuses encrypted secrets it cannot decrypt, saying what to do", function () {
    expect(() =>
      throwawayStackConfig({ "lambda-apigateway:key": { secure: "v1:abc" } }, ENDPOINT, []),
    ).to.throw(/lambda-apigateway:key.*plain value/);
  });

  it("names an unknown stack", function () {
    expect(() => readRawStackConfig(PROJECT_DIR, "nope")).to.throw(/Unknown stack "nope"/);
  });

  it("runs the repository's program from a workspace in a temporary directory", function () {
    const workDir = fs.mkdtempSync(path.join(os.tmpdir(), "ls-test-"));
    try {
      const settings = throwawayProjectSettings(PROJECT_DIR, workDir);
      expect(path.resolve(workDir, settings.main!)).to.equal(PROJECT_DIR);
      expect(settings.name).to.equal("lambda-apigateway");
      expect(settings.runtime).to.deep.include({ name: "nodejs" });
    } finally {
      fs.rmSync(workDir, { recursive: true, force: true });
    }
  });

  it("serves the API at <container>/_aws/execute-api/<apiId>/<stage>", function () {
    expect(executeApiUrl(`${ENDPOINT}/`, "a1b2c3", "test")).to.equal(
      `${ENDPOINT}/_aws/execute-api/a1b2c3/test`,
    );
    expect(() => executeApiUrl(ENDPOINT, "", "test")).to.throw(/API id and a stage/);
  });

  it("pins a 4.x image no later than 4.14.0, the last that starts without an auth token", function () {
    const match = /^localstack\/localstack:4\.(\d+)\.(\d+)$/.exec(LOCALSTACK_IMAGE);
    expect(match, LOCALSTACK_IMAGE).not.to.equal(null);
    expect(Number(match![1])).to.be.at.most(14);
  });

  describe("skip detection", function () {
    const probes = (docker: boolean, pulumi: boolean) => ({
      docker: async () => docker,
      pulumi: async () => pulumi,
    });

    it("runs when Docker and the Pulumi CLI are there", async function () {
      expect(await new LocalStackTarget({}, probes(true, true)).skipReason()).to.equal(undefined);
    });

    it("names each missing part and how to get it, in one line", async function () {
      const both = await new LocalStackTarget({}, probes(false, false)).skipReason();
      expect(both).to.include(DOCKER_MISSING.missing).and.include(PULUMI_MISSING.missing);
      expect(both)
        .to.include("get.pulumi.com")
        .and.include("DOCKER_HOST")
        .and.include("--target local");
      expect(both).not.to.include("\n");
      const docker = await new LocalStackTarget({}, probes(false, true)).skipReason();
      expect(docker).to.include(DOCKER_MISSING.missing).and.not.include(PULUMI_MISSING.missing);
      const pulumi = await new LocalStackTarget({}, probes(true, false)).skipReason();
      expect(pulumi).to.include(PULUMI_MISSING.missing).and.not.include(DOCKER_MISSING.missing);
    });

    it("finds no Pulumi CLI when none is on the PATH", async function () {
      this.timeout(10_000);
      const saved = process.env.PATH;
      process.env.PATH = path.join(os.tmpdir(), "no-such-bin");
      try {
        expect(await pulumiAvailable()).to.equal(false);
      } finally {
        process.env.PATH = saved;
      }
    });
  });
});
