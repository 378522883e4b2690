/**
 * Safe promotion: a CodeDeploy application and deployment group that shift the function's alias
 * from the version it serves to the one `pulumi up` just published, gradually, and shift it back
 * when one of the stack's alarms fires. The deployment itself is started after `pulumi up` by
 * `integration/promote.ts` (the deploy workflow's step), with an AppSpec naming both versions.
 */
import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import * as v from "valibot";
import { CODEDEPLOY_GROUP_ALARMS } from "../contract/limits";
import type { CrudFunction } from "./function";
import { assumedByService } from "./iam";
import { managedPolicyArnFor } from "./partition";
import { parseArgs } from "./schema";
import { applyTransform, type Transform } from "./transform";

/**
 * CodeDeploy's predefined deployment configurations for the Lambda compute platform, with the
 * share of traffic moved per step and the minutes between steps
 * (https://docs.aws.amazon.com/codedeploy/latest/userguide/deployment-configurations.html).
 * Canary: the share, then the rest after the minutes. Linear: the share at the start of each
 * interval until all of it has moved. All at once: everything in one step.
 */
export const LAMBDA_DEPLOYMENT_CONFIGS = {
  "CodeDeployDefault.LambdaCanary10Percent5Minutes": { kind: "canary", minutes: 5 },
  "CodeDeployDefault.LambdaCanary10Percent10Minutes": { kind: "canary", minutes: 10 },
  "CodeDeployDefault.LambdaCanary10Percent15Minutes": { kind: "canary", minutes: 15 },
  "CodeDeployDefault.LambdaCanary10Percent30Minutes": { kind: "canary", minutes: 30 },
  "CodeDeployDefault.LambdaLinear10PercentEvery1Minute": { kind: "linear", minutes: 1 },
  "CodeDeployDefault.LambdaLinear10PercentEvery2Minutes": { kind: "linear", minutes: 2 },
  "CodeDeployDefault.LambdaLinear10PercentEvery3Minutes": { kind: "linear", minutes: 3 },
  "CodeDeployDefault.LambdaLinear10PercentEvery10Minutes": { kind: "linear", minutes: 10 },
  "CodeDeployDefault.LambdaAllAtOnce": { kind: "allAtOnce", minutes: 0 },
} as const satisfies Record<string, { kind: "canary" | "linear" | "allAtOnce"; minutes: number }>;

export type LambdaDeploymentConfig = keyof typeof LAMBDA_DEPLOYMENT_CONFIGS;

/** The configuration that moves all traffic in one step: no canary, nothing for alarms to stop. */
export const ALL_AT_ONCE: LambdaDeploymentConfig = "CodeDeployDefault.LambdaAllAtOnce";

/** What a stack gets unless its config says otherwise: 10 % for five minutes, then the rest. */
export const DEFAULT_DEPLOYMENT_CONFIG: LambdaDeploymentConfig =
  "CodeDeployDefault.LambdaCanary10Percent5Minutes";

/**
 * Minutes from a deployment's first shift until all traffic is on the new version: while it
 * runs, a firing alarm stops it and shifts traffic back; after it, nothing does. Linear moves
 * 10 % at the start of each interval (TimeBasedLinear's `linearPercentage`), so 100 % is reached
 * after nine intervals.
 */
export function trafficShiftMinutes(config: LambdaDeploymentConfig): number {
  const { kind, minutes } = LAMBDA_DEPLOYMENT_CONFIGS[config];
  return kind === "linear" ? minutes * 9 : minutes;
}

/** CodeDeploy refuses more alarms per deployment group (AlarmsLimitExceededException). */
export const MAX_DEPLOYMENT_GROUP_ALARMS = CODEDEPLOY_GROUP_ALARMS;

/**
 * What makes CodeDeploy shift traffic back: a failed deployment, and one stopped because an
 * alarm of the group fired.
 */
export const ROLLBACK_EVENTS = ["DEPLOYMENT_FAILURE", "DEPLOYMENT_STOP_ON_ALARM"] as const;

/**
 * AWS's managed policy for CodeDeploy's Lambda service role
 * (https://docs.aws.amazon.com/aws-managed-policy/latest/reference/AWSCodeDeployRoleForLambda.html):
 * read the alarms, read and update the alias, invoke `CodeDeployHook_*` hook functions, publish
 * to trigger topics. Its ARN keeps the `service-role/` path.
 */
export const CODEDEPLOY_LAMBDA_POLICY = "service-role/AWSCodeDeployRoleForLambda";

/**
 * The plain settings of `PromotionArgs`. The stack config's `promotion` group is this schema plus
 * `enabled`.
 */
export const PromotionArgsSchema = v.strictObject(
  {
    deploymentConfig: v.optional(
      v.pipe(
        v.picklist(
          Object.keys(LAMBDA_DEPLOYMENT_CONFIGS) as LambdaDeploymentConfig[],
          `must be one of CodeDeploy's Lambda configurations: ${Object.keys(LAMBDA_DEPLOYMENT_CONFIGS).join(", ")}`,
        ),
        v.description(
          "How CodeDeploy moves traffic to a new version: a canary share, then the rest after " +
            "the minutes; 10 % more every interval (linear); or all at once. While it runs, a " +
            "firing alarm stops it and moves traffic back.",
        ),
      ),
      DEFAULT_DEPLOYMENT_CONFIG,
    ),
  },
  "must be a map of settings",
);

export interface PromotionArgs {
  /** The function whose alias CodeDeploy shifts (created with `externalTrafficShifting`). */
  function: CrudFunction;
  /**
   * Names of the CloudWatch alarms that stop a deployment and shift traffic back (at most 10,
   * CodeDeploy's limit): `Monitoring.rollbackAlarmNames`.
   */
  alarmNames: pulumi.Input<string>[];
  /**
   * CodeDeploy's predefined configuration for Lambda (`LAMBDA_DEPLOYMENT_CONFIGS`).
   * @default "CodeDeployDefault.LambdaCanary10Percent5Minutes"
   */
  deploymentConfig?: LambdaDeploymentConfig;
  /**
   * Adjust the underlying resources' args.
   * @default undefined
   */
  transform?: {
    deploymentGroup?: Transform<aws.codedeploy.DeploymentGroupArgs>;
    role?: Transform<aws.iam.RoleArgs>;
  };
}

/**
 * A CodeDeploy application (Lambda compute platform) and a deployment group that shifts the
 * function's alias with traffic control, watched by the given alarms, rolled back on failure or
 * on a firing alarm.
 *
 * @example
 * ```ts
 * const fn = new CrudFunction("crud", { table, externalTrafficShifting: true });
 * new Promotion("promotion", { function: fn, alarmNames: monitoring.rollbackAlarmNames });
 * ```
 * @example
 * All at once, for a development stack.
 * ```ts
 * new Promotion("promotion", {
 *   function: fn,
 *   alarmNames: monitoring.rollbackAlarmNames,
 *   deploymentConfig: "CodeDeployDefault.LambdaAllAtOnce",
 * });
 * ```
 */
export class Promotion extends pulumi.ComponentResource {
  /** CodeDeploy application name (`aws deploy create-deployment --application-name`). */
  public readonly applicationName: pulumi.Output<string>;
  /** Deployment group name (`--deployment-group-name`). */
  public readonly deploymentGroupName: pulumi.Output<string>;
  /** The deployment configuration the group uses. */
  public readonly deploymentConfig: LambdaDeploymentConfig;
  private readonly resources: {
    application: aws.codedeploy.Application;
    role: aws.iam.Role;
    rolePolicy: aws.iam.RolePolicyAttachment;
    deploymentGroup: aws.codedeploy.DeploymentGroup;
  };

  constructor(name: string, args: PromotionArgs, opts?: pulumi.ComponentResourceOptions) {
    super("lambda-apigateway:codedeploy:Promotion", name, {}, opts);
    const settings = parseArgs(PromotionArgsSchema, args, `Promotion "${name}"`);
    checkAlarmCount(`Promotion "${name}"`, args.alarmNames.length);
    const prefix = `${pulumi.getProject()}-${pulumi.getStack()}`;

    const application = new aws.codedeploy.Application(
      name,
      { name: `${prefix}-${name}`, computePlatform: "Lambda" },
      { parent: this },
    );

    // Assumed by CodeDeploy alone, with the policy AWS keeps for exactly this role.
    const role = new aws.iam.Role(
      `${name}-role`,
      ...applyTransform(
        args.transform?.role,
        {
          description: `CodeDeploy shifts the alias of ${prefix}`,
          assumeRolePolicy: assumedByService("codedeploy.amazonaws.com"),
        },
        { parent: this },
      ),
    );
    const rolePolicy = new aws.iam.RolePolicyAttachment(
      `${name}-role-policy`,
      { role: role.name, policyArn: managedPolicyArnFor(CODEDEPLOY_LAMBDA_POLICY, this) },
      { parent: this },
    );

    const deploymentGroup = new aws.codedeploy.DeploymentGroup(
      name,
      ...applyTransform(
        args.transform?.deploymentGroup,
        {
          appName: application.name,
          deploymentGroupName: `${prefix}-${args.function.aliasName}`,
          serviceRoleArn: role.arn,
          deploymentConfigName: settings.deploymentConfig,
          // The only style CodeDeploy runs for Lambda: traffic moves between two versions.
          deploymentStyle: {
            deploymentOption: "WITH_TRAFFIC_CONTROL",
            deploymentType: "BLUE_GREEN",
          },
          alarmConfiguration: { enabled: true, alarms: args.alarmNames },
          autoRollbackConfiguration: { enabled: true, events: [...ROLLBACK_EVENTS] },
        },
        // The role must hold its policy before CodeDeploy checks it.
        { parent: this, dependsOn: [rolePolicy] },
      ),
    );

    this.resources = { application, role, rolePolicy, deploymentGroup };
    this.applicationName = application.name;
    this.deploymentGroupName = deploymentGroup.deploymentGroupName;
    this.deploymentConfig = settings.deploymentConfig;
    this.registerOutputs({
      applicationName: this.applicationName,
      deploymentGroupName: this.deploymentGroupName,
    });
  }

  /** The underlying resources, for reading any property the component does not re-export. */
  public get nodes() {
    return this.resources;
  }
}

/** Refuses more alarms than CodeDeploy takes per deployment group, before AWS does. */
export function checkAlarmCount(what: string, count: number): void {
  if (count > MAX_DEPLOYMENT_GROUP_ALARMS) {
    throw new Error(
      `${what}: ${count} alarms, but CodeDeploy takes at most ${MAX_DEPLOYMENT_GROUP_ALARMS} per ` +
        "deployment group: mark fewer rows of ALARMS (components/monitoring/alarms.ts) with rollback",
    );
  }
}

/**
 * Why a deployment could finish before its alarms can fire, or undefined: CodeDeploy rolls back
 * only while it runs, and an alarm needs `datapointsToAlarm` breaching periods before it fires.
 */
export function alarmWindowWarning(
  config: LambdaDeploymentConfig,
  alarm: { periodSeconds: number; datapointsToAlarm: number },
): string | undefined {
  if (LAMBDA_DEPLOYMENT_CONFIGS[config].kind === "allAtOnce") return undefined;
  const shiftSeconds = trafficShiftMinutes(config) * 60;
  const alarmSeconds = alarm.periodSeconds * alarm.datapointsToAlarm;
  if (alarmSeconds <= shiftSeconds) return undefined;
  return (
    `${config} moves all traffic within ${shiftSeconds / 60} min, but the alarms need ` +
    `${alarmSeconds / 60} min of breaching data to fire: a bad version could be fully live before ` +
    "they stop the deployment. Choose a longer configuration (promotion.deploymentConfig) or " +
    "shorter alarm periods (monitoring.periodSeconds, monitoring.datapointsToAlarm)."
  );
}
