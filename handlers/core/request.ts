/**
 * The pure front of the function: an HTTP request in, either a finished response (404, 405,
 * preflight, ping, echo) or a typed command for the service to run. Every refusal is an ApiError.
 */
import { ROUTES, type HttpMethod, type Route } from "../routes";
import type { Config } from "./config";
import { preflightHeaders } from "./cors";
import { ApiError, json, noContent, type HttpRequest, type HttpResponse } from "./http";
import { parseItemsRequest, type ItemsCommand } from "./items";
import { JsonSyntaxError, parseJson, type Json } from "./json";
import { parseManagerRequest, type ManagerCommand } from "./manager";

/** A finished response, with the operation it answers (for metrics and logs). */
export interface Respond {
  kind: "respond";
  response: HttpResponse;
  operation: "preflight" | "manager.ping" | "manager.echo";
}

export type Command =
  | ManagerCommand
  | ItemsCommand
  | Respond
  // The service loads the document lazily, so no other request pays for it.
  | { kind: "openapi" };

/** DynamoDB's item size limit; a larger body cannot become an item. */
export const MAX_BODY_BYTES = 400 * 1024;

export const MANAGER_PATH = "/DynamoDBManager";
export const OPENAPI_PATH = "/openapi.json";

function allowHeader(route: Route): string {
  return [...route.methods, "OPTIONS"].join(", ");
}

function findRoute(req: HttpRequest): Route {
  const route = ROUTES.find((r) => r.path === req.resource);
  if (!route) {
    const served = ROUTES.map((r) => `${r.methods.join("|")} ${r.path}`).join(", ");
    throw new ApiError(
      404,
      "RouteNotFound",
      `no route for ${req.method} ${req.path}; this API serves ${served}`,
    );
  }
  return route;
}

const MEDIA_TYPE = /^\s*([^;\s]+)\s*(?:;(.*))?$/;

/** Media type and charset of Content-Type, lower-cased; undefined when absent. */
function contentType(header: string | undefined) {
  if (header === undefined || header.trim() === "") return undefined;
  const m = MEDIA_TYPE.exec(header);
  const charset = /(?:^|;)\s*charset\s*=\s*"?([^";\s]+)"?/i.exec(m?.[2] ?? "")?.[1];
  return { type: (m?.[1] ?? "").toLowerCase(), charset: charset?.toLowerCase() };
}

// The tutorial's curl examples send JSON with `curl -d`, i.e. as form-urlencoded, or no type.
const MANAGER_TYPES = ["application/json", "application/x-www-form-urlencoded", "text/plain"];

function checkContentType(req: HttpRequest, accepted: readonly string[], optional: boolean): void {
  const ct = contentType(req.headers["content-type"]);
  if (ct === undefined && optional) return;
  const ok = ct !== undefined && accepted.includes(ct.type);
  if (!ok || (ct.charset !== undefined && ct.charset !== "utf-8")) {
    throw new ApiError(
      415,
      "UnsupportedMediaType",
      `send the body as ${accepted[0]} (UTF-8)${ct ? `, not ${req.headers["content-type"]}` : "; Content-Type is missing"}`,
    );
  }
}

function readBody(req: HttpRequest): Json {
  if (req.bodyBytes > MAX_BODY_BYTES) {
    throw new ApiError(
      413,
      "PayloadTooLarge",
      `the body is ${req.bodyBytes} bytes; DynamoDB items are at most ${MAX_BODY_BYTES} bytes, so send less`,
    );
  }
  if (req.body === null || req.body.trim() === "") {
    throw new ApiError(400, "InvalidJson", "the body is empty: send a JSON object");
  }
  try {
    return parseJson(req.body);
  } catch (err) {
    if (err instanceof JsonSyntaxError) {
      throw new ApiError(400, "InvalidJson", `the body is not valid JSON: ${err.message}`);
    }
    throw err;
  }
}

export interface ParseContext {
  config: Config;
  generateId: () => string;
}

export function parseRequest(req: HttpRequest, ctx: ParseContext): Command {
  const route = findRoute(req);
  const origin = req.headers["origin"];
  if (req.method === "OPTIONS") {
    return {
      kind: "respond",
      operation: "preflight",
      response: noContent({
        allow: allowHeader(route),
        ...preflightHeaders(origin, ctx.config.corsAllowOrigins, [...route.methods, "OPTIONS"]),
      }),
    };
  }
  if (!(route.methods as readonly string[]).includes(req.method)) {
    throw new ApiError(
      405,
      "MethodNotAllowed",
      `${req.method} is not allowed on ${route.path}; use ${route.methods.join(", ")}`,
      { allow: allowHeader(route) },
    );
  }
  const method = req.method as HttpMethod;

  if (route.path === OPENAPI_PATH) return { kind: "openapi" };
  if (route.path === MANAGER_PATH) {
    checkContentType(req, MANAGER_TYPES, true);
    const command = parseManagerRequest(readBody(req), ctx.config.tableName);
    if (command.kind === "manager.ping") {
      return { kind: "respond", operation: command.kind, response: json(200, "pong") };
    }
    if (command.kind === "manager.echo") {
      return { kind: "respond", operation: command.kind, response: json(200, command.payload) };
    }
    return command;
  }

  const takesBody = method === "POST" || method === "PUT" || method === "PATCH";
  if (takesBody) {
    const accepted =
      method === "PATCH"
        ? ["application/json", "application/merge-patch+json"]
        : ["application/json"];
    checkContentType(req, accepted, false);
  }
  return parseItemsRequest({
    method,
    id: route.path.includes("{id}") ? (req.pathParameters["id"] ?? "") : undefined,
    query: req.query,
    ifMatch: req.headers["if-match"],
    body: takesBody ? readBody(req) : undefined,
    generateId: ctx.generateId,
    tableName: ctx.config.tableName,
    cursorSecret: ctx.config.cursorSecret,
  });
}
