/**
 * The local stand-in for a Cognito user pool's token issuer: one RSA signing key, kept on disk
 * (gitignored, `.local-data/auth/`) so that `npm run token` and `npm start` agree on it, and
 * tokens shaped like Cognito's ID and access tokens, for the pools the program declares.
 */
import * as crypto from "node:crypto";
import * as fs from "node:fs";
import * as path from "node:path";
import { SignJWT, type JWK } from "jose";

/** Where the signing key lives, below the project directory. */
export const KEY_FILE = path.join(".local-data", "auth", "issuer-key.json");

export interface SigningKey {
  kid: string;
  privateKey: crypto.KeyObject;
  /** The public half, as a JWKS entry (what `/.well-known/jwks.json` serves). */
  publicJwk: JWK;
}

/** The project's local signing key, created (RSA 2048, file mode 0600) on first use. */
export async function loadSigningKey(projectDir: string): Promise<SigningKey> {
  const file = path.join(projectDir, KEY_FILE);
  let stored: { kid: string; privateKeyPem: string } | undefined;
  try {
    stored = JSON.parse(fs.readFileSync(file, "utf8")) as { kid: string; privateKeyPem: string };
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== "ENOENT") {
      throw new Error(
        `The local issuer's key ${file} is unreadable (${(err as Error).message}): delete it, and a new one is made (tokens signed with the old one stop working)`,
        { cause: err },
      );
    }
  }
  if (!stored) {
    const { privateKey } = crypto.generateKeyPairSync("rsa", { modulusLength: 2048 });
    stored = {
      kid: crypto.randomBytes(16).toString("base64url"),
      privateKeyPem: privateKey.export({ format: "pem", type: "pkcs8" }).toString(),
    };
    fs.mkdirSync(path.dirname(file), { recursive: true });
    // Two processes may race to create it: the first write wins, and both read that one.
    try {
      fs.writeFileSync(file, JSON.stringify(stored), { mode: 0o600, flag: "wx" });
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== "EEXIST") throw err;
      return loadSigningKey(projectDir);
    }
  }
  const privateKey = crypto.createPrivateKey(stored.privateKeyPem);
  const publicJwk = crypto.createPublicKey(privateKey).export({ format: "jwk" }) as JWK;
  return {
    kid: stored.kid,
    privateKey,
    publicJwk: { ...publicJwk, kid: stored.kid, alg: "RS256", use: "sig" },
  };
}

/** A user pool as the local issuer serves it. */
export interface LocalUserPool {
  id: string;
  arn: string;
  /** `https://cognito-idp.<region>.amazonaws.com/<id>`: the `iss` of its tokens. */
  issuer: string;
  /** App clients whose tokens it issues (`aud` of ID tokens, `client_id` of access tokens). */
  clientIds: string[];
}

export interface TokenRequest {
  pool: LocalUserPool;
  /** @default the pool's first app client */
  clientId?: string;
  /** `cognito:username` / `username`. @default "local-user" */
  username?: string;
  /** `cognito:groups`: the user pool groups the user belongs to (in ID and access tokens). */
  groups?: readonly string[];
  /** Scopes: with any, an access token (what scoped methods take); without, an ID token. */
  scopes?: readonly string[];
  /** @default 3600 */
  lifetimeSeconds?: number;
  /** Epoch seconds. @default now */
  now?: number;
}

/** A stable `sub` per pool and user name, shaped like Cognito's (a UUID). */
function subjectOf(poolId: string, username: string): string {
  const h = crypto.createHash("sha256").update(`${poolId}\0${username}`).digest();
  h[6] = (h[6]! & 0x0f) | 0x40;
  h[8] = (h[8]! & 0x3f) | 0x80;
  const hex = h.subarray(0, 16).toString("hex");
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}

/** A signed token with the claims Cognito puts in its ID or access tokens. */
export async function issueToken(key: SigningKey, request: TokenRequest): Promise<string> {
  const { pool } = request;
  const clientId = request.clientId ?? pool.clientIds[0];
  if (!clientId) throw new Error(`User pool ${pool.id} has no app client to issue tokens for`);
  const username = request.username ?? "local-user";
  const now = request.now ?? Math.floor(Date.now() / 1000);
  const common = {
    sub: subjectOf(pool.id, username),
    origin_jti: crypto.randomUUID(),
    event_id: crypto.randomUUID(),
    auth_time: now,
    jti: crypto.randomUUID(),
    // Cognito leaves the claim out for a user in no group.
    ...(request.groups?.length ? { "cognito:groups": [...request.groups] } : {}),
  };
  const claims = request.scopes?.length
    ? {
        ...common,
        token_use: "access",
        scope: request.scopes.join(" "),
        client_id: clientId,
        username,
        version: 2,
      }
    : { ...common, token_use: "id", aud: clientId, "cognito:username": username };
  return new SignJWT(claims)
    .setProtectedHeader({ alg: "RS256", kid: key.kid })
    .setIssuer(pool.issuer)
    .setIssuedAt(now)
    .setExpirationTime(now + (request.lifetimeSeconds ?? 3600))
    .sign(key.privateKey);
}
