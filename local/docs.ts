/**
 * The docs page the local cloud serves beside each OpenAPI-defined API, at `/<stage>/docs`: the
 * API's public document rendered by Swagger UI (`swagger-ui-dist`, served from node_modules, so
 * nothing comes from a CDN). It is the local cloud's own page, not part of the API: a deployed
 * API serves the same document at `GET /openapi.json` for any viewer.
 */
import * as fs from "node:fs";
import type * as http from "node:http";
import * as path from "node:path";
import { publicDocument, type Document } from "../contract/openapi";
import type { RestApiModel } from "./model";

const SWAGGER_UI_DIR = path.dirname(require.resolve("swagger-ui-dist/package.json"));
const ASSETS: Record<string, string> = {
  "swagger-ui.css": "text/css; charset=utf-8",
  "swagger-ui-bundle.js": "text/javascript; charset=utf-8",
};

/** Serves `/<stage>/docs` and its files; `serve` returns false for every other request. */
export interface DocsSite {
  /** The page's path for each stage, e.g. `/test/docs`. */
  paths: string[];
  serve(method: string, rawPath: string, res: http.ServerResponse): boolean;
}

export function docsSite(api: RestApiModel): DocsSite | undefined {
  if (!api.body) return undefined;
  // A route of the API's own at /docs wins, as it would in AWS.
  if (Object.keys(api.body.paths ?? {}).some((p) => p === "/docs" || p.startsWith("/docs/"))) {
    return undefined;
  }
  const shown = publicDocument(api.body as Document);
  const pages = new Map(api.stages.map((s) => [`/${s.name}/docs`, s.name]));
  return {
    paths: [...pages.keys()],
    serve(method, rawPath, res) {
      const [, stage = "", first, second, ...rest] = rawPath.split("/");
      const page = `/${stage}/${first}`;
      if (!pages.has(page) || rest.length || (method !== "GET" && method !== "HEAD")) return false;
      const send = (type: string, body: Buffer | string) => {
        res.writeHead(200, { "Content-Type": type, "Cache-Control": "no-cache" });
        res.end(method === "HEAD" ? undefined : body);
      };
      if (second === undefined || second === "") {
        send("text/html; charset=utf-8", page === rawPath ? html(page, shown) : redirect(page));
        return true;
      }
      if (second === "openapi.json") {
        send(
          "application/json",
          JSON.stringify({ ...shown, servers: [{ url: `/${stage}` }] }, null, 2),
        );
        return true;
      }
      // Own keys only: `__proto__` or `constructor` is no asset.
      const type = Object.hasOwn(ASSETS, second) ? ASSETS[second] : undefined;
      if (!type) return false;
      send(type, fs.readFileSync(path.join(SWAGGER_UI_DIR, second)));
      return true;
    },
  };
}

const escape = (text: string) => text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);

function redirect(page: string): string {
  return `<!doctype html><meta http-equiv="refresh" content="0; url=${escape(page)}">`;
}

function html(page: string, document: Document): string {
  const title = `${document.info.title} ${document.info.version}`;
  // validatorUrl null: Swagger UI would otherwise send the document to an online validator.
  const init = `window.ui = SwaggerUIBundle({ url: ${JSON.stringify(`${page}/openapi.json`)}, dom_id: "#swagger-ui", validatorUrl: null, deepLinking: true });`;
  return `<!doctype html>
<html lang="en">
  <head>
    <meta charset="utf-8">
    <title>${escape(title)} – docs</title>
    <link rel="stylesheet" href="${escape(page)}/swagger-ui.css">
  </head>
  <body>
    <div id="swagger-ui"></div>
    <script src="${escape(page)}/swagger-ui-bundle.js"></script>
    <script>${init}</script>
  </body>
</html>
`;
}
