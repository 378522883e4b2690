/**
 * The pure front of the function: an HTTP request in, either a finished response (404, 405,
 * preflight, ping, echo) or a typed command for the service to run. Routes, the media types each
 * operation takes and which operation a method of a path runs all come from the operation table
 * (contract/operations.ts). Every refusal is an ApiError.
 */
import { allowedRequestHeaders } from "../../contract/headers";
import { DYNAMODB_ITEM_BYTES } from "../../contract/limits";
import { OPERATIONS, ROUTES, type Route } from "../../contract/operations";
import { parseApiSecurity } from "../../contract/security";
import type { Config } from "./config";
import { preflightHeaders } from "../../contract/cors";
import { ApiError, json, noContent, type HttpRequest, type HttpResponse } from "./http";
import { parseItemsRequest, type ItemsCommand } from "./items";
import type { Json } from "../../contract/json";
import { JsonSyntaxError, parseJson } from "./json";
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

/** A larger body cannot become an item. */
export const MAX_BODY_BYTES = DYNAMODB_ITEM_BYTES;

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
    const allowHeaders = allowedRequestHeaders(parseApiSecurity(ctx.config.apiSecurity));
    return {
      kind: "respond",
      operation: "preflight",
      response: noContent({
        allow: allowHeader(route),
        ...preflightHeaders(
          origin,
          ctx.config.corsAllowOrigins,
          [...route.methods, "OPTIONS"],
          allowHeaders,
        ),
      }),
    };
  }
  // Found in the table as it is typed (not as `Operation`), so the switch below knows its ids.
  const operation = OPERATIONS.find((op) => op.method === req.method && op.path === route.path);
  if (!operation) {
    throw new ApiError(
      405,
      "MethodNotAllowed",
      `${req.method} is not allowed on ${route.path}; use ${route.methods.join(", ")}`,
      { allow: allowHeader(route) },
    );
  }
  // The media types the operation takes; the first is the one a 415 asks for.
  const accepted = "body" in operation ? Object.keys(operation.body.content) : undefined;

  // One branch per operation of the table: TypeScript fails here when one has none.
  switch (operation.operationId) {
    case "getOpenApiDocument":
      return { kind: "openapi" };
    case "dynamoDbManager": {
      checkContentType(req, accepted ?? [], operation.body.contentTypeOptional);
      const command = parseManagerRequest(readBody(req), ctx.config.tableName);
      if (command.kind === "manager.ping") {
        return { kind: "respond", operation: command.kind, response: json(200, "pong") };
      }
      if (command.kind === "manager.echo") {
        return { kind: "respond", operation: command.kind, response: json(200, command.payload) };
      }
      return command;
    }
    case "listItems":
    case "createItem":
    case "getItem":
    case "replaceItem":
    case "updateItem":
    case "deleteItem":
      if (accepted) checkContentType(req, accepted, false);
      return parseItemsRequest({
        method: operation.method,
        id: "pathParameters" in operation ? (req.pathParameters["id"] ?? "") : undefined,
        query: req.query,
        ifMatch: req.headers["if-match"],
        body: accepted ? readBody(req) : undefined,
        generateId: ctx.generateId,
        tableName: ctx.config.tableName,
        cursorSecret: ctx.config.cursorSecret,
      });
    default: {
      const unhandled: never = operation;
      throw new Error(
        `no branch for operation ${(unhandled as { operationId: string }).operationId}`,
      );
    }
  }
}
