/**
 * Promotion after `pulumi up`: start a CodeDeploy deployment that shifts the function's alias from
 * the version it serves to the one `pulumi up` published, then wait for it and, when it fails,
 * say which alarm stopped it. The deploy workflow runs these as two steps (`npm run promote --
 * start`, then `wait`), before the smoke test.
 *
 * Everything AWS and Pulumi answer goes through `Shell` (the AWS CLI and `pulumi stack output`),
 * so the tests drive the whole flow with recorded answers.
 */
import {
  LAMBDA_DEPLOYMENT_CONFIGS,
  trafficShiftMinutes,
  type LambdaDeploymentConfig,
} from "../../components/promotion";

/** What the promotion reads from the stack's outputs (`index.ts`). */
export interface PromotionTarget {
  functionName: string;
  alias: string;
  /** The newest version `pulumi up` published. */
  targetVersion: string;
  application: string;
  deploymentGroup: string;
  deploymentConfig: LambdaDeploymentConfig;
  /** The alarms that stop a deployment (for the failure message). */
  alarms: string[];
}

/** Stack outputs as `pulumi stack output --json` prints them. */
export type Outputs = Record<string, unknown>;

/**
 * The promotion's inputs from a stack's outputs, or undefined when the stack has promotion off
 * (its `pulumi up` moved the alias itself).
 */
export function promotionTarget(stack: string, outputs: Outputs): PromotionTarget | undefined {
  const text = (key: string): string => {
    const value = outputs[key];
    if (typeof value !== "string" || !value) {
      throw new Error(
        `Stack "${stack}" has no ${key} output (outputs: ${Object.keys(outputs).join(", ") || "none"}): ` +
          `run pulumi up --stack ${stack} with this commit first`,
      );
    }
    return value;
  };
  if (outputs.codeDeployApplication === undefined || outputs.codeDeployApplication === null) {
    text("functionName"); // a stack at all, just without promotion
    return undefined;
  }
  const config = text("deploymentConfig");
  if (!Object.hasOwn(LAMBDA_DEPLOYMENT_CONFIGS, config)) {
    throw new Error(
      `Stack "${stack}"'s deploymentConfig "${config}" is not a Lambda configuration`,
    );
  }
  const alarms = outputs.rollbackAlarms;
  return {
    functionName: text("functionName"),
    alias: text("functionAlias"),
    targetVersion: text("functionVersion"),
    application: text("codeDeployApplication"),
    deploymentGroup: text("deploymentGroupName"),
    deploymentConfig: config as LambdaDeploymentConfig,
    alarms: Array.isArray(alarms) ? alarms.map(String) : [],
  };
}

/** A published version: Lambda numbers them 1, 2, 3…; `$LATEST` is the unpublished code. */
const PUBLISHED = /^[1-9][0-9]*$/;

/**
 * The AppSpec of a Lambda deployment
 * (https://docs.aws.amazon.com/codedeploy/latest/userguide/reference-appspec-file-structure-resources.html):
 * both versions must be published ones, never `$LATEST`, and differ.
 */
export function lambdaAppSpec(input: {
  functionName: string;
  alias: string;
  currentVersion: string;
  targetVersion: string;
}) {
  for (const [what, version] of [
    ["current", input.currentVersion],
    ["target", input.targetVersion],
  ] as const) {
    if (!PUBLISHED.test(version)) {
      throw new Error(
        `The ${what} version of ${input.functionName} is "${version}", not a published version: ` +
          "CodeDeploy shifts an alias between published versions only. Is `publish` on for the function?",
      );
    }
  }
  if (input.currentVersion === input.targetVersion) {
    throw new Error(
      `Nothing to shift: ${input.alias} already serves version ${input.targetVersion}`,
    );
  }
  return {
    version: "0.0",
    Resources: [
      {
        [input.functionName]: {
          Type: "AWS::Lambda::Function",
          Properties: {
            Name: input.functionName,
            Alias: input.alias,
            CurrentVersion: input.currentVersion,
            TargetVersion: input.targetVersion,
          },
        },
      },
    ],
  };
}

/** Runs a command (`aws …`, `pulumi …`) and returns its standard output; rejects on failure. */
export type Shell = (command: string, args: string[]) => Promise<string>;

/** What `start` did. */
export type StartResult =
  | { kind: "off"; message: string }
  | { kind: "current"; message: string }
  | { kind: "started"; deploymentId: string; message: string };

/** Reads the stack's outputs with the Pulumi CLI. */
export async function stackOutputs(shell: Shell, stack: string): Promise<Outputs> {
  return JSON.parse(
    await shell("pulumi", ["stack", "output", "--json", "--stack", stack]),
  ) as Outputs;
}

/**
 * Starts the deployment: reads the version the alias serves, and unless it is already the one
 * `pulumi up` published, creates a deployment from the current to the new version.
 */
export async function start(shell: Shell, stack: string): Promise<StartResult> {
  const target = promotionTarget(stack, await stackOutputs(shell, stack));
  if (!target) {
    return {
      kind: "off",
      message: `Stack ${stack} has promotion off: pulumi up moved the alias to the new version.`,
    };
  }
  const alias = JSON.parse(
    await shell("aws", [
      "lambda",
      "get-alias",
      "--function-name",
      target.functionName,
      "--name",
      target.alias,
      "--output",
      "json",
    ]),
  ) as { FunctionVersion: string };
  const currentVersion = alias.FunctionVersion;
  if (currentVersion === target.targetVersion) {
    return {
      kind: "current",
      message:
        `${target.functionName}:${target.alias} already serves version ${currentVersion}: ` +
        "this pulumi up published no new version, so there is nothing to deploy.",
    };
  }
  const appSpec = lambdaAppSpec({ ...target, currentVersion });
  const revision = {
    revisionType: "AppSpecContent",
    appSpecContent: { content: JSON.stringify(appSpec) },
  };
  const created = JSON.parse(
    await shell("aws", [
      "deploy",
      "create-deployment",
      "--application-name",
      target.application,
      "--deployment-group-name",
      target.deploymentGroup,
      "--description",
      `${target.functionName}:${target.alias} ${currentVersion} -> ${target.targetVersion}`,
      "--revision",
      JSON.stringify(revision),
      "--output",
      "json",
    ]),
  ) as { deploymentId: string };
  return {
    kind: "started",
    deploymentId: created.deploymentId,
    message:
      `Deployment ${created.deploymentId}: ${target.functionName}:${target.alias} from version ` +
      `${currentVersion} to ${target.targetVersion} with ${target.deploymentConfig}.`,
  };
}

/** CodeDeploy's deployment statuses that end a deployment (API_DeploymentInfo.html). */
const TERMINAL = new Set(["Succeeded", "Failed", "Stopped"]);

/** What `aws deploy get-deployment` says about a deployment (the parts read here). */
export interface DeploymentInfo {
  status: string;
  errorInformation?: { code?: string; message?: string };
  rollbackInfo?: { rollbackDeploymentId?: string; rollbackMessage?: string };
}

/** A CloudWatch alarm as `aws cloudwatch describe-alarms` lists it (the parts read here). */
export interface AlarmState {
  AlarmName: string;
  StateValue: string;
  StateReason?: string;
}

/**
 * Why a deployment did not succeed, in lines: CodeDeploy's error code and message, each of the
 * group's alarms that is in ALARM now (the one that stopped it, as a rule), and the rollback.
 */
export function failureReport(
  deploymentId: string,
  info: DeploymentInfo,
  alarms: readonly AlarmState[],
): string[] {
  const lines = [`Deployment ${deploymentId} ${info.status.toLowerCase()}.`];
  if (info.errorInformation?.code || info.errorInformation?.message) {
    lines.push(
      `CodeDeploy: ${info.errorInformation.code ?? "error"}: ${info.errorInformation.message ?? ""}`.trim(),
    );
  }
  const firing = alarms.filter((a) => a.StateValue === "ALARM");
  for (const alarm of firing) {
    lines.push(`Alarm ${alarm.AlarmName} is in ALARM: ${alarm.StateReason ?? "(no reason given)"}`);
  }
  if (!firing.length && alarms.length) {
    lines.push(
      `None of its alarms (${alarms.map((a) => a.AlarmName).join(", ")}) is in ALARM now: one ` +
        "that stopped it may have returned to OK since (its history in CloudWatch says).",
    );
  }
  const rollback = info.rollbackInfo;
  lines.push(
    rollback?.rollbackDeploymentId || rollback?.rollbackMessage
      ? `Rolled back: ${rollback.rollbackMessage ?? `deployment ${rollback.rollbackDeploymentId}`}. The alias serves the version it served before.`
      : "No rollback is recorded: check the alias (aws lambda get-alias) before deploying again.",
  );
  return lines;
}

/**
 * How long to wait for a deployment: the configuration's time until all traffic has moved, one
 * more interval for its last step, and a margin for CodeDeploy's own steps.
 */
export function waitDeadlineMs(config: LambdaDeploymentConfig): number {
  const { minutes } = LAMBDA_DEPLOYMENT_CONFIGS[config];
  return (trafficShiftMinutes(config) + minutes + 10) * 60_000;
}

/** What `wait` found. */
export interface WaitResult {
  ok: boolean;
  lines: string[];
}

/**
 * Polls the deployment until it ends or the deadline passes. Not `aws deploy wait
 * deployment-successful`: that waiter gives up after 120 polls 15 s apart (30 min), shorter than
 * the slower linear configurations, and says nothing about why a deployment failed.
 */
export async function wait(
  shell: Shell,
  stack: string,
  deploymentId: string,
  options: { pollMs?: number; now?: () => number; sleep?: (ms: number) => Promise<void> } = {},
): Promise<WaitResult> {
  if (!deploymentId) {
    return { ok: true, lines: ["No deployment was started: nothing to wait for."] };
  }
  const target = promotionTarget(stack, await stackOutputs(shell, stack));
  const now = options.now ?? Date.now;
  const sleep = options.sleep ?? ((ms) => new Promise<void>((r) => setTimeout(r, ms)));
  const deadline =
    now() + waitDeadlineMs(target?.deploymentConfig ?? "CodeDeployDefault.LambdaAllAtOnce");
  const lines: string[] = [];
  let last = "";
  for (;;) {
    const { deploymentInfo: info } = JSON.parse(
      await shell("aws", [
        "deploy",
        "get-deployment",
        "--deployment-id",
        deploymentId,
        "--output",
        "json",
      ]),
    ) as { deploymentInfo: DeploymentInfo };
    if (info.status !== last) {
      lines.push(`Deployment ${deploymentId}: ${info.status}`);
      last = info.status;
    }
    if (info.status === "Succeeded") return { ok: true, lines };
    if (TERMINAL.has(info.status)) {
      const alarms = target?.alarms.length
        ? ((
            JSON.parse(
              await shell("aws", [
                "cloudwatch",
                "describe-alarms",
                "--alarm-names",
                ...target.alarms,
                "--output",
                "json",
              ]),
            ) as { MetricAlarms?: AlarmState[] }
          ).MetricAlarms ?? [])
        : [];
      return { ok: false, lines: [...lines, ...failureReport(deploymentId, info, alarms)] };
    }
    if (now() >= deadline) {
      return {
        ok: false,
        lines: [
          ...lines,
          `Deployment ${deploymentId} is still ${info.status} after the time its configuration ` +
            "needs: CodeDeploy carries on, and stops and rolls back if an alarm fires. Follow it " +
            `with aws deploy get-deployment --deployment-id ${deploymentId}.`,
        ],
      };
    }
    await sleep(options.pollMs ?? 15_000);
  }
}
