/**
 * The Promotion component's own rules: how long each CodeDeploy configuration shifts traffic, and
 * the preview's warning when the alarms could not fire before all traffic has moved.
 */
import { expect } from "chai";
import { runProgram } from "../local/program";
import { CONFIG_NAMESPACE } from "./config";
import {
  ALL_AT_ONCE,
  LAMBDA_DEPLOYMENT_CONFIGS,
  alarmWindowWarning,
  trafficShiftMinutes,
} from "./promotion";
import { stackConfig } from "../testing/program";

describe("Promotion", function () {
  this.timeout(60_000);

  it("knows CodeDeploy's nine predefined Lambda configurations and how long each shifts", () => {
    expect(Object.keys(LAMBDA_DEPLOYMENT_CONFIGS)).to.have.length(9);
    expect(trafficShiftMinutes("CodeDeployDefault.LambdaCanary10Percent30Minutes")).to.equal(30);
    expect(trafficShiftMinutes("CodeDeployDefault.LambdaLinear10PercentEvery3Minutes")).to.equal(
      27,
    );
    expect(trafficShiftMinutes(ALL_AT_ONCE)).to.equal(0);
  });

  it("warns when the alarms need longer to fire than the configuration shifts", () => {
    const prod = stackConfig("prod");
    expect(alarmWindowWarning(prod.promotion.deploymentConfig, prod.monitoring)).to.equal(
      undefined,
    );
    const dev = stackConfig("dev");
    expect(
      alarmWindowWarning(dev.promotion.deploymentConfig, dev.monitoring),
      "all at once",
    ).to.equal(undefined);
    expect(
      alarmWindowWarning("CodeDeployDefault.LambdaCanary10Percent5Minutes", dev.monitoring),
    ).to.match(/moves all traffic within 5 min, but the alarms need 15 min/);
  });

  it("a preview of dev with a canary says so, once", async () => {
    const warnings: string[] = [];
    const pulumi = await import("@pulumi/pulumi");
    const original = pulumi.log.warn;
    pulumi.log.warn = (message: string) => {
      warnings.push(message);
      return Promise.resolve();
    };
    try {
      await runProgram({
        stack: "dev",
        config: {
          [`${CONFIG_NAMESPACE}:promotion`]: {
            deploymentConfig: "CodeDeployDefault.LambdaCanary10Percent5Minutes",
          },
        },
      });
    } finally {
      pulumi.log.warn = original;
    }
    expect(warnings.filter((w) => w.includes("moves all traffic within"))).to.have.length(1);
  });

  it("refuses a configuration CodeDeploy does not predefine, naming the key", async () => {
    let error: unknown;
    try {
      await runProgram({
        stack: "dev",
        config: {
          [`${CONFIG_NAMESPACE}:promotion`]: { deploymentConfig: "CodeDeployDefault.AllAtOnce" },
        },
      });
    } catch (err) {
      error = err;
    }
    expect(String(error)).to.match(
      /lambda-apigateway:promotion\.deploymentConfig must be one of CodeDeploy's Lambda configurations/,
    );
  });
});
