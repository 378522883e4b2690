/**
 * A REST API as API Gateway serves it at `https://<id>.execute-api.<region>.amazonaws.com/<stage>/...`,
 * here at `http://127.0.0.1:<port>/<stage>/...`: stage lookup, resource matching, Lambda proxy
 * integration, MOCK integrations (local/mock-integration.ts), and API Gateway's own answers (403,
 * 413, 502, 504).
 */
import * as crypto from "node:crypto";
import type * as http from "node:http";
import type { APIGatewayProxyEvent } from "aws-lambda";
import {
  API_GATEWAY_413,
  API_GATEWAY_431,
  API_GATEWAY_BAD_QUERY,
  API_GATEWAY_INTEGRATION_TIMEOUT_SECONDS,
  API_GATEWAY_PAYLOAD_BYTES,
  API_GATEWAY_QUERY_REFUSED_CHARACTERS,
  API_GATEWAY_REQUEST_LINE_AND_HEADERS_BYTES,
  type FixedAnswer,
} from "../contract/limits";
import { readLimited } from "./http-boundary";
import { MAX_INVOKE_PAYLOAD_BYTES, type FunctionHost } from "./functions";
import { isRefusal, type AccessControl } from "./access";
import type { MethodModel, RestApiModel, StageModel } from "./model";
import {
  buildProxyEvent,
  mapProxyResult,
  newExtendedRequestId,
  type HttpResponse,
  type IncomingRequest,
} from "./proxy-event";
import { docsSite } from "./docs";
import { gatewayErrorResponse, type GatewayError } from "./gateway-responses";
import { answerMock } from "./mock-integration";
import { matchRoute } from "./routing";

/** API Gateway's payload limit. */
export const MAX_PAYLOAD_BYTES = API_GATEWAY_PAYLOAD_BYTES;
/** API Gateway's default integration timeout for REST APIs. */
export const INTEGRATION_TIMEOUT_MS = API_GATEWAY_INTEGRATION_TIMEOUT_SECONDS * 1000;

export interface ApiGatewayOptions {
  api: RestApiModel;
  /** By physical function name. */
  functions: Map<string, FunctionHost>;
  integrationTimeoutMs: number;
  log: (line: string) => void;
  /** Authorization, API keys and throttling; without it every method is open and unthrottled. */
  access?: AccessControl;
}

const json = (
  statusCode: number,
  message: string,
  extra: Record<string, string> = {},
): HttpResponse => ({
  statusCode,
  headers: {
    "Content-Type": ["application/json"],
    ...Object.fromEntries(Object.entries(extra).map(([k, v]) => [k, [v]])),
  },
  body: Buffer.from(JSON.stringify({ message })),
});

/** An answer API Gateway sends as it is: no gateway response of the API applies to it. */
const fixed = (answer: FixedAnswer): HttpResponse & { requestIds: boolean } => ({
  statusCode: answer.status,
  headers: {
    "Content-Type": [answer.contentType],
    ...(answer.errorType ? { "x-amzn-ErrorType": [answer.errorType] } : {}),
  },
  body: Buffer.from(answer.body),
  requestIds: answer.requestIds,
});

function send(
  res: http.ServerResponse,
  response: HttpResponse & { requestIds?: boolean },
  requestId: string,
  extendedRequestId: string,
): void {
  if (res.headersSent) return;
  const headers: Record<string, string[]> = {
    ...response.headers,
    ...(response.requestIds === false
      ? {}
      : {
          "x-amzn-RequestId": [requestId],
          "x-amz-apigw-id": [extendedRequestId],
        }),
  };
  for (const [name, values] of Object.entries(headers)) {
    // Hop-by-hop and length headers are the server's to set.
    if (/^(content-length|transfer-encoding|connection)$/i.test(name)) continue;
    res.setHeader(name, values);
  }
  res.setHeader("Content-Length", response.body.length);
  res.writeHead(response.statusCode);
  res.end(response.body);
}

/** The request line and the header values, as API Gateway counts them against its limit. */
function requestLineAndHeaderBytes(req: http.IncomingMessage): number {
  let bytes = Buffer.byteLength(`${req.method} ${req.url} HTTP/${req.httpVersion}`);
  for (let i = 1; i < req.rawHeaders.length; i += 2) bytes += Buffer.byteLength(req.rawHeaders[i]!);
  return bytes;
}

export type Routed =
  | { kind: "no-stage" }
  | { kind: "no-method" }
  | { kind: "routed"; method: MethodModel; stage: StageModel; event: APIGatewayProxyEvent };

/**
 * What API Gateway does before it calls a function: find the stage and the route for
 * `/<stage>/<path>`, then build the proxy event. The HTTP server uses it, and so do the harnesses
 * that invoke a handler in-process (handler tests, benchmarks), so every event has one shape.
 */
export function routeRequest(
  api: RestApiModel,
  rawPath: string,
  request: Omit<IncomingRequest, "path">,
  requestId: string,
  extendedRequestId = newExtendedRequestId(),
): Routed {
  const [, stageName = "", ...rest] = rawPath.split("/");
  const stage = api.stages.find((s) => s.name === stageName);
  if (!stage) return { kind: "no-stage" };
  const path = `/${rest.join("/")}`;
  const match = matchRoute(api.root, path, request.httpMethod);
  if (!match?.method) return { kind: "no-method" };
  const event = buildProxyEvent(
    { ...request, path },
    {
      apiId: api.id,
      stage: stage.name,
      deploymentId: stage.deploymentId,
      stageVariables: stage.variables,
      resourceId: match.resource.id,
      resourcePath: match.resource.path,
      pathParameters: match.pathParameters,
      binaryMediaTypes: api.binaryMediaTypes,
      requestId,
      extendedRequestId,
    },
  );
  // IAM methods: API Gateway keeps the SigV4 headers but drops Authorization from the event
  // (the captured iam-auth event has x-amz-date, x-amz-content-sha256, X-Amz-Security-Token and
  // no Authorization).
  if (match.method.authorization === "AWS_IAM") {
    for (const headers of [event.headers, event.multiValueHeaders]) {
      for (const name of Object.keys(headers)) {
        if (name.toLowerCase() === "authorization") delete headers[name];
      }
    }
  }
  return { kind: "routed", method: match.method, stage, event };
}

/** A request to an API, as a test or benchmark states it. */
export interface ApiCall {
  method: string;
  /** Path below the stage, percent-encoded as a client sends it, with an optional query. */
  path: string;
  headers?: Record<string, string>;
  body?: string;
}

/**
 * The event API Gateway sends the function for `call` on the API's first stage, for harnesses
 * that invoke a handler in-process. Throws where API Gateway would answer by itself.
 */
export function eventFor(api: RestApiModel, call: ApiCall): APIGatewayProxyEvent {
  const [path = "", query = ""] = call.path.split("?");
  const stage = api.stages[0]?.name ?? "";
  const routed = routeRequest(
    api,
    `/${stage}${path}`,
    {
      httpMethod: call.method,
      query,
      rawHeaders: Object.entries(call.headers ?? {}).flat(),
      body: Buffer.from(call.body ?? ""),
      sourceIp: "127.0.0.1",
      localPort: 443,
    },
    crypto.randomUUID(),
  );
  if (routed.kind !== "routed") {
    throw new Error(`API Gateway would not call the function for ${call.method} ${call.path}`);
  }
  return routed.event;
}

export function apiGatewayHandler(options: ApiGatewayOptions): http.RequestListener {
  const { api, functions, log } = options;
  const docs = docsSite(api);
  return async (req, res) => {
    const started = Date.now();
    const requestId = crypto.randomUUID();
    const extendedRequestId = newExtendedRequestId();
    // Only origin-form targets are requests to an API; `//x` must not read as a host.
    const target = req.url?.startsWith("/") ? req.url : "/";
    const rawPath = target.split("?")[0]!;
    const query = target.includes("?") ? target.slice(target.indexOf("?") + 1).split("#")[0]! : "";
    const method = (req.method ?? "GET").toUpperCase();
    // API Gateway's own answers, in the API's gateway responses when it declares them.
    const gatewayError = (
      type: string,
      status: number,
      message: string,
      errorType?: GatewayError["errorType"],
    ) =>
      gatewayErrorResponse(api, {
        type,
        status,
        message,
        errorType,
        requestId,
        requestHeaders: req.headers,
      });
    // A function that failed, crashed or answered malformed: 502 "Internal server error".
    const functionFailed = () => gatewayError("INTEGRATION_FAILURE", 502, "Internal server error");
    const finish = (response: HttpResponse & { requestIds?: boolean }, note = "") => {
      send(res, response, requestId, extendedRequestId);
      log(
        `${method} ${rawPath} → ${response.statusCode} (${Date.now() - started} ms)${note ? ` ${note}` : ""}`,
      );
    };
    try {
      if (docs?.serve(method, rawPath, res)) return;
      const headerBytes = requestLineAndHeaderBytes(req);
      if (headerBytes > API_GATEWAY_REQUEST_LINE_AND_HEADERS_BYTES) {
        return finish(
          fixed(API_GATEWAY_431),
          `(request line and header values of ${headerBytes} bytes, over ${API_GATEWAY_REQUEST_LINE_AND_HEADERS_BYTES})`,
        );
      }
      const refused = API_GATEWAY_QUERY_REFUSED_CHARACTERS.find((c) => query.includes(c));
      if (refused) return finish(fixed(API_GATEWAY_BAD_QUERY), `(raw ${refused} in the query)`);
      const body = await readLimited(req, MAX_PAYLOAD_BYTES);
      if (body === "too-large") {
        return finish(fixed(API_GATEWAY_413.body), `(body over ${MAX_PAYLOAD_BYTES} bytes)`);
      }
      const routed = routeRequest(
        api,
        rawPath,
        {
          httpMethod: method,
          query,
          rawHeaders: req.rawHeaders,
          body,
          sourceIp: (req.socket.remoteAddress ?? "127.0.0.1").replace(/^::ffff:/, ""),
          localPort: req.socket.localPort ?? 0,
        },
        requestId,
        extendedRequestId,
      );
      if (routed.kind === "no-stage") {
        // No stage, no deployment: nothing of the API answers, only API Gateway itself.
        return finish(json(403, "Forbidden", { "x-amzn-ErrorType": "ForbiddenException" }));
      }
      if (routed.kind === "no-method") {
        return finish(
          gatewayError(
            "MISSING_AUTHENTICATION_TOKEN",
            403,
            "Missing Authentication Token",
            "MissingAuthenticationTokenException",
          ),
        );
      }
      if (options.access) {
        const outcome = await options.access.check({
          method: routed.method,
          stage: routed.stage,
          resourcePath: routed.event.resource,
          httpMethod: method,
          rawPath,
          query,
          headers: req.headers,
          body,
        });
        if (isRefusal(outcome)) {
          return finish(
            gatewayError(outcome.type, outcome.status, outcome.message, outcome.errorType),
            outcome.note,
          );
        }
        const context = routed.event.requestContext;
        if (outcome.authorizer) context.authorizer = outcome.authorizer;
        if (outcome.identity) Object.assign(context.identity, outcome.identity);
      }
      if (routed.method.mock) {
        // Answered by API Gateway itself: the function is not invoked.
        const mocked = answerMock(routed.method.mock, req.headers["content-type"]);
        return mocked.kind === "answer"
          ? finish(mocked.response, "(MOCK integration)")
          : finish(gatewayError(mocked.type, mocked.status, mocked.message), "(MOCK integration)");
      }
      const host = routed.method.functionName
        ? functions.get(routed.method.functionName)
        : undefined;
      if (!host) {
        return finish(
          gatewayError("API_CONFIGURATION_ERROR", 500, "Internal server error"),
          routed.method.unsupported,
        );
      }

      // Lambda refuses an event over its invoke payload limit, so the function never runs.
      const eventBytes = Buffer.byteLength(JSON.stringify(routed.event));
      if (eventBytes > MAX_INVOKE_PAYLOAD_BYTES) {
        return finish(
          fixed(API_GATEWAY_413.event),
          `(event of ${eventBytes} bytes is over Lambda's ${MAX_INVOKE_PAYLOAD_BYTES}-byte invoke limit)`,
        );
      }
      const outcome = await host.invoke(routed.event, started + options.integrationTimeoutMs);
      switch (outcome.kind) {
        case "timeout":
          // The function's own timeout is a function error (502); only API Gateway's integration
          // timeout is 504.
          if (outcome.limit === "function") return finish(functionFailed(), "(function timeout)");
          return finish(
            gatewayError("INTEGRATION_TIMEOUT", 504, "Endpoint request timed out"),
            "(integration timeout)",
          );
        case "crash":
          return finish(functionFailed(), `(function ${outcome.detail})`);
        case "error":
          return finish(
            functionFailed(),
            `(function error ${outcome.error.errorType}: ${outcome.error.errorMessage})`,
          );
        case "result": {
          const mapped = mapProxyResult(outcome.payload, req.headers.accept, api.binaryMediaTypes);
          if ("malformed" in mapped) {
            return finish(
              functionFailed(),
              `(malformed Lambda proxy response: ${mapped.malformed})`,
            );
          }
          return finish(mapped);
        }
      }
    } catch (err) {
      finish(
        gatewayError("DEFAULT_5XX", 500, "Internal server error"),
        `(local cloud error: ${(err as Error).message})`,
      );
    }
  };
}
