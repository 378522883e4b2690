/**
 * CORS response headers from the configured origins (CORS_ALLOW_ORIGINS). Which headers browsers
 * may read and send are facts of the contract (contract/headers.ts): the preflight allows the
 * request headers the stack's security needs, e.g. `authorization` for a Cognito token. The
 * function answers with these, and the REST API's preflights (a MOCK integration) are built from
 * them, so both give the same headers.
 */
import { EXPOSED_HEADERS } from "./headers";

/** Headers for an actual (non-preflight) response. */
export function corsHeaders(
  origin: string | undefined,
  allowOrigins: readonly string[],
): Record<string, string> {
  if (!allowOrigins.length) return {};
  if (allowOrigins.includes("*")) {
    return { "access-control-allow-origin": "*", "access-control-expose-headers": EXPOSED_HEADERS };
  }
  // The answer depends on Origin even when it is refused, so caches must key on it.
  if (!origin || !allowOrigins.includes(origin)) return { vary: "Origin" };
  return {
    "access-control-allow-origin": origin,
    "access-control-expose-headers": EXPOSED_HEADERS,
    vary: "Origin",
  };
}

/**
 * Extra headers for a preflight (OPTIONS) answer on a route serving `methods`, allowing the
 * request headers `allowHeaders` (contract/headers.ts's `allowedRequestHeaders` of the stack).
 */
export function preflightHeaders(
  origin: string | undefined,
  allowOrigins: readonly string[],
  methods: readonly string[],
  allowHeaders: string,
): Record<string, string> {
  const base = corsHeaders(origin, allowOrigins);
  if (!base["access-control-allow-origin"]) return base;
  return {
    ...base,
    "access-control-allow-methods": methods.join(", "),
    "access-control-allow-headers": allowHeaders,
    "access-control-max-age": PREFLIGHT_MAX_AGE_SECONDS,
  };
}

/** Every header a preflight's answer can carry (Allow, and the CORS ones), as the document names them. */
export const PREFLIGHT_RESPONSE_HEADERS = [
  "Allow",
  "Access-Control-Allow-Origin",
  "Access-Control-Allow-Methods",
  "Access-Control-Allow-Headers",
  "Access-Control-Max-Age",
  "Access-Control-Expose-Headers",
  "Vary",
] as const;

/** How long a browser may cache a preflight's answer. */
export const PREFLIGHT_MAX_AGE_SECONDS = "600";

/**
 * A preflight's headers when they are the same for every Origin, so API Gateway can send them as
 * static values (a MOCK integration can send nothing else): no origin configured, `*`, or a single
 * origin (sent to every Origin; a browser compares it with its own). Undefined with several
 * origins: the answer depends on the request's Origin, so the function answers the preflight.
 */
export function staticPreflightHeaders(
  allowOrigins: readonly string[],
  methods: readonly string[],
  allowHeaders: string,
): Record<string, string> | undefined {
  if (allowOrigins.length > 1 && !allowOrigins.includes("*")) return undefined;
  const origin = allowOrigins.includes("*") ? undefined : allowOrigins[0];
  return preflightHeaders(origin, allowOrigins, methods, allowHeaders);
}
