/**
 * A small JSON client over fetch for the flow: every call returns the status, the headers, the raw
 * text and the parsed body, so assertions can look at any of them.
 */
import { expect } from "chai";

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

export class Api {
  constructor(readonly baseUrl: string) {}

  url(path: string): string {
    return `${this.baseUrl}${path}`;
  }

  async call(method: string, path: string, options: CallOptions = {}): Promise<ApiResponse> {
    const headers: Record<string, string> = { ...options.headers };
    let body: string | undefined;
    if (options.body !== undefined) {
      body = typeof options.body === "string" ? options.body : JSON.stringify(options.body);
      headers["content-type"] ??= "application/json";
    }
    const response = await fetch(this.url(path), {
      method,
      headers,
      body,
      signal: AbortSignal.timeout(30_000),
    });
    const text = await response.text();
    let parsed: unknown;
    try {
      parsed = text ? JSON.parse(text) : undefined;
    } catch {
      parsed = undefined;
    }
    return { status: response.status, headers: response.headers, text, body: parsed };
  }

  /** The tutorial's request: `POST /DynamoDBManager` with `{operation, payload, tableName?}`. */
  operation(request: Record<string, unknown>): Promise<ApiResponse> {
    return this.call("POST", "/DynamoDBManager", { body: request });
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
