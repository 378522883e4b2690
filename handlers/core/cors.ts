/** CORS response headers from the configured origins (CORS_ALLOW_ORIGINS). */
import { IDEMPOTENCY_KEY_HEADER, IDEMPOTENT_REPLAYED_HEADER } from "../idempotency";

// x-api-key: stacks with apiKeyRequired (production) are called from browsers with the key.
export const ALLOWED_REQUEST_HEADERS = `content-type, if-match, x-api-key, ${IDEMPOTENCY_KEY_HEADER.toLowerCase()}`;
export const EXPOSED_HEADERS = `etag, location, retry-after, ${IDEMPOTENT_REPLAYED_HEADER.toLowerCase()}`;

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

/** Extra headers for a preflight (OPTIONS) answer on a route serving `methods`. */
export function preflightHeaders(
  origin: string | undefined,
  allowOrigins: readonly string[],
  methods: readonly string[],
): Record<string, string> {
  const base = corsHeaders(origin, allowOrigins);
  if (!base["access-control-allow-origin"]) return base;
  return {
    ...base,
    "access-control-allow-methods": methods.join(", "),
    "access-control-allow-headers": ALLOWED_REQUEST_HEADERS,
    "access-control-max-age": "600",
  };
}
