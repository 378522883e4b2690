/**
 * The local Cognito authorizer and SigV4 check, on tokens and signatures made for each refusal
 * the issue lists, with their messages; valid claims compared with a captured event's.
 */
import * as crypto from "node:crypto";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { Sha256 } from "@aws-crypto/sha256-js";
import { SignatureV4 } from "@smithy/signature-v4";
import { expect } from "chai";
import { SignJWT } from "jose";
import { capturedEvent } from "../fixtures/events";
import { EXPIRED, checkCognitoToken, javaDate } from "./cognito";
import { issueToken, loadSigningKey, type LocalUserPool, type SigningKey } from "./issuer";
import { MAX_SKEW_MS, checkSigV4, type LocalIamUser } from "./sigv4";

const POOL: LocalUserPool = {
  id: "us-east-1_AbCdEfGhI",
  arn: "arn:aws:cognito-idp:us-east-1:000000000000:userpool/us-east-1_AbCdEfGhI",
  issuer: "https://cognito-idp.us-east-1.amazonaws.com/us-east-1_AbCdEfGhI",
  clientIds: ["client1"],
};

describe("local Cognito authorizer", function () {
  let key: SigningKey;
  let dir: string;
  before(async () => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), "issuer-"));
    key = await loadSigningKey(dir);
  });
  after(() => fs.rmSync(dir, { recursive: true, force: true }));

  const check = (authorization: string | undefined, scopes: string[] = []) =>
    checkCognitoToken({ authorization, pools: [POOL], key, scopes });
  const now = () => Math.floor(Date.now() / 1000);
  /** A token signed by the local key with any claims. */
  const signed = (claims: Record<string, unknown>, header: Record<string, unknown> = {}) =>
    new SignJWT(claims)
      .setProtectedHeader({ alg: "RS256", kid: key.kid, ...header })
      .sign(key.privateKey);
  const idClaims = () => ({
    iss: POOL.issuer,
    aud: "client1",
    token_use: "id",
    sub: "s",
    "cognito:username": "u",
    iat: now(),
    exp: now() + 600,
  });

  it("keeps its key on disk: a second load signs with the same key", async () => {
    const again = await loadSigningKey(dir);
    expect(again.kid).to.equal(key.kid);
    expect(again.publicJwk).to.deep.equal(key.publicJwk);
    expect(fs.statSync(path.join(dir, ".local-data/auth/issuer-key.json")).mode & 0o777).to.equal(
      0o600,
    );
  });

  it("accepts an issued ID token with or without Bearer, claims as a REST API delivers them", async () => {
    const token = await issueToken(key, { pool: POOL, username: "ada" });
    for (const header of [`Bearer ${token}`, token]) {
      const outcome = await check(header);
      expect(outcome.ok, header.slice(0, 10)).to.equal(true);
    }
    const outcome = await check(token);
    if (!outcome.ok) throw new Error(outcome.reason);
    // The captured event's claims: the same names, all strings, exp and iat as dates.
    const captured = (
      capturedEvent("powertools-apigw-rest-cognito.json").requestContext.authorizer as {
        claims: Record<string, string>;
      }
    ).claims;
    expect(Object.keys(outcome.claims).sort()).to.deep.equal(Object.keys(captured).sort());
    for (const [name, value] of Object.entries(captured)) {
      const ours = outcome.claims[name]!;
      expect(typeof ours, name).to.equal("string");
      if (/^\d+$/.test(value)) expect(ours, name).to.match(/^\d+$/);
      if (name === "exp" || name === "iat") {
        expect(ours, name).to.match(
          /^(Sun|Mon|Tue|Wed|Thu|Fri|Sat) [A-Z][a-z]{2} \d{2} \d{2}:\d{2}:\d{2} UTC \d{4}$/,
        );
      }
    }
    expect(outcome.claims).to.include({
      "cognito:username": "ada",
      aud: "client1",
      token_use: "id",
    });
  });

  it("renders cognito:groups as REST APIs do: one group bare, several joined by commas", async () => {
    // No licensed capture of a REST event with cognito:groups was found (the Powertools captures
    // have no groups): the expected strings are issue 30's account of CloudWatch logs of
    // Cognito-authorized calls, not a fixture. The claim's absence for a user in no group is
    // Cognito's own documented behaviour.
    const claims = async (groups?: string[]) => {
      const outcome = await check(await issueToken(key, { pool: POOL, groups }));
      if (!outcome.ok) throw new Error(outcome.reason);
      return outcome.claims;
    };
    expect((await claims(["admin"]))["cognito:groups"]).to.equal("admin");
    expect((await claims(["admin", "staging-manager"]))["cognito:groups"]).to.equal(
      "admin,staging-manager",
    );
    expect(await claims()).to.not.have.property("cognito:groups");
    // Access tokens carry the groups too (what scoped methods take).
    const access = await check(
      await issueToken(key, { pool: POOL, groups: ["admin"], scopes: ["items/read"] }),
      ["items/read"],
    );
    expect(access.ok && access.claims["cognito:groups"]).to.equal("admin");
  });

  it("formats dates as the captured event does", () => {
    // exp 1718722804 arrived as "Tue Jun 18 15:00:04 UTC 2024".
    expect(javaDate(1718722804)).to.equal("Tue Jun 18 15:00:04 UTC 2024");
    expect(javaDate(1718636404)).to.equal("Mon Jun 17 15:00:04 UTC 2024");
  });

  const refusals: [string, () => Promise<string | undefined>, string?][] = [
    ["a missing token", async () => undefined],
    ["an empty header", async () => "Bearer "],
    ["an expired token", () => signed({ ...idClaims(), exp: now() - 1 }), EXPIRED],
    ["a not-yet-valid token", () => signed({ ...idClaims(), nbf: now() + 600 })],
    ["another issuer", () => signed({ ...idClaims(), iss: `${POOL.issuer}x` })],
    ["another app client", () => signed({ ...idClaims(), aud: "client2" })],
    [
      "an access token where ID tokens are asked",
      () => signed({ ...idClaims(), token_use: "access" }),
    ],
    [
      "a bad signature",
      async () => {
        const token = await signed(idClaims());
        const [h, p, sig] = token.split(".");
        return `${h}.${p}.${sig!.slice(0, -4)}AAAA`;
      },
    ],
    [
      "another key",
      async () =>
        new SignJWT(idClaims())
          .setProtectedHeader({ alg: "RS256", kid: key.kid })
          .sign(crypto.generateKeyPairSync("rsa", { modulusLength: 2048 }).privateKey),
    ],
    [
      "alg none",
      async () => {
        const part = (v: unknown) => Buffer.from(JSON.stringify(v)).toString("base64url");
        return `${part({ alg: "none", typ: "JWT" })}.${part(idClaims())}.`;
      },
    ],
    [
      "HS256 signed with the public key",
      async () => {
        const pem = crypto.createPublicKey(key.privateKey).export({ format: "pem", type: "spki" });
        return new SignJWT(idClaims())
          .setProtectedHeader({ alg: "HS256", kid: key.kid })
          .sign(new Uint8Array(Buffer.from(pem)));
      },
    ],
    ["garbage", async () => "Bearer not.a.jwt"],
  ];
  for (const [what, make, message] of refusals) {
    it(`refuses ${what} with 401 ${message ?? "Unauthorized"}`, async () => {
      const outcome = await check(await make());
      expect(outcome.ok).to.equal(false);
      if (!outcome.ok) expect(outcome.message).to.equal(message ?? "Unauthorized");
    });
  }

  it("scoped methods: an access token with one of the scopes passes; none, or an ID token, is refused", async () => {
    const scopes = ["items/read"];
    const read = await issueToken(key, { pool: POOL, scopes: ["items/read", "openid"] });
    expect((await check(read, scopes)).ok).to.equal(true);
    const write = await issueToken(key, { pool: POOL, scopes: ["items/write"] });
    expect(await check(write, scopes)).to.include({ ok: false, message: "Unauthorized" });
    const id = await issueToken(key, { pool: POOL });
    expect(await check(id, scopes)).to.include({ ok: false, message: "Unauthorized" });
    const outcome = await check(read, scopes);
    if (outcome.ok) {
      expect(outcome.claims).to.include({
        token_use: "access",
        client_id: "client1",
        scope: "items/read openid",
      });
    }
  });
});

describe("local SigV4 check", () => {
  const user: LocalIamUser = {
    accessKeyId: "AKIALOCALTEST0000000",
    secretAccessKey: "secret/secret/secret/secret/secret/0000",
    accountId: "000000000000",
    userArn: "arn:aws:iam::000000000000:user/t",
    userId: "AIDALOCALTEST",
  };
  const host = "127.0.0.1:4567";
  /** Signs like an AWS SDK client would, then returns what the server receives. */
  async function signedRequest(
    options: {
      secret?: string;
      host?: string;
      date?: Date;
      region?: string;
      service?: string;
      body?: string;
      /** Headers left out of SignedHeaders. */
      unsigned?: string[];
      signer?: LocalIamUser;
    } = {},
  ) {
    const who = options.signer ?? user;
    const signer = new SignatureV4({
      credentials: {
        accessKeyId: who.accessKeyId,
        secretAccessKey: options.secret ?? who.secretAccessKey,
        sessionToken: who.sessionToken,
      },
      region: options.region ?? "us-east-1",
      service: options.service ?? "execute-api",
      sha256: Sha256,
    });
    const body = options.body ?? '{"a":1}';
    const signed = await signer.sign(
      {
        method: "POST",
        protocol: "http:",
        hostname: (options.host ?? host).split(":")[0]!,
        port: Number((options.host ?? host).split(":")[1]),
        path: "/test/items/a%2Fb",
        query: { limit: "2", q: "x y" },
        headers: { host: options.host ?? host, "content-type": "application/json" },
        body,
      },
      {
        signingDate: options.date ?? new Date(),
        unsignableHeaders: new Set(options.unsigned ?? []),
      },
    );
    const headers: Record<string, string> = {};
    for (const [k, v] of Object.entries(signed.headers)) headers[k.toLowerCase()] = String(v);
    headers["host"] = host; // what arrives, whatever was signed
    return {
      method: "POST",
      rawPath: "/test/items/a%2Fb",
      query: "limit=2&q=x%20y",
      headers,
      body: Buffer.from(body),
    };
  }
  /** A role session, shaped as the captured iam-auth event's caller. */
  const session: LocalIamUser = {
    accessKeyId: "ASIALOCALTEST0000000",
    secretAccessKey: "session/session/session/session/0000000",
    sessionToken: "token-of-the-session",
    accountId: "000000000000",
    userArn: "arn:aws:sts::000000000000:assumed-role/r/s",
    userId: "AROALOCALTEST00000000:s",
  };
  const verify = (request: Awaited<ReturnType<typeof signedRequest>>) =>
    checkSigV4(request, { users: [user, session], region: "us-east-1" });

  it("accepts a role session's signature with its token, the caller as the captured event has it", async () => {
    const outcome = await verify(await signedRequest({ signer: session }));
    expect(outcome).to.deep.equal({
      ok: true,
      identity: {
        accessKey: session.accessKeyId,
        accountId: "000000000000",
        caller: session.userId,
        user: session.userId,
        userArn: session.userArn,
      },
    });
  });

  it("accepts a request signed by the SDK's signer, with the caller as API Gateway reports it", async () => {
    const outcome = await verify(await signedRequest());
    expect(outcome).to.deep.equal({
      ok: true,
      identity: {
        accessKey: user.accessKeyId,
        accountId: "000000000000",
        caller: "AIDALOCALTEST",
        user: "AIDALOCALTEST",
        userArn: user.userArn,
      },
    });
  });

  const cases: [string, () => Promise<Parameters<typeof verify>[0]>, string, RegExp][] = [
    [
      "unsigned",
      async () => ({ ...(await signedRequest()), headers: { host } }),
      "MISSING_AUTHENTICATION_TOKEN",
      /^Missing Authentication Token$/,
    ],
    [
      "a wrong secret",
      () => signedRequest({ secret: "wrong" }),
      "INVALID_SIGNATURE",
      /does not match/,
    ],
    [
      "another host",
      () => signedRequest({ host: "evil.example:4567" }),
      "INVALID_SIGNATURE",
      /does not match/,
    ],
    [
      "a changed body",
      async () => ({ ...(await signedRequest()), body: Buffer.from('{"a":2}') }),
      "INVALID_SIGNATURE",
      /does not match/,
    ],
    [
      "more than 5 minutes old",
      () => signedRequest({ date: new Date(Date.now() - MAX_SKEW_MS - 60_000) }),
      "INVALID_SIGNATURE",
      /^Signature expired: \d{8}T\d{6}Z is now earlier than/,
    ],
    [
      "more than 5 minutes ahead",
      () => signedRequest({ date: new Date(Date.now() + MAX_SKEW_MS + 60_000) }),
      "INVALID_SIGNATURE",
      /^Signature not yet current/,
    ],
    [
      "another region",
      () => signedRequest({ region: "eu-west-1" }),
      "INVALID_SIGNATURE",
      /valid region, not 'eu-west-1'/,
    ],
    [
      "another service",
      () => signedRequest({ service: "s3" }),
      "INVALID_SIGNATURE",
      /correct service: 'execute-api'/,
    ],
    [
      "an unknown key",
      async () => {
        const r = await signedRequest();
        r.headers["authorization"] = r.headers["authorization"]!.replace(
          user.accessKeyId,
          "AKIAUNKNOWN000000000",
        );
        return r;
      },
      "INVALID_SIGNATURE",
      /security token included in the request is invalid/,
    ],
    [
      "a signature whose SignedHeaders leave out host",
      () => signedRequest({ unsigned: ["host"] }),
      "INVALID_SIGNATURE",
      /^'Host' or ':authority' must be a 'SignedHeader' in the AWS Authorization\.$/,
    ],
    [
      "a role session's key without its token",
      async () => {
        const r = await signedRequest({ signer: session });
        delete r.headers["x-amz-security-token"];
        return r;
      },
      "INVALID_SIGNATURE",
      /security token included in the request is invalid/,
    ],
    [
      "a user's key with a session token",
      async () => {
        const r = await signedRequest();
        r.headers["x-amz-security-token"] = "made-up";
        return r;
      },
      "INVALID_SIGNATURE",
      /security token included in the request is invalid/,
    ],
    [
      "a bearer token",
      async () => ({ ...(await signedRequest()), headers: { host, authorization: "Bearer abc" } }),
      "INVALID_SIGNATURE",
      /requires 'Credential' parameter/,
    ],
  ];
  for (const [what, make, type, message] of cases) {
    it(`refuses ${what} with 403 ${type}`, async () => {
      const outcome = await verify(await make());
      expect(outcome.ok).to.equal(false);
      if (!outcome.ok) {
        expect(outcome.type).to.equal(type);
        expect(outcome.message).to.match(message);
      }
    });
  }
});
