/**
 * The stack's security (security.ts) in OpenAPI terms: its schemes, the requirement of each
 * operation (by its scope group in the operation table) and API Gateway's refusals. The RestApi
 * component deploys them with API Gateway's extensions added (components/api/); the function
 * serves the same in its public document, so the two cannot drift apart.
 *
 * Open to everyone, whatever the stack: CORS preflights (browsers send them without credentials)
 * and the operations of the "open" group (`GET /openapi.json`, the document that says how to
 * authenticate). Runtime-safe, but the function loads it only with the document.
 */
import type { OpenAPIV3 } from "openapi-types";
import { OPERATIONS, findOperation, type AuthGroup, type Operation } from "./operations";
import { API_KEY_HEADER, SCHEMES, type ApiSecurity } from "./security";

/** The public security schemes the stack uses (API Gateway's extensions are added by the RestApi). */
export function securitySchemes(
  security: ApiSecurity,
): Record<string, OpenAPIV3.SecuritySchemeObject> {
  const out: Record<string, OpenAPIV3.SecuritySchemeObject> = {};
  if (security.auth === "cognito") {
    out[SCHEMES.cognito] = {
      type: "apiKey",
      name: "Authorization",
      in: "header",
      description: security.scopes
        ? "A Cognito user pool access token with the method's scope: `Authorization: Bearer <token>`."
        : "A Cognito user pool ID token: `Authorization: Bearer <token>`.",
    };
  }
  if (security.auth === "iam") {
    out[SCHEMES.iam] = {
      type: "apiKey",
      name: "Authorization",
      in: "header",
      description:
        "AWS Signature Version 4 (service execute-api) with credentials allowed execute-api:Invoke on this API.",
    };
  }
  if (security.apiKey) {
    out[SCHEMES.apiKey] = {
      type: "apiKey",
      name: API_KEY_HEADER,
      in: "header",
      description: "The usage plan's API key. It meters the caller; it does not authenticate.",
    };
  }
  return out;
}

/**
 * The security requirement of a scope group: one requirement object (every scheme in it applies),
 * or undefined when it is open. `any` (API Gateway's `ANY` method) takes a scope of either group.
 */
export function groupRequirement(
  security: ApiSecurity,
  group: AuthGroup | "any",
): Record<string, string[]>[] | undefined {
  if (group === "open") return undefined;
  const requirement: Record<string, string[]> = {};
  if (security.auth === "cognito") {
    const { read = [], write = [] } = security.scopes ?? {};
    const scopes =
      group === "any"
        ? [...new Set([...read, ...write])]
        : group === "read"
          ? [...read]
          : [...write];
    requirement[SCHEMES.cognito] = scopes;
  }
  if (security.auth === "iam") requirement[SCHEMES.iam] = [];
  if (security.apiKey) requirement[SCHEMES.apiKey] = [];
  return Object.keys(requirement).length ? [requirement] : undefined;
}

/**
 * The security requirement of a method of a path: a preflight (`OPTIONS`) is open, `ANY` takes
 * either group, and any other method is the table's operation. `method` is upper case.
 */
export function securityRequirement(
  security: ApiSecurity,
  method: string,
  path: string,
  operations: readonly Operation[] = OPERATIONS,
): Record<string, string[]>[] | undefined {
  if (method === "OPTIONS") return undefined;
  if (method === "ANY") return groupRequirement(security, "any");
  const operation = findOperation(operations, method, path);
  if (!operation) {
    throw new Error(
      `${method} ${path} is not in the operation table: add it to contract/operations.ts`,
    );
  }
  return groupRequirement(security, operation.auth);
}

/** The methods a path item may protect; its preflight (`options`) is always open. */
const PROTECTABLE_METHODS = ["get", "put", "post", "delete", "head", "patch"];

/**
 * OpenAPI's "no authentication": an empty requirement list. A public operation of a secured stack
 * says it on itself, an open stack at the root; otherwise a reader (and Redocly's
 * `security-defined` rule) cannot tell a public operation from one whose security was forgotten.
 * API Gateway imports it on an operation as no authorization (AWS's aws-pdk open-api-gateway
 * deploys `security: []` so, prepare-spec.ts @ d913acf); it ignores root-level security, so the
 * RestApi body leaves an open stack's root out (components/api/).
 */
const PUBLIC: OpenAPIV3.SecurityRequirementObject[] = [];

/** API Gateway's refusals a protected operation may answer, in the error shape. */
function refusals(security: ApiSecurity): Record<string, OpenAPIV3.ResponseObject> {
  const error = { "application/json": { schema: { $ref: "#/components/schemas/Error" } } };
  const out: Record<string, OpenAPIV3.ResponseObject> = {};
  if (security.auth === "cognito") {
    out["401"] = {
      description:
        "API Gateway: no valid token of the user pool (UNAUTHORIZED): missing, expired, from another pool or app client, or without the method's scope.",
      content: error,
    };
  }
  const forbidden = [
    security.auth === "iam" &&
      "no valid SigV4 signature (MISSING_AUTHENTICATION_TOKEN, INVALID_SIGNATURE) or no execute-api:Invoke permission (ACCESS_DENIED)",
    security.apiKey && "no valid API key in x-api-key (INVALID_API_KEY)",
  ].filter(Boolean);
  if (forbidden.length) {
    out["403"] = { description: `API Gateway: ${forbidden.join("; ")}.`, content: error };
  }
  return out;
}

/**
 * The document with the stack's security schemes and each operation's requirement, found by its
 * `operationId` in the operation table; public operations say `security: []`. A stack without
 * schemes says so once, at the root. Throws for an operation the table does not have.
 */
export function withSecurity<D extends OpenAPIV3.Document>(
  document: D,
  security: ApiSecurity,
  operations: readonly Operation[] = OPERATIONS,
): D {
  const schemes = securitySchemes(security);
  if (!Object.keys(schemes).length) return { ...document, security: PUBLIC };
  const groups = new Map(operations.map((op) => [op.operationId, op.auth]));
  const paths: Record<string, unknown> = {};
  for (const [path, item] of Object.entries(document.paths)) {
    const out: Record<string, unknown> = { ...item };
    const preflight = (item as OpenAPIV3.PathItemObject | undefined)?.options;
    if (preflight) out["options"] = { ...preflight, security: PUBLIC };
    for (const method of PROTECTABLE_METHODS) {
      const operation = (item as Record<string, unknown> | undefined)?.[method];
      if (!operation) continue;
      const op = operation as OpenAPIV3.OperationObject;
      const group = groups.get(op.operationId ?? "");
      if (!group) {
        throw new Error(
          `${method.toUpperCase()} ${path} (operationId ${op.operationId}) is not in the operation table: add it to contract/operations.ts`,
        );
      }
      const requirement = groupRequirement(security, group);
      if (!requirement) {
        out[method] = { ...op, security: PUBLIC };
        continue;
      }
      // Status codes are integer-like keys: JavaScript keeps them in ascending order.
      const responses = { ...op.responses, ...refusals(security) };
      out[method] = { ...op, security: requirement, responses };
    }
    paths[path] = out;
  }
  return {
    ...document,
    paths,
    components: {
      ...document.components,
      securitySchemes: { ...document.components?.securitySchemes, ...schemes },
    },
  };
}
