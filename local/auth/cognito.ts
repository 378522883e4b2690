/**
 * A `COGNITO_USER_POOLS` authorizer as API Gateway runs it: the token from the Authorization
 * header (with or without `Bearer `), verified with jose against the local issuer's key: RS256
 * only (so `alg: none` and HS256 made with the public key fail), the pool's issuer, not expired,
 * not before `nbf`, issued for one of the pool's app clients. A method without scopes takes ID
 * tokens; a method with scopes takes access tokens holding at least one of them. Refusals are
 * 401 `Unauthorized`, or `The incoming token has expired`.
 *
 * Valid claims reach the function as API Gateway delivers them in REST events: every value a
 * string, `exp` and `iat` as dates (`Tue Jun 18 15:00:04 UTC 2024`), as in the captured event
 * `local/fixtures/events/powertools-apigw-rest-cognito.json`.
 */
import { createLocalJWKSet, errors, jwtVerify, type JWTPayload } from "jose";
import type { LocalUserPool, SigningKey } from "./issuer";

export type CognitoOutcome =
  { ok: true; claims: Record<string, string> } | { ok: false; message: string; reason: string };

export interface CognitoCheck {
  /** The Authorization header as received. */
  authorization: string | undefined;
  pools: readonly LocalUserPool[];
  key: SigningKey;
  /** The method's OAuth scopes; empty: ID tokens. */
  scopes: readonly string[];
  /** Epoch seconds. @default now */
  now?: number;
}

const UNAUTHORIZED = "Unauthorized";
export const EXPIRED = "The incoming token has expired";

const refuse = (reason: string, message = UNAUTHORIZED): CognitoOutcome => ({
  ok: false,
  message,
  reason,
});

export async function checkCognitoToken(check: CognitoCheck): Promise<CognitoOutcome> {
  const header = check.authorization?.trim();
  if (!header) return refuse("no Authorization header");
  const token = header.replace(/^Bearer\s+/i, "");
  const pool = check.pools.find((p) => issuerOf(token) === p.issuer);
  if (!pool) return refuse("not a token of this API's user pool (issuer)");
  let payload: JWTPayload;
  try {
    ({ payload } = await jwtVerify(token, createLocalJWKSet({ keys: [check.key.publicJwk] }), {
      algorithms: ["RS256"],
      issuer: pool.issuer,
      clockTolerance: 0,
      currentDate: check.now === undefined ? undefined : new Date(check.now * 1000),
    }));
  } catch (err) {
    if (err instanceof errors.JWTExpired) return refuse("expired", EXPIRED);
    return refuse(`invalid token (${(err as Error).message})`);
  }
  const tokenUse = payload["token_use"];
  const clientId = tokenUse === "access" ? payload["client_id"] : payload.aud;
  if (typeof clientId !== "string" || !pool.clientIds.includes(clientId)) {
    return refuse("issued for no app client of the pool");
  }
  if (check.scopes.length) {
    if (tokenUse !== "access") return refuse("scoped methods take access tokens");
    const held = String(payload["scope"] ?? "").split(" ");
    if (!check.scopes.some((s) => held.includes(s))) {
      return refuse(`none of the scopes ${check.scopes.join(", ")}`);
    }
  } else if (tokenUse !== "id") {
    return refuse("methods without scopes take ID tokens");
  }
  return { ok: true, claims: restClaims(payload) };
}

/** The `iss` of a token, read without trusting it (to pick the pool); undefined if unreadable. */
function issuerOf(token: string): string | undefined {
  try {
    const payload = JSON.parse(Buffer.from(token.split(".")[1] ?? "", "base64url").toString());
    return typeof payload?.iss === "string" ? payload.iss : undefined;
  } catch {
    return undefined;
  }
}

const DAYS = ["Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"];
const MONTHS = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"];

/** Epoch seconds as Java's `Date.toString()` in UTC, which API Gateway uses for `exp` and `iat`. */
export function javaDate(epochSeconds: number): string {
  const d = new Date(epochSeconds * 1000);
  const pad = (n: number) => String(n).padStart(2, "0");
  return (
    `${DAYS[d.getUTCDay()]} ${MONTHS[d.getUTCMonth()]} ${pad(d.getUTCDate())} ` +
    `${pad(d.getUTCHours())}:${pad(d.getUTCMinutes())}:${pad(d.getUTCSeconds())} UTC ${d.getUTCFullYear()}`
  );
}

/** Claims as a REST API's Cognito authorizer hands them to the function: all strings. */
export function restClaims(payload: JWTPayload): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [name, value] of Object.entries(payload)) {
    if ((name === "exp" || name === "iat") && typeof value === "number") {
      out[name] = javaDate(value);
    } else if (typeof value === "string") out[name] = value;
    // REST APIs join a list with commas, no brackets: `cognito:groups` ["admin", "staging-manager"]
    // arrives as "admin,staging-manager", one group as "admin". ("[admin staging-manager]" is
    // what HTTP APIs' JWT authorizers give.)
    else if (Array.isArray(value)) out[name] = value.join(",");
    else out[name] = typeof value === "object" ? JSON.stringify(value) : String(value);
  }
  return out;
}
