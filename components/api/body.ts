/**
 * The REST API's body: the public OpenAPI document plus what API Gateway needs to serve it (Lambda
 * proxy integrations, `ANY` methods for the function's 404 and 405, the API key and the
 * authorizers, gateway responses in the function's error shape), and the deployment trigger that
 * follows it. Pure: the RestApi component deploys what this builds.
 */
import * as crypto from "node:crypto";
import { staticPreflightHeaders } from "../../contract/cors";
import {
  EXPOSED_HEADERS,
  RETRY_AFTER_SECONDS,
  allowedRequestHeaders,
} from "../../contract/headers";
import { OPERATIONS, ROUTES } from "../../contract/operations";
import type { Document } from "../../contract/openapi";
import {
  securityRequirement,
  securitySchemes,
  withSecurity,
} from "../../contract/openapi-security";
import { SCHEMES, type ApiSecurity } from "../../contract/security";

/** The name of the API key scheme in the body (`x-api-key` header, API Gateway's only key source here). */
export const API_KEY_SCHEME = SCHEMES.apiKey;

/** Gateway responses' body: the function's error shape, with API Gateway's response type as code. */
export const GATEWAY_RESPONSE_TEMPLATE =
  '{"error":{"code":"$context.error.responseType","message":$context.error.messageString}}';

/**
 * CORS headers of API Gateway's own answers, as gateway-response parameters. API Gateway can set
 * only static values (or copy a request header), so it can match the function only when there is
 * one answer for every origin: none configured, `*`, or a single origin. With several origins it
 * sends `Vary: Origin` only, and browsers see its errors as CORS failures; copying the request's
 * Origin instead would allow every origin, which the function never does.
 */
export function gatewayCorsParameters(allowOrigins: readonly string[]): Record<string, string> {
  const header = (name: string, value: string) => [`gatewayresponse.header.${name}`, `'${value}'`];
  if (!allowOrigins.length) return {};
  if (allowOrigins.includes("*")) {
    return Object.fromEntries([
      header("Access-Control-Allow-Origin", "*"),
      header("Access-Control-Expose-Headers", EXPOSED_HEADERS),
    ]);
  }
  if (allowOrigins.length === 1) {
    return Object.fromEntries([
      header("Access-Control-Allow-Origin", allowOrigins[0]!),
      header("Access-Control-Expose-Headers", EXPOSED_HEADERS),
      header("Vary", "Origin"),
    ]);
  }
  return Object.fromEntries([header("Vary", "Origin")]);
}

/** `x-amazon-apigateway-gateway-responses`: every API Gateway error in the function's shape. */
export function gatewayResponses(allowOrigins: readonly string[]): Record<string, GatewayResponse> {
  const cors = gatewayCorsParameters(allowOrigins);
  const json = { "application/json": GATEWAY_RESPONSE_TEMPLATE };
  return {
    DEFAULT_4XX: { responseParameters: cors, responseTemplates: json },
    DEFAULT_5XX: { responseParameters: cors, responseTemplates: json },
    // Like the function's 503: a client that honours Retry-After backs off.
    THROTTLED: {
      responseParameters: {
        ...cors,
        "gatewayresponse.header.Retry-After": `'${RETRY_AFTER_SECONDS}'`,
      },
      responseTemplates: json,
    },
  };
}

/**
 * The media types the API takes bodies in (the operation table's), which API Gateway is told are
 * binary: it then hands the function the body's bytes, base64-encoded (`isBase64Encoded`), and the
 * function refuses bytes that are not UTF-8 with 400 (handlers/crud.ts). For text payloads API
 * Gateway documents only a "UTF8-encoded string": what it does with bytes that are not UTF-8 is
 * not documented (probably U+FFFD, as a lenient decoder does), and the function could not tell
 * those from a real U+FFFD. Responses are unchanged: the function's are not base64-encoded, which
 * API Gateway passes as text whatever the types. Not covered: a body without Content-Type (the
 * tutorial's clients may send one), which API Gateway delivers as text.
 */
export function binaryMediaTypes(): string[] {
  return [
    ...new Set(OPERATIONS.flatMap((op) => ("body" in op ? Object.keys(op.body.content) : []))),
  ].sort();
}

/** The request template that makes a MOCK integration answer (AWS's CORS example uses this one). */
export const MOCK_REQUEST_TEMPLATES = { "application/json": '{"statusCode": 200}' };

/** `Access-Control-Allow-Origin` for `access-control-allow-origin`: the name a method response declares. */
const headerName = (lower: string) =>
  lower.replace(/(^|-)([a-z])/g, (_, d, c) => `${d}${c.toUpperCase()}`);

/**
 * A route's CORS preflight answered by API Gateway itself, with a MOCK integration, so preflights
 * neither invoke (and bill) the function nor reach it without credentials. Its headers are the
 * function's own (contract/cors.ts) for an Origin it allows, as static values, which is all a MOCK
 * integration can send: so only where they are the same for every Origin (no origin, `*`, or one
 * origin). Undefined otherwise, and the function answers the preflight as before.
 *
 * What AWS refuses, and the body avoids: a response parameter that is not a quoted static value
 * (`Invalid mapping expression specified`), a header the method response does not declare
 * (`Invalid mapping expression parameter specified: method.response.header.X`), and an integration
 * response whose status has no method response (`No method response exists for method`).
 */
export function mockPreflight(
  path: string,
  operation: { responses?: Record<string, { headers?: Record<string, unknown> } & object> },
  options: Pick<BodyOptions, "corsAllowOrigins" | "security">,
): Record<string, unknown> | undefined {
  const route = ROUTES.find((r) => r.path === path);
  if (!route) return undefined;
  const methods = [...route.methods, "OPTIONS"];
  const cors = staticPreflightHeaders(
    options.corsAllowOrigins,
    methods,
    allowedRequestHeaders(options.security),
  );
  if (!cors) return undefined;
  const headers = { allow: methods.join(", "), ...cors };
  for (const value of Object.values(headers)) {
    // A static value is quoted with ' and cannot contain one (no origin or header name does).
    if (value.includes("'")) throw new Error(`a preflight header cannot hold a quote: ${value}`);
  }
  const status = "204";
  const declared = Object.keys(operation.responses?.[status]?.headers ?? {});
  const names = Object.keys(headers).map(headerName);
  const missing = names.filter((h) => !declared.includes(h));
  if (missing.length) {
    throw new Error(`the preflight of ${path} does not declare ${missing.join(", ")} on ${status}`);
  }
  return {
    ...operation,
    "x-amazon-apigateway-integration": {
      type: "mock",
      requestTemplates: MOCK_REQUEST_TEMPLATES,
      passthroughBehavior: "never",
      responses: {
        default: {
          statusCode: status,
          responseParameters: Object.fromEntries(
            Object.entries(headers).map(([h, v]) => [
              `method.response.header.${headerName(h)}`,
              `'${v}'`,
            ]),
          ),
        },
      },
    },
  };
}

export interface GatewayResponse {
  statusCode?: string;
  responseParameters: Record<string, string>;
  responseTemplates: Record<string, string>;
}

export interface BodyOptions {
  /** `info.title`, which AWS takes as the API's name. */
  title: string;
  /** The function every method integrates with (Lambda proxy). */
  invokeArn: string;
  /** Who may call which method (the API key included). */
  security: ApiSecurity;
  /** The user pools a `cognito` stack's authorizer trusts. */
  cognitoUserPoolArns?: readonly string[];
  corsAllowOrigins: readonly string[];
  catchAllPath: string;
}

const pathParameterNames = (path: string) =>
  [...path.matchAll(/\{([^}]+?)\+?\}/g)].map((m) => m[1]!);

/**
 * The REST API's body: the public document plus what API Gateway needs to serve it: a Lambda
 * proxy integration on every operation, `ANY` on every path (so wrong methods reach the function
 * for its 405) and on a catch-all and the root (for its 404), CORS preflights answered by a MOCK
 * integration where their answer is static (`mockPreflight`), the API key on every method but
 * preflights when asked, and gateway responses in the function's error shape.
 */
export function restApiBody(document: Document, options: BodyOptions): Document {
  const integration = {
    type: "aws_proxy",
    httpMethod: "POST", // Lambda is always invoked with POST
    uri: options.invokeArn,
    passthroughBehavior: "when_no_match",
  };
  const requirement = (method: string, path: string) => {
    const security = securityRequirement(options.security, method, path);
    return security ? { security } : {};
  };
  const anyMethod = (path: string) => ({
    ...(pathParameterNames(path).length
      ? {
          parameters: pathParameterNames(path).map((name) => ({
            name,
            in: "path",
            required: true,
            schema: { type: "string" },
          })),
        }
      : {}),
    responses: {},
    ...requirement("ANY", path),
    "x-amazon-apigateway-integration": integration,
  });
  const paths: Record<string, Record<string, unknown>> = {};
  // The operations with their security and API Gateway's refusals, as the function serves them.
  const secured = withSecurity(document, options.security);
  for (const [path, item] of Object.entries(secured.paths)) {
    const out: Record<string, unknown> = {};
    for (const [method, operation] of Object.entries(item ?? {})) {
      out[method] = (method === "options" &&
        mockPreflight(path, operation as Parameters<typeof mockPreflight>[1], options)) || {
        ...(operation as object),
        "x-amazon-apigateway-integration": integration,
      };
    }
    out["x-amazon-apigateway-any-method"] = anyMethod(path);
    paths[path] = out;
  }
  paths[options.catchAllPath] = {
    "x-amazon-apigateway-any-method": anyMethod(options.catchAllPath),
  };
  paths["/"] = { "x-amazon-apigateway-any-method": anyMethod("/") };
  const schemes = gatewaySecuritySchemes(options);
  return {
    ...document,
    info: { ...document.info, title: options.title },
    paths: paths as Document["paths"],
    components: {
      ...secured.components,
      ...(Object.keys(schemes).length ? { securitySchemes: schemes } : {}),
    },
    "x-amazon-apigateway-api-key-source": "HEADER",
    "x-amazon-apigateway-binary-media-types": binaryMediaTypes(),
    "x-amazon-apigateway-gateway-responses": gatewayResponses(options.corsAllowOrigins),
  } as Document;
}

/**
 * The public security schemes plus what API Gateway needs to enforce them: a Cognito user pool
 * authorizer (`cognito_user_pools` with the pools' ARNs), or SigV4 (`awsSigv4`, AWS_IAM).
 */
export function gatewaySecuritySchemes(options: BodyOptions): Record<string, unknown> {
  const schemes: Record<string, unknown> = { ...securitySchemes(options.security) };
  const cognito = schemes[SCHEMES.cognito];
  if (cognito) {
    const providerARNs = [...(options.cognitoUserPoolArns ?? [])];
    if (!providerARNs.length) {
      throw new Error(
        "A cognito API needs the user pool ARNs its authorizer trusts (cognitoUserPoolArns)",
      );
    }
    schemes[SCHEMES.cognito] = {
      ...cognito,
      "x-amazon-apigateway-authtype": "cognito_user_pools",
      "x-amazon-apigateway-authorizer": { type: "cognito_user_pools", providerARNs },
    };
  }
  const iam = schemes[SCHEMES.iam];
  if (iam) schemes[SCHEMES.iam] = { ...iam, "x-amazon-apigateway-authtype": "awsSigv4" };
  return schemes;
}

/** Deployment trigger: a new Deployment whenever the body (the whole API) changes. */
export function deploymentTrigger(body: string): string {
  return crypto.createHash("sha256").update(body).digest("hex");
}
