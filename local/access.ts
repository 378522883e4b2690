/**
 * What API Gateway checks between finding a method and calling its integration, in its order:
 *
 * 1. the method's authorization: a Cognito user pool token (401) or a SigV4 signature (403);
 * 2. the API key, when the method requires one (403 `Forbidden`, INVALID_API_KEY): the
 *    `x-api-key` header (API key source HEADER) must be an enabled key of a usage plan that
 *    covers the stage;
 * 3. that plan's throttle (429 THROTTLED) and quota (429 QUOTA_EXCEEDED, `Limit Exceeded`), per key;
 * 4. the stage's method throttling (429 `Too Many Requests`), per method.
 *
 * Authorization comes before the key because a key can come from an authorizer (API key source
 * AUTHORIZER), and the usage plan's limits apply to the key once it is known. Throttling
 * (steps 3 and 4) can be turned off for local load tests.
 */
import type { APIGatewayEventIdentity } from "aws-lambda";
import { checkCognitoToken } from "./auth/cognito";
import type { LocalUserPool, SigningKey } from "./auth/issuer";
import { checkSigV4, type LocalIamUser } from "./auth/sigv4";
import type { MethodModel, RestApiModel, StageModel } from "./model";
import { Buckets, QuotaCounters } from "./throttle";

export interface Refusal {
  /** API Gateway's response type, e.g. `UNAUTHORIZED`. */
  type: string;
  status: number;
  message: string;
  /** `x-amzn-ErrorType`. */
  errorType?: string;
  /** Why, for the local cloud's request log (never sent). */
  note: string;
}

export interface Granted {
  /** `requestContext.authorizer` (Cognito: `{claims}`). */
  authorizer?: { claims: Record<string, string> };
  /** Fields of `requestContext.identity` API Gateway fills in (IAM caller, API key). */
  identity?: Partial<APIGatewayEventIdentity>;
}

export interface AccessRequest {
  method: MethodModel;
  stage: StageModel;
  /** The matched resource's path, e.g. `/items/{id}`. */
  resourcePath: string;
  httpMethod: string;
  rawPath: string;
  query: string;
  headers: Record<string, string | string[] | undefined>;
  body: Buffer;
}

export interface AccessOptions {
  api: RestApiModel;
  userPools: readonly LocalUserPool[];
  /** The local issuer's key; needed when a method uses a Cognito authorizer. */
  signingKey?: SigningKey;
  iamUsers: readonly LocalIamUser[];
  region: string;
  /** Enforce stage and usage plan throttling and quotas. */
  throttle: boolean;
}

const header = (headers: AccessRequest["headers"], name: string) => {
  const v = headers[name];
  return Array.isArray(v) ? v[0] : v;
};

export class AccessControl {
  private readonly buckets = new Buckets();
  private readonly quotas = new QuotaCounters();

  constructor(private readonly options: AccessOptions) {}

  async check(req: AccessRequest): Promise<Refusal | Granted> {
    const granted: Granted = {};
    const { method } = req;

    if (method.authorization === "COGNITO_USER_POOLS") {
      const pools = this.options.userPools.filter((p) => method.providerArns.includes(p.arn));
      if (!this.options.signingKey) throw new Error("the local issuer's key is not loaded");
      const outcome = await checkCognitoToken({
        authorization: header(req.headers, "authorization"),
        pools,
        key: this.options.signingKey,
        scopes: method.authorizationScopes,
      });
      if (!outcome.ok) {
        return {
          type: "UNAUTHORIZED",
          status: 401,
          message: outcome.message,
          note: outcome.reason,
        };
      }
      granted.authorizer = { claims: outcome.claims };
    } else if (method.authorization === "AWS_IAM") {
      const outcome = await checkSigV4(
        {
          method: req.httpMethod,
          rawPath: req.rawPath,
          query: req.query,
          headers: req.headers,
          body: req.body,
        },
        { users: this.options.iamUsers, region: this.options.region },
      );
      if (!outcome.ok) {
        return {
          type: outcome.type,
          status: 403,
          message: outcome.message,
          errorType: outcome.errorType,
          note: outcome.message,
        };
      }
      granted.identity = { ...outcome.identity };
    }

    let plan: RestApiModel["usagePlans"][number] | undefined;
    let keyId: string | undefined;
    if (method.apiKeyRequired) {
      const value = header(req.headers, "x-api-key");
      const found = value
        ? this.options.api.usagePlans
            .filter((p) => p.stages.some((s) => s.name === req.stage.name))
            .flatMap((p) => p.keys.filter((k) => k.value === value).map((k) => ({ p, k })))
            .find(({ k }) => k.enabled)
        : undefined;
      if (!found) {
        return {
          type: "INVALID_API_KEY",
          status: 403,
          message: "Forbidden",
          errorType: "ForbiddenException",
          note: value ? "(unknown or disabled API key)" : "(no x-api-key header)",
        };
      }
      plan = found.p;
      keyId = found.k.id;
      granted.identity = { ...granted.identity, apiKey: found.k.value, apiKeyId: found.k.id };
    }
    if (!this.options.throttle) return granted;

    const methodKey = `${req.resourcePath} ${req.httpMethod}`;
    if (plan && keyId) {
      const stage = plan.stages.find((s) => s.name === req.stage.name);
      const limit = stage?.methods[methodKey] ?? plan.throttle;
      const bucket = stage?.methods[methodKey] ? `${methodKey}` : "*";
      if (limit && !this.buckets.take(`plan ${plan.id} key ${keyId} ${bucket}`, limit)) {
        return tooMany(`(usage plan ${plan.name}: ${limit.rate}/s, burst ${limit.burst})`);
      }
      if (plan.quota && !this.quotas.take(`plan ${plan.id} key ${keyId}`, plan.quota)) {
        return {
          type: "QUOTA_EXCEEDED",
          status: 429,
          message: "Limit Exceeded",
          errorType: "LimitExceededException",
          note: `(usage plan ${plan.name}: quota of ${plan.quota.limit} per ${plan.quota.period})`,
        };
      }
    }
    const limit = req.stage.throttle.methods[methodKey] ?? req.stage.throttle.default;
    if (limit && !this.buckets.take(`stage ${req.stage.name} ${methodKey}`, limit)) {
      return tooMany(
        `(stage ${req.stage.name} ${methodKey}: ${limit.rate}/s, burst ${limit.burst})`,
      );
    }
    return granted;
  }
}

const tooMany = (note: string): Refusal => ({
  type: "THROTTLED",
  status: 429,
  message: "Too Many Requests",
  errorType: "TooManyRequestsException",
  note,
});

export const isRefusal = (outcome: Refusal | Granted): outcome is Refusal => "status" in outcome;
