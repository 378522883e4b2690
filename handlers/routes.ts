/**
 * The HTTP surface of the CRUD function: the single source of truth for routes. The Api component
 * declares exactly these resources and methods in API Gateway, and the handler dispatches on them.
 */
export type HttpMethod = "GET" | "POST" | "PUT" | "PATCH" | "DELETE";

export interface Route {
  /** API Gateway resource path, with `{name}` path parameters. */
  readonly path: string;
  /** Methods the function implements on this path. */
  readonly methods: readonly HttpMethod[];
}

export const ROUTES: readonly Route[] = [
  // The tutorial's operation endpoint: {"operation": ..., "payload": ...}.
  { path: "/DynamoDBManager", methods: ["POST"] },
  { path: "/items", methods: ["GET", "POST"] },
  { path: "/items/{id}", methods: ["GET", "PUT", "PATCH", "DELETE"] },
  // The API's own OpenAPI document (handlers/openapi.ts), served by the function.
  { path: "/openapi.json", methods: ["GET"] },
];

/**
 * Catch-all resource. With it (and an `ANY` method beside each route's methods) every request
 * reaches the function, which answers 404, 405 with `Allow`, or a CORS preflight, instead of
 * API Gateway's bare 403 "Missing Authentication Token".
 */
export const CATCH_ALL_PATH = "/{proxy+}";
