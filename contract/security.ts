/**
 * Who may call the API: the stack's authentication (none, a Cognito user pool's tokens, or
 * SigV4-signed IAM requests), its API key, and the OAuth scopes of each scope group (each
 * operation's group, open, read or write, is in the operation table). One value of this shape is
 * built from the stack config and given to the function as `API_SECURITY`. Its OpenAPI form (the
 * schemes and each operation's requirement, which the RestApi deploys and the function serves) is
 * openapi-security.ts; the function's CORS preflights allow the request headers it needs.
 */

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

/** The request header of API Gateway's API keys (the key source `HEADER`). */
export const API_KEY_HEADER = "x-api-key";

/**
 * The request headers each mode's callers send, which a browser must be allowed to send (CORS):
 * a Cognito token goes in `Authorization`; a SigV4 signature in `Authorization` with the signing
 * date, the session token of temporary credentials, and the payload hash some signers add (IAM
 * User Guide, "Create a signed AWS API request"; S3 requires the hash, other services accept it).
 */
export const AUTH_REQUEST_HEADERS: Readonly<Record<AuthMode, readonly string[]>> = {
  none: [],
  cognito: ["authorization"],
  iam: ["authorization", "x-amz-date", "x-amz-security-token", "x-amz-content-sha256"],
};

/** The request headers the stack's security needs, lower case: its mode's, and the API key's. */
export function securityRequestHeaders(security: ApiSecurity): string[] {
  return [...AUTH_REQUEST_HEADERS[security.auth], ...(security.apiKey ? [API_KEY_HEADER] : [])];
}

export const OPEN: ApiSecurity = { auth: "none", apiKey: false };

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
