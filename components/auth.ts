/**
 * Who may call the API, when the stack uses Cognito (`auth: cognito`): a user pool and an app
 * client created with secure defaults, or an existing pool given by ARN. The RestApi puts a
 * `COGNITO_USER_POOLS` authorizer for the pool on every method but CORS preflights and
 * `GET /openapi.json` (`handlers/security.ts` says which).
 */
import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import { applyTransform, type Transform } from "./transform";

/** Defaults of `CognitoAuthArgs`; the stack config (`config.ts`) falls back to the same values. */
export const COGNITO_DEFAULTS = {
  auth: "none",
  selfSignUp: false,
  passwordMinLength: 12,
  accessTokenMinutes: 60,
  idTokenMinutes: 60,
  refreshTokenDays: 30,
} as const;

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

/** Scope names of the resource server: one per method group (`handlers/security.ts`). */
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
   * `resourceServer`) the resource server and scopes are managed where the pool is.
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
  /** @default 60 (minutes, 5–1440) */
  accessTokenMinutes?: number;
  /** @default 60 (minutes, 5–1440) */
  idTokenMinutes?: number;
  /** @default 30 (days, up to 3650; must outlast the other tokens) */
  refreshTokenDays?: number;
  /**
   * Identifier of a resource server whose scopes `<id>/read` and `<id>/write` the methods require
   * (reads and writes). Callers then need access tokens from the OAuth endpoints, so a created
   * pool also gets `domainPrefix` and an authorization-code app client.
   * @default undefined (no scopes: ID tokens)
   */
  resourceServer?: string;
  /** The pool's hosted domain prefix (`https://<prefix>.auth.<region>.amazoncognito.com`). @default undefined */
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
    const stack = pulumi.getStack();
    const project = pulumi.getProject();
    if (args.resourceServer) {
      this.scopes = {
        read: [`${args.resourceServer}/${SCOPE_NAMES.read}`],
        write: [`${args.resourceServer}/${SCOPE_NAMES.write}`],
      };
    }

    if (args.userPoolArn) {
      const { region, id } = parseUserPoolArn(args.userPoolArn);
      this.resources = {};
      this.userPoolArn = pulumi.output(args.userPoolArn);
      this.userPoolId = pulumi.output(id);
      this.issuer = pulumi.output(issuerOf(region, id));
      this.clientId = pulumi.output(undefined);
      this.registerOutputs({ userPoolArn: this.userPoolArn });
      return;
    }

    const production = args.production ?? false;
    const keep = { protect: production, retainOnDelete: production };
    const userPool = new aws.cognito.UserPool(
      name,
      ...applyTransform(
        args.transform?.userPool,
        {
          name: `${project}-${stack}`,
          usernameAttributes: ["email"],
          autoVerifiedAttributes: ["email"],
          adminCreateUserConfig: { allowAdminCreateUserOnly: !(args.selfSignUp ?? false) },
          passwordPolicy: {
            minimumLength: args.passwordMinLength ?? COGNITO_DEFAULTS.passwordMinLength,
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
    if (args.resourceServer) {
      resourceServer = new aws.cognito.ResourceServer(
        `${name}-resource-server`,
        {
          userPoolId: userPool.id,
          identifier: args.resourceServer,
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
      if (args.domainPrefix) {
        domain = new aws.cognito.UserPoolDomain(
          `${name}-domain`,
          { userPoolId: userPool.id, domain: args.domainPrefix },
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
          callbackUrls: args.callbackUrls ?? [],
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
          accessTokenValidity: args.accessTokenMinutes ?? COGNITO_DEFAULTS.accessTokenMinutes,
          idTokenValidity: args.idTokenMinutes ?? COGNITO_DEFAULTS.idTokenMinutes,
          refreshTokenValidity: args.refreshTokenDays ?? COGNITO_DEFAULTS.refreshTokenDays,
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
