/**
 * A typed client for this API: `openapi-fetch` over the types `npm run openapi` generates from the
 * OpenAPI document (`client/schema.d.ts`). Paths, parameters, bodies and every documented
 * response are checked by TypeScript; the CRUD flow (integration/flows/) uses it on every target.
 *
 * @example
 * ```ts
 * const api = createApiClient("https://abc123.execute-api.us-east-1.amazonaws.com/test");
 * const { data, error, response } = await api.GET("/items/{id}", { params: { path: { id: "42" } } });
 * if (data) console.log(data.id, data.version, response.headers.get("etag"));
 * else console.log(response.status, error?.error.code);
 * ```
 */
import createClient, { type Client, type ClientOptions } from "openapi-fetch";
import type { components, paths } from "./schema";

export type { components, paths, operations } from "./schema";
export type ApiClient = Client<paths>;
export type Schemas = components["schemas"];

/**
 * A client for the API at `baseUrl` (the stage's invoke URL). `options` go to openapi-fetch: e.g.
 * `headers: { Authorization: \`Bearer ${idToken}\`, "x-api-key": KEY }` for a cognito stack with
 * `apiKeyRequired` (the served document's `securitySchemes` say what a stack needs); for an iam
 * stack, a `fetch` that signs each request with SigV4 (integration/flows/credentials.ts does).
 */
export function createApiClient(
  baseUrl: string,
  options: Omit<ClientOptions, "baseUrl"> = {},
): ApiClient {
  return createClient<paths>({ ...options, baseUrl });
}
