/**
 * The local cloud's Lambda endpoint through real AWS clients: `@aws-sdk/client-lambda` and the AWS
 * CLI (skipped with a reason when `aws` is not installed; CI installs it). Runs the fixture program.
 */
import { spawn, spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import {
  GetFunctionCommand,
  InvokeCommand,
  LambdaClient,
  ListFunctionsCommand,
  ResourceNotFoundException,
} from "@aws-sdk/client-lambda";
import { expect } from "chai";
import { capturedEvent, EVENTS_DIR } from "./fixtures/events";
import { FUNCTION_TYPE } from "./model";
import { LOCAL_CREDENTIALS, startLocalCloud, type LocalCloud } from "./index";

const FIXTURE_DIR = path.join(__dirname, "fixtures");
const NO_AUTH_EVENT = path.join(EVENTS_DIR, "powertools-apigw-rest-no-auth.json");

describe("local cloud: Lambda API for real AWS clients", function () {
  this.timeout(120_000);
  let cloud: LocalCloud;
  let lambda: LambdaClient;
  const logs: string[] = [];
  /** Physical names, as the program recorded them. */
  const physical = (logical: string) =>
    cloud.program.ofType(FUNCTION_TYPE).find((r) => r.name === logical)!.state.name as string;

  before(async () => {
    cloud = await startLocalCloud({
      stack: "test",
      projectDir: FIXTURE_DIR,
      log: (l) => logs.push(l),
    });
    lambda = new LambdaClient({
      endpoint: cloud.lambdaEndpoint,
      region: cloud.region,
      credentials: LOCAL_CREDENTIALS,
      maxAttempts: 1,
    });
  });
  after(async () => {
    lambda?.destroy();
    await cloud?.stop();
  });

  const decode = (payload?: Uint8Array) => JSON.parse(Buffer.from(payload ?? []).toString());

  describe("through @aws-sdk/client-lambda", () => {
    it("lists the program's functions by their physical names", async () => {
      const listed = await lambda.send(new ListFunctionsCommand({}));
      const names = listed.Functions?.map((f) => f.FunctionName).sort();
      const recorded = cloud.program
        .ofType(FUNCTION_TYPE)
        .map((r) => r.state.name as string)
        .sort();
      expect(names).to.deep.equal(recorded);
      const echo = listed.Functions!.find((f) => f.FunctionName === physical("echo"))!;
      const inputs = cloud.program.ofType(FUNCTION_TYPE).find((r) => r.name === "echo")!.inputs;
      expect(echo).to.deep.include({
        Runtime: inputs.runtime,
        Handler: inputs.handler,
        Timeout: inputs.timeout,
        MemorySize: inputs.memorySize,
      });
    });

    it("gets one function's configuration, by name or ARN", async () => {
      const byName = await lambda.send(new GetFunctionCommand({ FunctionName: physical("echo") }));
      const arn = byName.Configuration!.FunctionArn!;
      expect(arn).to.match(new RegExp(`:function:${physical("echo")}$`));
      const byArn = await lambda.send(new GetFunctionCommand({ FunctionName: arn }));
      expect(byArn.Configuration?.FunctionName).to.equal(physical("echo"));
    });

    it("invokes a function with a captured API Gateway event and returns its result", async () => {
      const event = capturedEvent("powertools-apigw-rest-no-auth.json");
      const out = await lambda.send(
        new InvokeCommand({
          FunctionName: physical("echo"),
          Payload: Buffer.from(JSON.stringify(event)),
        }),
      );
      expect(out.StatusCode).to.equal(200);
      expect(out.FunctionError).to.equal(undefined);
      expect(out.ExecutedVersion).to.equal("$LATEST");
      const result = decode(out.Payload);
      expect(result.statusCode).to.equal(200);
      expect(JSON.parse(result.body).event).to.deep.equal(event);
    });

    it("reports a function error as Lambda does: 200 with X-Amz-Function-Error", async () => {
      const out = await lambda.send(
        new InvokeCommand({
          FunctionName: physical("misbehave"),
          Payload: Buffer.from(JSON.stringify({ queryStringParameters: { do: "throw" } })),
        }),
      );
      expect(out.StatusCode).to.equal(200);
      expect(out.FunctionError).to.equal("Unhandled");
      expect(decode(out.Payload)).to.deep.include({
        errorType: "Error",
        errorMessage: "handler threw",
      });
    });

    it("reports the function's timeout as a function error", async () => {
      const seconds = cloud.model.functions.find((f) => f.logicalName === "misbehave")!.timeoutMs;
      const out = await lambda.send(
        new InvokeCommand({
          FunctionName: physical("misbehave"),
          Payload: Buffer.from(
            JSON.stringify({ queryStringParameters: { do: "sleep", ms: String(seconds * 5) } }),
          ),
        }),
      );
      expect(out.FunctionError).to.equal("Unhandled");
      expect(decode(out.Payload).errorMessage).to.match(
        new RegExp(`Task timed out after ${(seconds / 1000).toFixed(2)} seconds$`),
      );
    });

    it("answers an unknown function with 404 ResourceNotFoundException, and keeps serving", async () => {
      const err = await lambda
        .send(new InvokeCommand({ FunctionName: "no-such-function", Payload: Buffer.from("{}") }))
        .then(
          () => undefined,
          (e: unknown) => e,
        );
      expect(err).to.be.instanceOf(ResourceNotFoundException);
      const e = err as ResourceNotFoundException;
      expect(e.$metadata.httpStatusCode).to.equal(404);
      expect(e.message).to.equal(
        `Function not found: arn:aws:lambda:${cloud.region}:000000000000:function:no-such-function`,
      );
      const ok = await lambda.send(new InvokeCommand({ FunctionName: physical("misbehave") }));
      expect(ok.StatusCode).to.equal(200);
    });

    it("refuses a payload that is not JSON (400) or over 6 MB (413) before the function runs", async () => {
      const notJson = await lambda
        .send(new InvokeCommand({ FunctionName: physical("echo"), Payload: Buffer.from("{oops") }))
        .catch((e: { name: string; $metadata: { httpStatusCode: number }; message: string }) => e);
      expect(notJson).to.deep.include({ name: "InvalidRequestContentException" });
      expect((notJson as { message: string }).message).to.match(
        /^Could not parse request body into json/,
      );
      const big = await lambda
        .send(
          new InvokeCommand({
            FunctionName: physical("echo"),
            Payload: Buffer.from(JSON.stringify({ body: "x".repeat(6 * 1024 * 1024) })),
          }),
        )
        .catch((e: { name: string; $metadata: { httpStatusCode: number } }) => e);
      expect(big).to.deep.include({ name: "RequestTooLargeException" });
      expect((big as { $metadata: { httpStatusCode: number } }).$metadata.httpStatusCode).to.equal(
        413,
      );
    });
  });

  describe("through the AWS CLI", function () {
    let dir: string;
    /** Runs the CLI without blocking this process, which is the server it talks to. */
    const aws = (...args: string[]) =>
      new Promise<{ status: number | null; stdout: string; stderr: string }>((resolve) => {
        const child = spawn(
          "aws",
          [...args, "--endpoint-url", cloud.lambdaEndpoint, "--region", cloud.region],
          {
            env: {
              ...process.env,
              AWS_ACCESS_KEY_ID: "dummy",
              AWS_SECRET_ACCESS_KEY: "dummy",
              AWS_PAGER: "",
              AWS_CONFIG_FILE: "/dev/null",
            },
            stdio: ["ignore", "pipe", "pipe"],
          },
        );
        let stdout = "";
        let stderr = "";
        child.stdout.on("data", (c: Buffer) => (stdout += c.toString()));
        child.stderr.on("data", (c: Buffer) => (stderr += c.toString()));
        child.on("close", (status) => resolve({ status, stdout, stderr }));
      });

    before(function () {
      if (spawnSync("aws", ["--version"]).error) {
        // .ci/run installs it; a developer machine may not have it.
        console.log("    skipped: the AWS CLI (aws) is not installed; apt-get install awscli");
        this.skip();
      }
      dir = fs.mkdtempSync(path.join(os.tmpdir(), "lambda-cli-"));
    });
    after(() => dir && fs.rmSync(dir, { recursive: true, force: true }));

    it("aws lambda list-functions names the program's functions", async () => {
      const run = await aws("lambda", "list-functions", "--output", "json");
      expect(run.status, run.stderr).to.equal(0);
      const names = (
        JSON.parse(run.stdout) as { Functions: { FunctionName: string }[] }
      ).Functions.map((f) => f.FunctionName);
      expect(names).to.include.members([physical("echo"), physical("misbehave")]);
    });

    it("aws lambda invoke runs the function on a captured event file and writes its result", async () => {
      const out = path.join(dir, "out.json");
      // fileb:// sends the file's bytes as they are, in AWS CLI v1 and v2 alike.
      const run = await aws(
        "lambda",
        "invoke",
        "--function-name",
        physical("echo"),
        "--payload",
        `fileb://${NO_AUTH_EVENT}`,
        out,
      );
      expect(run.status, run.stderr).to.equal(0);
      expect(JSON.parse(run.stdout)).to.deep.include({
        StatusCode: 200,
        ExecutedVersion: "$LATEST",
      });
      const result = JSON.parse(fs.readFileSync(out, "utf8"));
      expect(JSON.parse(result.body).event).to.deep.equal(
        JSON.parse(fs.readFileSync(NO_AUTH_EVENT, "utf8")),
      );
    });

    it("aws lambda invoke shows FunctionError for a function error and fails for an unknown name", async () => {
      const payload = path.join(dir, "throw.json");
      fs.writeFileSync(payload, JSON.stringify({ queryStringParameters: { do: "throw" } }));
      const out = path.join(dir, "error.json");
      const failed = await aws(
        "lambda",
        "invoke",
        "--function-name",
        physical("misbehave"),
        "--payload",
        `fileb://${payload}`,
        out,
      );
      expect(failed.status, failed.stderr).to.equal(0);
      expect(JSON.parse(failed.stdout)).to.deep.include({ FunctionError: "Unhandled" });
      expect(JSON.parse(fs.readFileSync(out, "utf8")).errorMessage).to.equal("handler threw");

      const unknown = await aws("lambda", "invoke", "--function-name", "nope", out);
      expect(unknown.status).to.not.equal(0);
      expect(unknown.stderr).to.contain("ResourceNotFoundException");
      expect(unknown.stderr).to.contain("Function not found");
    });
  });
});
