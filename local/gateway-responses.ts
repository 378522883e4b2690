/**
 * API Gateway's own errors (no route, refused credentials, function failed or timed out) rendered
 * the way the API declares them: its gateway response for the error's type, else its DEFAULT_4XX
 * or DEFAULT_5XX, else API Gateway's built-in `{"message": ...}`. Templates get the `$context`
 * variables API Gateway fills in; headers the static values or request headers they name.
 */
import type { RestApiModel } from "./model";
import type { HttpResponse } from "./proxy-event";

export interface GatewayError {
  /** API Gateway's response type, e.g. `INTEGRATION_TIMEOUT`. */
  type: string;
  /** The status API Gateway gives this error by default. */
  status: number;
  /** Its built-in message, e.g. `Endpoint request timed out`. */
  message: string;
  requestId: string;
  /** The request's headers, for `method.request.header.<name>` parameters. */
  requestHeaders: Record<string, string | string[] | undefined>;
  /** `x-amzn-ErrorType`, as API Gateway sends it. */
  errorType?: string;
}

/** `$context` variables a gateway response template may use. */
function context(error: GatewayError): Record<string, string> {
  return {
    "$context.error.responseType": error.type,
    "$context.error.messageString": JSON.stringify(error.message),
    "$context.error.message": error.message,
    "$context.requestId": error.requestId,
  };
}

function render(template: string, vars: Record<string, string>): string {
  // Longest names first: $context.error.messageString before $context.error.message.
  const names = Object.keys(vars).sort((a, b) => b.length - a.length);
  let out = template;
  for (const name of names) {
    out = out
      .split(`\${${name.slice(1)}}`)
      .join(vars[name]!)
      .split(name)
      .join(vars[name]!);
  }
  return out;
}

export function gatewayErrorResponse(api: RestApiModel, error: GatewayError): HttpResponse {
  const declared =
    api.gatewayResponses[error.type] ??
    api.gatewayResponses[error.status >= 500 ? "DEFAULT_5XX" : "DEFAULT_4XX"];
  const headers: Record<string, string[]> = {};
  if (error.errorType) headers["x-amzn-ErrorType"] = [error.errorType];
  if (!declared) {
    headers["Content-Type"] = ["application/json"];
    return {
      statusCode: error.status,
      headers,
      body: Buffer.from(JSON.stringify({ message: error.message })),
    };
  }
  for (const [key, source] of Object.entries(declared.responseParameters)) {
    const name = /^gatewayresponse\.header\.(.+)$/.exec(key)?.[1];
    if (!name) continue;
    const value = /^'(.*)'$/.exec(source)?.[1] ?? requestHeader(error, source);
    if (value !== undefined && value !== "") headers[name] = [value];
  }
  const [contentType, template] = Object.entries(declared.responseTemplates)[0] ?? [
    "application/json",
    JSON.stringify({ message: "$context.error.message" }).replace(
      '"$context.error.message"',
      "$context.error.messageString",
    ),
  ];
  headers["Content-Type"] = [contentType];
  return {
    statusCode: declared.statusCode ?? error.status,
    headers,
    body: Buffer.from(render(template, context(error))),
  };
}

/** `method.request.header.<name>`: the request's header (names compared case-insensitively). */
function requestHeader(error: GatewayError, source: string): string | undefined {
  const name = /^method\.request\.header\.(.+)$/.exec(source)?.[1]?.toLowerCase();
  if (!name) return undefined;
  const value = Object.entries(error.requestHeaders).find(([k]) => k.toLowerCase() === name)?.[1];
  return Array.isArray(value) ? value.join(",") : value;
}
