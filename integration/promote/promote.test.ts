/**
 * The promotion step after `pulumi up`, driven through its whole flow with the real program's
 * outputs (under mocks) and recorded AWS answers: the AppSpec it sends, when it sends none, how
 * it waits, and what it says when an alarm stopped the deployment.
 */
import { expect } from "chai";
import { runProgram, type ProgramRun } from "../../local/program";
import { lambdaAppSpecProblems, type LambdaAppSpec } from "../../testing/aws-rules";
import {
  failureReport,
  lambdaAppSpec,
  promotionTarget,
  start,
  wait,
  waitDeadlineMs,
  type Shell,
} from "./index";

interface Call {
  command: string;
  args: string[];
}

/** A shell that answers like Pulumi and the AWS CLI would, and records every call. */
function fakeShell(answers: {
  outputs: Record<string, unknown>;
  aliasVersion?: string;
  statuses?: string[];
  deploymentInfo?: Record<string, unknown>;
  alarms?: { AlarmName: string; StateValue: string; StateReason?: string }[];
}): { shell: Shell; calls: Call[] } {
  const calls: Call[] = [];
  const statuses = [...(answers.statuses ?? ["Succeeded"])];
  const shell: Shell = async (command, args) => {
    calls.push({ command, args });
    const line = `${command} ${args.slice(0, 2).join(" ")}`;
    switch (line) {
      case "pulumi stack output":
        return JSON.stringify(answers.outputs);
      case "aws lambda get-alias":
        return JSON.stringify({ FunctionVersion: answers.aliasVersion ?? "1" });
      case "aws deploy create-deployment":
        return JSON.stringify({ deploymentId: "d-TEST12345" });
      case "aws deploy get-deployment": {
        const status = statuses.length > 1 ? statuses.shift()! : statuses[0]!;
        return JSON.stringify({ deploymentInfo: { status, ...answers.deploymentInfo } });
      }
      case "aws cloudwatch describe-alarms":
        return JSON.stringify({ MetricAlarms: answers.alarms ?? [] });
      default:
        throw new Error(`unexpected call: ${command} ${args.join(" ")}`);
    }
  };
  return { shell, calls };
}

const flag = (args: string[], name: string) => args[args.indexOf(name) + 1]!;

describe("promotion after pulumi up (integration/promote)", function () {
  this.timeout(120_000);
  const runs = new Map<string, ProgramRun>();
  before(async () => {
    for (const stack of ["dev", "prod"]) runs.set(stack, await runProgram({ stack }));
  });
  /** A stack's outputs after a second `pulumi up` published version 2. */
  const afterSecondUp = (stack: string) => ({
    ...runs.get(stack)!.outputs,
    functionVersion: "2",
  });

  for (const stack of ["dev", "prod"]) {
    it(`${stack}: deploys from the version the alias serves to the one pulumi up published`, async () => {
      const run = runs.get(stack)!;
      const { shell, calls } = fakeShell({ outputs: afterSecondUp(stack), aliasVersion: "1" });
      const result = await start(shell, stack);
      expect(result).to.include({ kind: "started", deploymentId: "d-TEST12345" });

      const create = calls.find((c) => c.args[1] === "create-deployment")!;
      const group = run.ofType("aws:codedeploy/deploymentGroup:DeploymentGroup")[0]!;
      expect(flag(create.args, "--application-name")).to.equal(group.inputs.appName);
      expect(flag(create.args, "--deployment-group-name")).to.equal(
        group.inputs.deploymentGroupName,
      );
      const revision = JSON.parse(flag(create.args, "--revision"));
      expect(revision.revisionType).to.equal("AppSpecContent");
      const appSpec = JSON.parse(revision.appSpecContent.content) as LambdaAppSpec;
      const fn = run.ofType("aws:lambda/function:Function")[0]!;
      expect(appSpec).to.deep.equal({
        version: "0.0",
        Resources: [
          {
            [fn.state.name]: {
              Type: "AWS::Lambda::Function",
              Properties: {
                Name: fn.state.name,
                Alias: "live",
                CurrentVersion: "1",
                TargetVersion: "2",
              },
            },
          },
        ],
      });
      // What CodeDeploy refuses in an AppSpec (testing/aws-rules.ts).
      expect(lambdaAppSpecProblems(appSpec)).to.deep.equal([]);
      const alias = calls.find((c) => c.args[1] === "get-alias")!;
      expect(flag(alias.args, "--function-name")).to.equal(fn.state.name);
      expect(flag(alias.args, "--name")).to.equal("live");
    });
  }

  it("starts nothing when the alias already serves the published version", async () => {
    const { shell, calls } = fakeShell({ outputs: runs.get("dev")!.outputs, aliasVersion: "1" });
    const result = await start(shell, "dev");
    expect(result.kind).to.equal("current");
    expect(result.message).to.match(/already serves version 1/);
    expect(calls.map((c) => c.args[1])).not.to.include("create-deployment");
  });

  it("starts nothing, and calls no AWS, for a stack with promotion off", async () => {
    const off = await runProgram({
      stack: "dev",
      config: { "lambda-apigateway:promotion": { enabled: false } },
    });
    expect(off.ofType("aws:codedeploy/application:Application")).to.deep.equal([]);
    // Without CodeDeploy, pulumi up moves the alias: nothing holds its version back.
    expect(off.ofType("aws:lambda/alias:Alias")[0]!.ignoreChanges).to.deep.equal([]);
    const { shell, calls } = fakeShell({ outputs: off.outputs });
    expect((await start(shell, "dev")).kind).to.equal("off");
    expect(calls.map((c) => c.command)).to.deep.equal(["pulumi"]);
  });

  it("refuses an AppSpec with $LATEST or with nothing to shift, before calling CodeDeploy", () => {
    const base = { functionName: "fn", alias: "live", currentVersion: "1", targetVersion: "2" };
    expect(() => lambdaAppSpec({ ...base, targetVersion: "$LATEST" })).to.throw(
      /target version of fn is "\$LATEST", not a published version/,
    );
    expect(() => lambdaAppSpec({ ...base, currentVersion: "$LATEST" })).to.throw(/current version/);
    expect(() => lambdaAppSpec({ ...base, targetVersion: "1" })).to.throw(/Nothing to shift/);
    expect(lambdaAppSpecProblems(lambdaAppSpec(base))).to.deep.equal([]);
  });

  it("names the missing output when the stack predates promotion", () => {
    const { functionVersion: _dropped, ...outputs } = afterSecondUp("dev");
    void _dropped;
    expect(() => promotionTarget("dev", outputs)).to.throw(
      /Stack "dev" has no functionVersion output .* run pulumi up --stack dev/,
    );
  });

  describe("waiting", () => {
    const noSleep = async () => undefined;

    it("follows the deployment until it succeeds", async () => {
      const { shell } = fakeShell({
        outputs: afterSecondUp("prod"),
        statuses: ["Created", "InProgress", "InProgress", "Succeeded"],
      });
      const result = await wait(shell, "prod", "d-TEST12345", { sleep: noSleep });
      expect(result).to.deep.equal({
        ok: true,
        lines: [
          "Deployment d-TEST12345: Created",
          "Deployment d-TEST12345: InProgress",
          "Deployment d-TEST12345: Succeeded",
        ],
      });
    });

    it("fails with the alarm that stopped the deployment and the rollback", async () => {
      const alarms = runs.get("prod")!.outputs.rollbackAlarms as string[];
      const { shell, calls } = fakeShell({
        outputs: afterSecondUp("prod"),
        statuses: ["InProgress", "Stopped"],
        deploymentInfo: {
          errorInformation: { code: "ALARM_ACTIVE", message: "One or more alarms fired" },
          rollbackInfo: { rollbackDeploymentId: "d-ROLLBACK1", rollbackMessage: "Rolled back" },
        },
        alarms: alarms.map((name, i) => ({
          AlarmName: name,
          StateValue: i === 2 ? "ALARM" : "OK",
          StateReason: i === 2 ? "Threshold Crossed: 3 datapoints" : "fine",
        })),
      });
      const result = await wait(shell, "prod", "d-TEST12345", { sleep: noSleep });
      expect(result.ok).to.equal(false);
      expect(result.lines).to.include(
        "Alarm lambda-apigateway-prod-api-5xx-rate is in ALARM: Threshold Crossed: 3 datapoints",
      );
      expect(result.lines.join("\n")).to.match(
        /CodeDeploy: ALARM_ACTIVE: One or more alarms fired/,
      );
      expect(result.lines.join("\n")).to.match(/Rolled back.*serves the version it served before/);
      // It asked CloudWatch about exactly the group's alarms.
      const describe = calls.find((c) => c.args[0] === "cloudwatch")!;
      expect(describe.args.slice(3, 3 + alarms.length)).to.deep.equal(alarms);
    });

    it("gives up after the configuration's time, saying the deployment carries on", async () => {
      let clock = 0;
      const { shell } = fakeShell({ outputs: afterSecondUp("prod"), statuses: ["InProgress"] });
      const result = await wait(shell, "prod", "d-TEST12345", {
        now: () => clock,
        sleep: async (ms) => {
          clock += ms;
        },
      });
      expect(result.ok).to.equal(false);
      expect(result.lines.at(-1)).to.match(/still InProgress .* CodeDeploy carries on/);
      expect(clock).to.be.at.least(
        waitDeadlineMs("CodeDeployDefault.LambdaCanary10Percent5Minutes"),
      );
    });

    it("waits longer than the AWS CLI's waiter (30 min) for the slowest configuration", () => {
      expect(
        waitDeadlineMs("CodeDeployDefault.LambdaLinear10PercentEvery10Minutes"),
      ).to.be.greaterThan(100 * 60_000);
      expect(waitDeadlineMs("CodeDeployDefault.LambdaAllAtOnce")).to.equal(10 * 60_000);
    });

    it("has nothing to wait for when start deployed nothing", async () => {
      const { shell, calls } = fakeShell({ outputs: afterSecondUp("dev") });
      expect(await wait(shell, "dev", "")).to.deep.include({ ok: true });
      expect(calls).to.deep.equal([]);
    });

    it("says when no alarm is firing any more", () => {
      const lines = failureReport("d-1", { status: "Failed" }, [
        { AlarmName: "a", StateValue: "OK" },
      ]);
      expect(lines.join("\n")).to.match(/None of its alarms \(a\) is in ALARM now/);
      expect(lines.join("\n")).to.match(/No rollback is recorded/);
    });
  });
});
