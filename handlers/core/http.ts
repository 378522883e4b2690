/**
 * The HTTP model the core works on: a request as API Gateway's proxy integration delivers it (with
 * header names lower-cased and the body decoded), and a response whose body is still a value.
 */
import type { Serialisable } from "./json";

export interface HttpRequest {
  /** Upper-case method. */
  readonly method: string;
  /** API Gateway resource: a path of the operation table (contract/operations.ts), or the catch-all. */
  readonly resource: string;
  /** Path as requested, for messages. */
  readonly path: string;
  /** Path parameters, percent-decoded once by the adapter (REST APIs deliver them encoded). */
  readonly pathParameters: Readonly<Record<string, string | undefined>>;
  /** Query string parameters; a name given more than once has every value. */
  readonly query: Readonly<Record<string, readonly string[]>>;
  /** Headers with lower-case names. */
  readonly headers: Readonly<Record<string, string | undefined>>;
  /** Body as text (decoded when API Gateway delivered it base64-encoded), or null. */
  readonly body: string | null;
  /** Size of the body as received, in bytes. */
  readonly bodyBytes: number;
  /**
   * Whose Idempotency-Keys this request uses (contract/idempotency.ts `idempotencyScope`), from
   * what API Gateway says about the caller. @default the shared scope
   */
  readonly idempotencyScope?: string;
  /** Prefix of the public URL before the resource path (the stage, e.g. `/dev`), for Location. */
  readonly basePath: string;
}

export interface HttpResponse {
  readonly status: number;
  readonly headers: Record<string, string>;
  /** JSON body; absent for 204. */
  readonly body?: Serialisable;
  /** The body already serialised, sent as it is (a replayed response); wins over `body`. */
  readonly rawBody?: string;
}

/** An error the client can act on. `message` says what to change; it never holds a stack trace. */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly headers: Record<string, string> = {},
  ) {
    super(message);
    this.name = "ApiError";
  }
}

export const badRequest = (code: string, message: string) => new ApiError(400, code, message);

/**
 * Decodes one path parameter exactly once, as a client percent-encoded it (`a%2Fb` → `a/b`). A
 * malformed escape (`%zz`, a lone `%`, bytes that are not UTF-8) is the client's error.
 */
export function decodePathParameter(name: string, raw: string): string {
  try {
    return decodeURIComponent(raw);
  } catch {
    throw badRequest(
      "InvalidPathEncoding",
      `path parameter ${name} (${JSON.stringify(raw)}) has a malformed percent-escape: ` +
        "encode the value with encodeURIComponent (a literal % is %25)",
    );
  }
}

export function json(
  status: number,
  body: Serialisable,
  headers: Record<string, string> = {},
): HttpResponse {
  return { status, headers: { "content-type": "application/json", ...headers }, body };
}

export function errorResponse(error: ApiError): HttpResponse {
  return json(error.status, { error: { code: error.code, message: error.message } }, error.headers);
}

export function noContent(headers: Record<string, string> = {}): HttpResponse {
  return { status: 204, headers: { ...headers } };
}
