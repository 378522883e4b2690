/**
 * API Gateway's MOCK integration, as the API's body declares it (local/model.ts reads it): the
 * request template for the request's Content-Type gives a `statusCode`, which picks the
 * integration response whose selection pattern matches it (or `default`); that response's status
 * and static headers are the answer, with an empty body. The REST API answers CORS preflights so
 * (components/api/body.ts), without invoking the function.
 */
import type { MockIntegration } from "./model";
import type { HttpResponse } from "./proxy-event";

/** API Gateway's answer, or the gateway error it gives instead (its type, status and message). */
export type MockAnswer =
  | { kind: "answer"; response: HttpResponse }
  | { kind: "error"; type: string; status: number; message: string };

export function answerMock(mock: MockIntegration, contentType: string | undefined): MockAnswer {
  // Without a Content-Type, API Gateway takes the application/json template.
  const mediaType = (contentType ?? "").split(";")[0]!.trim().toLowerCase() || "application/json";
  const template = mock.requestTemplates[mediaType];
  if (template === undefined && mock.passthroughBehavior === "NEVER") {
    return {
      kind: "error",
      type: "UNSUPPORTED_MEDIA_TYPE",
      status: 415,
      message: "Unsupported Media Type",
    };
  }
  let status = "";
  try {
    const parsed = JSON.parse(template ?? "{}") as { statusCode?: unknown };
    status = parsed.statusCode === undefined ? "" : String(parsed.statusCode);
  } catch {
    // A VTL template beyond plain JSON: not emulated, as API Gateway would fail without it.
  }
  const selected =
    Object.entries(mock.responses).find(
      ([pattern]) => pattern !== "default" && new RegExp(`^(?:${pattern})$`).test(status),
    )?.[1] ?? mock.responses["default"];
  if (!selected || !/^\d{3}$/.test(selected.statusCode)) {
    return {
      kind: "error",
      type: "API_CONFIGURATION_ERROR",
      status: 500,
      message: "Internal server error",
    };
  }
  return {
    kind: "answer",
    response: {
      statusCode: Number(selected.statusCode),
      headers: Object.fromEntries(Object.entries(selected.headers).map(([k, v]) => [k, [v]])),
      body: Buffer.alloc(0),
    },
  };
}
