/**
 * The CRUD Lambda function: bundled from `handlers/`, wired to one table, least-privilege role.
 */
import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import * as random from "@pulumi/random";
import * as v from "valibot";
import { ENV } from "../contract/env";
import { DEFAULT_IDEMPOTENCY_TTL_HOURS } from "../contract/idempotency";
import { DEFAULT_METRICS_NAMESPACE } from "../contract/metrics";
import { OPEN, type ApiSecurity } from "../contract/security";
import { bundleHandler } from "./bundle";
import { assumedByService } from "./iam";
import { managedPolicyArnFor } from "./partition";
import {
  API_GATEWAY_MAX_TIMEOUT_SECONDS,
  SHARED_FIELDS,
  parseArgs,
  type LogRetentionDays,
} from "./schema";
import type { Table } from "./table";
import { applyTransform, type Transform } from "./transform";

/**
 * DynamoDB actions behind the lib-dynamodb commands the handler sends (Get, Put, Update, Delete,
 * Scan; a keyed write's TransactWriteItems needs only the Put, Update or Delete it holds). Nothing
 * else: no batch, no table management.
 */
export const DYNAMODB_ACTIONS = [
  "dynamodb:GetItem",
  "dynamodb:PutItem",
  "dynamodb:UpdateItem",
  "dynamodb:DeleteItem",
  "dynamodb:Scan",
] as const;

/**
 * DynamoDB actions on the Idempotency-Key records table: the conditional lock (PutItem, which also
 * writes the completed record inside TransactWriteItems, whose permissions are those of the writes
 * it holds) and its release (DeleteItem). The handler never reads records with GetItem: a failed
 * lock returns the record it found.
 */
export const RECORD_ACTIONS = ["dynamodb:PutItem", "dynamodb:DeleteItem"] as const;

/**
 * Lambda's rule for an alias name: 1–128 letters, digits, `-` or `_`, and not all digits (a number
 * would read as a version). https://docs.aws.amazon.com/lambda/latest/api/API_CreateAlias.html
 */
export const ALIAS_NAME_PATTERN = /^(?![0-9]+$)[a-zA-Z0-9_-]{1,128}$/;

/** The alias the API invokes: callers reach the version it points at, never `$LATEST`. */
export const DEFAULT_ALIAS_NAME = "live";

/** Actions a function needs to write to its own log group. */
export const LOG_ACTIONS = ["logs:CreateLogStream", "logs:PutLogEvents"] as const;

/**
 * What the role may do with the tables' customer-managed KMS key, and only through DynamoDB: with
 * such a key, DynamoDB calls KMS on behalf of the principal reading or writing items, so without
 * these a read or write fails with AccessDenied (unless the key policy itself opens the key to
 * DynamoDB). AWS lists what DynamoDB needs on the key: Encrypt, Decrypt, ReEncrypt*,
 * GenerateDataKey* (GenerateDataKey and GenerateDataKeyWithoutPlaintext), DescribeKey and
 * CreateGrant (https://docs.aws.amazon.com/kms/latest/developerguide/services-dynamodb.html).
 * CreateGrant is for whoever creates the table (DynamoDB's grant is made then), and ReEncrypt* for
 * whoever moves the table to another key; the function does neither. `kms:GenerateDataKey*` is
 * written out: the wildcard would also match GenerateDataKeyPair and
 * GenerateDataKeyPairWithoutPlaintext, which DynamoDB never calls, and the policy pack allows no
 * action wildcard.
 */
export const KMS_ACTIONS = [
  "kms:Decrypt",
  "kms:Encrypt",
  "kms:GenerateDataKey",
  "kms:GenerateDataKeyWithoutPlaintext",
  "kms:DescribeKey",
] as const;

/**
 * The `kms:ViaService` value of DynamoDB in a region, the form AWS's own `aws/dynamodb` key policy
 * uses (`dynamodb.us-west-2.amazonaws.com`, same page as `KMS_ACTIONS`): the key serves only
 * requests DynamoDB makes in the stack's region. The China regions' value is not verified here.
 */
export function dynamoDbViaService(region: string): string {
  return `dynamodb.${region}.amazonaws.com`;
}

/** A year: longer would keep records of requests no client still retries. */
const MAX_IDEMPOTENCY_TTL_HOURS = 8760;

/**
 * The plain settings of `CrudFunctionArgs`: their types, allowed values and defaults. The component
 * checks its args with it, and the stack config's `function` group (plus the shared
 * `logRetentionDays`, `tracing` and `corsAllowOrigins`) is this schema.
 */
export const CrudFunctionArgsSchema = v.strictObject(
  {
    memorySize: v.optional(
      v.pipe(
        v.number("must be a number of MB"),
        v.integer("must be a whole number of MB"),
        v.minValue(128, "must be at least 128 MB"),
        v.maxValue(10240, "must be at most 10240 MB"),
        v.description("Memory in MB; CPU scales with it, so more also means faster cold starts."),
      ),
      512,
    ),
    timeout: v.optional(
      v.pipe(
        v.number("must be a number of seconds"),
        v.integer("must be a whole number of seconds"),
        v.minValue(1, "must be at least 1 second"),
        v.maxValue(
          API_GATEWAY_MAX_TIMEOUT_SECONDS,
          `must be at most ${API_GATEWAY_MAX_TIMEOUT_SECONDS} s, API Gateway's integration timeout`,
        ),
        v.description(
          "Timeout in seconds. Also sets the DynamoDB client's time per attempt and its attempts " +
            "(half the timeout in all).",
        ),
      ),
      10,
    ),
    architecture: v.optional(
      v.pipe(
        v.picklist(["arm64", "x86_64"], "must be arm64 or x86_64"),
        v.description("CPU architecture; Graviton (`arm64`) costs about 20% less per GB-second."),
      ),
      "arm64",
    ),
    idempotencyTtlHours: v.optional(
      v.pipe(
        v.number("must be a number of hours"),
        v.integer("must be a whole number of hours"),
        v.minValue(1, "must be at least 1 hour"),
        v.maxValue(
          MAX_IDEMPOTENCY_TTL_HOURS,
          `must be at most ${MAX_IDEMPOTENCY_TTL_HOURS} hours (a year)`,
        ),
        v.description(
          "Hours a keyed write's response is replayed for a repeat of its `Idempotency-Key`; " +
            "after that the key is free again.",
        ),
      ),
      DEFAULT_IDEMPOTENCY_TTL_HOURS,
    ),
    ...SHARED_FIELDS,
  },
  "must be a map of settings",
);

/**
 * X-Ray's write actions take no resource-level permissions (AWS requires `"Resource": "*"`), so
 * tracing uses AWS's managed policy rather than a wildcard statement of our own. Its ARN is built
 * for the stack's partition (`managedPolicyArnFor`).
 */
export const XRAY_POLICY_NAME = "AWSXRayDaemonWriteAccess";

/**
 * How long the handler's DynamoDB client may spend per attempt, and how many attempts it makes,
 * for a given function timeout: at most half the timeout in total, so a dead or throttled
 * database turns into a clean, retryable error well before Lambda kills the invocation.
 */
export function dynamoDbClientBudget(timeoutSeconds: number): {
  timeoutMs: number;
  maxAttempts: number;
} {
  const maxAttempts = 3;
  const perAttempt = Math.floor((timeoutSeconds * 1000) / 2 / maxAttempts);
  // Healthy DynamoDB answers in milliseconds; 3 s per attempt is already generous.
  return { timeoutMs: Math.min(3000, perAttempt), maxAttempts };
}

export interface CrudFunctionArgs {
  /**
   * The table the function reads and writes; its name goes into the environment, its ARN (plus
   * indexes) into the role's policy, and its customer-managed KMS key, if any, into a grant that
   * holds only through DynamoDB.
   */
  table: Table;
  /**
   * Handler module, relative to the repository root, bundled with esbuild on every `pulumi up`.
   * @default "handlers/crud.ts"
   */
  entry?: string;
  /**
   * Lambda runtime.
   * @default "nodejs22.x"
   */
  runtime?: pulumi.Input<string>;
  /**
   * CPU architecture. Graviton (`arm64`) costs about 20% less per GB-second.
   * @default "arm64"
   */
  architecture?: "arm64" | "x86_64";
  /**
   * Memory in MB (128–10240); CPU scales with it, so more memory also means faster cold starts.
   * @default 512
   */
  memorySize?: number;
  /**
   * Timeout in seconds, at most 29 (API Gateway's integration timeout). Also sets the DynamoDB
   * client's budget (see `dynamoDbClientBudget`).
   * @default 10
   */
  timeout?: number;
  /**
   * Days CloudWatch keeps the function's logs (one of the retentions CloudWatch Logs accepts).
   * @default 30
   */
  logRetentionDays?: LogRetentionDays;
  /**
   * Active X-Ray tracing (attaches `AWSXRayDaemonWriteAccess` to the role).
   * @default false
   */
  tracing?: boolean;
  /**
   * Origins the handler answers CORS requests for; empty sends no CORS headers.
   * @default []
   */
  corsAllowOrigins?: string[];
  /**
   * CloudWatch namespace of the handler's own metrics (requests by operation and status class,
   * cold starts, DynamoDB time), written as Embedded Metric Format in its request log line.
   * Each distinct metric and dimension set is a billed custom metric; `""` turns them off.
   * @default "lambda-apigateway"
   */
  metricsNamespace?: string;
  /**
   * Hours a keyed write's response is replayed for a repeat of its `Idempotency-Key` (1–8760);
   * after that the key is free again. Needs the table's `idempotencyRecords` (on by default).
   * @default 24
   */
  idempotencyTtlHours?: number;
  /**
   * Who may call which method (`contract/security.ts`): the function states it in the OpenAPI
   * document it serves. Give the same value as the RestApi's `security`.
   * @default no authentication, no API key
   */
  apiSecurity?: ApiSecurity;
  /**
   * Name of the alias the API invokes (1–128 characters of `a-z A-Z 0-9 - _`, not all digits).
   * Every `pulumi up` that changes the code or the configuration publishes a new version.
   * @default "live"
   */
  aliasName?: string;
  /**
   * Who moves the alias to a new version. `false`: `pulumi up` points it at each version it
   * publishes, so all traffic moves at once. `true`: the alias is created at the first version
   * and `pulumi up` never moves it again (`ignoreChanges` on its version and routing), so a
   * CodeDeploy deployment (`Promotion`) can shift traffic without the next `pulumi up` undoing it.
   * @default false
   */
  externalTrafficShifting?: boolean;
  /**
   * Extra environment variables, merged over the ones the component sets.
   * @default {}
   */
  environment?: Record<string, pulumi.Input<string>>;
  /**
   * Adjust the underlying resources' args.
   * @default undefined
   */
  transform?: {
    function?: Transform<aws.lambda.FunctionArgs>;
    alias?: Transform<aws.lambda.AliasArgs>;
    role?: Transform<aws.iam.RoleArgs>;
    logGroup?: Transform<aws.cloudwatch.LogGroupArgs>;
  };
}

/**
 * The CRUD handler as a Lambda function with its own log group (JSON logs, retention set) and a
 * role that can touch only its table (and its Idempotency-Key records), its log group and, when the
 * table has a customer-managed key, that key through DynamoDB.
 *
 * @example
 * ```ts
 * const table = new Table("items");
 * const fn = new CrudFunction("crud", { table });
 * ```
 * @example
 * Bigger, traced, on x86.
 * ```ts
 * new CrudFunction("crud", { table, memorySize: 1024, tracing: true, architecture: "x86_64" });
 * ```
 */
export class CrudFunction extends pulumi.ComponentResource {
  /** Function name. */
  public readonly name: pulumi.Output<string>;
  /** Function ARN. */
  public readonly arn: pulumi.Output<string>;
  /**
   * ARN API Gateway integrations call: the alias's (`…:function:<name>:live/invocations`), so
   * callers reach the version the alias points at.
   */
  public readonly invokeArn: pulumi.Output<string>;
  /** Name of the alias the API invokes; name it as the `qualifier` of invoke permissions. */
  public readonly aliasName: string;
  /** ARN of that alias. */
  public readonly aliasArn: pulumi.Output<string>;
  /** The newest version `pulumi up` published (what a deployment shifts the alias to). */
  public readonly version: pulumi.Output<string>;
  /** The log group the function writes to. */
  public readonly logGroupName: pulumi.Output<string>;
  /** Timeout in seconds, as deployed. */
  public readonly timeout: pulumi.Output<number>;
  /** Namespace of the handler's metrics; `""` when they are off. */
  public readonly metricsNamespace: string;
  private readonly resources: {
    function: aws.lambda.Function;
    alias: aws.lambda.Alias;
    role: aws.iam.Role;
    policy: aws.iam.RolePolicy;
    logGroup: aws.cloudwatch.LogGroup;
    cursorSecret: random.RandomPassword;
    tracingPolicy?: aws.iam.RolePolicyAttachment;
  };

  constructor(name: string, args: CrudFunctionArgs, opts?: pulumi.ComponentResourceOptions) {
    super("lambda-apigateway:lambda:CrudFunction", name, {}, opts);
    const settings = parseArgs(CrudFunctionArgsSchema, args, `CrudFunction "${name}"`);
    const { timeout, tracing } = settings;
    const bundle = bundleHandler({ name, entry: args.entry });
    const metricsNamespace = checkedNamespace(args.metricsNamespace ?? DEFAULT_METRICS_NAMESPACE);
    const aliasName = args.aliasName ?? DEFAULT_ALIAS_NAME;
    if (!ALIAS_NAME_PATTERN.test(aliasName)) {
      throw new Error(
        `CrudFunction "${name}": aliasName "${aliasName}" is no Lambda alias name: use 1–128 ` +
          "letters, digits, - or _, not all digits",
      );
    }

    const logGroup = new aws.cloudwatch.LogGroup(
      `${name}-logs`,
      ...applyTransform(
        args.transform?.logGroup,
        {
          name: `/aws/lambda/${pulumi.getProject()}-${pulumi.getStack()}-${name}`,
          retentionInDays: settings.logRetentionDays,
        },
        { parent: this },
      ),
    );

    const role = new aws.iam.Role(
      `${name}-role`,
      ...applyTransform(
        args.transform?.role,
        {
          description: `Runs the ${name} function of ${pulumi.getProject()}/${pulumi.getStack()}`,
          assumeRolePolicy: assumedByService("lambda.amazonaws.com"),
        },
        { parent: this },
      ),
    );

    const policy = new aws.iam.RolePolicy(
      `${name}-access`,
      {
        role: role.name,
        policy: pulumi.jsonStringify({
          Version: "2012-10-17",
          Statement: [
            {
              Sid: "ItemCrud",
              Effect: "Allow",
              Action: [...DYNAMODB_ACTIONS],
              Resource: args.table.iamResources,
            },
            ...(args.table.records
              ? [
                  {
                    Sid: "IdempotencyRecords",
                    Effect: "Allow",
                    Action: [...RECORD_ACTIONS],
                    Resource: [args.table.records.arn],
                  },
                ]
              : []),
            {
              Sid: "OwnLogs",
              Effect: "Allow",
              Action: [...LOG_ACTIONS],
              // Log streams inside this one group; the group itself already exists.
              Resource: [pulumi.interpolate`${logGroup.arn}:*`],
            },
            ...(args.table.kmsKeyArn
              ? [
                  {
                    // The items and the records share the key: one statement covers both.
                    Sid: "TableKey",
                    Effect: "Allow",
                    Action: [...KMS_ACTIONS],
                    Resource: [args.table.kmsKeyArn],
                    Condition: {
                      StringEquals: {
                        "kms:ViaService": aws
                          .getRegionOutput({}, { parent: this })
                          .region.apply(dynamoDbViaService),
                      },
                    },
                  },
                ]
              : []),
          ],
        }),
      },
      { parent: this },
    );

    const tracingPolicy = tracing
      ? new aws.iam.RolePolicyAttachment(
          `${name}-tracing`,
          { role: role.name, policyArn: managedPolicyArnFor(XRAY_POLICY_NAME, this) },
          { parent: this },
        )
      : undefined;

    // Signs list cursors; generated once per stack and kept in state as a secret.
    const cursorSecret = new random.RandomPassword(
      `${name}-cursor-secret`,
      { length: 48, special: false },
      { parent: this },
    );

    const budget = dynamoDbClientBudget(timeout);
    const fn = new aws.lambda.Function(
      name,
      ...applyTransform(
        args.transform?.function,
        {
          description: `CRUD API over DynamoDB (${pulumi.getProject()}/${pulumi.getStack()})`,
          runtime: args.runtime ?? aws.lambda.Runtime.NodeJS22dX,
          architectures: [settings.architecture],
          memorySize: settings.memorySize,
          timeout,
          handler: bundle.handler,
          code: new pulumi.asset.FileArchive(bundle.dir),
          role: role.arn,
          // A version per change of code or configuration: the alias points at versions, which
          // cannot change under it (Terraform AWS provider >= 2.50 publishes after both updates,
          // hashicorp/terraform-provider-aws#1692).
          publish: true,
          environment: {
            variables: {
              [ENV.tableName]: args.table.name,
              [ENV.cursorSecret]: pulumi.secret(cursorSecret.result),
              [ENV.corsAllowOrigins]: settings.corsAllowOrigins.join(","),
              [ENV.dynamoDbTimeoutMs]: String(budget.timeoutMs),
              [ENV.dynamoDbMaxAttempts]: String(budget.maxAttempts),
              [ENV.metricsNamespace]: metricsNamespace,
              [ENV.apiSecurity]: JSON.stringify(args.apiSecurity ?? OPEN),
              ...(args.table.records
                ? {
                    [ENV.idempotencyTableName]: args.table.records.name,
                    [ENV.idempotencyTtlSeconds]: String(settings.idempotencyTtlHours * 3600),
                  }
                : {}),
              ...args.environment,
            },
          },
          loggingConfig: {
            logFormat: "JSON",
            logGroup: logGroup.name,
            applicationLogLevel: "INFO",
            // START and REPORT come at INFO: a REPORT holds each invocation's duration, memory and
            // init time, and is the only line a timeout or an out-of-memory death leaves
            // (https://docs.aws.amazon.com/lambda/latest/dg/monitoring-cloudwatchlogs-log-level.html;
            // timeouts no longer log "Task timed out", DataBiosphere/azul#8140).
            systemLogLevel: "INFO",
          },
          tracingConfig: { mode: tracing ? "Active" : "PassThrough" },
        },
        {
          parent: this,
          // The role must be able to write logs and reach the table before the first invocation.
          dependsOn: tracingPolicy ? [policy, logGroup, tracingPolicy] : [policy, logGroup],
        },
      ),
    );

    // Created at the first published version. With external traffic shifting, later versions
    // reach it only through a deployment: `pulumi up` leaves its version and weights alone.
    const alias = new aws.lambda.Alias(
      `${name}-${aliasName}`,
      ...applyTransform(
        args.transform?.alias,
        {
          name: aliasName,
          description: args.externalTrafficShifting
            ? "What the API invokes; CodeDeploy moves it to each new version"
            : "What the API invokes; pulumi up moves it to each new version",
          functionName: fn.name,
          functionVersion: fn.version,
        },
        {
          parent: this,
          ...(args.externalTrafficShifting
            ? { ignoreChanges: ["functionVersion", "routingConfig"] }
            : {}),
        },
      ),
    );

    this.resources = { function: fn, alias, role, policy, logGroup, cursorSecret, tracingPolicy };
    this.name = fn.name;
    this.arn = fn.arn;
    this.invokeArn = alias.invokeArn;
    this.aliasName = aliasName;
    this.aliasArn = alias.arn;
    this.version = fn.version;
    this.logGroupName = logGroup.name;
    // Lambda's own default when a transform removes it.
    this.timeout = fn.timeout.apply((t) => t ?? 3);
    this.metricsNamespace = metricsNamespace;
    this.registerOutputs({
      name: this.name,
      arn: this.arn,
      invokeArn: this.invokeArn,
      aliasArn: this.aliasArn,
      version: this.version,
    });
  }

  /** The underlying resources, for reading any property the component does not re-export. */
  public get nodes() {
    return this.resources;
  }
}

/**
 * CloudWatch's rules for a custom namespace: 1–255 characters of letters, digits and `.-_/#:` or
 * space, and never `AWS/`, which is reserved for AWS's own services.
 */
export function checkedNamespace(namespace: string): string {
  if (namespace === "") return namespace;
  if (!/^[A-Za-z0-9.\-_/#: ]{1,255}$/.test(namespace) || namespace.startsWith("AWS/")) {
    throw new Error(
      `metricsNamespace "${namespace}" is not a CloudWatch custom namespace: use 1–255 letters, ` +
        'digits or ".-_/#: " not starting with "AWS/", or "" to turn the metrics off',
    );
  }
  return namespace;
}
