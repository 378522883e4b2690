/**
 * Checks an HTTP response against the OpenAPI document: the path and method are documented (or the
 * answer is the 404 / 405 the API gives for undocumented ones), the status is listed for that
 * operation, the body matches its schema (ajv) and the documented headers are present.
 *
 * The CRUD flow runs every response it gets through this on every target, and the handler's
 * contract test runs thousands of random ones, so an undocumented status or shape fails a test.
 */
import Ajv, { type ValidateFunction } from "ajv";
import type { OpenAPIV3 } from "openapi-types";

/** `/items/` → `/items`; the root stays `/`. */
const withoutTrailingSlash = (path: string) =>
  path.length > 1 && path.endsWith("/") ? path.slice(0, -1) : path;

export interface ObservedResponse {
  method: string;
  /** Path below the stage, e.g. `/items/42`, with or without a query string. */
  path: string;
  status: number;
  headers: Headers | Record<string, string | undefined>;
  /** The body as received. */
  text: string;
}

const SCHEMA_ID = "openapi-document";

/** Where a response came from in the document, for messages. */
export interface Match {
  /** The documented path template, or undefined for an unknown path. */
  template?: string;
  operation?: OpenAPIV3.OperationObject;
}

export class Contract {
  private readonly ajv: Ajv;
  private readonly validators = new Map<string, ValidateFunction>();
  private readonly templates: { template: string; pattern: RegExp }[];

  constructor(readonly document: OpenAPIV3.Document) {
    // OpenAPI 3.0 schema objects are JSON Schema plus `nullable` (which ajv knows) and a few
    // annotations (`example`, `description`); strict mode would refuse the annotations.
    this.ajv = new Ajv({ strict: false, allErrors: true });
    this.ajv.addSchema({ $id: SCHEMA_ID, components: document.components ?? {} });
    this.templates = Object.keys(document.paths).map((template) => ({
      template,
      pattern: new RegExp(
        `^${template
          .split("/")
          .map((seg) =>
            /^\{[^}]+\+\}$/.test(seg)
              ? ".+"
              : /^\{[^}]+\}$/.test(seg)
                ? "[^/]+"
                : seg.replace(/[.*+?^${}()|[\]\\]/g, "\\$&"),
          )
          .join("/")}$`,
      ),
    }));
  }

  /**
   * The documented operation a request reaches. A trailing slash is dropped first, as API Gateway
   * does before it matches a resource (so `/items/` is `/items`): aws/chalice's local mode, which
   * emulates API Gateway, says so (chalice/local.py, RouteMatcher.match_route, @ 4a44a01), and
   * Powertools' end-to-end test of a REST API answers `/todos/` from `/todos`. Not in AWS's guide.
   */
  match(method: string, path: string): Match {
    const bare = withoutTrailingSlash(path.split("?")[0]!);
    const found = this.templates.find((t) => t.pattern.test(bare));
    if (!found) return {};
    const item = this.document.paths[found.template] as OpenAPIV3.PathItemObject;
    // Methods are case-sensitive: "get" is not GET.
    const operation =
      method === method.toUpperCase()
        ? item[method.toLowerCase() as OpenAPIV3.HttpMethods]
        : undefined;
    return { template: found.template, operation };
  }

  /** What is wrong with a response; empty when it keeps the contract. */
  problems(res: ObservedResponse): string[] {
    const where = `${res.method} ${res.path} → ${res.status}`;
    const header = (name: string) =>
      res.headers instanceof Headers
        ? (res.headers.get(name) ?? undefined)
        : Object.entries(res.headers).find(([k]) => k.toLowerCase() === name.toLowerCase())?.[1];
    const { template, operation } = this.match(res.method, res.path);
    if (!template || !operation) {
      // Not in the document: the API answers an unknown path with 404 and a method the path
      // does not serve with 405 + Allow, both in the error shape.
      const expected = template ? 405 : 404;
      const out: string[] = [];
      if (res.status !== expected) {
        out.push(
          `${where}: ${template ? `${res.method} is not documented on ${template}` : "the path is not documented"}, so only ${expected} is allowed`,
        );
      }
      if (expected === 405 && !header("allow")) out.push(`${where}: 405 without Allow`);
      out.push(...this.bodyProblems(where, res.text, "Error"));
      return out;
    }
    const response = operation.responses[String(res.status)] as
      OpenAPIV3.ResponseObject | undefined;
    if (!response) {
      return [
        `${where}: status ${res.status} is not documented for ${operation.operationId} (documented: ${Object.keys(operation.responses).join(", ")})`,
      ];
    }
    const out: string[] = [];
    for (const [name, spec] of Object.entries(response.headers ?? {})) {
      // Only a required header must be there (a replay marker, say, is on some answers only).
      if ((spec as OpenAPIV3.HeaderObject).required && header(name) === undefined) {
        out.push(`${where}: documented header ${name} is missing`);
      }
    }
    const content = response.content ?? {};
    if (!Object.keys(content).length) {
      if (res.text !== "") out.push(`${where}: a body where the document says none`);
      return out;
    }
    // The media type as sent, without its parameters (API Gateway's 413 text is `text; charset=utf-8`).
    const type = (header("content-type") ?? "").split(";")[0]!.trim().toLowerCase();
    const media = Object.entries(content).find(([documented]) => documented === type)?.[1];
    if (!media) {
      out.push(
        `${where}: content-type ${type || "(none)"} is not documented (documented: ${Object.keys(content).join(", ")})`,
      );
      return out;
    }
    const schema = (media.schema as OpenAPIV3.ReferenceObject).$ref.split("/").pop()!;
    out.push(...this.bodyProblems(where, res.text, schema, type === "application/json"));
    return out;
  }

  /** Throws with every problem of the response. */
  assert(res: ObservedResponse): void {
    const problems = this.problems(res);
    if (problems.length) {
      throw new Error(
        `Response breaks the OpenAPI contract:\n  ${problems.join("\n  ")}\n  body: ${res.text.slice(0, 500)}`,
      );
    }
  }

  /** A JSON body is parsed first; any other body is checked as the string it is. */
  private bodyProblems(where: string, text: string, schemaName: string, json = true): string[] {
    let body: unknown = text;
    if (json) {
      try {
        body = JSON.parse(text);
      } catch {
        return [`${where}: the body is not JSON (schema ${schemaName})`];
      }
    }
    let validate = this.validators.get(schemaName);
    if (!validate) {
      validate = this.ajv.getSchema(`${SCHEMA_ID}#/components/schemas/${schemaName}`);
      if (!validate) return [`${where}: schema ${schemaName} is not in the document`];
      this.validators.set(schemaName, validate);
    }
    if (validate(body)) return [];
    return (validate.errors ?? []).map(
      (e) => `${where}: body${e.instancePath} ${e.message ?? "is invalid"} (schema ${schemaName})`,
    );
  }
}
