/**
 * Lines of `npm start`'s banner that come from the program's outputs rather than from what the
 * local cloud serves.
 */

/**
 * A stack with a custom domain (`lambda-apigateway:domain`): the URL callers will use once the
 * stack is deployed. The local cloud has no DNS or certificate for it and serves on localhost.
 */
export function customDomainLine(outputs: Readonly<Record<string, unknown>>): string | undefined {
  if (typeof outputs.domainName !== "string" || typeof outputs.url !== "string") return undefined;
  return `Domain ${outputs.url} (where pulumi up serves it; here, the API URL above)`;
}

/**
 * A stack that promotes with CodeDeploy (`promotion.enabled`): on AWS a new version reaches
 * callers gradually; here the alias serves the newest code at once.
 */
export function trafficShiftingLine(
  outputs: Readonly<Record<string, unknown>>,
): string | undefined {
  if (typeof outputs.deploymentConfig !== "string") return undefined;
  const alias = typeof outputs.functionAlias === "string" ? outputs.functionAlias : "the alias";
  return (
    `Promotion ${outputs.deploymentConfig} after pulumi up; here ${alias} serves the newest ` +
    "code at once (traffic shifting is not emulated)"
  );
}
