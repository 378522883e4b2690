/**
 * ARNs that name AWS's own resources, built for the partition the stack deploys to: `aws`,
 * `aws-cn` (China) or `aws-us-gov` (GovCloud). A literal `arn:aws:` breaks in the other two.
 * https://docs.aws.amazon.com/IAM/latest/UserGuide/reference-arns.html
 */
import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";

/**
 * The ARN of an AWS managed policy in a partition: `arn:<partition>:iam::aws:policy/<name>`, where
 * the name keeps its path (`service-role/...`) when it has one.
 */
export function managedPolicyArn(partition: string, name: string): string {
  return `arn:${partition}:iam::aws:policy/${name}`;
}

/** The ARN of an AWS managed policy in the partition of the provider `parent` deploys with. */
export function managedPolicyArnFor(name: string, parent: pulumi.Resource): pulumi.Output<string> {
  return aws
    .getPartitionOutput({}, { parent })
    .partition.apply((partition) => managedPolicyArn(partition, name));
}

/**
 * The partition a region belongs to, as the aws provider derives it: `cn-*` → `aws-cn`,
 * `us-gov-*` → `aws-us-gov`, every other commercial region → `aws`.
 */
export function partitionOfRegion(region: string): string {
  if (region.startsWith("cn-")) return "aws-cn";
  if (region.startsWith("us-gov-")) return "aws-us-gov";
  return "aws";
}
