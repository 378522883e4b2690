/**
 * How the CRUD flow proves who it is to a target: a bearer token (Cognito), an API key, or a
 * SigV4 signature with AWS credentials (iam), applied to every request it sends.
 */
import { Sha256 } from "@aws-crypto/sha256-js";
import { SignatureV4 } from "@smithy/signature-v4";
import type { AwsCredentialIdentity, AwsCredentialIdentityProvider } from "@smithy/types";

/** Adds a target's credentials to a request (headers, or a signature over the whole request). */
export type Authorize = (request: Request) => Promise<Request>;

export interface Credentials {
  /** `Authorization: Bearer <token>`. */
  token?: string;
  /** `x-api-key`. */
  apiKey?: string;
  /** Sign with SigV4 for execute-api in this region, with these credentials. */
  sigv4?: {
    region: string;
    credentials: AwsCredentialIdentity | AwsCredentialIdentityProvider;
  };
}

/** The flow's `Authorize` for a target's credentials; undefined when it needs none. */
export function authorizeWith(credentials: Credentials): Authorize | undefined {
  const { token, apiKey, sigv4 } = credentials;
  if (!token && !apiKey && !sigv4) return undefined;
  const signer = sigv4
    ? new SignatureV4({
        credentials: sigv4.credentials,
        region: sigv4.region,
        service: "execute-api",
        sha256: Sha256,
      })
    : undefined;
  return async (request) => {
    const headers = new Headers(request.headers);
    if (token) headers.set("authorization", `Bearer ${token}`);
    if (apiKey) headers.set("x-api-key", apiKey);
    const body = request.body ? Buffer.from(await request.arrayBuffer()) : undefined;
    if (signer) {
      const url = new URL(request.url);
      const toSign: Record<string, string> = { host: url.host };
      headers.forEach((value, name) => (toSign[name] = value));
      const signed = await signer.sign({
        method: request.method,
        protocol: url.protocol,
        hostname: url.hostname,
        port: url.port ? Number(url.port) : undefined,
        path: url.pathname,
        query: Object.fromEntries(url.searchParams),
        headers: toSign,
        body,
      });
      for (const [name, value] of Object.entries(signed.headers)) {
        if (name.toLowerCase() !== "host") headers.set(name, String(value));
      }
    }
    return new Request(request.url, {
      method: request.method,
      headers,
      body,
      signal: request.signal,
    });
  };
}

/** The region of an execute-api URL (`https://<id>.execute-api.<region>.amazonaws.com/...`). */
export function regionOfApiUrl(url: string): string | undefined {
  return /\.execute-api\.([a-z0-9-]+)\.amazonaws\.com(\.cn)?$/.exec(new URL(url).hostname)?.[1];
}
