/**
 * The DynamoDB table the CRUD function reads and writes.
 */
import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import * as v from "valibot";
import { bool, docType, orInput, parseArgs, unsetIfEmpty } from "./schema";
import { applyTransform, type Transform } from "./transform";
import { IDEMPOTENCY_RECORD, PARTITION_KEY } from "../contract/keys";

/** DynamoDB's limit on table names; the records table's name must fit it too. */
export const MAX_TABLE_NAME_LENGTH = 255;

// The Idempotency-Key records table is named after the items table, and must fit the limit too.
const MAX_NAME = MAX_TABLE_NAME_LENGTH - IDEMPOTENCY_RECORD.tableSuffix.length;

/**
 * The plain settings of `TableArgs`: their types, allowed values and defaults. The component checks
 * its args with it, and the stack config's `table` group (plus `production`) is this schema.
 */
export const TableArgsSchema = v.strictObject(
  {
    name: v.optional(
      orInput(
        v.pipe(
          v.string("must be a string"),
          v.regex(
            new RegExp(`^[A-Za-z0-9_.-]{3,${MAX_NAME}}$`),
            `must be 3–${MAX_NAME} characters of A-Z a-z 0-9 _ . - (DynamoDB allows ` +
              `${MAX_TABLE_NAME_LENGTH}, and the records table adds "${IDEMPOTENCY_RECORD.tableSuffix}")`,
          ),
          v.description(
            `Physical table name; the Idempotency-Key records table is named ` +
              `\`<name>${IDEMPOTENCY_RECORD.tableSuffix}\`.`,
          ),
          docType(`3–${MAX_NAME} characters of \`A-Z a-z 0-9 _ . -\``),
        ),
      ),
    ),
    pointInTimeRecovery: v.optional(
      bool("Point-in-time recovery: restore the table to any second of the last 35 days."),
      true,
    ),
    kmsKeyArn: unsetIfEmpty(
      orInput(
        v.pipe(
          v.string("must be a string"),
          // A key ARN, not an alias: the function's IAM grant must name the key, and IAM does
          // not resolve aliases (https://docs.aws.amazon.com/kms/latest/developerguide/cmks-in-iam-policies.html).
          v.regex(
            /^arn:aws[a-z-]*:kms:[a-z0-9-]+:\d{12}:key\/.+$/,
            "must be a KMS key ARN (arn:aws:kms:<region>:<account>:key/<id>), not an alias: " +
              "the function's IAM grant must name the key itself",
          ),
          v.description(
            "Customer-managed KMS key (its key ARN, not an alias) for server-side encryption of " +
              "both tables; the function's role may use it only through DynamoDB. Unset or " +
              "empty, the AWS-managed key `aws/dynamodb` (encryption is always on).",
          ),
          docType("KMS key ARN, or empty"),
        ),
      ),
    ),
    ttlAttribute: unsetIfEmpty(
      v.pipe(
        v.string("must be a string"),
        v.regex(/^.{1,255}$/, "must be 1–255 characters"),
        v.description(
          "Attribute holding an expiry time in epoch seconds; DynamoDB deletes items once it " +
            "has passed. Unset or empty: no TTL.",
        ),
        docType("attribute name, or empty"),
      ),
    ),
    production: v.optional(
      bool(
        "Production data: deletion protection in DynamoDB, and Pulumi `protect` + " +
          "`retainOnDelete`, so neither a console click nor `pulumi destroy` loses it.",
      ),
      false,
    ),
  },
  "must be a map of settings",
);

export interface TableArgs {
  /**
   * Physical table name. Set it when clients or tools expect a fixed name (the tutorial uses
   * `lambda-apigateway`); leave it unset to let Pulumi add a random suffix.
   * @default auto-named from the component name
   * @example
   * ```ts
   * { name: "lambda-apigateway" }
   * ```
   */
  name?: pulumi.Input<string>;
  /**
   * Point-in-time recovery: restore the table to any second of the last 35 days. Costs a little,
   * saves a lot; turn it off only for throwaway tables.
   * @default true
   */
  pointInTimeRecovery?: boolean;
  /**
   * Customer-managed KMS key for server-side encryption, when you need to control or audit the
   * key: its key ARN (an alias cannot be granted in IAM). Encryption is always on; without this
   * (or with `""`) it uses the AWS-managed key `aws/dynamodb`. `CrudFunction` grants its role the
   * use of the key through DynamoDB.
   * @default undefined (AWS-managed key)
   */
  kmsKeyArn?: pulumi.Input<string>;
  /**
   * Attribute holding an expiry time in epoch seconds; DynamoDB deletes items after it passes.
   * `""` is the same as unset.
   * @default undefined (no TTL)
   * @example
   * ```ts
   * { ttlAttribute: "expiresAt" }
   * ```
   */
  ttlAttribute?: string;
  /**
   * Production tables get deletion protection in DynamoDB and `protect` + `retainOnDelete` in
   * Pulumi, so neither a console click nor `pulumi destroy` loses the data.
   * @default false
   */
  production?: boolean;
  /**
   * Tags for the table. A `production` tag ("true"/"false") is always added for policy checks.
   * @default {}
   */
  tags?: Record<string, string>;
  /**
   * A second table for the handler's `Idempotency-Key` records (the stored response of each keyed
   * write, kept apart so it never shows up in a scan of the items). It shares the item table's
   * encryption, recovery and protection, is named `<name>-idempotency`, and DynamoDB's TTL removes
   * records once their `expiresAt` has passed. Turn it off for a table no API writes with keys;
   * the function then refuses keyed writes with 400.
   * @default true
   * @example
   * ```ts
   * { name: "orders", idempotencyRecords: false }
   * ```
   */
  idempotencyRecords?: boolean;
  /**
   * Adjust the underlying `aws.dynamodb.Table` args: `table` for the items, `records` for the
   * Idempotency-Key records.
   * @default undefined
   */
  transform?: {
    table?: Transform<aws.dynamodb.TableArgs>;
    records?: Transform<aws.dynamodb.TableArgs>;
  };
}

/**
 * An on-demand DynamoDB table with encryption and point-in-time recovery on, and beside it the
 * table of the handler's Idempotency-Key records.
 *
 * @example
 * Minimal: the tutorial's table.
 * ```ts
 * const table = new Table("items", { name: "lambda-apigateway" });
 * ```
 * @example
 * With expiring items, protected as production data.
 * ```ts
 * new Table("items", { ttlAttribute: "expiresAt", production: true });
 * ```
 * @example
 * Without the records table (keyed writes are then refused).
 * ```ts
 * new Table("scratch", { idempotencyRecords: false });
 * ```
 */
export class Table extends pulumi.ComponentResource {
  /** Physical table name. */
  public readonly name: pulumi.Output<string>;
  /** Table ARN. */
  public readonly arn: pulumi.Output<string>;
  /** ARNs IAM statements must name to reach the table and (if any) its indexes. */
  public readonly iamResources: pulumi.Output<string[]>;
  /** The customer-managed KMS key of both tables, when `kmsKeyArn` is set. */
  public readonly kmsKeyArn?: pulumi.Output<string>;
  /** The Idempotency-Key records table, unless `idempotencyRecords` is false. */
  public readonly records?: { name: pulumi.Output<string>; arn: pulumi.Output<string> };
  private readonly table: aws.dynamodb.Table;
  private readonly recordsTable?: aws.dynamodb.Table;

  constructor(name: string, args: TableArgs = {}, opts?: pulumi.ComponentResourceOptions) {
    super("lambda-apigateway:dynamodb:Table", name, {}, opts);
    const settings = parseArgs(TableArgsSchema, args, `Table "${name}"`);
    const production = settings.production;

    const tableArgs: aws.dynamodb.TableArgs = {
      name: settings.name,
      billingMode: "PAY_PER_REQUEST",
      hashKey: PARTITION_KEY.name,
      attributes: [{ ...PARTITION_KEY }],
      serverSideEncryption: { enabled: true, kmsKeyArn: settings.kmsKeyArn },
      pointInTimeRecovery: { enabled: settings.pointInTimeRecovery },
      ttl: settings.ttlAttribute
        ? { attributeName: settings.ttlAttribute, enabled: true }
        : undefined,
      deletionProtectionEnabled: production,
      tags: { ...args.tags, production: String(production) },
    };
    const [finalArgs, finalOpts] = applyTransform(args.transform?.table, tableArgs, {
      parent: this,
      protect: production,
      retainOnDelete: production,
    });
    this.table = new aws.dynamodb.Table(name, finalArgs, finalOpts);

    this.name = this.table.name;
    this.arn = this.table.arn;
    this.kmsKeyArn =
      settings.kmsKeyArn === undefined ? undefined : pulumi.output(settings.kmsKeyArn);
    // A transform may add indexes; the function's policy then needs to reach them too.
    const hasIndexes = !!(finalArgs.globalSecondaryIndexes ?? finalArgs.localSecondaryIndexes);
    this.iamResources = this.table.arn.apply((arn) =>
      hasIndexes ? [arn, `${arn}/index/*`] : [arn],
    );

    if (args.idempotencyRecords ?? true) {
      const recordsArgs: aws.dynamodb.TableArgs = {
        ...tableArgs,
        name:
          settings.name === undefined
            ? undefined
            : pulumi.output(settings.name).apply((n) => `${n}${IDEMPOTENCY_RECORD.tableSuffix}`),
        hashKey: IDEMPOTENCY_RECORD.key.name,
        attributes: [{ ...IDEMPOTENCY_RECORD.key }],
        ttl: { attributeName: IDEMPOTENCY_RECORD.ttlAttribute, enabled: true },
      };
      const [finalRecordsArgs, recordsOpts] = applyTransform(args.transform?.records, recordsArgs, {
        parent: this,
        protect: production,
        retainOnDelete: production,
      });
      this.recordsTable = new aws.dynamodb.Table(
        `${name}${IDEMPOTENCY_RECORD.tableSuffix}`,
        finalRecordsArgs,
        recordsOpts,
      );
      this.records = { name: this.recordsTable.name, arn: this.recordsTable.arn };
    }
    this.registerOutputs({ name: this.name, arn: this.arn, records: this.records });
  }

  /** The underlying resources, for reading any property the component does not re-export. */
  public get nodes(): { table: aws.dynamodb.Table; records?: aws.dynamodb.Table } {
    return { table: this.table, records: this.recordsTable };
  }
}
