import * as os from "node:os";
import * as path from "node:path";
import * as fs from "node:fs";
import { expect } from "chai";
import {
  PROJECT_DIR,
  configPathValue,
  runProgram,
  withConfigPath,
  type ProgramRun,
} from "../../local/program";
import {
  DEADLINES,
  LOCALSTACK_IMAGE,
  LocalStackTarget,
  LogTail,
  THROWAWAY_OVERRIDES,
  awsProviderConfig,
  deployToLocalStack,
  executeApiUrl,
  localStackEnvironment,
  readRawStackConfig,
  servicesFor,
  throwawayProjectSettings,
  throwawayStackConfig,
  worstCaseMs,
  type Deadlines,
  type LocalStackWorkspace,
  type ThrowawayStack,
} from "./localstack";
import { DeadlineError } from "./deadline";
import { DOCKER_MISSING, PULUMI_MISSING } from "./target";
import { START_TIMEOUT_MS } from "../flows/suite";
import { hangingCommand } from "../support/hanging-command";

const ENDPOINT = "http://localhost:49153";

describe("LocalStack target: pure parts", function () {
  describe("the provider endpoints, derived from what the program registers", function () {
    let dev: ProgramRun;
    before(async function () {
      this.timeout(120_000);
      dev = await runProgram({ stack: "dev" });
    });

    it("cover every AWS resource type of the dev stack: table, function, API, roles, logs", function () {
      const services = servicesFor(dev.resources.map((r) => r.type)).map((s) => s.endpoint);
      expect(services).to.include.members([
        "apigateway",
        "dynamodb",
        "iam",
        "lambda",
        "logs",
        "sts",
      ]);
    });

    it("follow the program: a type from another module adds its endpoint", function () {
      const types = [...dev.resources.map((r) => r.type), "aws:sqs/queue:Queue"];
      expect(servicesFor(types).map((s) => s.endpoint)).to.include("sqs");
    });
  });

  it("maps CloudWatch log groups to Logs and alarms to CloudWatch", function () {
    expect(servicesFor(["aws:cloudwatch/logGroup:LogGroup"]).map((s) => s.endpoint)).to.deep.equal([
      "logs",
      "sts",
    ]);
    expect(
      servicesFor(["aws:cloudwatch/metricAlarm:MetricAlarm"]).map((s) => s.endpoint),
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

  it("sets no service list, so LocalStack starts every service it calls internally (DynamoDB SSE → KMS)", function () {
    const env = localStackEnvironment(undefined);
    expect(env).to.deep.equal({ LAMBDA_IGNORE_ARCHITECTURE: "1" });
    expect(env).not.to.have.property("SERVICES");
    expect(env).not.to.have.property("EAGER_SERVICE_LOADING");
    expect(localStackEnvironment("ls-token").LOCALSTACK_AUTH_TOKEN).to.equal("ls-token");
    expect(localStackEnvironment("")).not.to.have.property("LOCALSTACK_AUTH_TOKEN");
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
      "aws:skipMetadataApiCheck": true,
      "aws:skipRegionValidation": true,
    });
    expect(config).not.to.have.property("aws:s3UsePathStyle");
    // The account id comes from LocalStack's STS, so ARNs the program builds name an account.
    expect(config).not.to.have.property("aws:skipRequestingAccountId");
    const withS3 = awsProviderConfig(ENDPOINT, servicesFor(["aws:s3/bucket:Bucket"]), "us-east-1");
    expect(withS3["aws:s3UsePathStyle"]).to.equal(true);
  });

  it("builds the throwaway stack's config from the real stack file, minus its aws settings", function () {
    const raw = readRawStackConfig(PROJECT_DIR, "dev");
    const services = servicesFor(["aws:dynamodb/table:Table"]);
    const { config } = throwawayStackConfig(
      { ...raw, "aws:profile": "production-admin" },
      ENDPOINT,
      services,
    );
    const forced = new Set(THROWAWAY_OVERRIDES.map((o) => o.key));
    for (const [key, value] of Object.entries(raw)) {
      if (!key.startsWith("aws:") && !forced.has(key))
        expect(config[key], key).to.deep.equal(value);
    }
    expect(config).not.to.have.property("aws:profile");
    expect(config["aws:region"]).to.equal(raw["aws:region"]);
    expect(config["aws:endpoints"]).to.deep.equal([{ dynamodb: ENDPOINT, sts: ENDPOINT }]);
  });

  it("forces what a throwaway stack needs, and says what it changed and why", function () {
    const prod = readRawStackConfig(PROJECT_DIR, "prod");
    const kms = "arn:aws:kms:us-east-1:123456789012:key/k";
    expect(prod["lambda-apigateway:production"], "prod protects its table").to.equal(true);
    expect(
      configPathValue(prod, "lambda-apigateway:api.apiKeyRequired"),
      "prod requires a key",
    ).to.equal(true);
    expect(prod["lambda-apigateway:auth"], "prod takes Cognito tokens").to.equal("cognito");
    const { config, changes } = throwawayStackConfig(
      withConfigPath(prod, "lambda-apigateway:table.kmsKeyArn", kms),
      ENDPOINT,
      [],
    );
    expect(config["lambda-apigateway:production"]).to.equal(false);
    expect(configPathValue(config, "lambda-apigateway:api.apiKeyRequired")).to.equal(false);
    expect(configPathValue(config, "lambda-apigateway:table.kmsKeyArn")).to.equal("");
    expect(config["lambda-apigateway:auth"]).to.equal("none");
    // Only the forced keys change: the rest of each group is the stack's.
    expect(configPathValue(config, "lambda-apigateway:api.stageName")).to.equal("prod");
    expect(configPathValue(config, "lambda-apigateway:table.name")).to.equal(
      configPathValue(prod, "lambda-apigateway:table.name"),
    );
    expect(
      configPathValue(prod, "lambda-apigateway:api.apiKeyRequired"),
      "the stack file's value is left alone",
    ).to.equal(true);
    expect(changes).to.have.length(4);
    expect(changes.join("\n"))
      .to.include("lambda-apigateway:production: true → false, because")
      .and.include("destroy")
      .and.include(
        "lambda-apigateway:api.apiKeyRequired: true → false, because LocalStack checks API keys",
      )
      .and.include(`lambda-apigateway:table.kmsKeyArn: "${kms}" → "", because`)
      .and.include(`lambda-apigateway:auth: "cognito" → "none", because`);
    // dev already is a throwaway-shaped stack: nothing to say.
    expect(
      throwawayStackConfig(readRawStackConfig(PROJECT_DIR, "dev"), ENDPOINT, []).changes,
    ).to.deep.equal([]);
  });

  it("refuses encrypted secrets it cannot decrypt, saying what to do", function () {
    expect(() =>
      throwawayStackConfig({ "lambda-apigateway:key": { secure: "v1:abc" } }, ENDPOINT, []),
    ).to.throw(/lambda-apigateway:key.*plain value/);
    // Inside a group too: the whole group would otherwise reach a stack that cannot decrypt it.
    expect(() =>
      throwawayStackConfig(
        { "lambda-apigateway:cognito": { userPoolArn: { secure: "v1:abc" } } },
        ENDPOINT,
        [],
      ),
    ).to.throw(/lambda-apigateway:cognito.*plain value/);
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
  });
});

describe("LocalStack target: deadlines and cleanup, with a fake workspace", function () {
  const FAST: Deadlines = { upMs: 60, destroyMs: 60, graceMs: 30, containerMs: 1000 };
  const OUTPUTS = {
    apiId: { value: "a1b2c3" },
    stageName: { value: "test" },
    tableName: { value: "t" },
  };

  function fake(behaviour: {
    up?: (signal: AbortSignal) => Promise<{ outputs: typeof OUTPUTS }>;
    destroy?: (signal: AbortSignal) => Promise<unknown>;
  }) {
    const events: string[] = [];
    const reports: string[] = [];
    const logs: string[] = [];
    let workDir = "";
    const stack: ThrowawayStack = {
      up: async ({ signal }) => {
        events.push("up");
        return behaviour.up ? behaviour.up(signal) : { outputs: OUTPUTS };
      },
      destroy: async ({ signal }) => {
        events.push("destroy");
        return behaviour.destroy ? behaviour.destroy(signal) : undefined;
      },
      remove: async () => {
        events.push("remove stack");
      },
    };
    const workspace: LocalStackWorkspace = {
      resourceTypes: async () => ["aws:dynamodb/table:Table", "aws:lambda/function:Function"],
      startContainer: async (_image, env) => {
        events.push(`container start ${JSON.stringify(env)}`);
        return {
          endpoint: ENDPOINT,
          recentLogs: () => ["LocalStack ready", "lambda: Pulling image ... timed out"],
          stop: async () => {
            events.push("container stop");
          },
        };
      },
      makeWorkDir: () => (workDir = fs.mkdtempSync(path.join(os.tmpdir(), "ls-fake-"))),
      removeWorkDir: (dir) => {
        events.push("remove work dir");
        fs.rmSync(dir, { recursive: true, force: true });
      },
      createStack: async ({ config }) => {
        events.push(`create stack production=${config["lambda-apigateway:production"]}`);
        return stack;
      },
    };
    const start = (stackName = "dev") =>
      deployToLocalStack({
        stack: stackName,
        workspace,
        deadlines: FAST,
        log: (line) => logs.push(line),
        report: (text) => reports.push(text),
      });
    return { start, events, reports, logs, workDir: () => workDir };
  }

  it("deploys, serves <endpoint>/_aws/execute-api/<id>/<stage>, and stop() undoes everything in order", async () => {
    const f = fake({});
    const started = await f.start();
    expect(started.baseUrl).to.equal(`${ENDPOINT}/_aws/execute-api/a1b2c3/test`);
    expect(started.tableName).to.equal("t");
    expect(fs.existsSync(f.workDir())).to.equal(true);
    await started.stop();
    await started.stop(); // twice is fine
    expect(f.events.slice(-4)).to.deep.equal([
      "destroy",
      "remove stack",
      "remove work dir",
      "container stop",
    ]);
    expect(fs.existsSync(f.workDir())).to.equal(false);
    expect(f.reports, "dev needs no config change, and nothing failed").to.deep.equal([]);
    expect(f.events[0]).to.not.include("SERVICES");
  });

  it("a hung `pulumi up`: interrupted at its deadline, then destroy, temp dir and container all cleaned up, container log printed", async () => {
    const f = fake({ up: (signal) => hangingCommand(1, [], "up")(signal) });
    let error: unknown;
    await f.start().catch((err) => (error = err));
    expect(error).to.be.instanceOf(DeadlineError);
    expect((error as Error).message).to.match(/pulumi up localstack-[0-9a-f]+ did not finish in/);
    expect(f.events.slice(-4)).to.deep.equal([
      "destroy",
      "remove stack",
      "remove work dir",
      "container stop",
    ]);
    expect(fs.existsSync(f.workDir())).to.equal(false);
    const printed = f.reports.join("");
    expect(printed)
      .to.include("LocalStack container log")
      .and.include("Pulling image ... timed out");
    expect(printed).to.include("did not finish");
  });

  it("a `pulumi up` that ignores interrupts: interrupted twice, given up on, and everything else still cleaned up", async () => {
    const events: string[] = [];
    const f = fake({ up: hangingCommand(0, events, "up") });
    let error: unknown;
    await f.start().catch((err) => (error = err));
    expect((error as Error).message).to.include("did not exit");
    expect(events).to.deep.equal(["up: interrupt 1", "up: interrupt 2"]);
    expect(f.events).to.include.members(["remove work dir", "container stop"]);
    expect(fs.existsSync(f.workDir())).to.equal(false);
  });

  it("a failing `pulumi up`: its own error, the container log, and cleanup", async () => {
    const f = fake({ up: async () => Promise.reject(new Error("ResourceInUseException")) });
    let error: unknown;
    await f.start().catch((err) => (error = err));
    expect((error as Error).message).to.equal("ResourceInUseException");
    expect(f.reports.join("")).to.include("the deployment failed: ResourceInUseException");
    expect(f.events.slice(-2)).to.deep.equal(["remove work dir", "container stop"]);
  });

  it("a hung `pulumi destroy` in stop(): interrupted, reported, and the temp dir and container still go", async () => {
    const events: string[] = [];
    const f = fake({ destroy: hangingCommand(2, events, "destroy") });
    const started = await f.start();
    let error: unknown;
    await started.stop().catch((err) => (error = err));
    expect((error as Error).message)
      .to.include("could not destroy the throwaway stack")
      .and.include("interrupted twice");
    expect(events).to.deep.equal(["destroy: interrupt 1", "destroy: interrupt 2"]);
    expect(f.events.slice(-2)).to.deep.equal(["remove work dir", "container stop"]);
    expect(f.events, "the stack is not removed while its resources may remain").not.to.include(
      "remove stack",
    );
    expect(f.reports.join("")).to.include("cleanup failed");
  });

  it("deploys prod's config with the throwaway overrides, and says so", async () => {
    const f = fake({});
    const started = await f.start("prod");
    await started.stop();
    expect(f.events).to.include("create stack production=false");
    expect(f.reports.join("")).to.include("throwaway stack config lambda-apigateway:production");
  });

  it("keeps the last lines of the container's log", function () {
    const tail = new LogTail(3);
    tail.write("one\ntwo\nthr");
    tail.write("ee\nfour\nfive");
    expect(tail.get()).to.deep.equal(["three", "four", "five"]);
  });

  it("mocha's hook timeout outlasts every deadline, so the target's own deadlines fire first", function () {
    expect(START_TIMEOUT_MS.localstack).to.be.greaterThan(worstCaseMs(DEADLINES));
  });
});
