/**
 * API Gateway's account-wide CloudWatch role: the one role per account and region through which
 * API Gateway writes every REST API's access and execution logs. `bootstrap/` deploys it once per
 * account and region; application stacks never own it.
 */
import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import { assumedByService } from "./iam";
import { managedPolicyArnFor } from "./partition";
import { applyTransform, type Transform } from "./transform";

/**
 * AWS's managed policy for this role (path and name, as its ARN has them). API Gateway checks the
 * role by writing to its own `/aws/apigateway/welcome` group, and it writes every API's logs in
 * the region, so a policy scoped to one project's log groups is refused or breaks other APIs.
 * https://docs.aws.amazon.com/apigateway/latest/developerguide/set-up-logging.html
 */
export const API_GATEWAY_LOGS_POLICY = "service-role/AmazonAPIGatewayPushToCloudWatchLogs";

/** The service that assumes the role. */
export const API_GATEWAY_PRINCIPAL = "apigateway.amazonaws.com";

export interface CloudWatchRoleArgs {
  /**
   * Keep the role, its policy and the account setting when they leave the program or the stack is
   * destroyed (`retainOnDelete`), and refuse to delete them (`protect`). The setting is
   * region-wide: the Terraform AWS provider v6 behind pulumi-aws 7 resets it on delete, which would
   * stop the access logs of every API in the region. Turn off only for a throwaway account.
   * @default true
   */
  keep?: boolean;
  /**
   * Adjust the underlying resources' args.
   * @default undefined
   */
  transform?: {
    role?: Transform<aws.iam.RoleArgs>;
    account?: Transform<aws.apigateway.AccountArgs>;
  };
}

/**
 * Sets API Gateway's CloudWatch role for the account and region of its provider: an IAM role that
 * API Gateway assumes, with AWS's `AmazonAPIGatewayPushToCloudWatchLogs` policy, named in the
 * account's API Gateway settings (`aws.apigateway.Account`).
 *
 * @example
 * ```ts
 * const role = new CloudWatchRole("api-gateway-cloudwatch");
 * export const roleArn = role.roleArn;
 * ```
 * @example
 * A throwaway account, where destroy should remove everything.
 * ```ts
 * new CloudWatchRole("api-gateway-cloudwatch", { keep: false });
 * ```
 */
export class CloudWatchRole extends pulumi.ComponentResource {
  /** ARN of the role API Gateway assumes to write logs. */
  public readonly roleArn: pulumi.Output<string>;
  private readonly resources: {
    role: aws.iam.Role;
    policy: aws.iam.RolePolicyAttachment;
    account: aws.apigateway.Account;
  };

  constructor(name: string, args: CloudWatchRoleArgs = {}, opts?: pulumi.ComponentResourceOptions) {
    super("lambda-apigateway:apigateway:CloudWatchRole", name, {}, opts);
    const keep = args.keep ?? true;
    const options = (extra: pulumi.CustomResourceOptions = {}): pulumi.CustomResourceOptions => ({
      parent: this,
      protect: keep,
      retainOnDelete: keep,
      ...extra,
    });

    const role = new aws.iam.Role(
      `${name}-role`,
      ...applyTransform(
        args.transform?.role,
        {
          description: "API Gateway writes the access and execution logs of this region's APIs",
          assumeRolePolicy: assumedByService(API_GATEWAY_PRINCIPAL),
        },
        options(),
      ),
    );

    const policy = new aws.iam.RolePolicyAttachment(
      `${name}-policy`,
      { role: role.name, policyArn: managedPolicyArnFor(API_GATEWAY_LOGS_POLICY, this) },
      options(),
    );

    const account = new aws.apigateway.Account(
      `${name}-account`,
      ...applyTransform(
        args.transform?.account,
        { cloudwatchRoleArn: role.arn },
        // API Gateway tests the role when it is set, so the policy must be attached first.
        options({ dependsOn: [policy] }),
      ),
    );

    this.resources = { role, policy, account };
    this.roleArn = role.arn;
    this.registerOutputs({ roleArn: this.roleArn });
  }

  /** The underlying resources, for reading any property the component does not re-export. */
  public get nodes() {
    return this.resources;
  }
}
