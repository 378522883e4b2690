/**
 * API Gateway's request matching for REST APIs, over the resource tree the program declared:
 * at each path segment a static child beats a `{param}` child, which beats a greedy `{proxy+}`;
 * then, on the matched resource, an explicit method beats `ANY`. Segments are matched and path
 * parameters delivered as the client sent them, still percent-encoded, as REST APIs do.
 */
import type { MethodModel, ResourceModel } from "./model";

export interface RouteMatch {
  resource: ResourceModel;
  /** null when the resource has neither the method nor ANY (API Gateway answers 403). */
  method: MethodModel | null;
  pathParameters: Record<string, string> | null;
}

const paramName = (part: string) => /^\{([^}+]+)\}$/.exec(part)?.[1];
const greedyName = (part: string) => /^\{([^}]+)\+\}$/.exec(part)?.[1];

function matchFrom(
  node: ResourceModel,
  segments: string[],
  params: Record<string, string>,
): { resource: ResourceModel; params: Record<string, string> } | null {
  if (segments.length === 0) return { resource: node, params };
  const [head, ...rest] = segments as [string, ...string[]];
  const children = node.children;
  const exact = children.find((c) => c.pathPart === head);
  if (exact) {
    const found = matchFrom(exact, rest, params);
    if (found) return found;
  }
  for (const child of children) {
    const name = paramName(child.pathPart);
    if (!name) continue;
    const found = matchFrom(child, rest, { ...params, [name]: head });
    if (found) return found;
  }
  for (const child of children) {
    const name = greedyName(child.pathPart);
    if (name) return { resource: child, params: { ...params, [name]: segments.join("/") } };
  }
  return null;
}

/** Matches a request path (below the stage, e.g. `/items/42`) and method against the resource tree. */
export function matchRoute(
  root: ResourceModel,
  requestPath: string,
  httpMethod: string,
): RouteMatch | null {
  const segments = requestPath
    .split("/")
    .filter((s, i, all) => s !== "" || (i > 0 && i < all.length - 1));
  const found = matchFrom(root, segments, {});
  if (!found) return null;
  const method =
    found.resource.methods.get(httpMethod.toUpperCase()) ??
    found.resource.methods.get("ANY") ??
    null;
  return {
    resource: found.resource,
    method,
    pathParameters: Object.keys(found.params).length ? found.params : null,
  };
}
