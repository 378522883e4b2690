/**
 * CORS response headers from the configured origins (CORS_ALLOW_ORIGINS). Which headers browsers
 * may read and send are facts of the contract (contract/headers.ts): the preflight allows the
 * request headers the stack's security needs, e.g. `authorization` for a Cognito token.
 */
import { EXPOSED_HEADERS } from "../../contract/headers";

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
    "access-control-max-age": "600",
  };
}
