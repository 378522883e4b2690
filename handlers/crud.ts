/**
 * Lambda entry point for API Gateway's proxy integration. Placeholder adapter: the core lands next.
 */
import type { APIGatewayProxyEvent, APIGatewayProxyResult, Context } from "aws-lambda";

export async function handler(
  event: APIGatewayProxyEvent,
  _context: Context,
): Promise<APIGatewayProxyResult> {
  return {
    statusCode: 501,
    headers: { "content-type": "application/json" },
    body: JSON.stringify({
      error: {
        code: "NotImplemented",
        message: `${event.httpMethod} ${event.resource} is not ready yet`,
      },
    }),
  };
}
