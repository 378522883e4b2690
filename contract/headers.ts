/**
 * The HTTP headers of the API as facts the function, the REST API's gateway responses and the
 * document share: what browsers may read and send (CORS), and the value of `Retry-After`.
 */
import { IDEMPOTENCY_KEY_HEADER } from "./idempotency";
import { RESPONSE_HEADERS } from "./operations";
import { securityRequestHeaders, type ApiSecurity } from "./security";

/** Seconds a client should wait before retrying a 503 (the function's) or a 429 (API Gateway's). */
export const RETRY_AFTER_SECONDS = "1";

/** Response headers browsers may read (`Access-Control-Expose-Headers`): every documented one. */
export const EXPOSED_HEADERS = RESPONSE_HEADERS.map((h) => h.toLowerCase()).join(", ");

/** Request headers a browser may send to any stack: the body's type, If-Match, Idempotency-Key. */
export const COMMON_REQUEST_HEADERS = [
  "content-type",
  "if-match",
  IDEMPOTENCY_KEY_HEADER.toLowerCase(),
] as const;

/**
 * `Access-Control-Allow-Headers` of a stack's preflights: the common headers and those its
 * security needs (a Cognito token or a SigV4 signature in `Authorization`, the API key).
 */
export function allowedRequestHeaders(security: ApiSecurity): string {
  return [...COMMON_REQUEST_HEADERS, ...securityRequestHeaders(security)].join(", ");
}
