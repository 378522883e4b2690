/**
 * The bootstrap program (`bootstrap/index.ts`) run under mocks with each committed stack file:
 * API Gateway's CloudWatch role as AWS documents it, kept through any destroy.
 */
import * as path from "node:path";
import { expect } from "chai";
import { runProgram, type ProgramRun, type RecordedResource } from "../local/program";
import { stacksIn } from "../testing/program";

const DIR = path.resolve(__dirname);
const T = {
  role: "aws:iam/role:Role",
  attachment: "aws:iam/rolePolicyAttachment:RolePolicyAttachment",
  account: "aws:apigateway/account:Account",
  rolePolicy: "aws:iam/rolePolicy:RolePolicy",
};

function one(run: ProgramRun, type: string): RecordedResource {
  const found = run.ofType(type);
  expect(found, type).to.have.length(1);
  return found[0]!;
}

describe("bootstrap/: API Gateway's CloudWatch role, once per account and region", function () {
  this.timeout(60_000);

  it("has a committed stack per region it is run in", () => {
    expect(stacksIn(DIR)).to.have.length.greaterThan(0);
  });

  for (const stack of stacksIn(DIR)) {
    describe(`stack ${stack}`, () => {
      let run: ProgramRun;
      before(async () => {
        run = await runProgram({ projectDir: DIR, stack });
      });

      it("is a project of its own, in the stack's region", () => {
        expect(run.project).to.equal("lambda-apigateway-bootstrap");
        expect(run.region).to.equal(run.config["aws:region"]);
      });

      it("creates a role only API Gateway may assume", () => {
        const trust = JSON.parse(one(run, T.role).inputs.assumeRolePolicy);
        expect(trust.Statement).to.deep.equal([
          {
            Effect: "Allow",
            Principal: { Service: "apigateway.amazonaws.com" },
            Action: "sts:AssumeRole",
          },
        ]);
      });

      it("gives it AWS's managed AmazonAPIGatewayPushToCloudWatchLogs, in the stack's partition, and nothing else", () => {
        const attachment = one(run, T.attachment);
        expect(attachment.inputs.role).to.equal(one(run, T.role).state.name);
        expect(attachment.inputs.policyArn).to.equal(
          `arn:${run.partition}:iam::aws:policy/service-role/AmazonAPIGatewayPushToCloudWatchLogs`,
        );
        expect(run.ofType(T.rolePolicy), "no inline policy").to.deep.equal([]);
      });

      it("names the role in the account's API Gateway settings", () => {
        expect(one(run, T.account).inputs.cloudwatchRoleArn).to.equal(one(run, T.role).state.arn);
        expect(run.outputs).to.deep.equal({ cloudwatchRoleArn: one(run, T.role).state.arn });
      });

      it("protects the role, its policy and the account setting, and keeps them on destroy", () => {
        for (const type of [T.role, T.attachment, T.account]) {
          expect(one(run, type).options, type).to.deep.equal({
            protect: true,
            retainOnDelete: true,
          });
        }
      });
    });
  }
});
