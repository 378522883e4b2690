/**
 * The security posture of the stack as plain functions over `(type, props)`, so the policy pack
 * (`index.ts`) and unit tests run the same code. Each rule returns its violations; none means pass.
 *
 * Values computed from resources not yet created are unknown during `pulumi preview`; the policy
 * SDK turns a rule's read of one into an advisory "can't run during preview", and `pulumi up`
 * runs the rule again with every value known.
 */
/* eslint-disable @typescript-eslint/no-explicit-any -- resource props are untyped data */

export type Props = Record<string, any>;

/** A resource as a stack rule sees it: its type, its properties, and a name to report. */
export interface StackResource {
  type: string;
  props: Props;
  /** URN (or logical name) the violation is reported against. */
  urn?: string;
}

export interface Violation {
  message: string;
  /** The offending resource, for stack rules. */
  urn?: string;
}

export interface ResourceRule {
  name: string;
  description: string;
  check: (type: string, props: Props) => string[];
}

export interface StackRule {
  name: string;
  description: string;
  check: (resources: readonly StackResource[]) => Violation[];
}

const TYPES = {
  table: "aws:dynamodb/table:Table",
  logGroup: "aws:cloudwatch/logGroup:LogGroup",
  restApi: "aws:apigateway/restApi:RestApi",
  method: "aws:apigateway/method:Method",
  stage: "aws:apigateway/stage:Stage",
  methodSettings: "aws:apigateway/methodSettings:MethodSettings",
  usagePlan: "aws:apigateway/usagePlan:UsagePlan",
  permission: "aws:lambda/permission:Permission",
  role: "aws:iam/role:Role",
  roleAttachment: "aws:iam/rolePolicyAttachment:RolePolicyAttachment",
  function: "aws:lambda/function:Function",
  metricAlarm: "aws:cloudwatch/metricAlarm:MetricAlarm",
  alias: "aws:lambda/alias:Alias",
  deploymentGroup: "aws:codedeploy/deploymentGroup:DeploymentGroup",
  domainName: "aws:apigateway/domainName:DomainName",
  domainNameV2: "aws:apigatewayv2/domainName:DomainName",
};

// Resources that carry IAM permission documents, and the props that hold them.
const POLICY_DOCUMENTS: Record<string, (props: Props) => unknown[]> = {
  "aws:iam/rolePolicy:RolePolicy": (p) => [p.policy],
  "aws:iam/policy:Policy": (p) => [p.policy],
  "aws:iam/userPolicy:UserPolicy": (p) => [p.policy],
  "aws:iam/groupPolicy:GroupPolicy": (p) => [p.policy],
  "aws:iam/role:Role": (p) => (p.inlinePolicies ?? []).map((i: Props) => i?.policy),
};

const asList = (v: unknown): unknown[] => (v === undefined ? [] : Array.isArray(v) ? v : [v]);

/**
 * Whether an IAM resource reaches more than named resources: `*`, a wildcard service, region or
 * account, or a wildcard right after the resource type (`table/*`, `log-group:*`). A wildcard
 * further in, under a named resource (`table/items/index/*`, `log-group:/aws/lambda/fn:*`), is
 * how IAM names the parts of that one resource, and passes.
 */
export function isWildcardResource(resource: string): boolean {
  if (resource === "*") return true;
  const parts = resource.split(":");
  if (parts[0] !== "arn" || parts.length < 6) return resource.includes("*");
  const [, partition, service, region, account] = parts as [string, string, string, string, string];
  if ([partition, service, region, account].some((p) => p.includes("*"))) return true;
  const rest = parts.slice(5).join(":");
  const afterType = rest.replace(/^[A-Za-z0-9_-]+[/:]/, "");
  return rest.startsWith("*") || afterType.startsWith("*");
}

/** Whether an IAM action grants more than one named action (`*`, `dynamodb:*`, `s3:Get*`). */
export function isWildcardAction(action: string): boolean {
  return action.includes("*") || action.includes("?");
}

function statementsOf(document: unknown): Props[] | undefined {
  if (document === undefined || document === null) return undefined; // unknown in preview
  let doc: any = document;
  if (typeof document === "string") {
    try {
      doc = JSON.parse(document);
    } catch {
      return [{ __invalid: true }];
    }
  }
  return asList(doc?.Statement) as Props[];
}

export const noIamWildcard: ResourceRule = {
  name: "no-iam-wildcard",
  description:
    "IAM policies name their actions and resources: no `*` action or resource, no NotAction or NotResource.",
  check(type, props) {
    const documents = POLICY_DOCUMENTS[type]?.(props) ?? [];
    const violations: string[] = [];
    for (const document of documents) {
      for (const s of statementsOf(document) ?? []) {
        if (s.__invalid) {
          violations.push("The policy is not valid JSON; write it with pulumi.jsonStringify.");
          continue;
        }
        if (s.Effect === "Deny") continue; // a broad deny only narrows access
        const sid = s.Sid ? `Statement "${s.Sid}"` : "A statement";
        if (s.NotAction !== undefined) {
          violations.push(`${sid} uses NotAction, which allows every other action: list actions.`);
        }
        if (s.NotResource !== undefined) {
          violations.push(`${sid} uses NotResource: list the resources it may touch.`);
        }
        for (const a of asList(s.Action).map(String).filter(isWildcardAction)) {
          violations.push(`${sid} allows action "${a}": list the actions the code calls.`);
        }
        for (const r of asList(s.Resource).map(String).filter(isWildcardResource)) {
          violations.push(`${sid} allows resource "${r}": name the ARNs it needs.`);
        }
      }
    }
    return violations;
  },
};

/** KMS actions that use a key's material, the calls a service such as DynamoDB makes for a caller. */
const KMS_KEY_USE = /^kms:(Decrypt|Encrypt|GenerateDataKey\w*|ReEncrypt\w*)$/i;

/** The `kms:ViaService` value(s) a statement's condition requires, under any string operator. */
function viaServiceOf(statement: Props): unknown {
  const conditions = (statement.Condition ?? {}) as Record<string, Record<string, unknown>>;
  return Object.entries(conditions)
    .filter(([operator]) => /^String(Equals|Like)(IgnoreCase)?$/.test(operator))
    .map(([, keys]) =>
      Object.entries(keys ?? {}).find(([key]) => key.toLowerCase() === "kms:viaservice"),
    )
    .find((entry) => entry !== undefined)?.[1];
}

export const kmsKeysOnlyThroughAService: ResourceRule = {
  name: "kms-keys-only-through-a-service",
  description:
    "A grant to use a KMS key (Decrypt, Encrypt, GenerateDataKey*, ReEncrypt*) holds only through " +
    "a service (a kms:ViaService condition): the stack's code calls DynamoDB, never KMS itself.",
  check(type, props) {
    const violations: string[] = [];
    for (const document of POLICY_DOCUMENTS[type]?.(props) ?? []) {
      for (const s of statementsOf(document) ?? []) {
        if (s.__invalid || s.Effect !== "Allow") continue;
        const uses = asList(s.Action)
          .map(String)
          .filter((a) => KMS_KEY_USE.test(a));
        if (uses.length === 0 || viaServiceOf(s) !== undefined) continue;
        const sid = s.Sid ? `Statement "${s.Sid}"` : "A statement";
        violations.push(
          `${sid} allows ${uses.join(", ")} without a kms:ViaService condition: add ` +
            '"Condition": {"StringEquals": {"kms:ViaService": "<service>.<region>.amazonaws.com"}}, ' +
            "so the key serves only the service that encrypts with it.",
        );
      }
    }
    return violations;
  },
};

/**
 * AWS managed policies the stack may attach, each only to a role one service assumes: those whose
 * actions AWS offers no way to scope to a resource. X-Ray's write actions take no resource, and
 * API Gateway's account-wide CloudWatch role writes every API's logs in the region (bootstrap/).
 * Anything else, `AdministratorAccess` included, would bypass the no-wildcard rule, which reads only
 * the documents the stack writes itself.
 */
export const ALLOWED_MANAGED_POLICIES: Readonly<Record<string, { service: string; on: string }>> = {
  AWSXRayDaemonWriteAccess: {
    service: "lambda.amazonaws.com",
    on: "the role of a Lambda function with active tracing",
  },
  AmazonAPIGatewayPushToCloudWatchLogs: {
    service: "apigateway.amazonaws.com",
    on: "API Gateway's CloudWatch role (a role only apigateway.amazonaws.com assumes)",
  },
  // What CodeDeploy needs to shift a Lambda alias is CodeDeploy's to define, and AWS has changed
  // it before (v3, 2019, added lambda:GetProvisionedConcurrencyConfig): a copy written out here
  // would break promotion the day CodeDeploy needs one more action.
  AWSCodeDeployRoleForLambda: {
    service: "codedeploy.amazonaws.com",
    on: "CodeDeploy's service role (a role only codedeploy.amazonaws.com assumes)",
  },
};

/**
 * The name of an AWS managed policy from its ARN, in any partition (`arn:aws:`, `arn:aws-cn:`,
 * `arn:aws-us-gov:`), or undefined for a customer policy or anything else.
 */
export function managedPolicyName(arn: string): string | undefined {
  return /^arn:aws(?:-[a-z]+)*:iam::aws:policy\/(?:.+\/)?([^/]+)$/.exec(arn)?.[1];
}

// Resources that attach managed policies, and the props that name them.
const POLICY_ATTACHMENTS: Record<string, (props: Props) => unknown[]> = {
  "aws:iam/rolePolicyAttachment:RolePolicyAttachment": (p) => [p.policyArn],
  "aws:iam/userPolicyAttachment:UserPolicyAttachment": (p) => [p.policyArn],
  "aws:iam/groupPolicyAttachment:GroupPolicyAttachment": (p) => [p.policyArn],
  "aws:iam/policyAttachment:PolicyAttachment": (p) => [p.policyArn],
  "aws:iam/role:Role": (p) => asList(p.managedPolicyArns),
};

const allowedName = (arn: string): string | undefined => {
  const name = managedPolicyName(arn);
  return name !== undefined && Object.prototype.hasOwnProperty.call(ALLOWED_MANAGED_POLICIES, name)
    ? name
    : undefined;
};

export const onlyAllowedManagedPolicies: ResourceRule = {
  name: "only-allowed-managed-policies",
  description:
    "Managed policies are attached only where AWS cannot scope the actions or owns what they " +
    "must be (X-Ray, API Gateway's CloudWatch role, CodeDeploy's Lambda role); everything else " +
    "is written out.",
  check(type, props) {
    const onRole = type === TYPES.role || type === TYPES.roleAttachment;
    return (POLICY_ATTACHMENTS[type]?.(props) ?? []).map(String).flatMap((arn) => {
      if (allowedName(arn) === undefined) {
        return [
          `Attaches managed policy "${arn}", whose rights this pack cannot check: write the statements the code needs instead.`,
        ];
      }
      // Which role it may sit on is the stack rule's business; users and groups never qualify.
      return onRole
        ? []
        : [`Attaches "${arn}" other than to one role: attach it with a RolePolicyAttachment.`];
    });
  },
};

/** The services a role's trust policy lets assume it, or undefined if unknown (preview). */
function trustedServices(role: StackResource): string[] | undefined {
  const statements = statementsOf(role.props.assumeRolePolicy);
  if (statements === undefined) return undefined;
  return statements
    .filter((s) => s.Effect === "Allow")
    .flatMap((s) => asList(s.Principal?.Service).map(String));
}

export const managedPoliciesOnTheirRoles: StackRule = {
  name: "managed-policies-on-their-roles",
  description:
    "Each allowed managed policy sits only on the role it exists for: X-Ray's on a traced Lambda " +
    "function's role, API Gateway's logging policy on a role only API Gateway assumes, " +
    "CodeDeploy's on a role only CodeDeploy assumes.",
  check(resources) {
    const roles = resources.filter((r) => r.type === TYPES.role);
    const violations: Violation[] = [];
    const uses: { urn?: string; name: string; arn: string; role?: StackResource; ref: unknown }[] =
      [];
    for (const r of resources) {
      if (r.type === TYPES.roleAttachment) {
        const name = allowedName(String(r.props.policyArn));
        if (!name) continue;
        const ref = r.props.role;
        const role = roles.find(
          (x) => ref !== undefined && (x.props.name === ref || x.props.arn === ref),
        );
        uses.push({ urn: r.urn, name, arn: String(r.props.policyArn), role, ref });
      } else if (r.type === TYPES.role) {
        for (const arn of asList(r.props.managedPolicyArns).map(String)) {
          const name = allowedName(arn);
          if (name) uses.push({ urn: r.urn, name, arn, role: r, ref: r.props.name });
        }
      }
    }
    for (const use of uses) {
      const expected = ALLOWED_MANAGED_POLICIES[use.name]!;
      if (!use.role) {
        if (use.ref === undefined) continue; // unknown during preview
        violations.push({
          urn: use.urn,
          message:
            `Attaches "${use.arn}" to role "${String(use.ref)}", which this stack does not declare, ` +
            `so nothing shows who assumes it: attach it only to ${expected.on}.`,
        });
        continue;
      }
      const services = trustedServices(use.role);
      if (services === undefined) continue; // unknown during preview
      if (services.length !== 1 || services[0] !== expected.service) {
        violations.push({
          urn: use.urn,
          message:
            `Attaches "${use.arn}" to a role that ${services.length ? services.join(", ") : "no service"} ` +
            `may assume: it belongs only on ${expected.on}.`,
        });
        continue;
      }
      if (use.name === "AWSXRayDaemonWriteAccess") {
        const arn = use.role.props.arn;
        if (arn === undefined) continue; // unknown during preview
        const traced = resources.some(
          (f) =>
            f.type === TYPES.function &&
            f.props.role === arn &&
            f.props.tracingConfig?.mode === "Active",
        );
        if (!traced) {
          violations.push({
            urn: use.urn,
            message: `Attaches "${use.arn}" to a role no traced function uses: attach it only where tracing is on.`,
          });
        }
      }
    }
    return violations;
  },
};

export const tableEncryptedAndRecoverable: ResourceRule = {
  name: "table-encryption-and-pitr",
  description: "DynamoDB tables use KMS server-side encryption and point-in-time recovery.",
  check(type, props) {
    if (type !== TYPES.table) return [];
    const violations: string[] = [];
    if (props.serverSideEncryption?.enabled !== true) {
      violations.push(
        "Server-side encryption with KMS is off: set serverSideEncryption.enabled to true " +
          "(optionally with a kmsKeyArn).",
      );
    }
    if (props.pointInTimeRecovery?.enabled !== true) {
      violations.push(
        "Point-in-time recovery is off: set pointInTimeRecovery.enabled to true " +
          "(config lambda-apigateway:table.pointInTimeRecovery).",
      );
    }
    return violations;
  },
};

export const logRetentionSet: ResourceRule = {
  name: "log-retention-set",
  description: "CloudWatch log groups expire their logs.",
  check(type, props) {
    if (type !== TYPES.logGroup) return [];
    const days = props.retentionInDays;
    return typeof days === "number" && days > 0
      ? []
      : [
          "The log group keeps logs forever: set retentionInDays " +
            "(config lambda-apigateway:logRetentionDays).",
        ];
  },
};

export const productionTablesProtected: ResourceRule = {
  name: "production-tables-protected",
  description: "Tables tagged production=true have DynamoDB deletion protection on.",
  check(type, props) {
    if (type !== TYPES.table || props.tags?.production !== "true") return [];
    return props.deletionProtectionEnabled === true
      ? []
      : ["This production table can be deleted: set deletionProtectionEnabled to true."];
  },
};

/**
 * Whether an API Gateway security policy refuses TLS below 1.2: the legacy `TLS_1_2`, or an
 * enhanced policy, whose name gives its lowest TLS version (`SecurityPolicy_TLS13_1_2_…`: 1.3 and
 * 1.2; `SecurityPolicy_TLS12_…`: 1.2). `TLS_1_0` accepts 1.0
 * (https://docs.aws.amazon.com/apigateway/latest/developerguide/apigateway-security-policies.html).
 */
export function isTls12OrNewer(securityPolicy: unknown): boolean {
  return (
    securityPolicy === "TLS_1_2" ||
    (typeof securityPolicy === "string" && /^SecurityPolicy_TLS1[23]_/.test(securityPolicy))
  );
}

export const domainTls12OrNewer: ResourceRule = {
  name: "domain-tls-1-2-or-newer",
  description:
    "Custom domain names refuse TLS below 1.2: securityPolicy TLS_1_2 or an enhanced " +
    "SecurityPolicy_TLS12/TLS13 policy, never TLS_1_0 or AWS's choice.",
  check(type, props) {
    const policy =
      type === TYPES.domainName
        ? props.securityPolicy
        : type === TYPES.domainNameV2
          ? props.domainNameConfiguration?.securityPolicy
          : null;
    if (policy === null || isTls12OrNewer(policy)) return [];
    return [
      `The custom domain "${props.domainName}" ` +
        (policy === undefined ? "leaves its TLS policy to AWS" : `accepts ${policy}`) +
        ': set securityPolicy to "TLS_1_2" (components/domain.ts does) or an enhanced ' +
        "SecurityPolicy_TLS13_… policy, so no client connects below TLS 1.2.",
    ];
  },
};

/** Id of a REST API from its execution ARN (`arn:aws:execute-api:<region>:<account>:<id>`). */
function restApiId(api: StackResource): string | undefined {
  return (
    api.props.id ?? /:execute-api:[^:]*:[^:]*:([^/:]+)$/.exec(api.props.executionArn ?? "")?.[1]
  );
}

// A missing id (a resource given by reference the rule cannot resolve) matches any API.
const sameId = (a: unknown, b: unknown) => a === undefined || b === undefined || a === b;

/** Whether a `sourceArn` names one API (`arn:aws:execute-api:<region>:<account>:<api id>/...`). */
export function namesOneApi(sourceArn: string): boolean {
  return /^arn:[a-z-]+:execute-api:[a-z0-9-]+:\d{12}:[A-Za-z0-9]+(\/|$)/.test(sourceArn);
}

/** Whether the stage has method settings for every method (methodPath "*" + "/*") with both limits. */
function stageThrottle(stage: StackResource, all: readonly StackResource[]): boolean {
  return all.some(
    (r) =>
      r.type === TYPES.methodSettings &&
      r.props.methodPath === "*/*" &&
      sameId(r.props.restApi, stage.props.restApi) &&
      sameId(r.props.stageName, stage.props.stageName) &&
      r.props.settings?.throttlingRateLimit > 0 &&
      r.props.settings?.throttlingBurstLimit > 0,
  );
}

export const stageThrottlingSet: StackRule = {
  name: "stage-throttling-set",
  description: "Every API Gateway stage has `*/*` method settings with rate and burst limits.",
  check(resources) {
    return resources
      .filter((r) => r.type === TYPES.stage && !stageThrottle(r, resources))
      .map((stage) => ({
        urn: stage.urn,
        message:
          `Stage "${stage.props.stageName}" has no throttling: add aws.apigateway.MethodSettings ` +
          'with methodPath "*/*" and throttlingRateLimit/throttlingBurstLimit above 0.',
      }));
  },
};

/**
 * The methods an API serves, as `{httpMethod, authorization, apiKeyRequired}`: its Method
 * resources, and the operations of its OpenAPI `body` (where `security` asks for an API key).
 */
export function apiMethods(api: StackResource, resources: readonly StackResource[]): Props[] {
  const id = restApiId(api);
  const methods = resources
    .filter((r) => r.type === TYPES.method && sameId(r.props.restApi, id))
    .map((m) => m.props);
  let body: any;
  try {
    body = typeof api.props.body === "string" ? JSON.parse(api.props.body) : undefined;
  } catch {
    body = undefined;
  }
  const schemes = body?.components?.securitySchemes ?? {};
  for (const item of Object.values<any>(body?.paths ?? {})) {
    for (const [key, op] of Object.entries<any>(item ?? {})) {
      const httpMethod = key === "x-amazon-apigateway-any-method" ? "ANY" : key.toUpperCase();
      if (!/^(ANY|GET|PUT|POST|DELETE|OPTIONS|HEAD|PATCH)$/.test(httpMethod)) continue;
      const requirements: Props[] = op?.security ?? [];
      // API Gateway's own key scheme is `x-api-key` in a header; other apiKey-typed schemes are
      // authorizers (Cognito, SigV4, Lambda) marked by x-amazon-apigateway-authtype.
      const isKey = (name: string) =>
        schemes[name]?.type === "apiKey" && !schemes[name]?.["x-amazon-apigateway-authtype"];
      const keyed =
        requirements.length > 0 && requirements.every((req) => Object.keys(req).some(isKey));
      const authTypes = requirements.map((req) =>
        Object.keys(req)
          .map((name) => AUTH_TYPES[schemes[name]?.["x-amazon-apigateway-authtype"]])
          .find(Boolean),
      );
      const authorizer =
        authTypes.length > 0 && authTypes.every(Boolean)
          ? authTypes[0]!
          : (op?.["x-amazon-apigateway-auth"]?.type ?? "NONE");
      methods.push({
        httpMethod,
        authorization: String(authorizer).toUpperCase(),
        apiKeyRequired: keyed,
      });
    }
  }
  return methods;
}

/** API Gateway's `x-amazon-apigateway-authtype` values → the method's authorization type. */
const AUTH_TYPES: Record<string, string> = {
  cognito_user_pools: "COGNITO_USER_POOLS",
  awsSigv4: "AWS_IAM",
  custom: "CUSTOM",
};

const WRITE_METHODS = new Set(["POST", "PUT", "PATCH", "DELETE", "ANY"]);

export const productionWritesAuthenticated: StackRule = {
  name: "production-writes-authenticated",
  description:
    "In a stack whose tables are protected as production data, no REST method that can change " +
    "data (POST, PUT, PATCH, DELETE, ANY) is open to anonymous callers: an API key identifies a " +
    "usage plan, not a caller.",
  check(resources) {
    const production = resources.some(
      (r) => r.type === TYPES.table && r.props.deletionProtectionEnabled === true,
    );
    if (!production) return [];
    const violations: Violation[] = [];
    for (const api of resources.filter((r) => r.type === TYPES.restApi)) {
      const open = apiMethods(api, resources).filter(
        (m) => WRITE_METHODS.has(String(m.httpMethod)) && (m.authorization ?? "NONE") === "NONE",
      );
      if (open.length) {
        violations.push({
          urn: api.urn,
          message:
            `${open.length} method(s) that can change production data take anonymous requests ` +
            `(${[...new Set(open.map((m) => m.httpMethod))].join(", ")}): set ` +
            "lambda-apigateway:auth to cognito or iam.",
        });
      }
    }
    return violations;
  },
};

export const apiNotOpenWithoutThrottling: StackRule = {
  name: "api-not-open-without-throttling",
  description:
    "An API reachable without credentials is throttled on every stage; keyed APIs throttle " +
    "their usage plans; only named APIs may invoke Lambda functions.",
  check(resources) {
    const violations: Violation[] = [];
    for (const api of resources.filter((r) => r.type === TYPES.restApi)) {
      const id = restApiId(api);
      const methods = apiMethods(api, resources);
      const open = methods.filter(
        (m) =>
          m.httpMethod !== "OPTIONS" &&
          (m.authorization ?? "NONE") === "NONE" &&
          m.apiKeyRequired !== true,
      );
      const stages = resources.filter((r) => r.type === TYPES.stage && sameId(r.props.restApi, id));
      if (open.length > 0) {
        for (const stage of stages.filter((s) => !stageThrottle(s, resources))) {
          violations.push({
            urn: stage.urn,
            message:
              `Stage "${stage.props.stageName}" serves ${open.length} method(s) without ` +
              "credentials and without throttling: add stage throttling or require an API key.",
          });
        }
      }
      const keyed = methods.some((m) => m.apiKeyRequired === true);
      const plans = resources.filter(
        (r) =>
          r.type === TYPES.usagePlan &&
          asList(r.props.apiStages).some((s: any) => sameId(s?.apiId, id)),
      );
      if (keyed && plans.length === 0) {
        violations.push({
          urn: api.urn,
          message: "Methods require an API key but no usage plan covers this API: add one.",
        });
      }
      for (const plan of plans) {
        const t = plan.props.throttleSettings;
        if (!(t?.rateLimit > 0 && t?.burstLimit > 0)) {
          violations.push({
            urn: plan.urn,
            message:
              "The usage plan does not throttle: set throttleSettings rateLimit and burstLimit.",
          });
        }
      }
    }
    for (const p of resources.filter((r) => r.type === TYPES.permission)) {
      if (p.props.principal !== "apigateway.amazonaws.com") continue;
      const source = p.props.sourceArn;
      if (typeof source !== "string") {
        violations.push({
          urn: p.urn,
          message: "Any API Gateway API in any account may invoke this function: set sourceArn.",
        });
      } else if (!namesOneApi(source)) {
        violations.push({
          urn: p.urn,
          message: `sourceArn "${source}" lets any API invoke the function: scope it to one API.`,
        });
      }
    }
    return violations;
  },
};

/** Dimensions an alarm watches: its own, or those of the metrics its math fetches. */
function watchedDimensions(alarm: StackResource): Props[] {
  return [
    alarm.props.dimensions,
    ...asList(alarm.props.metricQueries).map((q: any) => q?.metric?.dimensions),
  ].filter((d): d is Props => !!d && typeof d === "object");
}

export const resourcesAlarmed: StackRule = {
  name: "resources-alarmed",
  description:
    "Every Lambda function, REST API stage and DynamoDB table has at least one CloudWatch alarm " +
    "with an action, so a failure reaches someone before users report it.",
  check(resources) {
    const watched = resources
      .filter(
        (r) =>
          r.type === TYPES.metricAlarm &&
          r.props.actionsEnabled !== false &&
          asList(r.props.alarmActions).length > 0,
      )
      .flatMap(watchedDimensions);
    const violations: Violation[] = [];
    const require = (r: StackResource, what: string, match: (d: Props) => boolean) => {
      if (!watched.some(match)) {
        violations.push({
          urn: r.urn,
          message:
            `${what} has no CloudWatch alarm with an action: add the Monitoring component ` +
            "(components/monitoring/) for it, or an aws.cloudwatch.MetricAlarm with alarmActions.",
        });
      }
    };
    for (const fn of resources.filter((r) => r.type === TYPES.function)) {
      require(fn, `Function "${fn.props.name}"`, (d) => d.FunctionName === fn.props.name);
    }
    for (const stage of resources.filter((r) => r.type === TYPES.stage)) {
      const api = resources.find(
        (r) => r.type === TYPES.restApi && restApiId(r) === stage.props.restApi,
      );
      // API Gateway's metrics name a stage by its API's name and the stage name.
      require(stage, `Stage "${stage.props.stageName}" of API "${api?.props.name}"`, (d) =>
        d.ApiName === api?.props.name && d.Stage === stage.props.stageName);
    }
    for (const table of resources.filter((r) => r.type === TYPES.table)) {
      require(table, `Table "${table.props.name}"`, (d) => d.TableName === table.props.name);
    }
    return violations;
  },
};

/** CodeDeploy's configuration that moves all traffic to a new version in one step. */
export const ALL_AT_ONCE_CONFIG = "CodeDeployDefault.LambdaAllAtOnce";

export const productionShiftsGradually: StackRule = {
  name: "production-shifts-gradually",
  description:
    "In a stack whose tables are protected as production data, a function alias reaches a new " +
    "version only through a CodeDeploy deployment group that shifts traffic gradually (not " +
    "LambdaAllAtOnce), watches alarms and rolls back when one fires.",
  check(resources) {
    const production = resources.some(
      (r) => r.type === TYPES.table && r.props.deletionProtectionEnabled === true,
    );
    if (!production) return [];
    const violations: Violation[] = [];
    const groups = resources.filter((r) => r.type === TYPES.deploymentGroup);
    if (resources.some((r) => r.type === TYPES.alias) && groups.length === 0) {
      for (const alias of resources.filter((r) => r.type === TYPES.alias)) {
        violations.push({
          urn: alias.urn,
          message:
            `Alias "${alias.props.name}" of production moves to each new version at pulumi up, ` +
            "all at once: turn lambda-apigateway:promotion.enabled on.",
        });
      }
    }
    for (const group of groups) {
      const problems: string[] = [];
      const config = group.props.deploymentConfigName;
      if (config === undefined || config === ALL_AT_ONCE_CONFIG) {
        problems.push(`shifts all traffic at once (${config ?? "no configuration"})`);
      }
      const alarms = group.props.alarmConfiguration;
      if (alarms?.enabled !== true || asList(alarms?.alarms).length === 0) {
        problems.push("watches no alarm");
      }
      const rollback = group.props.autoRollbackConfiguration;
      if (
        rollback?.enabled !== true ||
        !asList(rollback?.events).includes("DEPLOYMENT_STOP_ON_ALARM")
      ) {
        problems.push("does not roll back when an alarm stops it (DEPLOYMENT_STOP_ON_ALARM)");
      }
      if (problems.length) {
        violations.push({
          urn: group.urn,
          message:
            `Deployment group "${group.props.deploymentGroupName}" of production ` +
            `${problems.join(", ")}: set lambda-apigateway:promotion.deploymentConfig to a canary ` +
            "or linear configuration, and keep the Promotion component's alarms and rollback.",
        });
      }
    }
    return violations;
  },
};

export const RESOURCE_RULES: readonly ResourceRule[] = [
  noIamWildcard,
  kmsKeysOnlyThroughAService,
  onlyAllowedManagedPolicies,
  tableEncryptedAndRecoverable,
  logRetentionSet,
  productionTablesProtected,
  domainTls12OrNewer,
];

export const STACK_RULES: readonly StackRule[] = [
  stageThrottlingSet,
  apiNotOpenWithoutThrottling,
  productionWritesAuthenticated,
  resourcesAlarmed,
  managedPoliciesOnTheirRoles,
  productionShiftsGradually,
];
