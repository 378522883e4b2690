/**
 * What real AWS refuses that Pulumi's mocks accept: documented limits and invariants of the
 * resources this project registers, as plain checks over a stack's resources (for example, what
 * `runProgram` records under mocks). Each rule cites the AWS page that states it. Tests run every
 * rule on every committed stack, so a change that AWS would refuse at `pulumi up` fails `npm test`.
 */
/* eslint-disable @typescript-eslint/no-explicit-any -- resource inputs are untyped data */
import { CONFIG_NAMESPACE } from "../components/config";
import { CODEDEPLOY_GROUP_ALARMS, LAMBDA_ENVIRONMENT_BYTES } from "../contract/limits";
import { partitionOfRegion } from "../components/partition";
import {
  DOMAIN_NAME_PATTERN,
  DOMAIN_SECURITY_POLICY,
  MAX_CERTIFICATE_NAME_LENGTH,
  MAX_DOMAIN_NAME_LENGTH,
  basePathProblem,
  isMultiLevel,
  regionOfArn,
} from "../components/domain";

/** A resource as a stack declares it. */
export interface DeclaredResource {
  /** Pulumi type token, e.g. `aws:lambda/function:Function`. */
  type: string;
  /** Logical name. */
  name: string;
  /** Inputs, secrets revealed. */
  inputs: Record<string, any>;
  /** Inputs plus computed attributes; `name` holds the physical name where AWS names it. */
  state: Record<string, any>;
  /** The options that decide what `pulumi destroy` does. */
  options?: { protect: boolean; retainOnDelete: boolean };
  /** Read with `Resource.get`: looked at, not owned, so no rule about owning it applies. */
  external?: boolean;
}

/** A stack: its resources and its config (`ns:key` → raw string, as Pulumi hands it over). */
export interface DeclaredStack {
  resources: readonly DeclaredResource[];
  config: Readonly<Record<string, string>>;
}

export interface AwsRuleViolation {
  rule: string;
  /** Logical name of the offending resource. */
  resource: string;
  message: string;
}

export interface AwsRule {
  name: string;
  /** What AWS enforces, in a sentence. */
  description: string;
  /** The AWS documentation that states it. */
  doc: string;
  check(stack: DeclaredStack): { resource: string; message: string }[];
}

const T = {
  function: "aws:lambda/function:Function",
  role: "aws:iam/role:Role",
  logGroup: "aws:cloudwatch/logGroup:LogGroup",
  restApi: "aws:apigateway/restApi:RestApi",
  resource: "aws:apigateway/resource:Resource",
  stage: "aws:apigateway/stage:Stage",
  account: "aws:apigateway/account:Account",
  domainName: "aws:apigateway/domainName:DomainName",
  basePathMapping: "aws:apigateway/basePathMapping:BasePathMapping",
  apiMapping: "aws:apigatewayv2/apiMapping:ApiMapping",
  certificate: "aws:acm/certificate:Certificate",
  alias: "aws:lambda/alias:Alias",
  deploymentGroup: "aws:codedeploy/deploymentGroup:DeploymentGroup",
} as const;

/** The resources of a type the stack owns (reads left out). */
const ofType = (stack: DeclaredStack, type: string) =>
  stack.resources.filter((r) => r.type === type && !r.external);

/** The name AWS will see: the declared one, else the physical name (Pulumi's auto-name). */
const physicalName = (r: DeclaredResource): string => String(r.inputs.name ?? r.state.name ?? "");

/** A resource's declared description, when it has one (AWS's default is none). */
const description = (r: DeclaredResource): string | undefined =>
  r.inputs.description === undefined ? undefined : String(r.inputs.description);

const bytes = (text: string): number => Buffer.byteLength(text, "utf8");

/** Config group whose `accessLogs` says API Gateway's CloudWatch role exists in the account/region. */
export const API_CONFIG_KEY = `${CONFIG_NAMESPACE}:api`;

/** Whether a stack's config (Pulumi's `ns:key` → string) says the role is set (`api.accessLogs`). */
export function roleSetInConfig(config: Record<string, string>): boolean {
  try {
    return JSON.parse(config[API_CONFIG_KEY] ?? "{}")?.accessLogs === true;
  } catch {
    return false;
  }
}

export const stageAccessLogsNeedAccountRole: AwsRule = {
  name: "stage-access-logs-need-account-role",
  description:
    "API Gateway refuses a stage with access logs ('CloudWatch Logs role ARN must be set in " +
    "account settings to enable logging') until the account has its CloudWatch role in the region.",
  doc: "https://docs.aws.amazon.com/apigateway/latest/developerguide/set-up-logging.html",
  check(stack) {
    const roleSet = roleSetInConfig(stack.config);
    const hereToo = ofType(stack, T.account).length > 0;
    return ofType(stack, T.stage)
      .filter((s) => s.inputs.accessLogSettings && !roleSet && !hereToo)
      .map((s) => ({
        resource: s.name,
        message:
          `Stage "${s.inputs.stageName}" writes access logs, but nothing guarantees API Gateway's ` +
          `CloudWatch role in this account and region: run bootstrap/ there and set ${API_CONFIG_KEY}.accessLogs ` +
          "to true, or leave access logs off.",
      }));
  },
};

export const accountSettingSurvivesDestroy: AwsRule = {
  name: "account-setting-survives-destroy",
  description:
    "aws.apigateway.Account is one setting per account and region; pulumi-aws 7 (Terraform AWS " +
    "provider v6) resets it when the resource is deleted, which stops every API's logs there. " +
    "It and the role it names must be protected and retained on delete.",
  doc: "https://docs.aws.amazon.com/apigateway/latest/api/API_UpdateAccount.html",
  check(stack) {
    const out: { resource: string; message: string }[] = [];
    for (const account of ofType(stack, T.account)) {
      const role = ofType(stack, T.role).find(
        (r) => r.state.arn !== undefined && r.state.arn === account.inputs.cloudwatchRoleArn,
      );
      for (const r of role ? [account, role] : [account]) {
        if (!(r.options?.protect && r.options?.retainOnDelete)) {
          out.push({
            resource: r.name,
            message:
              `${r.type} "${r.name}" is region-wide state that other stacks' APIs rely on: give it ` +
              "protect and retainOnDelete so no destroy resets or deletes it.",
          });
        }
      }
      if (ofType(stack, T.restApi).length > 0) {
        out.push({
          resource: account.name,
          message:
            "An application stack owns the region's API Gateway account setting: move it to " +
            "bootstrap/, so destroying the application never touches other APIs' logging.",
        });
      }
    }
    return out;
  },
};

/** Lambda's limit on all environment variables of a function, keys and values together. */
export const LAMBDA_ENVIRONMENT_MAX_BYTES = LAMBDA_ENVIRONMENT_BYTES;

export const lambdaEnvironmentSize: AwsRule = {
  name: "lambda-environment-4kb",
  description: "The total size of a function's environment variables may not exceed 4 KB.",
  doc: "https://docs.aws.amazon.com/lambda/latest/dg/configuration-envvars.html",
  check(stack) {
    return ofType(stack, T.function).flatMap((fn) => {
      const variables: Record<string, unknown> = fn.inputs.environment?.variables ?? {};
      const size = Object.entries(variables).reduce(
        (sum, [key, value]) => sum + bytes(key) + bytes(String(value)),
        0,
      );
      return size > LAMBDA_ENVIRONMENT_MAX_BYTES
        ? [
            {
              resource: fn.name,
              message: `Environment variables take ${size} bytes, over Lambda's ${LAMBDA_ENVIRONMENT_MAX_BYTES}: move large values to SSM Parameter Store or Secrets Manager.`,
            },
          ]
        : [];
    });
  },
};

/** A name check: a maximum length and the characters AWS accepts. */
function nameRule(options: {
  name: string;
  type: string;
  what: string;
  max: number;
  pattern: RegExp;
  allowed: string;
  doc: string;
  value?: (r: DeclaredResource) => string | undefined;
  min?: number;
}): AwsRule {
  const value = options.value ?? physicalName;
  const min = options.min ?? 1;
  return {
    name: options.name,
    description: `${options.what}: ${min}–${options.max} characters of ${options.allowed}.`,
    doc: options.doc,
    check(stack) {
      return ofType(stack, options.type).flatMap((r) => {
        const v = value(r);
        if (v === undefined) return [];
        const problems: string[] = [];
        if (v.length < min || v.length > options.max) {
          problems.push(`is ${v.length} characters (allowed ${min}–${options.max})`);
        }
        if (v.length > 0 && !options.pattern.test(v)) {
          problems.push(`has characters outside ${options.allowed}`);
        }
        return problems.map((p) => ({
          resource: r.name,
          message: `${options.what} "${v}" ${p}.`,
        }));
      });
    },
  };
}

export const lambdaFunctionName = nameRule({
  name: "lambda-function-name",
  type: T.function,
  what: "Lambda function name",
  max: 64,
  pattern: /^[a-zA-Z0-9_-]+$/,
  allowed: "a-z A-Z 0-9 - _",
  doc: "https://docs.aws.amazon.com/lambda/latest/api/API_CreateFunction.html#lambda-CreateFunction-request-FunctionName",
});

export const lambdaDescription = nameRule({
  name: "lambda-function-description",
  type: T.function,
  what: "Lambda function description",
  min: 0,
  max: 256,
  pattern: /^[\s\S]*$/,
  allowed: "any character",
  value: description,
  doc: "https://docs.aws.amazon.com/lambda/latest/api/API_CreateFunction.html#lambda-CreateFunction-request-Description",
});

export const iamRoleName = nameRule({
  name: "iam-role-name",
  type: T.role,
  what: "IAM role name",
  max: 64,
  pattern: /^[\w+=,.@-]+$/,
  allowed: "a-z A-Z 0-9 + = , . @ - _",
  doc: "https://docs.aws.amazon.com/IAM/latest/APIReference/API_CreateRole.html",
});

export const iamRoleDescription = nameRule({
  name: "iam-role-description",
  type: T.role,
  what: "IAM role description",
  min: 0,
  max: 1000,
  // Tab, newlines, printable ASCII and Latin-1: no em dash, no emoji.
  pattern: /^[\t\n\r\u0020-\u007E\u00A1-\u00FF]*$/,
  allowed: "printable ASCII and Latin-1",
  value: description,
  doc: "https://docs.aws.amazon.com/IAM/latest/APIReference/API_CreateRole.html",
});

export const logGroupName = nameRule({
  name: "log-group-name",
  type: T.logGroup,
  what: "CloudWatch log group name",
  max: 512,
  pattern: /^[.\-_/#A-Za-z0-9]+$/,
  allowed: "a-z A-Z 0-9 . - _ / #",
  doc: "https://docs.aws.amazon.com/AmazonCloudWatchLogs/latest/APIReference/API_CreateLogGroup.html",
});

export const stageName = nameRule({
  name: "stage-name",
  type: T.stage,
  what: "API Gateway stage name",
  max: 128,
  pattern: /^[a-zA-Z0-9_-]+$/,
  allowed: "a-z A-Z 0-9 - _",
  value: (r) => String(r.inputs.stageName ?? ""),
  doc: "https://docs.aws.amazon.com/apigateway/latest/api/API_CreateStage.html",
});

/**
 * The resource paths of an API (`/items/{id}`), whatever declares them: one function per source.
 * Each is keyed by the REST API's logical name.
 */
export type ApiPaths = Map<string, string[]>;

/** Paths read from `aws.apigateway.Resource` resources (the mock cloud computes each `path`). */
export function apiPathsFromResources(stack: DeclaredStack): ApiPaths {
  const out: ApiPaths = new Map();
  for (const api of ofType(stack, T.restApi)) {
    const id = api.state.id ?? api.inputs.id;
    const paths = ofType(stack, T.resource)
      .filter((r) => id === undefined || r.inputs.restApi === undefined || r.inputs.restApi === id)
      .map((r) => String(r.state.path ?? ""))
      .filter(Boolean);
    out.set(api.name, paths);
  }
  return out;
}

/** Paths read from the OpenAPI document (JSON string) a RestApi is deployed from (`body`). */
export function apiPathsFromOpenApiBody(body: string): string[] {
  let doc: any;
  try {
    doc = JSON.parse(body);
  } catch (err) {
    throw new Error(`The RestApi's body is not JSON: ${(err as Error).message}`, { cause: err });
  }
  return Object.keys(doc?.paths ?? {});
}

/** The paths of every RestApi of the stack: from its `body` when it has one, else its resources. */
export function apiPathsOf(stack: DeclaredStack): ApiPaths {
  const fromResources = apiPathsFromResources(stack);
  const out: ApiPaths = new Map();
  for (const api of ofType(stack, T.restApi)) {
    const body = api.inputs.body;
    out.set(
      api.name,
      typeof body === "string" && body.length > 0
        ? apiPathsFromOpenApiBody(body)
        : (fromResources.get(api.name) ?? []),
    );
  }
  return out;
}

const isVariable = (part: string) => /^\{[^{}]+\}$/.test(part);

/**
 * What API Gateway refuses in a set of resource paths: two different variable parts under one
 * parent ("A sibling ({id}) of this resource already has a variable path part -- only one is
 * allowed"), and a greedy `{name+}` part with anything below it.
 */
export function pathProblems(paths: readonly string[]): string[] {
  const variablesUnder = new Map<string, Set<string>>();
  const problems: string[] = [];
  for (const path of paths) {
    const parts = path.split("/").filter(Boolean);
    parts.forEach((part, i) => {
      const parent = "/" + parts.slice(0, i).join("/");
      if (isVariable(part)) {
        const set = variablesUnder.get(parent) ?? new Set<string>();
        set.add(part);
        variablesUnder.set(parent, set);
      }
      if (/^\{[^{}]+\+\}$/.test(part) && i < parts.length - 1) {
        problems.push(`"${path}": the greedy ${part} must be the last part of a path.`);
      }
    });
  }
  for (const [parent, variables] of variablesUnder) {
    if (variables.size > 1) {
      problems.push(
        `"${parent}" has ${variables.size} variable children (${[...variables].sort().join(", ")}); ` +
          "API Gateway allows one per parent: give them one name.",
      );
    }
  }
  return problems;
}

export const oneVariablePathPartPerParent: AwsRule = {
  name: "one-variable-path-part-per-parent",
  description:
    "Under one parent resource, API Gateway allows a single variable path part ({id} or {proxy+}); " +
    "a greedy {proxy+} ends its path.",
  doc: "https://docs.aws.amazon.com/apigateway/latest/developerguide/api-gateway-method-settings-method-request.html",
  check(stack) {
    return [...apiPathsOf(stack)].flatMap(([api, paths]) =>
      pathProblems(paths).map((message) => ({ resource: api, message })),
    );
  },
};

const OPENAPI_METHODS = ["get", "put", "post", "delete", "options", "head", "patch"];

/**
 * What API Gateway's import refuses in an integration's responses (a MOCK preflight's, say): a
 * status with no method response ("No method response exists for method"), a response parameter
 * other than `method.response.header.<name>` or for a header the method response of that status
 * does not declare ("Invalid mapping expression parameter specified: method.response.header.X"),
 * and a value that is neither a quoted static value nor a mapping expression ("Invalid mapping
 * expression specified: "*"", where `'*'` was meant). Captured errors: aws-apigateway-importer
 * issues #121 and #209, serverless-aws-documentation #91, amazon-api-gateway-developer-guide #7.
 */
export function integrationResponseProblems(body: string): string[] {
  const doc = JSON.parse(body) as { paths?: Record<string, Record<string, any>> };
  const problems: string[] = [];
  for (const [path, item] of Object.entries(doc.paths ?? {})) {
    for (const [method, op] of Object.entries(item ?? {})) {
      if (!OPENAPI_METHODS.includes(method) && method !== "x-amazon-apigateway-any-method")
        continue;
      const integration = op?.["x-amazon-apigateway-integration"];
      const where = `${method} ${path}`;
      for (const [selection, response] of Object.entries<any>(integration?.responses ?? {})) {
        const status = String(response?.statusCode ?? "");
        const declared = op?.responses?.[status];
        if (!declared) {
          problems.push(
            `${where}: integration response ${selection} maps to ${status}, which the method does not declare`,
          );
          continue;
        }
        const headers = Object.keys(declared.headers ?? {}).map((h) => h.toLowerCase());
        for (const [target, value] of Object.entries<unknown>(response.responseParameters ?? {})) {
          const header = /^method\.response\.header\.(.+)$/.exec(target)?.[1];
          if (!header || !headers.includes(header.toLowerCase())) {
            problems.push(`${where}: ${target} is not a header the ${status} response declares`);
          }
          const text = String(value);
          const quoted = /^'[^']*'$/.test(text);
          const expression =
            /^(integration\.response\.(header|multivalueheader|body)|context|stageVariables)\b/.test(
              text,
            );
          if (!quoted && !expression) {
            problems.push(
              `${where}: ${target} = ${text} is neither a quoted static value nor a mapping expression`,
            );
          }
        }
      }
    }
  }
  return problems;
}

export const integrationResponsesDeclared: AwsRule = {
  name: "integration-responses-declared",
  description:
    "An integration response maps to a status its method declares, and sets only headers that " +
    "status declares, each to a quoted static value or a mapping expression.",
  doc: "https://docs.aws.amazon.com/apigateway/latest/developerguide/enable-cors-for-resource-using-swagger-importer-tool.html",
  check(stack) {
    return ofType(stack, T.restApi).flatMap((api) =>
      typeof api.inputs.body === "string" && api.inputs.body
        ? integrationResponseProblems(api.inputs.body).map((message) => ({
            resource: api.name,
            message,
          }))
        : [],
    );
  },
};

export const arnsInStackPartition: AwsRule = {
  name: "arns-in-stack-partition",
  description:
    "ARNs carry the partition of the region (aws, aws-cn, aws-us-gov); one written for another " +
    "partition names nothing there.",
  doc: "https://docs.aws.amazon.com/IAM/latest/UserGuide/reference-arns.html",
  check(stack) {
    const region = stack.config["aws:region"];
    if (!region) return [];
    const partition = partitionOfRegion(region);
    const out: { resource: string; message: string }[] = [];
    for (const r of stack.resources) {
      const found = new Set<string>();
      walkStrings(r.inputs, (text) => {
        for (const m of text.matchAll(/\barn:([a-z-]+):/g)) {
          if (m[1] !== partition) found.add(m[0]);
        }
      });
      for (const arn of found) {
        out.push({
          resource: r.name,
          message: `Names "${arn}…" in region ${region}, whose partition is ${partition}: build ARNs with aws.getPartitionOutput.`,
        });
      }
    }
    return out;
  },
};

function walkStrings(value: unknown, visit: (text: string) => void): void {
  if (typeof value === "string") visit(value);
  else if (Array.isArray(value)) for (const v of value) walkStrings(v, visit);
  else if (
    value &&
    typeof value === "object" &&
    Object.getPrototypeOf(value) === Object.prototype
  ) {
    for (const v of Object.values(value)) walkStrings(v, visit);
  }
}

// Custom domains (components/domain.ts).

const listOf = (value: unknown): unknown[] =>
  value === undefined ? [] : Array.isArray(value) ? value : [value];

export const domainCertificateInRegion: AwsRule = {
  name: "domain-certificate-in-region",
  description:
    "A REGIONAL custom domain name takes an ACM certificate of the API's own region (an " +
    "edge-optimized one, a certificate in us-east-1).",
  doc: "https://docs.aws.amazon.com/apigateway/latest/developerguide/how-to-custom-domains-prerequisites.html",
  check(stack) {
    const region = stack.config["aws:region"];
    return ofType(stack, T.domainName).flatMap((d) => {
      const regional = listOf(d.inputs.endpointConfiguration?.types).includes("REGIONAL");
      const arn = regional ? d.inputs.regionalCertificateArn : d.inputs.certificateArn;
      const wanted = regional ? region : "us-east-1";
      const found = typeof arn === "string" ? regionOfArn(arn) : undefined;
      if (!wanted || !found || found === wanted) return [];
      return [
        {
          resource: d.name,
          message:
            `Domain name "${d.inputs.domainName}" (${regional ? "REGIONAL" : "EDGE"}) uses a ` +
            `certificate in ${found}; it needs one in ${wanted}: request or import it there.`,
        },
      ];
    });
  },
};

export const domainNameSyntax: AwsRule = {
  name: "domain-name-syntax",
  description:
    `Domain names are labels of 1–63 letters, digits and hyphens (none first or last) joined ` +
    `by dots, at most ${MAX_DOMAIN_NAME_LENGTH} characters; a certificate's own name at most ` +
    `${MAX_CERTIFICATE_NAME_LENGTH}.`,
  doc: "https://docs.aws.amazon.com/acm/latest/APIReference/API_RequestCertificate.html",
  check(stack) {
    const named = [
      ...ofType(stack, T.domainName).map((r) => ({ r, names: [r.inputs.domainName], cn: false })),
      ...ofType(stack, T.certificate).flatMap((r) => [
        { r, names: [r.inputs.domainName], cn: true },
        { r, names: listOf(r.inputs.subjectAlternativeNames), cn: false },
      ]),
    ];
    return named.flatMap(({ r, names, cn }) =>
      names.map(String).flatMap((name) => {
        const problems: string[] = [];
        const max = cn ? MAX_CERTIFICATE_NAME_LENGTH : MAX_DOMAIN_NAME_LENGTH;
        if (name.length > max) problems.push(`is ${name.length} characters (at most ${max})`);
        if (!DOMAIN_NAME_PATTERN.test(name)) {
          problems.push("is no domain name (labels of 1–63 letters, digits and inner hyphens)");
        }
        return problems.map((p) => ({ resource: r.name, message: `"${name}" ${p}.` }));
      }),
    );
  },
};

export const apiMappingPath: AwsRule = {
  name: "api-mapping-path",
  description:
    "An API mapping's path is 1–300 letters, digits and $-_.+!*'()/ with no / at either end; " +
    "API Gateway v1's base path mappings take no / at all, and several levels need a REGIONAL " +
    "domain with the TLS 1.2 policy (and API Gateway v2's API mapping).",
  doc: "https://docs.aws.amazon.com/apigateway/latest/developerguide/rest-api-mappings.html",
  check(stack) {
    const out: { resource: string; message: string }[] = [];
    const report = (resource: string, path: string, message: string) =>
      out.push({ resource, message: `Base path "${path}" ${message}.` });
    for (const m of ofType(stack, T.basePathMapping)) {
      const path = m.inputs.basePath;
      if (path === undefined) continue; // the root
      const problem = basePathProblem(String(path));
      if (problem) report(m.name, path, problem);
      else if (isMultiLevel(path)) {
        report(m.name, path, "has several levels, which only API Gateway v2's ApiMapping maps");
      }
    }
    for (const m of ofType(stack, T.apiMapping)) {
      const path = m.inputs.apiMappingKey;
      if (path === undefined || path === "") continue;
      const problem = basePathProblem(String(path));
      if (problem) report(m.name, path, problem);
      if (!isMultiLevel(String(path))) continue;
      const domain = ofType(stack, T.domainName).find(
        (d) => d.inputs.domainName === m.inputs.domainName,
      );
      if (!domain) continue; // a domain of another stack: nothing to check here
      const regional = listOf(domain.inputs.endpointConfiguration?.types).includes("REGIONAL");
      if (!regional || domain.inputs.securityPolicy !== DOMAIN_SECURITY_POLICY) {
        report(
          m.name,
          path,
          `has several levels, which need a REGIONAL domain with ${DOMAIN_SECURITY_POLICY}`,
        );
      }
    }
    return out;
  },
};

// Promotion: the alias and the CodeDeploy deployment group (components/promotion.ts).

export const lambdaAliasName = nameRule({
  name: "lambda-alias-name",
  type: T.alias,
  what: "Lambda alias name",
  max: 128,
  // Not all digits: a number names a version.
  pattern: /^(?![0-9]+$)[a-zA-Z0-9_-]+$/,
  allowed: "a-z A-Z 0-9 - _, not all digits",
  value: (r) => String(r.inputs.name ?? ""),
  doc: "https://docs.aws.amazon.com/lambda/latest/api/API_CreateAlias.html",
});

/** CodeDeploy's limit on alarms per deployment group (`contract/limits.ts`). */
export const MAX_DEPLOYMENT_GROUP_ALARMS = CODEDEPLOY_GROUP_ALARMS;

export const deploymentGroupAlarms: AwsRule = {
  name: "deployment-group-alarms",
  description: `A CodeDeploy deployment group takes at most ${MAX_DEPLOYMENT_GROUP_ALARMS} alarms, each named once, names of at most 255 characters.`,
  doc: "https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/aws-properties-codedeploy-deploymentgroup-alarmconfiguration.html",
  check(stack) {
    return ofType(stack, T.deploymentGroup).flatMap((g) => {
      const names = listOf(g.inputs.alarmConfiguration?.alarms).map(String);
      const problems: string[] = [];
      if (names.length > MAX_DEPLOYMENT_GROUP_ALARMS) {
        problems.push(`has ${names.length} alarms (at most ${MAX_DEPLOYMENT_GROUP_ALARMS})`);
      }
      const twice = names.filter((n, i) => names.indexOf(n) !== i);
      if (twice.length) problems.push(`names ${[...new Set(twice)].join(", ")} more than once`);
      const long = names.filter((n) => n.length > 255);
      if (long.length) problems.push(`has alarm names over 255 characters`);
      return problems.map((p) => ({
        resource: g.name,
        message: `Deployment group "${g.inputs.deploymentGroupName}" ${p}.`,
      }));
    });
  },
};

/** A Lambda deployment's AppSpec as `create-deployment` takes it (`appSpecContent.content`). */
export interface LambdaAppSpec {
  version: string;
  Resources: Record<
    string,
    {
      Type: string;
      Properties: { Name: string; Alias: string; CurrentVersion: string; TargetVersion: string };
    }
  >[];
}

/**
 * What CodeDeploy refuses in a Lambda AppSpec: a version other than "0.0", a resource of another
 * type, versions that are not positive integers (`$LATEST` is no published version), and the
 * same current and target version (terraform-aws-modules/terraform-aws-lambda#82: "missing or
 * has an invalid configuration").
 * https://docs.aws.amazon.com/codedeploy/latest/userguide/reference-appspec-file-structure-resources.html
 */
export function lambdaAppSpecProblems(appSpec: LambdaAppSpec): string[] {
  const problems: string[] = [];
  if (appSpec.version !== "0.0") problems.push(`version is "${appSpec.version}", not "0.0"`);
  const entries = (appSpec.Resources ?? []).flatMap((r) => Object.entries(r));
  if (entries.length === 0) problems.push("names no resource");
  for (const [key, r] of entries) {
    if (r.Type !== "AWS::Lambda::Function") problems.push(`${key}: Type is ${r.Type}`);
    const p = r.Properties ?? ({} as LambdaAppSpec["Resources"][number][string]["Properties"]);
    if (!p.Name || !p.Alias) problems.push(`${key}: Name and Alias are required`);
    for (const field of ["CurrentVersion", "TargetVersion"] as const) {
      if (!/^[1-9][0-9]*$/.test(String(p[field]))) {
        problems.push(
          `${key}: ${field} "${p[field]}" is not a published version (a positive integer)`,
        );
      }
    }
    if (p.CurrentVersion === p.TargetVersion) {
      problems.push(`${key}: CurrentVersion and TargetVersion are both ${p.TargetVersion}`);
    }
  }
  return problems;
}

export const AWS_RULES: readonly AwsRule[] = [
  stageAccessLogsNeedAccountRole,
  accountSettingSurvivesDestroy,
  lambdaEnvironmentSize,
  lambdaFunctionName,
  lambdaDescription,
  iamRoleName,
  iamRoleDescription,
  logGroupName,
  stageName,
  oneVariablePathPartPerParent,
  integrationResponsesDeclared,
  arnsInStackPartition,
  domainCertificateInRegion,
  domainNameSyntax,
  apiMappingPath,
  lambdaAliasName,
  deploymentGroupAlarms,
];

/** Every rule on one stack; an empty list means AWS should accept it. */
export function checkAwsRules(
  stack: DeclaredStack,
  rules: readonly AwsRule[] = AWS_RULES,
): AwsRuleViolation[] {
  return rules.flatMap((rule) => rule.check(stack).map((v) => ({ rule: rule.name, ...v })));
}
