/**
 * The flow's client: the typed client (`client/index.ts`, openapi-fetch over the generated types)
 * for well-formed requests, raw fetch for malformed ones. Every response of either kind is checked
 * against the OpenAPI document (`client/contract.ts`), so an undocumented status or shape fails
 * the flow on every target. Calls return the status, the headers, the raw text and the parsed
 * body, so assertions can look at any of them.
 */
import { expect } from "chai";
import { Contract } from "../../client/contract";
import { createApiClient, type ApiClient, type Schemas } from "../../client/index";
import { buildOpenApiDocument } from "../../contract/openapi";
import type { Authorize } from "./credentials";

export interface ApiResponse {
  status: number;
  headers: Headers;
  text: string;
  /** The parsed body; undefined when the body is empty or not JSON. */
  body: unknown;
}

export interface CallOptions {
  /** A value to send as JSON, or a string sent as it is (for malformed JSON). */
  body?: unknown;
  headers?: Record<string, string>;
}

let contract: Contract | undefined;
/** The contract of this API, from the same document the function serves. */
export function apiContract(): Contract {
  contract ??= new Contract(buildOpenApiDocument());
  return contract;
}

const TIMEOUT_MS = 30_000;

export class Api {
  /** Typed requests; the responses are checked against the document. */
  readonly client: ApiClient;
  /** Every response checked, as `METHOD path → status`, for the flow's own summary. */
  readonly checked: string[] = [];
  private readonly texts = new WeakMap<Response, string>();
  private readonly basePath: string;

  constructor(
    readonly baseUrl: string,
    readonly contract: Contract = apiContract(),
    /** The target's credentials, added to every request (typed or raw). */
    private readonly authorize: Authorize = async (request) => request,
  ) {
    this.basePath = new URL(baseUrl).pathname.replace(/\/$/, "");
    this.client = createApiClient(baseUrl, {
      fetch: async (request) =>
        fetch(await this.authorize(request), { signal: AbortSignal.timeout(TIMEOUT_MS) }),
    });
    this.client.use({
      onResponse: async ({ request, response }) => {
        const text = await response.clone().text();
        this.check(request.method, request.url, response.status, response.headers, text);
        this.texts.set(response, text);
        return undefined;
      },
    });
  }

  url(path: string): string {
    return `${this.baseUrl}${path}`;
  }

  /** The response of a typed call, in the flow's terms. */
  async typed(call: Promise<{ response: Response }>): Promise<ApiResponse> {
    const { response } = await call;
    const text = this.texts.get(response) ?? "";
    return { status: response.status, headers: response.headers, text, body: parse(text) };
  }

  private check(method: string, url: string, status: number, headers: Headers, text: string) {
    const pathname = new URL(url).pathname;
    const path = pathname.startsWith(this.basePath)
      ? pathname.slice(this.basePath.length)
      : pathname;
    this.contract.assert({ method, path, status, headers, text });
    this.checked.push(`${method} ${path} → ${status}`);
  }

  async call(method: string, path: string, options: CallOptions = {}): Promise<ApiResponse> {
    const headers: Record<string, string> = { ...options.headers };
    let body: string | undefined;
    if (options.body !== undefined) {
      body = typeof options.body === "string" ? options.body : JSON.stringify(options.body);
      headers["content-type"] ??= "application/json";
    }
    const request = await this.authorize(new Request(this.url(path), { method, headers, body }));
    const response = await fetch(request, { signal: AbortSignal.timeout(TIMEOUT_MS) });
    const text = await response.text();
    this.check(method, this.url(path), response.status, response.headers, text);
    return { status: response.status, headers: response.headers, text, body: parse(text) };
  }

  /** The tutorial's request: `POST /DynamoDBManager` with `{operation, payload, tableName?}`. */
  operation(request: Schemas["ManagerRequest"]): Promise<ApiResponse> {
    return this.typed(this.client.POST("/DynamoDBManager", { body: request }));
  }
}

function parse(text: string): unknown {
  try {
    return text ? JSON.parse(text) : undefined;
  } catch {
    return undefined;
  }
}

/** Asserts the status, with the response body in the message so a failure shows what came back. */
export function expectStatus(res: ApiResponse, status: number): void {
  expect(res.status, `HTTP ${res.status}: ${res.text.slice(0, 500)}`).to.equal(status);
}

/** Asserts a JSON content type, as every response of the contract has. */
export function expectJson(res: ApiResponse): void {
  expect(res.headers.get("content-type") ?? "", "content-type").to.match(/^application\/json\b/);
}

/**
 * Asserts the error contract: the given status (or any 4xx), JSON, `{"error": {"code", "message"}}`
 * with non-empty strings, and no stack trace.
 */
export function expectError(
  res: ApiResponse,
  status: number | "4xx",
): { code: string; message: string } {
  if (status === "4xx") {
    expect(res.status, `HTTP ${res.status}: ${res.text.slice(0, 500)}`).to.be.within(400, 499);
  } else {
    expectStatus(res, status);
  }
  expectJson(res);
  const error = (res.body as { error?: { code?: unknown; message?: unknown } } | undefined)?.error;
  expect(error, `error body: ${res.text.slice(0, 500)}`).to.be.an("object");
  expect(error?.code).to.be.a("string").with.length.greaterThan(0);
  expect(error?.message).to.be.a("string").with.length.greaterThan(0);
  expect(res.text, "no stack trace in an error").not.to.match(/\n\s+at [\w.<>]+ \(/);
  return error as { code: string; message: string };
}
