/**
 * What tells someone before users do: CloudWatch alarms on the function, the REST API stage and the
 * tables, an SNS topic they notify (with optional email subscriptions, or an existing topic), and
 * one dashboard. Every alarm names this stack's resources through the components' outputs.
 *
 * The alarms are rows of a table (`alarms.ts`), the dashboard's body is built apart
 * (`dashboard.ts`), and the settings and their schema are in `args.ts`.
 */
import * as crypto from "node:crypto";
import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import { parseArgs } from "../schema";
import { applyTransform } from "../transform";
import { ALARMS, alarmArgs, dynamoDbOperations, type AlarmContext, type AlarmSpec } from "./alarms";
import { MonitoringArgsSchema, type MonitoringArgs } from "./args";
import { dashboardBody } from "./dashboard";

export { ALARMS, MAX_ALARM_METRICS, dynamoDbOperations, type AlarmSpec } from "./alarms";
export {
  MAX_EVALUATION_SECONDS,
  MonitoringArgsSchema,
  type AlarmThresholds,
  type MonitoringArgs,
  type MonitoringSettings,
} from "./args";
export { dashboardBody, type DashboardInput } from "./dashboard";

/** Physical names: CloudWatch alarm names may be 1–255 characters without control characters. */
const MAX_ALARM_NAME = 255;
const MAX_DESCRIPTION = 1024;

/** Dashboard and topic names allow letters, digits, `-` and `_` only. */
export function resourceSafeName(name: string): string {
  return name.replace(/[^A-Za-z0-9_-]/g, "-");
}

/** Whether a name holds an ASCII control character, which CloudWatch refuses in alarm names. */
export function hasControlCharacter(text: string): boolean {
  return [...text].some((c) => c.charCodeAt(0) < 0x20 || c.charCodeAt(0) === 0x7f);
}

/**
 * Alarms, a topic and a dashboard for the CRUD service.
 *
 * @example
 * Minimal: alarms notify a new topic; subscribe to it in the console or with `alarmEmails`.
 * ```ts
 * new Monitoring("monitoring", { function: fn, api, tables: [table] });
 * ```
 * @example
 * Page the on-call topic, with a tighter latency target.
 * ```ts
 * new Monitoring("monitoring", {
 *   function: fn, api, tables: [table],
 *   alarmTopicArn: "arn:aws:sns:us-east-1:123456789012:on-call",
 *   thresholds: { apiLatencyP99Ms: 500 },
 * });
 * ```
 */
export class Monitoring extends pulumi.ComponentResource {
  /** ARN of the topic every alarm notifies (on ALARM and on OK). */
  public readonly topicArn: pulumi.Output<string>;
  /**
   * Names of the alarms a new function version can set off (the rows marked `rollback`): what a
   * CodeDeploy deployment group watches to stop a deployment and shift traffic back.
   */
  public readonly rollbackAlarmNames: pulumi.Output<string>[];
  /** Dashboard name, when the dashboard is created. */
  public readonly dashboardName: pulumi.Output<string | undefined>;
  private readonly resources: {
    topic?: aws.sns.Topic;
    subscriptions: aws.sns.TopicSubscription[];
    alarms: Record<string, aws.cloudwatch.MetricAlarm>;
    dashboard?: aws.cloudwatch.Dashboard;
  };

  constructor(name: string, args: MonitoringArgs, opts?: pulumi.ComponentResourceOptions) {
    super("lambda-apigateway:cloudwatch:Monitoring", name, {}, opts);
    // The steps below are function declarations, read top-down after the calls, so they reach
    // the component through this alias rather than an arrow function's `this`.
    // eslint-disable-next-line @typescript-eslint/no-this-alias
    const parent = this;
    const settings = parseArgs(MonitoringArgsSchema, args, `Monitoring "${name}"`);
    const prefix = `${pulumi.getProject()}-${pulumi.getStack()}`;
    const context: AlarmContext = {
      thresholds: settings.thresholds,
      periodSeconds: settings.periodSeconds,
      evaluationPeriods: settings.evaluationPeriods,
      datapointsToAlarm: settings.datapointsToAlarm,
      functionTimeout: args.function.timeout,
    };

    const { topic, subscriptions } = createTopic();
    const topicArn = topic ? topic.arn : pulumi.output(settings.alarmTopicArn!);
    const alarms = createAlarms();
    const dashboard = args.dashboard === false ? undefined : createDashboard();

    this.resources = { topic, subscriptions, alarms, dashboard };
    this.topicArn = topicArn;
    const rollbackKeys = new Set(ALARMS.filter((a) => a.rollback).map((a) => a.key));
    this.rollbackAlarmNames = Object.entries(alarms)
      .filter(([key]) => rollbackKeys.has(key))
      .map(([, alarm]) => alarm.name);
    this.dashboardName = dashboard ? dashboard.dashboardName : pulumi.output(undefined);
    this.registerOutputs({ topicArn: this.topicArn, dashboardName: this.dashboardName });

    /** The topic and its email subscriptions, unless an existing topic is given. */
    function createTopic(): { topic?: aws.sns.Topic; subscriptions: aws.sns.TopicSubscription[] } {
      if (settings.alarmTopicArn) return { subscriptions: [] };
      const [topicArgs, topicOpts] = applyTransform(
        args.transform?.topic,
        {
          name: resourceSafeName(`${prefix}-alarms`).slice(0, 256),
          displayName: `${prefix} alarms`.slice(0, 100),
        },
        { parent },
      );
      if (topicArgs.kmsMasterKeyId === "alias/aws/sns") {
        throw new Error(
          "Monitoring: CloudWatch cannot publish to a topic encrypted with the AWS-managed key " +
            "alias/aws/sns (its key policy cannot be changed); use a customer-managed key that " +
            "lets cloudwatch.amazonaws.com call kms:Decrypt and kms:GenerateDataKey*",
        );
      }
      const topic = new aws.sns.Topic(`${name}-alarms`, topicArgs, topicOpts);
      const subscriptions = settings.alarmEmails.map((email) => {
        // Named by address, not position: reordering the list must not re-send confirmations.
        const id = crypto
          .createHash("sha256")
          .update(email.toLowerCase())
          .digest("hex")
          .slice(0, 8);
        return new aws.sns.TopicSubscription(
          `${name}-email-${id}`,
          { topic: topic.arn, protocol: "email", endpoint: email },
          // Unconfirmed email subscriptions cannot be deleted through the API; deleting the
          // topic removes them, so they live and die with it.
          { parent, deleteBeforeReplace: true },
        );
      });
      return { topic, subscriptions };
    }

    /**
     * One alarm per row of `ALARMS` (per-table rows once per table, grouped by table), each
     * notifying the topic on ALARM and on OK.
     */
    function createAlarms(): Record<string, aws.cloudwatch.MetricAlarm> {
      const targets = {
        functionName: args.function.name,
        api: { ApiName: args.api.name, Stage: args.api.stageName },
      };
      const alarms: Record<string, aws.cloudwatch.MetricAlarm> = {};
      for (const { spec, key, table } of alarmInstances(ALARMS, args.tables, context)) {
        const alarmName = `${prefix}-${key}`;
        if (alarmName.length > MAX_ALARM_NAME || hasControlCharacter(alarmName)) {
          throw new Error(
            `Monitoring: alarm name "${alarmName}" must be 1–${MAX_ALARM_NAME} characters without ` +
              "control characters; use a shorter project or stack name",
          );
        }
        const description = spec.runbook(context);
        if (description.length > MAX_DESCRIPTION) {
          throw new Error(`Monitoring: the description of ${key} exceeds ${MAX_DESCRIPTION}`);
        }
        alarms[key] = new aws.cloudwatch.MetricAlarm(
          `${name}-${key}`,
          ...applyTransform(
            args.transform?.alarm,
            {
              name: alarmName,
              alarmDescription: description,
              ...alarmArgs(spec, context, { ...targets, table }),
              actionsEnabled: true,
              alarmActions: [topicArn],
              okActions: [topicArn],
            },
            { parent },
          ),
        );
      }
      return alarms;
    }

    /** The dashboard of the function, the stage, the tables and every alarm. */
    function createDashboard(): aws.cloudwatch.Dashboard {
      const fn = args.function;
      const { thresholds: t } = settings;
      const region = aws.getRegionOutput({}, { parent }).region;
      const body = pulumi
        .output({
          region,
          functionName: fn.name,
          timeout: fn.timeout,
          apiName: args.api.name,
          stage: args.api.stageName,
          tables: args.tables.map((tb) => tb.name),
          alarmArns: Object.values(alarms).map((a) => a.arn),
        })
        .apply((d) =>
          JSON.stringify(
            dashboardBody({
              ...d,
              period: settings.periodSeconds,
              metricsNamespace: fn.metricsNamespace,
              latencyThresholdMs: t.apiLatencyP99Ms,
              durationThresholdMs: d.timeout * 1000 * (t.durationP99PercentOfTimeout / 100),
              title: `${pulumi.getProject()} / ${pulumi.getStack()}`,
            }),
          ),
        );
      return new aws.cloudwatch.Dashboard(
        `${name}-dashboard`,
        ...applyTransform(
          args.transform?.dashboard,
          { dashboardName: resourceSafeName(prefix).slice(0, 255), dashboardBody: body },
          { parent },
        ),
      );
    }
  }

  /** The underlying resources, for reading any property the component does not re-export. */
  public get nodes() {
    return this.resources;
  }
}

/**
 * The alarms a stack gets from the rows: enabled rows only, per-table rows once per table (the
 * first table's alarms keep the row's key, the others add `-2`, `-3`…), grouped by table.
 */
export function alarmInstances(
  specs: readonly AlarmSpec[],
  tables: MonitoringArgs["tables"],
  context: AlarmContext,
): {
  spec: AlarmSpec;
  key: string;
  table?: { name: pulumi.Input<string>; operations: string[] };
}[] {
  const enabled = specs.filter((spec) => spec.enabled?.(context) ?? true);
  const out: ReturnType<typeof alarmInstances> = [];
  for (let i = 0; i < enabled.length;) {
    if (enabled[i]!.per === "stack") {
      out.push({ spec: enabled[i]!, key: enabled[i]!.key });
      i++;
      continue;
    }
    const run: AlarmSpec[] = [];
    while (i < enabled.length && enabled[i]!.per === "table") run.push(enabled[i++]!);
    tables.forEach((table, n) => {
      const suffix = n === 0 ? "" : `-${n + 1}`;
      const watched = {
        name: table.name,
        operations: [...(table.operations ?? dynamoDbOperations())],
      };
      for (const spec of run) out.push({ spec, key: `${spec.key}${suffix}`, table: watched });
    });
  }
  return out;
}
