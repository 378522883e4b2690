/**
 * `AWS_IAM` authorization as API Gateway does it for SigV4-signed requests: the signature is
 * recomputed with the AWS SDK's own signer (`@smithy/signature-v4`) from the request as it
 * arrived (method, path as sent, query, the headers the client says it signed, the body) and the
 * secret of the access key it names. Only the local callers' credentials exist here (an IAM user
 * and a role session); they are allowed `execute-api:Invoke` on every API (no IAM policies are
 * evaluated locally).
 *
 * Refusals are 403, with API Gateway's messages: no Authorization header (Missing Authentication
 * Token), a malformed one, one whose SignedHeaders leave out host, an unknown key (or a session
 * key without its token), a scope for another region or service, a date more than 5 minutes
 * away, or a signature that does not match (another host, body, path or secret).
 * Presigned URLs (`X-Amz-Signature` in the query) are not emulated.
 */
import { createHash } from "node:crypto";
import { Sha256 } from "@aws-crypto/sha256-js";
import { SignatureV4 } from "@smithy/signature-v4";
import type { APIGatewayEventIdentity } from "aws-lambda";

/** An IAM principal whose signatures the local cloud accepts: an IAM user, or a role session. */
export interface LocalIamUser {
  accessKeyId: string;
  secretAccessKey: string;
  accountId: string;
  /**
   * `arn:aws:iam::<account>:user/<name>` for a user; for a role session
   * `arn:aws:sts::<account>:assumed-role/<role>/<session>` (as in the captured iam-auth event).
   */
  userArn: string;
  /**
   * What API Gateway reports as `caller` and `user`: the user's unique id (`AIDA...`), or for a
   * role session `<role id>:<session name>` (the captured event's `ABCA...:aamorosi`).
   */
  userId: string;
  /** Session credentials (an assumed role) come with a token, sent as X-Amz-Security-Token. */
  sessionToken?: string;
}

export type SigV4Outcome =
  | { ok: true; identity: Partial<APIGatewayEventIdentity> }
  | { ok: false; type: string; errorType: string; message: string };

export interface SignedRequest {
  method: string;
  /** The path as sent, still percent-encoded (what the client signed). */
  rawPath: string;
  /** The raw query string, without `?`. */
  query: string;
  headers: Record<string, string | string[] | undefined>;
  body: Buffer;
}

/** Five minutes: the skew API Gateway allows between a signature's date and its own clock. */
export const MAX_SKEW_MS = 5 * 60 * 1000;

const missing = (): SigV4Outcome => ({
  ok: false,
  type: "MISSING_AUTHENTICATION_TOKEN",
  errorType: "MissingAuthenticationTokenException",
  message: "Missing Authentication Token",
});
const incomplete = (message: string): SigV4Outcome => ({
  ok: false,
  type: "INVALID_SIGNATURE",
  errorType: "IncompleteSignatureException",
  message,
});
const invalid = (message: string): SigV4Outcome => ({
  ok: false,
  type: "INVALID_SIGNATURE",
  errorType: "InvalidSignatureException",
  message,
});

const MISMATCH =
  "The request signature we calculated does not match the signature you provided. Check your AWS Secret Access Key and signing method. Consult the service documentation for details.";

/** `20240617T145824Z` → Date, or undefined. */
function parseAmzDate(value: string): Date | undefined {
  const m = /^(\d{4})(\d{2})(\d{2})T(\d{2})(\d{2})(\d{2})Z$/.exec(value);
  if (!m) return undefined;
  const [, y, mo, d, h, mi, s] = m.map(Number) as number[];
  const date = new Date(Date.UTC(y!, mo! - 1, d!, h!, mi!, s!));
  return Number.isNaN(date.getTime()) ? undefined : date;
}

const amzDate = (d: Date) =>
  d
    .toISOString()
    .replace(/[-:]/g, "")
    .replace(/\.\d{3}/, "");

/** `a=1&b=x%20y` → {a: "1", b: "x y"} (repeated names as lists), as the signer takes a query. */
function parseQuery(query: string): Record<string, string | string[]> {
  const out: Record<string, string | string[]> = {};
  for (const pair of query.split("&")) {
    if (!pair) continue;
    const eq = pair.indexOf("=");
    const decode = (s: string) => {
      try {
        return decodeURIComponent(s.replace(/\+/g, " "));
      } catch {
        return s;
      }
    };
    const name = decode(eq < 0 ? pair : pair.slice(0, eq));
    const value = eq < 0 ? "" : decode(pair.slice(eq + 1));
    const prev = out[name];
    out[name] = prev === undefined ? value : Array.isArray(prev) ? [...prev, value] : [prev, value];
  }
  return out;
}

export async function checkSigV4(
  request: SignedRequest,
  options: { users: readonly LocalIamUser[]; region: string; now?: Date },
): Promise<SigV4Outcome> {
  const header = (name: string) => {
    const v = request.headers[name];
    return Array.isArray(v) ? v.join(",") : v;
  };
  const authorization = header("authorization")?.trim();
  if (!authorization) return missing();
  const m = /^AWS4-HMAC-SHA256\s+(.*)$/s.exec(authorization);
  const fields = new Map<string, string>();
  for (const part of (m?.[1] ?? "").split(",")) {
    const eq = part.indexOf("=");
    if (eq > 0) fields.set(part.slice(0, eq).trim(), part.slice(eq + 1).trim());
  }
  const credential = fields.get("Credential");
  const signedHeaders = fields.get("SignedHeaders");
  const signature = fields.get("Signature");
  const dateHeader = header("x-amz-date");
  if (!m || !credential || !signedHeaders || !signature || !dateHeader) {
    const needs = [
      !credential && "Authorization header requires 'Credential' parameter.",
      !signature && "Authorization header requires 'Signature' parameter.",
      !signedHeaders && "Authorization header requires 'SignedHeaders' parameter.",
      !dateHeader &&
        "Authorization header requires existence of either a 'X-Amz-Date' or a 'Date' header.",
      !m && "Only AWS4-HMAC-SHA256 signatures are accepted.",
    ].filter(Boolean);
    return incomplete(`${needs.join(" ")} Authorization=${authorization.slice(0, 64)}`);
  }
  const [accessKeyId, day, region, service, terminator, ...rest] = credential.split("/");
  if (!accessKeyId || !day || !region || !service || terminator !== "aws4_request" || rest.length) {
    return incomplete(
      `Credential must have the form <key>/<date>/<region>/<service>/aws4_request.`,
    );
  }
  const user = options.users.find((u) => u.accessKeyId === accessKeyId);
  // Session credentials are only valid with their token, and long-term keys take none.
  if (!user || header("x-amz-security-token") !== user.sessionToken) {
    return {
      ok: false,
      type: "INVALID_SIGNATURE",
      errorType: "UnrecognizedClientException",
      message: "The security token included in the request is invalid.",
    };
  }
  if (region !== options.region) {
    return invalid(`Credential should be scoped to a valid region, not '${region}'. `);
  }
  if (service !== "execute-api") {
    return invalid("Credential should be scoped to correct service: 'execute-api'. ");
  }
  const signingDate = parseAmzDate(dateHeader);
  if (!signingDate)
    return incomplete(`Date must be in ISO-8601 'basic format'. Got '${dateHeader}'.`);
  if (day !== dateHeader.slice(0, 8)) {
    return invalid(
      `Date in Credential scope does not match YYYYMMDD from ISO-8601 version of date from HTTP: '${day}' != '${dateHeader.slice(0, 8)}', from '${dateHeader}'.`,
    );
  }
  const now = options.now ?? new Date();
  if (signingDate.getTime() < now.getTime() - MAX_SKEW_MS) {
    return invalid(
      `Signature expired: ${dateHeader} is now earlier than ${amzDate(new Date(now.getTime() - MAX_SKEW_MS))} (${amzDate(now)} - 5 min.)`,
    );
  }
  if (signingDate.getTime() > now.getTime() + MAX_SKEW_MS) {
    return invalid(
      `Signature not yet current: ${dateHeader} is still later than ${amzDate(new Date(now.getTime() + MAX_SKEW_MS))} (${amzDate(now)} + 5 min.)`,
    );
  }

  // The body is what was signed: a payload hash header must be the hash of the body that came.
  const declaredHash = header("x-amz-content-sha256");
  if (
    declaredHash !== undefined &&
    declaredHash !== createHash("sha256").update(request.body).digest("hex")
  ) {
    return invalid(MISMATCH);
  }
  const names = signedHeaders.toLowerCase().split(";").filter(Boolean);
  // SigV4 requires the host to be signed. The message is the one other AWS services give for it
  // (e.g. STS); a capture of API Gateway's own answer was not found.
  if (!names.includes("host")) {
    return incomplete("'Host' or ':authority' must be a 'SignedHeader' in the AWS Authorization.");
  }
  const headers: Record<string, string> = {};
  for (const name of names) {
    const value = header(name);
    if (value !== undefined) headers[name] = value;
  }
  const host = headers["host"] ?? "";
  const [hostname = "", port] = host.split(":");
  const signer = new SignatureV4({
    credentials: { accessKeyId: user.accessKeyId, secretAccessKey: user.secretAccessKey },
    region,
    service,
    sha256: Sha256,
  });
  let expected: string;
  try {
    const signed = await signer.sign(
      {
        method: request.method,
        protocol: "http:",
        hostname,
        port: port ? Number(port) : undefined,
        path: request.rawPath,
        query: parseQuery(request.query),
        headers,
        body: request.body.length ? request.body : undefined,
      },
      { signingDate, signableHeaders: new Set(names) },
    );
    expected = /Signature=([0-9a-f]+)/.exec(String(signed.headers["authorization"]))?.[1] ?? "";
  } catch (err) {
    return incomplete(`The request could not be signed for comparison: ${(err as Error).message}`);
  }
  if (expected !== signature) return invalid(MISMATCH);
  return {
    ok: true,
    identity: {
      accessKey: user.accessKeyId,
      accountId: user.accountId,
      caller: user.userId,
      user: user.userId,
      userArn: user.userArn,
    },
  };
}
