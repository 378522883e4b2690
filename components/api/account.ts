/**
 * API Gateway's account-wide CloudWatch role, read (never owned: `bootstrap/` sets it) so a stage
 * with access logs stops at preview in an account and region that has none, instead of failing at
 * the Stage after the table, function and API exist.
 */
import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";

/** What to do when the account has no CloudWatch role in the region. */
export function missingCloudWatchRoleMessage(region: string): string {
  return (
    `API Gateway has no CloudWatch role in this account's ${region} settings, and it refuses a ` +
    `stage with access logs until it has one ("CloudWatch Logs role ARN must be set in account ` +
    `settings to enable logging"). Run bootstrap/ once for this account and region (the ` +
    `"Bootstrap account" workflow, or \`cd bootstrap && pulumi up\`; docs/deploying.md, "The first ` +
    `deployment, in order"), or turn the access logs off (stack config ` +
    `lambda-apigateway:api.accessLogs: false).`
  );
}

/** The account's role ARN, or an error saying what to do when it has none (`""` or unset). */
export function requireCloudWatchRole(roleArn: string | undefined, region: string): string {
  if (!roleArn) throw new Error(missingCloudWatchRoleMessage(region));
  return roleArn;
}

/**
 * The role named in the account's API Gateway settings for the provider's region, read with
 * `aws.apigateway.Account.get` (a read: nothing is created, changed or deleted, and a read is no
 * change to `--expect-no-changes`). Pulumi runs reads during previews, so an Output that fails
 * here fails `pulumi preview` and the preview `pulumi up` shows before it changes anything. The
 * provider's Read is GetAccount, whatever the id (terraform-provider-aws
 * internal/service/apigateway/account.go); its import id is the account id, used here.
 */
export function accountCloudWatchRole(
  name: string,
  parent: pulumi.Resource,
): pulumi.Output<string> {
  const accountId = aws.getCallerIdentityOutput({}, { parent }).accountId;
  const account = aws.apigateway.Account.get(name, accountId, undefined, { parent });
  const region = aws.getRegionOutput({}, { parent }).region;
  return pulumi
    .all([account.cloudwatchRoleArn, region])
    .apply(([roleArn, region]) => requireCloudWatchRole(roleArn, region));
}
