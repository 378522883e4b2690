/**
 * The Lambda API for the program's functions, as `https://lambda.<region>.amazonaws.com` serves
 * it, here at `http://127.0.0.1:<port>`: Invoke, ListFunctions, GetFunction and
 * GetFunctionConfiguration, so the AWS CLI and SDK clients work with `--endpoint-url` (like
 * `sam local start-lambda`). Functions are addressed by the physical names the program gives
 * them (or their ARNs). Errors have Lambda's status, `x-amzn-ErrorType` and `{"Type", "Message"}`.
 */
import * as crypto from "node:crypto";
import type * as http from "node:http";
import { LAMBDA_ASYNC_PAYLOAD_BYTES } from "../contract/limits";
import { MAX_INVOKE_PAYLOAD_BYTES, type FunctionHost } from "./functions";
import { ACCOUNT_ID } from "./program";
import { readLimited } from "./http-boundary";

export interface LambdaApiOptions {
  /** By physical function name. */
  functions: Map<string, FunctionHost>;
  region: string;
  log: (line: string) => void;
}

const API_VERSION = "/2015-03-31";
/** Lambda's limit for the payload of an asynchronous (`Event`) invocation. */
const MAX_EVENT_PAYLOAD_BYTES = LAMBDA_ASYNC_PAYLOAD_BYTES;

class LambdaError extends Error {
  constructor(
    readonly status: number,
    readonly type: string,
    message: string,
  ) {
    super(message);
  }
}

interface Reply {
  status: number;
  headers?: Record<string, string>;
  body?: string;
}

const json = (status: number, value: unknown, headers: Record<string, string> = {}): Reply => ({
  status,
  headers: { "Content-Type": "application/json", ...headers },
  body: JSON.stringify(value),
});

/**
 * The function a `FunctionName` (name, `name:qualifier`, partial or full ARN) and `Qualifier`
 * address. Only `$LATEST` exists locally: the program publishes no versions or aliases.
 */
function findFunction(
  functions: Map<string, FunctionHost>,
  region: string,
  functionName: string,
  qualifier: string | null,
): FunctionHost {
  const arn = /^(?:arn:aws[a-z-]*:lambda:[a-z0-9-]+:)?(?:\d{12}:)?(?:function:)?([^:]+)(?::(.+))?$/;
  const m = arn.exec(functionName);
  const name = m?.[1] ?? functionName;
  const version = qualifier ?? m?.[2];
  const host = functions.get(name);
  if (!host || (version !== undefined && version !== "$LATEST")) {
    const full = `arn:aws:lambda:${region}:${ACCOUNT_ID}:function:${name}${version ? `:${version}` : ""}`;
    throw new LambdaError(404, "ResourceNotFoundException", `Function not found: ${full}`);
  }
  return host;
}

/** The FunctionConfiguration shape of ListFunctions and GetFunction. */
function configuration(host: FunctionHost): Record<string, unknown> {
  const fn = host.fn;
  return {
    FunctionName: fn.name,
    FunctionArn: fn.arn,
    Runtime: fn.runtime,
    Role: fn.role,
    Handler: fn.handler,
    Description: "",
    Timeout: fn.timeoutMs / 1000,
    MemorySize: fn.memoryMb,
    Version: "$LATEST",
    Environment: { Variables: fn.environment },
    PackageType: "Zip",
    Architectures: [fn.architecture],
    State: "Active",
    LastUpdateStatus: "Successful",
  };
}

const invocationType = (req: http.IncomingMessage) =>
  String(req.headers["x-amz-invocation-type"] ?? "RequestResponse");

/**
 * Lambda's 413 for a payload over the invocation type's limit, found while reading: the rest of
 * the body is never buffered.
 */
function payloadTooLarge(req: http.IncomingMessage): LambdaError {
  const type = invocationType(req);
  if (type !== "Event") {
    return new LambdaError(
      413,
      "RequestTooLargeException",
      `Request must be smaller than ${MAX_INVOKE_PAYLOAD_BYTES} bytes for the InvokeFunction operation`,
    );
  }
  const declared = req.headers["content-length"];
  return new LambdaError(
    413,
    "RequestEntityTooLargeException",
    `${declared ?? `More than ${MAX_EVENT_PAYLOAD_BYTES}`} byte payload is too large for the Event invocation type (limit ${MAX_EVENT_PAYLOAD_BYTES} bytes)`,
  );
}

async function invoke(
  host: FunctionHost,
  req: http.IncomingMessage,
  body: Buffer,
  log: (line: string) => void,
): Promise<Reply> {
  const type = invocationType(req);
  if (!["RequestResponse", "Event", "DryRun"].includes(type)) {
    throw new LambdaError(
      400,
      "InvalidParameterValueException",
      `1 validation error detected: Value '${type}' at 'invocationType' failed to satisfy constraint: Member must satisfy enum value set: [Event, RequestResponse, DryRun]`,
    );
  }
  let event: unknown = {};
  if (body.length) {
    try {
      event = JSON.parse(body.toString("utf8"));
    } catch (err) {
      throw new LambdaError(
        400,
        "InvalidRequestContentException",
        `Could not parse request body into json: Could not parse payload into json: ${(err as Error).message}`,
      );
    }
  }
  if (type === "DryRun") return { status: 204 };
  const requestId = crypto.randomUUID();
  // Lambda's own timeout is the only limit here; the deadline only has to be later than it.
  const deadline = Date.now() + host.fn.timeoutMs + 60_000;
  if (type === "Event") {
    void host.invoke(event, deadline, requestId).then((outcome) => {
      if (outcome.kind !== "result")
        log(`[${host.fn.name}] ${requestId} async invocation: ${outcome.kind}`);
    });
    return { status: 202, headers: { "x-amzn-RequestId": requestId } };
  }
  const outcome = await host.invoke(event, deadline, requestId);
  const headers = { "x-amzn-RequestId": requestId, "X-Amz-Executed-Version": "$LATEST" };
  const failed = { ...headers, "X-Amz-Function-Error": "Unhandled" };
  switch (outcome.kind) {
    case "result":
      return {
        status: 200,
        headers: { ...headers, "Content-Type": "application/json" },
        body: outcome.payload,
      };
    case "error":
      return json(
        200,
        {
          errorType: outcome.error.errorType,
          errorMessage: outcome.error.errorMessage,
          trace: outcome.error.stack ?? [],
        },
        failed,
      );
    case "timeout":
      return json(
        200,
        {
          errorMessage: `${new Date().toISOString()} ${requestId} Task timed out after ${(host.fn.timeoutMs / 1000).toFixed(2)} seconds`,
        },
        failed,
      );
    case "crash":
      return json(
        200,
        {
          errorType: "Runtime.ExitError",
          errorMessage: `RequestId: ${requestId} Error: Runtime exited: ${outcome.detail}`,
        },
        failed,
      );
  }
}

async function route(
  req: http.IncomingMessage,
  url: URL,
  body: Buffer,
  options: LambdaApiOptions,
): Promise<Reply> {
  const { functions, region } = options;
  const method = (req.method ?? "GET").toUpperCase();
  let parts: string[];
  try {
    parts = url.pathname.split("/").filter(Boolean).map(decodeURIComponent);
  } catch {
    throw new LambdaError(
      404,
      "UnknownOperationException",
      `Unknown operation ${method} ${url.pathname}`,
    );
  }
  if (`/${parts[0]}` !== API_VERSION || parts[1] !== "functions") {
    throw new LambdaError(
      404,
      "UnknownOperationException",
      `Unknown operation ${method} ${url.pathname}`,
    );
  }
  const qualifier = url.searchParams.get("Qualifier");
  if (parts.length === 2 && method === "GET") {
    return json(200, { Functions: [...functions.values()].map(configuration) });
  }
  const host = parts[2] ? findFunction(functions, region, parts[2], qualifier) : undefined;
  if (host && parts.length === 3 && method === "GET") {
    return json(200, {
      Configuration: configuration(host),
      Code: { RepositoryType: "Local", Location: host.fn.codeDir },
    });
  }
  if (host && parts[3] === "configuration" && parts.length === 4 && method === "GET") {
    return json(200, configuration(host));
  }
  if (host && parts[3] === "invocations" && parts.length === 4 && method === "POST") {
    return invoke(host, req, body, options.log);
  }
  throw new LambdaError(
    404,
    "UnknownOperationException",
    `Unknown operation ${method} ${url.pathname}: the local Lambda API serves Invoke, ListFunctions, GetFunction and GetFunctionConfiguration`,
  );
}

export function lambdaApiHandler(options: LambdaApiOptions): http.RequestListener {
  return async (req, res) => {
    const started = Date.now();
    // Only origin-form targets are requests to this server; `//x` must not read as a host.
    const target = req.url?.startsWith("/") ? req.url : "/";
    const url = new URL(`http://local${target}`);
    let reply: Reply;
    try {
      const limit =
        invocationType(req) === "Event" ? MAX_EVENT_PAYLOAD_BYTES : MAX_INVOKE_PAYLOAD_BYTES;
      const body = await readLimited(req, limit);
      if (body === "too-large") throw payloadTooLarge(req);
      reply = await route(req, url, body, options);
    } catch (err) {
      const e =
        err instanceof LambdaError
          ? err
          : new LambdaError(
              500,
              "ServiceException",
              `local Lambda API error: ${(err as Error).message}`,
            );
      reply = json(
        e.status,
        { Type: e.status < 500 ? "User" : "Service", Message: e.message },
        {
          "x-amzn-ErrorType": e.type,
          "x-amzn-RequestId": crypto.randomUUID(),
        },
      );
    }
    const payload = Buffer.from(reply.body ?? "");
    res.writeHead(reply.status, { ...reply.headers, "Content-Length": String(payload.length) });
    res.end(payload);
    const error = reply.headers?.["x-amzn-ErrorType"] ?? reply.headers?.["X-Amz-Function-Error"];
    options.log(
      `Lambda ${req.method} ${url.pathname} → ${reply.status}${error ? ` ${error}` : ""} (${Date.now() - started} ms)`,
    );
  };
}
