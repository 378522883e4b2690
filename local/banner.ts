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
