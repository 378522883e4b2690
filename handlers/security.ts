/**
 * Who may call which method: the stack's authentication (none, a Cognito user pool's tokens, or
 * SigV4-signed IAM requests), its API key, and the OAuth scopes per method group. One value of
 * this shape is built from the stack config; the RestApi component turns it into the deployed
 * body (with API Gateway's extensions) and the function serves the same requirements in its
 * public document, so the two cannot drift apart.
 *
 * Open to everyone, whatever the stack: CORS preflights (browsers send them without credentials)
 * and `GET /openapi.json` (the document that says how to authenticate).
 */
import type { OpenAPIV3 } from "openapi-types";

export const AUTH_MODES = ["none", "cognito", "iam"] as const;
export type AuthMode = (typeof AUTH_MODES)[number];

export interface ApiSecurity {
  /** How callers prove who they are. */
  auth: AuthMode;
  /** Whether every protected method also needs an API key (`x-api-key`), for usage plans. */
  apiKey: boolean;
  /**
   * Cognito only: the OAuth scopes a method group needs (a token with any one of them passes).
   * Without scopes, API Gateway takes ID tokens; with them, access tokens.
   */
  scopes?: { read: readonly string[]; write: readonly string[] };
}

/** Names of the security schemes in the document. */
export const SCHEMES = { apiKey: "api_key", cognito: "cognito", iam: "sigv4" } as const;

/** Methods that only read: the "read" group. Every other method writes. */
export const READ_METHODS: readonly string[] = ["GET", "HEAD"];

/** Paths whose GET is open to everyone, in any stack. */
export const OPEN_PATHS: readonly string[] = ["/openapi.json"];

export const OPEN: ApiSecurity = { auth: "none", apiKey: false };

/** The public security schemes the stack uses (API Gateway's extensions are added by the RestApi). */
export function securitySchemes(
  security: ApiSecurity,
): Record<string, OpenAPIV3.SecuritySchemeObject> {
  const out: Record<string, OpenAPIV3.SecuritySchemeObject> = {};
  if (security.auth === "cognito") {
    out[SCHEMES.cognito] = {
      type: "apiKey",
      name: "Authorization",
      in: "header",
      description: security.scopes
        ? "A Cognito user pool access token with the method's scope: `Authorization: Bearer <token>`."
        : "A Cognito user pool ID token: `Authorization: Bearer <token>`.",
    };
  }
  if (security.auth === "iam") {
    out[SCHEMES.iam] = {
      type: "apiKey",
      name: "Authorization",
      in: "header",
      description:
        "AWS Signature Version 4 (service execute-api) with credentials allowed execute-api:Invoke on this API.",
    };
  }
  if (security.apiKey) {
    out[SCHEMES.apiKey] = {
      type: "apiKey",
      name: "x-api-key",
      in: "header",
      description: "The usage plan's API key. It meters the caller; it does not authenticate.",
    };
  }
  return out;
}

/**
 * The security requirement of a method: one requirement object (every scheme in it applies), or
 * undefined when the method is open. `method` is upper case; `ANY` needs any scope of either group.
 */
export function securityRequirement(
  security: ApiSecurity,
  method: string,
  path: string,
): Record<string, string[]>[] | undefined {
  if (method === "OPTIONS" || (method === "GET" && OPEN_PATHS.includes(path))) return undefined;
  const requirement: Record<string, string[]> = {};
  if (security.auth === "cognito") {
    const { read = [], write = [] } = security.scopes ?? {};
    const scopes =
      method === "ANY"
        ? [...new Set([...read, ...write])]
        : READ_METHODS.includes(method)
          ? [...read]
          : [...write];
    requirement[SCHEMES.cognito] = scopes;
  }
  if (security.auth === "iam") requirement[SCHEMES.iam] = [];
  if (security.apiKey) requirement[SCHEMES.apiKey] = [];
  return Object.keys(requirement).length ? [requirement] : undefined;
}

/** The methods a path item may protect; its preflight (`options`) is copied as it is: always open. */
const PROTECTABLE_METHODS = ["get", "put", "post", "delete", "head", "patch"];

/** API Gateway's refusals a protected operation may answer, in the error shape. */
function refusals(security: ApiSecurity): Record<string, OpenAPIV3.ResponseObject> {
  const error = { "application/json": { schema: { $ref: "#/components/schemas/Error" } } };
  const out: Record<string, OpenAPIV3.ResponseObject> = {};
  if (security.auth === "cognito") {
    out["401"] = {
      description:
        "API Gateway: no valid token of the user pool (UNAUTHORIZED): missing, expired, from another pool or app client, or without the method's scope.",
      content: error,
    };
  }
  const forbidden = [
    security.auth === "iam" &&
      "no valid SigV4 signature (MISSING_AUTHENTICATION_TOKEN, INVALID_SIGNATURE) or no execute-api:Invoke permission (ACCESS_DENIED)",
    security.apiKey && "no valid API key in x-api-key (INVALID_API_KEY)",
  ].filter(Boolean);
  if (forbidden.length) {
    out["403"] = { description: `API Gateway: ${forbidden.join("; ")}.`, content: error };
  }
  return out;
}

/** The document with the stack's security schemes and each operation's requirement. */
export function withSecurity<D extends OpenAPIV3.Document>(document: D, security: ApiSecurity): D {
  const schemes = securitySchemes(security);
  if (!Object.keys(schemes).length) return document;
  const paths: Record<string, unknown> = {};
  for (const [path, item] of Object.entries(document.paths)) {
    const out: Record<string, unknown> = { ...item };
    for (const method of PROTECTABLE_METHODS) {
      const operation = (item as Record<string, unknown> | undefined)?.[method];
      if (!operation) continue;
      const requirement = securityRequirement(security, method.toUpperCase(), path);
      if (!requirement) {
        out[method] = operation;
        continue;
      }
      const op = operation as OpenAPIV3.OperationObject;
      // Status codes are integer-like keys: JavaScript keeps them in ascending order.
      const responses = { ...op.responses, ...refusals(security) };
      out[method] = { ...op, security: requirement, responses };
    }
    paths[path] = out;
  }
  return {
    ...document,
    paths,
    components: {
      ...document.components,
      securitySchemes: { ...document.components?.securitySchemes, ...schemes },
    },
  };
}

/** The value of the function's `API_SECURITY` variable: this shape as JSON. */
export function parseApiSecurity(raw: string | undefined): ApiSecurity {
  if (!raw) return OPEN;
  const value = JSON.parse(raw) as Partial<ApiSecurity>;
  const auth = AUTH_MODES.includes(value.auth as AuthMode) ? (value.auth as AuthMode) : "none";
  return {
    auth,
    apiKey: value.apiKey === true,
    ...(auth === "cognito" && value.scopes ? { scopes: value.scopes } : {}),
  };
}
