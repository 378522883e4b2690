/**
 * A caller with Cognito identity pool credentials (Amplify's pattern): the user signs in to a user
 * pool, the identity pool swaps the ID token for an identity and temporary credentials of its
 * authenticated role, and the app signs its API calls with those. For an `AWS_IAM` method API
 * Gateway then fills four more fields of `requestContext.identity`.
 *
 * Their formats follow the API Gateway developer guide's `$context.identity.*` reference (no
 * capture with a licence that lets us keep it was found; see `local/fixtures/events/README.md`):
 * - `cognitoIdentityPoolId`, `cognitoIdentityId`: `<region>:<uuid>` (the identity pool and the
 *   caller's identity in it);
 * - `cognitoAuthenticationType`: `authenticated` or `unauthenticated`;
 * - `cognitoAuthenticationProvider`: a comma-separated list of the providers the identity signed
 *   in with; for a user pool `cognito-idp.<region>.amazonaws.com/<pool id>,` followed by
 *   `cognito-idp.<region>.amazonaws.com/<pool id>:CognitoSignIn:<sub>`.
 *
 * The role session of such credentials is named `CognitoIdentityCredentials` (the assumed-role
 * ARN in aws-amplify/amplify-js#1643's AccessDenied message), so `caller` and `user` are
 * `<role id>:CognitoIdentityCredentials`.
 */
import { stableUuid } from "./issuer";

/** The fields API Gateway fills for a caller signing with identity pool credentials. */
export interface CognitoIdentityFields {
  cognitoIdentityPoolId: string;
  cognitoIdentityId: string;
  cognitoAuthenticationType: "authenticated" | "unauthenticated";
  /** `null` for an unauthenticated (guest) identity: it signed in with no provider. */
  cognitoAuthenticationProvider: string | null;
}

/** What the identity pool hands out credentials for. */
export interface IdentityPoolSignIn {
  region: string;
  /** The identity pool, e.g. `eu-west-1:<uuid>`. */
  identityPoolId: string;
  /** The user pool's issuer (`https://cognito-idp.<region>.amazonaws.com/<pool id>`). */
  userPoolIssuer: string;
  /** The user's `sub` in that pool. */
  sub: string;
}

/** The session name Cognito gives the role sessions of identity pool credentials. */
export const IDENTITY_POOL_SESSION_NAME = "CognitoIdentityCredentials";

/** An identity pool id (`<region>:<uuid>`), stable for the same name. */
export const identityPoolIdOf = (region: string, name: string) =>
  `${region}:${stableUuid(`identity pool\0${name}`)}`;

/** The fields of a user pool user signed in through the identity pool (an `authenticated` identity). */
export function authenticatedIdentity(signIn: IdentityPoolSignIn): CognitoIdentityFields {
  // The provider name of a user pool is its issuer without the scheme (the Logins map's key).
  const provider = signIn.userPoolIssuer.replace(/^https:\/\//, "");
  return {
    cognitoIdentityPoolId: signIn.identityPoolId,
    // One identity per user and pool: the same user gets the same identity id each time.
    cognitoIdentityId: `${signIn.region}:${stableUuid(`${signIn.identityPoolId}\0${provider}\0${signIn.sub}`)}`,
    cognitoAuthenticationType: "authenticated",
    cognitoAuthenticationProvider: `${provider},${provider}:CognitoSignIn:${signIn.sub}`,
  };
}
