/**
 * The Lambda proxy integration contract of API Gateway REST APIs: the event it sends
 * (`APIGatewayProxyEvent`) and how it maps the function's result back to HTTP.
 */
import * as crypto from "node:crypto";
import type { APIGatewayEventIdentity, APIGatewayProxyEvent } from "aws-lambda";
import { ACCOUNT_ID } from "./program";

export interface IncomingRequest {
  httpMethod: string;
  /** Path below the stage, as sent (still percent-encoded), e.g. `/items/a%20b`. */
  path: string;
  /** Raw query string without `?`. */
  query: string;
  /** Node's `rawHeaders`: name, value, name, value, ... with the client's casing. */
  rawHeaders: string[];
  body: Buffer;
  sourceIp: string;
  localPort: number;
}

export interface EventContext {
  apiId: string;
  stage: string;
  /** The deployment the stage serves (`requestContext.deploymentId`). */
  deploymentId: string;
  stageVariables: Record<string, string> | null;
  resourceId: string;
  resourcePath: string;
  pathParameters: Record<string, string> | null;
  binaryMediaTypes: string[];
  requestId: string;
  /** Also the response's `x-amz-apigw-id`. @default a new one */
  extendedRequestId?: string;
}

/**
 * `requestContext.extendedRequestId`, which API Gateway also sends as `x-amz-apigw-id`: 16
 * characters ending in `=` in every captured event (`local/fixtures/events/`), i.e. 11 bytes in
 * base64. Captured ones are letters and digits only, so `+` and `/` are not produced.
 */
export function newExtendedRequestId(): string {
  return crypto.randomBytes(11).toString("base64").replace(/\+/g, "A").replace(/\//g, "B");
}

/** Whether a Content-Type or Accept value matches one of the API's binary media types. */
export function isBinaryMediaType(value: string | undefined, binaryMediaTypes: string[]): boolean {
  if (!value) return false;
  const type = value.split(";")[0]!.trim().toLowerCase();
  return binaryMediaTypes.some((pattern) => {
    const p = pattern.trim().toLowerCase().replace(/~1/g, "/");
    if (p === "*/*") return true;
    if (p.endsWith("/*")) return type.startsWith(p.slice(0, -1));
    return p === type;
  });
}

/** A query-string name or value as REST APIs deliver it: `+` is a space, then percent-decoded. */
function decodeQueryComponent(s: string): string {
  const spaced = s.replace(/\+/g, " ");
  try {
    return decodeURIComponent(spaced);
  } catch {
    return spaced;
  }
}

/** Name → values in order, as an object with the client's names as own keys (none inherited). */
function grouped(pairs: Iterable<[string, string]>): Record<string, string[]> {
  const byName = new Map<string, string[]>();
  for (const [name, value] of pairs) {
    const values = byName.get(name);
    if (values) values.push(value);
    else byName.set(name, [value]);
  }
  return Object.fromEntries(byName);
}

function parseQuery(query: string): Record<string, string[]> | null {
  if (!query) return null;
  const pairs: [string, string][] = [];
  // A raw `;` separates parameters as `&` does: `a=X;Y` arrives as `a: X` (amplify-swift#3955
  // and #4274, amplify-android#3387; the guide's important notes for REST APIs).
  for (const pair of query.split(/[&;]/)) {
    if (!pair) continue;
    const eq = pair.indexOf("=");
    const key = decodeQueryComponent(eq < 0 ? pair : pair.slice(0, eq));
    pairs.push([key, eq < 0 ? "" : decodeQueryComponent(pair.slice(eq + 1))]);
  }
  const out = grouped(pairs);
  return Object.keys(out).length ? out : null;
}

const lastValues = (multi: Record<string, string[]> | null) =>
  multi ? Object.fromEntries(Object.entries(multi).map(([k, v]) => [k, v[v.length - 1]!])) : null;

function requestTime(date: Date): string {
  const months = [
    "Jan",
    "Feb",
    "Mar",
    "Apr",
    "May",
    "Jun",
    "Jul",
    "Aug",
    "Sep",
    "Oct",
    "Nov",
    "Dec",
  ];
  const pad = (n: number) => String(n).padStart(2, "0");
  return (
    `${pad(date.getUTCDate())}/${months[date.getUTCMonth()]}/${date.getUTCFullYear()}:` +
    `${pad(date.getUTCHours())}:${pad(date.getUTCMinutes())}:${pad(date.getUTCSeconds())} +0000`
  );
}

/**
 * Request headers that describe the client's connection to API Gateway, not the request, so they
 * never reach the event: the body's length (captured REST events with a body carry no
 * Content-Length) and the hop-by-hop headers an HTTP intermediary removes (RFC 9110 §7.6.1).
 */
const CONNECTION_HEADERS = new Set([
  "content-length",
  "connection",
  "keep-alive",
  "proxy-connection",
  "te",
  "transfer-encoding",
  "upgrade",
]);

export function buildProxyEvent(req: IncomingRequest, ctx: EventContext): APIGatewayProxyEvent {
  const now = new Date();
  const named = new Set<string>(CONNECTION_HEADERS);
  for (let i = 0; i + 1 < req.rawHeaders.length; i += 2) {
    if (req.rawHeaders[i]!.toLowerCase() !== "connection") continue;
    // Headers the client's Connection header lists are hop-by-hop too.
    for (const token of req.rawHeaders[i + 1]!.split(",")) named.add(token.trim().toLowerCase());
  }
  const rawPairs: [string, string][] = [];
  for (let i = 0; i + 1 < req.rawHeaders.length; i += 2) {
    if (named.has(req.rawHeaders[i]!.toLowerCase())) continue;
    rawPairs.push([req.rawHeaders[i]!, req.rawHeaders[i + 1]!]);
  }
  const multiValueHeaders = grouped(rawPairs);
  const existing = (name: string) =>
    Object.keys(multiValueHeaders).find((h) => h.toLowerCase() === name.toLowerCase());
  // A proxy in front of the client may have started X-Forwarded-For: API Gateway appends the
  // address the connection came from, and that address is identity.sourceIp.
  const forwardedFor = existing("X-Forwarded-For");
  if (forwardedFor) {
    const values = multiValueHeaders[forwardedFor]!;
    values[values.length - 1] = `${values[values.length - 1]}, ${req.sourceIp}`;
  }
  const traceId = `Root=1-${Math.floor(now.getTime() / 1000).toString(16)}-${crypto.randomBytes(12).toString("hex")}`;
  // Headers API Gateway adds on its way to the function.
  const added: Record<string, string> = {
    "X-Forwarded-For": req.sourceIp,
    "X-Forwarded-Port": String(req.localPort),
    "X-Forwarded-Proto": "http",
    "X-Amzn-Trace-Id": traceId,
  };
  for (const [k, v] of Object.entries(added)) {
    if (!existing(k)) multiValueHeaders[k] = [v];
  }
  const headers = lastValues(multiValueHeaders)!;
  const header = (name: string) =>
    Object.entries(headers).find(([k]) => k.toLowerCase() === name)?.[1];
  const multiQuery = parseQuery(req.query);
  const binary = isBinaryMediaType(header("content-type"), ctx.binaryMediaTypes);
  const hasBody = req.body.length > 0;
  // As sent, still percent-encoded: REST APIs decode neither `path` nor `requestContext.path`.
  const path = req.path;
  // The Host header without its port: captured events name the domain only (on 443).
  const host = (header("host") ?? "127.0.0.1").replace(/:\d*$/, "");

  return {
    resource: ctx.resourcePath,
    path,
    httpMethod: req.httpMethod,
    headers,
    multiValueHeaders,
    queryStringParameters: lastValues(multiQuery),
    multiValueQueryStringParameters: multiQuery,
    pathParameters: ctx.pathParameters,
    stageVariables: ctx.stageVariables,
    requestContext: {
      accountId: ACCOUNT_ID,
      apiId: ctx.apiId,
      deploymentId: ctx.deploymentId,
      domainName: host,
      // "The first label of the $context.domainName" (the developer guide's $context variables).
      domainPrefix: host.split(".")[0]!,
      extendedRequestId: ctx.extendedRequestId ?? newExtendedRequestId(),
      httpMethod: req.httpMethod,
      // The fields of a captured event from an API without keys, IAM or mutual TLS.
      identity: {
        accessKey: null,
        accountId: null,
        caller: null,
        cognitoAuthenticationProvider: null,
        cognitoAuthenticationType: null,
        cognitoIdentityId: null,
        cognitoIdentityPoolId: null,
        principalOrgId: null,
        sourceIp: req.sourceIp,
        user: null,
        userAgent: header("user-agent") ?? null,
        userArn: null,
        // @types/aws-lambda also lists apiKey, apiKeyId and clientCert, which only APIs using
        // those features receive.
      } as unknown as APIGatewayEventIdentity,
      path: `/${ctx.stage}${path}`,
      protocol: "HTTP/1.1",
      requestId: ctx.requestId,
      requestTime: requestTime(now),
      requestTimeEpoch: now.getTime(),
      resourceId: ctx.resourceId,
      resourcePath: ctx.resourcePath,
      stage: ctx.stage,
      // Captured REST events carry deploymentId; @types/aws-lambda does not list it.
    } as Omit<
      APIGatewayProxyEvent["requestContext"],
      "authorizer"
    > as APIGatewayProxyEvent["requestContext"],
    body: hasBody ? (binary ? req.body.toString("base64") : req.body.toString("utf8")) : null,
    isBase64Encoded: hasBody && binary,
  };
}

export interface HttpResponse {
  statusCode: number;
  /** Header name → values, in the order API Gateway would send them. */
  headers: Record<string, string[]>;
  body: Buffer;
}

export const INTERNAL_ERROR = JSON.stringify({ message: "Internal server error" });
const RESULT_KEYS = new Set([
  "statusCode",
  "headers",
  "multiValueHeaders",
  "body",
  "isBase64Encoded",
]);

const isRecord = (v: unknown): v is Record<string, unknown> =>
  !!v && typeof v === "object" && !Array.isArray(v);
const headerValue = (v: unknown) =>
  typeof v === "string" || typeof v === "number" || typeof v === "boolean" ? String(v) : undefined;

/**
 * Maps the function's JSON result the way API Gateway does, or returns the reason it is a
 * "Malformed Lambda proxy response" (which API Gateway answers with 502).
 */
export function mapProxyResult(
  payload: string,
  requestAccept: string | undefined,
  binaryMediaTypes: string[],
): HttpResponse | { malformed: string } {
  let result: unknown;
  try {
    result = JSON.parse(payload);
  } catch {
    return { malformed: "the result is not JSON" };
  }
  if (!isRecord(result)) return { malformed: "the result is not an object" };
  const extra = Object.keys(result).filter((k) => !RESULT_KEYS.has(k));
  if (extra.length) return { malformed: `unexpected field(s) ${extra.join(", ")}` };
  const status = result.statusCode;
  if (typeof status !== "number" || !Number.isInteger(status) || status < 100 || status > 599) {
    return { malformed: "statusCode must be an integer HTTP status" };
  }
  if (result.body !== undefined && result.body !== null && typeof result.body !== "string") {
    return { malformed: "body must be a string" };
  }
  if (result.isBase64Encoded !== undefined && typeof result.isBase64Encoded !== "boolean") {
    return { malformed: "isBase64Encoded must be a boolean" };
  }
  // A Map until it is returned: the function's header names stay names, never inherited members.
  const headers = new Map<string, string[]>();
  if (result.multiValueHeaders !== undefined && result.multiValueHeaders !== null) {
    if (!isRecord(result.multiValueHeaders))
      return { malformed: "multiValueHeaders must be an object" };
    for (const [k, values] of Object.entries(result.multiValueHeaders)) {
      if (!Array.isArray(values)) return { malformed: `multiValueHeaders.${k} must be an array` };
      headers.set(
        k,
        values.map(headerValue).filter((v): v is string => v !== undefined),
      );
    }
  }
  if (result.headers !== undefined && result.headers !== null) {
    if (!isRecord(result.headers)) return { malformed: "headers must be an object" };
    for (const [k, v] of Object.entries(result.headers)) {
      const value = headerValue(v);
      if (value === undefined) return { malformed: `headers.${k} must be a string` };
      // Given in both, a header's values are merged into one list; a value both give appears
      // once (the developer guide's rule for the proxy integration's output format).
      const name = [...headers.keys()].find((h) => h.toLowerCase() === k.toLowerCase()) ?? k;
      const values = headers.get(name) ?? [];
      if (!values.includes(value)) values.push(value);
      headers.set(name, values);
    }
  }
  if (![...headers.keys()].some((k) => k.toLowerCase() === "content-type")) {
    headers.set("Content-Type", ["application/json"]);
  }
  const text = (result.body as string | null | undefined) ?? "";
  const contentType = [...headers].find(([k]) => k.toLowerCase() === "content-type")?.[1][0];
  // API Gateway decodes a base64 body only when the response type or the client's Accept is binary.
  const firstAccept = requestAccept?.split(",")[0];
  const decode =
    result.isBase64Encoded === true &&
    (isBinaryMediaType(contentType, binaryMediaTypes) ||
      isBinaryMediaType(firstAccept, binaryMediaTypes));
  return {
    statusCode: status,
    headers: Object.fromEntries(headers),
    body: decode ? Buffer.from(text, "base64") : Buffer.from(text, "utf8"),
  };
}
