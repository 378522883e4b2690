/**
 * Run once per AWS account and region, before the first `pulumi up` of any lambda-apigateway
 * stack there: sets API Gateway's CloudWatch role, without which API Gateway refuses a stage's
 * access logs. Everything is protected and retained on delete, so destroying this stack (or any
 * other) never resets the region's setting. See docs/deploying.md, "The first deployment, in
 * order".
 */
import { CloudWatchRole } from "../components/cloudwatch-role";

const role = new CloudWatchRole("api-gateway-cloudwatch");

/** The role now named in the account's API Gateway settings for this region. */
export const cloudwatchRoleArn = role.roleArn;
