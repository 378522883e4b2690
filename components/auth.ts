/**
 * Who may call the API, when the stack uses Cognito (`auth: cognito`): a user pool and an app
 * client created with secure defaults, or an existing pool given by ARN. The RestApi puts a
 * `COGNITO_USER_POOLS` authorizer for the pool on every method but CORS preflights and
 * `GET /openapi.json` (`contract/security.ts` says which).
 */
import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import * as v from "valibot";
import { bool, docType, parseArgs, unsetIfEmpty } from "./schema";
import { applyTransform, type Transform } from "./transform";

/**
 * What Cognito accepts: token lifetimes of 5 minutes to a day, refresh tokens up to ten years,
 * passwords of at most 99 characters (we ask for at least 8, Cognito allows 6).
 * https://docs.aws.amazon.com/cognito-user-identity-pools/latest/APIReference/API_CreateUserPoolClient.html
 * https://docs.aws.amazon.com/cognito-user-identity-pools/latest/APIReference/API_PasswordPolicyType.html
 */
export const COGNITO_LIMITS = {
  tokenMinutes: { min: 5, max: 1440 },
  refreshTokenDays: { max: 3650 },
  passwordMinLength: { min: 8, max: 99 },
} as const;

const tokenMinutes = (what: string) =>
  v.pipe(
    v.number(`must be a number of minutes (${what})`),
    v.integer(`must be a whole number of minutes (${what})`),
    v.minValue(
      COGNITO_LIMITS.tokenMinutes.min,
      `must be at least ${COGNITO_LIMITS.tokenMinutes.min} minutes (Cognito's limit for the ${what})`,
    ),
    v.maxValue(
      COGNITO_LIMITS.tokenMinutes.max,
      `must be at most ${COGNITO_LIMITS.tokenMinutes.max} minutes, one day (Cognito's limit for the ${what})`,
    ),
    v.description(`Lifetime of the ${what}, in minutes.`),
  );

const COGNITO_SETTINGS = v.strictObject(
  {
    userPoolArn: unsetIfEmpty(
      v.pipe(
        v.string("must be a string"),
        v.regex(
          /^arn:aws[a-z-]*:cognito-idp:[a-z0-9-]+:\d{12}:userpool\/[a-z0-9-]+_[0-9a-zA-Z]+$/,
          "must be a Cognito user pool ARN (arn:aws:cognito-idp:<region>:<account>:userpool/<region>_<id>)",
        ),
        v.description(
          "An existing user pool to trust instead of creating one; its app clients, users and " +
            "scopes are managed where the pool is. Unset or empty: the stack creates a pool.",
        ),
        docType("user pool ARN, or empty"),
      ),
    ),
    selfSignUp: v.optional(
      bool("Whether anyone may sign up; off, only administrators create users."),
      false,
    ),
    passwordMinLength: v.optional(
      v.pipe(
        v.number("must be a number of characters"),
        v.integer("must be a whole number of characters"),
        v.minValue(
          COGNITO_LIMITS.passwordMinLength.min,
          `must be at least ${COGNITO_LIMITS.passwordMinLength.min} (a strong password policy; Cognito allows 6)`,
        ),
        v.maxValue(
          COGNITO_LIMITS.passwordMinLength.max,
          `must be at most ${COGNITO_LIMITS.passwordMinLength.max} (Cognito's limit)`,
        ),
        v.description(
          "Minimum password length; upper case, lower case, digits and symbols are always required.",
        ),
      ),
      12,
    ),
    accessTokenMinutes: v.optional(tokenMinutes("access token"), 60),
    idTokenMinutes: v.optional(tokenMinutes("ID token"), 60),
    refreshTokenDays: v.optional(
      v.pipe(
        v.number("must be a number of days"),
        v.integer("must be a whole number of days"),
        v.minValue(1, "must be at least 1 day"),
        v.maxValue(
          COGNITO_LIMITS.refreshTokenDays.max,
          `must be at most ${COGNITO_LIMITS.refreshTokenDays.max} days (Cognito's limit: ten years)`,
        ),
        v.description("Lifetime of the refresh token, in days; it must outlast the other two."),
      ),
      30,
    ),
    resourceServer: unsetIfEmpty(
      v.pipe(
        v.string("must be a string"),
        v.regex(
          /^[\x21\x23-\x5B\x5D-\x7E]{1,256}$/,
          "must be 1–256 printable characters without spaces, quotes or backslashes (Cognito's rule for resource server identifiers)",
        ),
        v.description(
          "Identifier of a resource server whose scopes `<id>/read` and `<id>/write` the reads " +
            "and writes require. Callers then need access tokens from the OAuth endpoints, so a " +
            "created pool also needs `domainPrefix`. Unset or empty: no scopes, ID tokens.",
        ),
        docType("identifier, or empty"),
      ),
    ),
    domainPrefix: unsetIfEmpty(
      v.pipe(
        v.string("must be a string"),
        v.regex(
          /^[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?$/,
          "must be 1–63 lower-case letters, digits and hyphens, not starting or ending with a hyphen",
        ),
        v.check(
          (prefix) => !/aws|amazon|cognito/.test(prefix),
          'must not contain "aws", "amazon" or "cognito" (Cognito refuses such domains)',
        ),
        v.description(
          "The pool's hosted domain prefix (`https://<prefix>.auth.<region>.amazoncognito.com`), " +
            "whose OAuth endpoints issue scoped access tokens.",
        ),
        docType('`[a-z0-9-]{1,63}` without "aws", "amazon" or "cognito", or empty'),
      ),
    ),
    callbackUrls: v.optional(
      v.pipe(
        v.array(v.string("must be a list of URLs"), "must be a list of URLs"),
        v.description("Where the OAuth code flow may return to (the browser app's origins)."),
      ),
      [],
    ),
    production: v.optional(
      bool(
        "Deletion protection on the pool, plus Pulumi `protect` and `retainOnDelete`: the users live here.",
      ),
      false,
    ),
  },
  "must be a map of settings",
);

const MINUTES_PER_DAY = 24 * 60;
const REFRESH_FIRST = "Cognito refuses a refresh token that expires first";

/**
 * The plain settings of `CognitoAuthArgs`: their types, allowed values and defaults, and what
 * Cognito refuses across them. The component checks its args with it, and the stack config's
 * `cognito` group (plus `production`; `callbackUrls` come from `corsAllowOrigins`) is this schema.
 * With an existing pool (`userPoolArn`) the stack creates nothing, so the rules between the
 * settings of a created pool do not apply.
 */
export const CognitoAuthArgsSchema = v.pipe(
  COGNITO_SETTINGS,
  // Cognito refuses a refresh token that expires before a token it renews.
  v.forward(
    v.partialCheck(
      [["userPoolArn"], ["refreshTokenDays"], ["accessTokenMinutes"]],
      (s) => !!s.userPoolArn || s.refreshTokenDays * MINUTES_PER_DAY > s.accessTokenMinutes,
      (issue) =>
        `must outlast accessTokenMinutes (${issue.input.accessTokenMinutes} minutes): ${REFRESH_FIRST}`,
    ),
    ["refreshTokenDays"],
  ),
  v.forward(
    v.partialCheck(
      [["userPoolArn"], ["refreshTokenDays"], ["idTokenMinutes"]],
      (s) => !!s.userPoolArn || s.refreshTokenDays * MINUTES_PER_DAY > s.idTokenMinutes,
      (issue) =>
        `must outlast idTokenMinutes (${issue.input.idTokenMinutes} minutes): ${REFRESH_FIRST}`,
    ),
    ["refreshTokenDays"],
  ),
  v.forward(
    v.partialCheck(
      [["userPoolArn"], ["resourceServer"], ["domainPrefix"]],
      (s) => !!s.userPoolArn || !s.resourceServer || !!s.domainPrefix,
      "must be set with resourceServer: access tokens with custom scopes come only from the " +
        "user pool's OAuth endpoints, on its domain",
    ),
    ["domainPrefix"],
  ),
);

/** Scope names of the resource server: one per method group (`contract/security.ts`). */
export const SCOPE_NAMES = { read: "read", write: "write" } as const;

/** A user pool ARN's region and id: `arn:<partition>:cognito-idp:<region>:<account>:userpool/<id>`. */
export function parseUserPoolArn(arn: string): { region: string; id: string } {
  const m = /^arn:[a-z-]+:cognito-idp:([a-z0-9-]+):\d{12}:userpool\/(.+)$/.exec(arn);
  if (!m) throw new Error(`"${arn}" is not a Cognito user pool ARN`);
  return { region: m[1]!, id: m[2]! };
}

/** The `iss` of the pool's tokens. China's regions answer on amazonaws.com.cn. */
export function issuerOf(region: string, userPoolId: string): string {
  const dns = region.startsWith("cn-") ? "amazonaws.com.cn" : "amazonaws.com";
  return `https://cognito-idp.${region}.${dns}/${userPoolId}`;
}

export interface CognitoAuthArgs {
  /**
   * An existing user pool to trust instead of creating one. Its app clients, users and (with
   * `resourceServer`) the resource server and scopes are managed where the pool is. `""` is the
   * same as unset.
   * @default undefined (the stack creates a pool)
   */
  userPoolArn?: string;
  /**
   * Whether anyone may sign up. Off, only administrators create users.
   * @default false
   */
  selfSignUp?: boolean;
  /**
   * Minimum password length; upper case, lower case, digits and symbols are always required.
   * @default 12
   */
  passwordMinLength?: number;
  /**
   * Lifetime of the access token, in minutes (5–1440).
   * @default 60
   */
  accessTokenMinutes?: number;
  /**
   * Lifetime of the ID token, in minutes (5–1440).
   * @default 60
   */
  idTokenMinutes?: number;
  /**
   * Lifetime of the refresh token, in days (1–3650); it must outlast the other two.
   * @default 30
   */
  refreshTokenDays?: number;
  /**
   * Identifier of a resource server whose scopes `<id>/read` and `<id>/write` the methods require
   * (reads and writes). Callers then need access tokens from the OAuth endpoints, so a created
   * pool also needs `domainPrefix`, and gets an authorization-code app client.
   * @default undefined (no scopes: ID tokens)
   */
  resourceServer?: string;
  /**
   * The pool's hosted domain prefix (`https://<prefix>.auth.<region>.amazoncognito.com`); required
   * with `resourceServer` on a pool the stack creates.
   * @default undefined
   */
  domainPrefix?: string;
  /** Where the OAuth code flow may return to (the browser app's origins). @default [] */
  callbackUrls?: string[];
  /**
   * Deletion protection on the pool, plus Pulumi `protect` and `retainOnDelete`: the users live
   * here.
   * @default false
   */
  production?: boolean;
  /** Adjust the underlying resources' args. @default undefined */
  transform?: {
    userPool?: Transform<aws.cognito.UserPoolArgs>;
    userPoolClient?: Transform<aws.cognito.UserPoolClientArgs>;
  };
}

/**
 * A Cognito user pool and app client for the API.
 *
 * @example
 * ```ts
 * const auth = new CognitoAuth("auth", {});
 * new RestApi("api", { function: fn, cognitoUserPoolArns: [auth.userPoolArn], security: { auth: "cognito", apiKey: false } });
 * ```
 * @example
 * Trust an existing pool, with read and write scopes defined there.
 * ```ts
 * new CognitoAuth("auth", { userPoolArn: "arn:aws:cognito-idp:us-east-1:123456789012:userpool/us-east-1_AbC", resourceServer: "items" });
 * ```
 */
export class CognitoAuth extends pulumi.ComponentResource {
  public readonly userPoolArn: pulumi.Output<string>;
  public readonly userPoolId: pulumi.Output<string>;
  /** The issuer (`iss`) of the pool's tokens. */
  public readonly issuer: pulumi.Output<string>;
  /** The app client this stack created, when it created the pool. */
  public readonly clientId: pulumi.Output<string | undefined>;
  /** The scopes each method group requires, when `resourceServer` is set. */
  public readonly scopes?: { read: string[]; write: string[] };
  private readonly resources: {
    userPool?: aws.cognito.UserPool;
    userPoolClient?: aws.cognito.UserPoolClient;
    resourceServer?: aws.cognito.ResourceServer;
    domain?: aws.cognito.UserPoolDomain;
  };

  constructor(name: string, args: CognitoAuthArgs, opts?: pulumi.ComponentResourceOptions) {
    super("lambda-apigateway:cognito:CognitoAuth", name, {}, opts);
    const settings = parseArgs(CognitoAuthArgsSchema, args, `CognitoAuth "${name}"`);
    const stack = pulumi.getStack();
    const project = pulumi.getProject();
    if (settings.resourceServer) {
      this.scopes = {
        read: [`${settings.resourceServer}/${SCOPE_NAMES.read}`],
        write: [`${settings.resourceServer}/${SCOPE_NAMES.write}`],
      };
    }

    if (settings.userPoolArn) {
      const { region, id } = parseUserPoolArn(settings.userPoolArn);
      this.resources = {};
      this.userPoolArn = pulumi.output(settings.userPoolArn);
      this.userPoolId = pulumi.output(id);
      this.issuer = pulumi.output(issuerOf(region, id));
      this.clientId = pulumi.output(undefined);
      this.registerOutputs({ userPoolArn: this.userPoolArn });
      return;
    }

    const production = settings.production;
    const keep = { protect: production, retainOnDelete: production };
    const userPool = new aws.cognito.UserPool(
      name,
      ...applyTransform(
        args.transform?.userPool,
        {
          name: `${project}-${stack}`,
          usernameAttributes: ["email"],
          autoVerifiedAttributes: ["email"],
          adminCreateUserConfig: { allowAdminCreateUserOnly: !settings.selfSignUp },
          passwordPolicy: {
            minimumLength: settings.passwordMinLength,
            requireLowercase: true,
            requireUppercase: true,
            requireNumbers: true,
            requireSymbols: true,
            temporaryPasswordValidityDays: 3,
          },
          // Users may add an authenticator app; Cognito needs the TOTP setting for OPTIONAL.
          mfaConfiguration: "OPTIONAL",
          softwareTokenMfaConfiguration: { enabled: true },
          accountRecoverySetting: {
            recoveryMechanisms: [{ name: "verified_email", priority: 1 }],
          },
          deletionProtection: production ? "ACTIVE" : "INACTIVE",
        },
        { parent: this, ...keep },
      ),
    );

    let resourceServer: aws.cognito.ResourceServer | undefined;
    let domain: aws.cognito.UserPoolDomain | undefined;
    if (settings.resourceServer) {
      resourceServer = new aws.cognito.ResourceServer(
        `${name}-resource-server`,
        {
          userPoolId: userPool.id,
          identifier: settings.resourceServer,
          name: `${project}-${stack}`,
          scopes: [
            { scopeName: SCOPE_NAMES.read, scopeDescription: "Read items (GET)" },
            {
              scopeName: SCOPE_NAMES.write,
              scopeDescription: "Change items (POST, PUT, PATCH, DELETE)",
            },
          ],
        },
        { parent: this },
      );
      if (settings.domainPrefix) {
        domain = new aws.cognito.UserPoolDomain(
          `${name}-domain`,
          { userPoolId: userPool.id, domain: settings.domainPrefix },
          { parent: this },
        );
      }
    }

    const oauth = resourceServer
      ? {
          allowedOauthFlowsUserPoolClient: true,
          allowedOauthFlows: ["code"],
          // The resource server's output, so the client is created after its scopes exist.
          allowedOauthScopes: resourceServer.scopeIdentifiers.apply((ids) => ["openid", ...ids]),
          callbackUrls: settings.callbackUrls,
          supportedIdentityProviders: ["COGNITO"],
        }
      : {};
    const userPoolClient = new aws.cognito.UserPoolClient(
      name,
      ...applyTransform(
        args.transform?.userPoolClient,
        {
          name: `${project}-${stack}`,
          userPoolId: userPool.id,
          // A browser or CLI client: no secret it could not keep.
          generateSecret: false,
          // SRP only: passwords never travel, not even to Cognito.
          explicitAuthFlows: ["ALLOW_USER_SRP_AUTH", "ALLOW_REFRESH_TOKEN_AUTH"],
          preventUserExistenceErrors: "ENABLED",
          enableTokenRevocation: true,
          accessTokenValidity: settings.accessTokenMinutes,
          idTokenValidity: settings.idTokenMinutes,
          refreshTokenValidity: settings.refreshTokenDays,
          tokenValidityUnits: { accessToken: "minutes", idToken: "minutes", refreshToken: "days" },
          ...oauth,
        },
        { parent: this },
      ),
    );

    this.resources = { userPool, userPoolClient, resourceServer, domain };
    this.userPoolArn = userPool.arn;
    this.userPoolId = userPool.id;
    this.issuer = pulumi
      .all([aws.getRegionOutput({}, { parent: this }).region, userPool.id])
      .apply(([region, id]) => issuerOf(region, id));
    this.clientId = userPoolClient.id;
    this.registerOutputs({ userPoolArn: this.userPoolArn, clientId: this.clientId });
  }

  /** The underlying resources, for reading any property the component does not re-export. */
  public get nodes() {
    return this.resources;
  }
}
