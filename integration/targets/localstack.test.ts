import * as os from "node:os";
import * as path from "node:path";
import * as fs from "node:fs";
import * as http from "node:http";
import { PassThrough } from "node:stream";
import type { AddressInfo } from "node:net";
import { expect } from "chai";
import { PROJECT_DIR, configPathValue, runProgram, withConfigPath } from "../../local/program";
import {
  DEADLINES,
  LOCALSTACK_IMAGE,
  LocalStackTarget,
  LogTail,
  MACHINE_WORKSPACE,
  START_ERROR_LINES,
  THROWAWAY_OVERRIDES,
  TOKEN_REQUIRED_LINE,
  assertServedWithoutToken,
  awsProviderConfig,
  containerStartError,
  deployToLocalStack,
  executeApiUrl,
  localStackEnvironment,
  localStackImage,
  readRawStackConfig,
  servicesFor,
  startWithLog,
  throwawayProgramConfig,
  throwawayProjectSettings,
  throwawayStackConfig,
  warmFunction,
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

/** The one change dev's config needs for LocalStack: CodeDeploy, which it promotes with, off. */
const PROMOTION_OFF =
  "lambda-apigateway:promotion.enabled: true → false, because CodeDeploy is not in LocalStack's " +
  "free image; pulumi up moves the alias itself";

describe("LocalStack target: pure parts", function () {
  describe("the provider endpoints, derived from what the throwaway stack deploys", function () {
    // Every committed stack, with the real overrides and the real program under mocks.
    const stacks = fs
      .readdirSync(PROJECT_DIR)
      .map((f) => /^Pulumi\.(.+)\.yaml$/.exec(f)?.[1])
      .filter((s): s is string => !!s)
      .sort();
    const deployed = new Map<string, string[]>();
    before(async function () {
      this.timeout(180_000);
      for (const stack of stacks) {
        const { config } = throwawayProgramConfig(readRawStackConfig(PROJECT_DIR, stack));
        deployed.set(stack, await MACHINE_WORKSPACE.resourceTypes(stack, config));
      }
    });

    it("are computed for every committed stack (dev and prod at least)", function () {
      expect(stacks).to.include.members(["dev", "prod"]);
    });

    for (const stack of ["dev", "prod"]) {
      it(`${stack}: one endpoint per service the throwaway deploy uses, every one in the free image`, function () {
        const types = deployed.get(stack)!;
        const endpoints = servicesFor(types).map((s) => s.endpoint);
        // Exactly the services of the AWS resources the program registered, plus STS (the
        // provider's own calls): none missing, none extra.
        const used = new Set(
          types
            .filter((t) => t.startsWith("aws:"))
            .flatMap((t) => servicesFor([t]).map((s) => s.endpoint)),
        );
        expect(endpoints).to.have.members([...used]);
        expect(endpoints).to.include.members([
          "apigateway",
          "dynamodb",
          "iam",
          "lambda",
          "logs",
          "sts",
        ]);
        expect(() => assertServedWithoutToken(servicesFor(types), undefined)).not.to.throw();
      });

      it(`${stack}: CodeDeploy is off, and the API still invokes the function through its alias`, async function () {
        this.timeout(60_000);
        const own = (await runProgram({ stack })).resources.map((r) => r.type);
        expect(own, `${stack}'s own config promotes with CodeDeploy`).to.include(
          "aws:codedeploy/deploymentGroup:DeploymentGroup",
        );
        const types = deployed.get(stack)!;
        expect(types.filter((t) => t.startsWith("aws:codedeploy/"))).to.deep.equal([]);
        expect(servicesFor(types).map((s) => s.endpoint)).not.to.include("codedeploy");
        expect(types).to.include("aws:lambda/alias:Alias");
      });
    }

    it("prod: its Cognito and API key are overridden off, so their services are not called", async function () {
      this.timeout(60_000);
      const own = (await runProgram({ stack: "prod" })).resources.map((r) => r.type);
      expect(
        own.some((t) => t.startsWith("aws:cognito/")),
        "prod's own config",
      ).to.equal(true);
      expect(() => servicesFor(own).map((s) => s.endpoint)).not.to.throw();
      expect(servicesFor(own).map((s) => s.endpoint)).to.include("cognitoidp");
      const throwaway = deployed.get("prod")!;
      expect(throwaway.filter((t) => t.startsWith("aws:cognito/"))).to.deep.equal([]);
      expect(throwaway).not.to.include("aws:apigateway/apiKey:ApiKey");
      expect(servicesFor(throwaway).map((s) => s.endpoint)).not.to.include("cognitoidp");
    });

    it("follow the program: a type from another module adds its endpoint", function () {
      const types = [...deployed.get("dev")!, "aws:sqs/queue:Queue"];
      expect(servicesFor(types).map((s) => s.endpoint)).to.include("sqs");
    });
  });

  it("refuses, before a container starts, a service the free image lacks unless a token is set", function () {
    const cognito = servicesFor(["aws:cognito/userPool:UserPool", "aws:dynamodb/table:Table"]);
    expect(cognito.map((s) => s.endpoint)).to.deep.equal(["cognitoidp", "dynamodb", "sts"]);
    expect(() => assertServedWithoutToken(cognito, undefined)).to.throw(
      /uses Cognito user pools, which LocalStack's free image does not serve: add a THROWAWAY_OVERRIDES entry .* or set LOCALSTACK_AUTH_TOKEN/,
    );
    expect(() => assertServedWithoutToken(cognito, "ls-token")).not.to.throw();
    const codedeploy = servicesFor(["aws:codedeploy/application:Application"]);
    expect(() => assertServedWithoutToken(codedeploy, "")).to.throw(/CodeDeploy/);
    const free = servicesFor(["aws:acm/certificate:Certificate", "aws:route53/record:Record"]);
    expect(() => assertServedWithoutToken(free, undefined)).not.to.throw();
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
    // Each key is the stack's, but for the forced values (a group keeps its other settings).
    let expected: Record<string, unknown> = raw;
    for (const o of THROWAWAY_OVERRIDES) expected = withConfigPath(expected, o.key, o.value);
    for (const key of Object.keys(raw)) {
      if (!key.startsWith("aws:")) expect(config[key], key).to.deep.equal(expected[key]);
    }
    expect(configPathValue(config, "lambda-apigateway:promotion.deploymentConfig")).to.equal(
      configPathValue(raw, "lambda-apigateway:promotion.deploymentConfig"),
    );
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
    expect(changes).to.have.length(5);
    expect(changes.join("\n"))
      .to.include("lambda-apigateway:production: true → false, because")
      .and.include("destroy")
      .and.include(
        "lambda-apigateway:api.apiKeyRequired: true → false, because LocalStack checks API keys",
      )
      .and.include(`lambda-apigateway:table.kmsKeyArn: "${kms}" → "", because`)
      .and.include(`lambda-apigateway:auth: "cognito" → "none", because`)
      .and.include("lambda-apigateway:promotion.enabled: (unset) → false, because CodeDeploy");
    // dev is a throwaway-shaped stack but for CodeDeploy, which it promotes with.
    expect(
      throwawayStackConfig(readRawStackConfig(PROJECT_DIR, "dev"), ENDPOINT, []).changes,
    ).to.deep.equal([PROMOTION_OFF]);
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

  describe("the image", function () {
    it("defaults to 4.x no later than 4.14.0 (the last without a token), pinned by sha256 digest", function () {
      const match = /^localstack\/localstack:4\.(\d+)\.(\d+)@sha256:[0-9a-f]{64}$/.exec(
        LOCALSTACK_IMAGE,
      );
      expect(match, LOCALSTACK_IMAGE).not.to.equal(null);
      expect(Number(match![1])).to.be.at.most(14);
      expect(localStackImage({})).to.equal(LOCALSTACK_IMAGE);
      expect(localStackImage({ LOCALSTACK_IMAGE: "" }), "an unset CI variable").to.equal(
        LOCALSTACK_IMAGE,
      );
    });

    it("takes LOCALSTACK_IMAGE when it is an image reference Docker accepts", function () {
      for (const image of [
        "localstack/localstack:latest",
        "localstack/localstack",
        "localstack/localstack:4.14.0",
        `localstack/localstack@sha256:${"a".repeat(64)}`,
        "registry.example.com:5000/mirror/localstack-pro:2026.03.0",
        "localhost/localstack_copy:v1.2-rc.3",
      ]) {
        expect(localStackImage({ LOCALSTACK_IMAGE: image }), image).to.equal(image);
      }
    });

    it("refuses a LOCALSTACK_IMAGE Docker could not parse, saying what to write instead", function () {
      for (const image of [
        "localstack/LocalStack:latest", // upper case in the repository path
        "localstack/localstack:", // an empty tag
        "localstack/localstack:4.14.0@sha256:abc", // a short digest
        `localstack/localstack@sha256:${"A".repeat(64)}`, // sha256 digests are lower-case hex
        "localstack/localstack:latest extra",
        "localstack//localstack",
        "-localstack/localstack",
      ]) {
        expect(() => localStackImage({ LOCALSTACK_IMAGE: image }), image).to.throw(
          /LOCALSTACK_IMAGE ".*" is not an image reference: use name\[:tag\]\[@sha256:<64 hex digits>\].*or unset it/,
        );
      }
    });
  });

  describe("a container that does not start", function () {
    // The lines a 2026.3 image logs without a token before it exits with code 55 (quoted from
    // microcks/microcks#2008, where testcontainers-java printed them).
    const EXIT_55 = [
      "LocalStack version: 2026.3.1.dev3",
      "Localstack returning with exit code 55. Reason: ",
      "The license activation failed for the following reason:",
      `${TOKEN_REQUIRED_LINE}.`,
    ];
    const READY = 'Log stream ended and message "Ready" was not received';

    it("puts the log tail and what to do about a token in the error", function () {
      const error = containerStartError("localstack/localstack:latest", new Error(READY), EXIT_55);
      expect(error.message)
        .to.include(`LocalStack did not start from localstack/localstack:latest: ${READY}`)
        .and.include("set LOCALSTACK_AUTH_TOKEN")
        .and.include(`unset LOCALSTACK_IMAGE to run ${LOCALSTACK_IMAGE}`)
        .and.include("LocalStack container log, last 4 lines")
        .and.include("Localstack returning with exit code 55");
      expect((error.cause as Error).message).to.equal(READY);
    });

    it("keeps only the last lines, and says nothing of tokens when the log does not ask for one", function () {
      const lines = Array.from({ length: START_ERROR_LINES + 5 }, (_, i) => `line ${i}`);
      const error = containerStartError("img", 'Log message "Ready" not received after 1ms', lines);
      expect(error.message).to.include(`last ${START_ERROR_LINES} lines`);
      expect(error.message)
        .to.include(`line ${START_ERROR_LINES + 4}`)
        .and.not.include("line 4\n");
      expect(error.message).not.to.include("LOCALSTACK_AUTH_TOKEN");
      expect(containerStartError("img", new Error("pull access denied"), []).message).to.include(
        "The container logged nothing",
      );
    });

    it("collects the log from the start: lines written before the start fails are in the error", async function () {
      // As testcontainers does: the consumer gets the stream before the wait, and the wait fails
      // when the container exits; the lines arrive on the consumer's stream a little later.
      let consumer: ((stream: PassThrough) => unknown) | undefined;
      const container = {
        withLogConsumer(c: (stream: PassThrough) => unknown) {
          consumer = c;
          return this;
        },
        async start(): Promise<never> {
          const stream = new PassThrough();
          stream.setEncoding("utf8");
          consumer!(stream);
          setTimeout(() => {
            stream.write(EXIT_55.slice(0, 2).join("\n") + "\n");
            stream.end(EXIT_55.slice(2).join("\n"));
          }, 20);
          throw new Error(READY);
        },
      };
      const error = await startWithLog("localstack/localstack:latest", container).then(
        () => undefined,
        (err: Error) => err,
      );
      expect(error?.message)
        .to.include(EXIT_55.join("\n"))
        .and.include("set LOCALSTACK_AUTH_TOKEN");
    });

    it("returns the started container, and keeps collecting its log", async function () {
      const tail = new LogTail();
      const stream = new PassThrough();
      const started = await startWithLog(
        "img",
        {
          withLogConsumer(c: (s: PassThrough) => unknown) {
            c(stream);
            return this;
          },
          start: async () => "started",
        },
        tail,
      );
      stream.write("Ready.\n");
      await new Promise((resolve) => setImmediate(resolve));
      expect(started).to.equal("started");
      expect(tail.get()).to.deep.equal(["Ready."]);
    });
  });

  describe("warming the function", function () {
    let server: http.Server;
    let url: string;
    let answer: (req: http.IncomingMessage, res: http.ServerResponse) => void;
    const seen: { method?: string; path?: string; body: string }[] = [];
    before(async function () {
      server = http.createServer((req, res) => {
        let body = "";
        req.on("data", (d) => (body += d));
        req.on("end", () => {
          seen.push({ method: req.method, path: req.url, body });
          answer(req, res);
        });
      });
      await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
      url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/_aws/execute-api/a1/test`;
    });
    after(() => new Promise((resolve) => server.close(resolve)));
    beforeEach(() => (seen.length = 0));
    const json = (status: number, body: unknown) => (_: unknown, res: http.ServerResponse) =>
      res.writeHead(status, { "content-type": "application/json" }).end(JSON.stringify(body));

    it('sends the tutorial\'s ping through the API once, and takes 200 "pong"', async function () {
      answer = json(200, "pong");
      await warmFunction(url, 5_000);
      expect(seen).to.have.length(1);
      expect(seen[0]).to.deep.include({
        method: "POST",
        path: "/_aws/execute-api/a1/test/DynamoDBManager",
      });
      expect(JSON.parse(seen[0]!.body)).to.deep.equal({ operation: "ping", payload: {} });
    });

    it("fails with what came back when the function errs, and says where to look", async function () {
      answer = json(502, { message: "Internal server error" });
      const error = await warmFunction(url, 5_000).then(
        () => undefined,
        (err: Error) => err,
      );
      expect(error?.message)
        .to.match(
          /^Warming the function \(POST http:\/\/127\.0\.0\.1:\d+\/_aws\/execute-api\/a1\/test\/DynamoDBManager, operation ping\) answered HTTP 502/,
        )
        .and.include("Internal server error")
        .and.include("LAMBDA_RUNTIME_ENVIRONMENT_TIMEOUT");
      answer = json(200, { not: "pong" });
      await warmFunction(url, 5_000).then(
        () => expect.fail("a 200 that is not pong"),
        (err: Error) => expect(err.message).to.include("answered HTTP 200"),
      );
    });

    it("gives up at its deadline, saying so", async function () {
      answer = () => undefined; // never answers
      const started = Date.now();
      const error = await warmFunction(url, 200).then(
        () => undefined,
        (err: Error) => err,
      );
      expect(error?.message).to.include("got no answer within 0.2 s");
      expect(Date.now() - started).to.be.below(5_000);
      server.closeAllConnections();
    });
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
  const FAST: Deadlines = { upMs: 60, destroyMs: 60, graceMs: 30, containerMs: 1000, warmMs: 2000 };
  const OUTPUTS = {
    apiId: { value: "a1b2c3" },
    stageName: { value: "test" },
    tableName: { value: "t" },
  };
  // The container's edge port: a real HTTP server that answers the warming ping.
  let server: http.Server;
  let endpoint: string;
  let pingStatus = 200;
  let onPing: (path: string) => void = () => undefined;
  before(async function () {
    server = http.createServer((req, res) => {
      req.resume();
      req.on("end", () => {
        onPing(req.url ?? "");
        res
          .writeHead(pingStatus, { "content-type": "application/json" })
          .end(JSON.stringify(pingStatus === 200 ? "pong" : { message: "Internal server error" }));
      });
    });
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    endpoint = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  after(() => new Promise((resolve) => server.close(resolve)));
  afterEach(() => (pingStatus = 200));

  function fake(behaviour: {
    up?: (signal: AbortSignal) => Promise<{ outputs: typeof OUTPUTS }>;
    destroy?: (signal: AbortSignal) => Promise<unknown>;
    resourceTypes?: LocalStackWorkspace["resourceTypes"];
    authToken?: string;
  }) {
    const events: string[] = [];
    const reports: string[] = [];
    const logs: string[] = [];
    const deployed: Record<string, unknown>[] = [];
    let workDir = "";
    onPing = (path) => events.push(`warm ${path}`);
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
      resourceTypes: async (stackName, config) => {
        events.push(`resource types auth=${config["lambda-apigateway:auth"]}`);
        return behaviour.resourceTypes
          ? behaviour.resourceTypes(stackName, config)
          : ["aws:dynamodb/table:Table", "aws:lambda/function:Function"];
      },
      startContainer: async (_image, env) => {
        events.push(`container start ${JSON.stringify(env)}`);
        return {
          endpoint,
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
        deployed.push(config);
        return stack;
      },
    };
    const start = (stackName = "dev") =>
      deployToLocalStack({
        stack: stackName,
        workspace,
        deadlines: FAST,
        authToken: behaviour.authToken,
        log: (line) => logs.push(line),
        report: (text) => reports.push(text),
      });
    return { start, events, reports, logs, deployed, workDir: () => workDir };
  }

  it("deploys, warms, serves <endpoint>/_aws/execute-api/<id>/<stage>, and stop() undoes everything in order", async () => {
    const f = fake({});
    const started = await f.start();
    expect(started.baseUrl).to.equal(`${endpoint}/_aws/execute-api/a1b2c3/test`);
    // The function is warmed once, after the deploy and before the flow gets the target.
    expect(f.events.filter((e) => e.startsWith("warm"))).to.deep.equal([
      "warm /_aws/execute-api/a1b2c3/test/DynamoDBManager",
    ]);
    expect(f.events.indexOf("warm /_aws/execute-api/a1b2c3/test/DynamoDBManager")).to.equal(
      f.events.indexOf("up") + 1,
    );
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
    expect(f.reports, "dev needs only CodeDeploy off, and nothing failed").to.deep.equal([
      `localstack: throwaway stack config ${PROMOTION_OFF}\n`,
    ]);
    expect(f.events[1])
      .to.match(/^container start/)
      .and.not.include("SERVICES");
  });

  it("a function that does not warm: the start fails with its answer, the container log, and cleanup", async () => {
    pingStatus = 502;
    const f = fake({});
    let error: unknown;
    await f.start().catch((err) => (error = err));
    expect((error as Error).message)
      .to.include("Warming the function")
      .and.include("answered HTTP 502");
    expect(f.reports.join(""))
      .to.include("LocalStack container log")
      .and.include("the deployment failed: Warming the function");
    expect(f.events.slice(-4)).to.deep.equal([
      "destroy",
      "remove stack",
      "remove work dir",
      "container stop",
    ]);
  });

  it("--stack prod with the real program: the endpoints follow the throwaway config, so no Cognito", async function () {
    this.timeout(60_000);
    const f = fake({ resourceTypes: MACHINE_WORKSPACE.resourceTypes });
    const started = await f.start("prod");
    await started.stop();
    expect(f.events[0], "the program ran with the overrides").to.equal("resource types auth=none");
    const endpoints = Object.keys(
      (f.deployed[0]!["aws:endpoints"] as Record<string, string>[])[0]!,
    );
    expect(endpoints).to.include.members(["apigateway", "dynamodb", "lambda", "sts"]);
    expect(endpoints).not.to.include("cognitoidp");
  });

  it("a service the free image lacks, without a token: refused before any container starts", async () => {
    const f = fake({ resourceTypes: async () => ["aws:codedeploy/application:Application"] });
    let error: unknown;
    await f.start().catch((err) => (error = err));
    expect((error as Error).message).to.include("CodeDeploy");
    expect(f.events.some((e) => e.startsWith("container start"))).to.equal(false);
    const withToken = fake({
      resourceTypes: async () => ["aws:codedeploy/application:Application"],
      authToken: "ls-token",
    });
    const started = await withToken.start();
    await started.stop();
    expect(withToken.events[1]).to.include('"LOCALSTACK_AUTH_TOKEN":"ls-token"');
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
    expect(f.events).to.include("resource types auth=none");
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
