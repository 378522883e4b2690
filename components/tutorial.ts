/**
 * The physical names the AWS tutorial creates, which the dev stack reuses so the tutorial's
 * requests work unchanged, and what reusing them costs in an account where the tutorial ran.
 */
import { API_TITLE } from "../contract/openapi";

/** The tutorial's DynamoDB table, REST API and stage. */
export const TUTORIAL_NAMES = {
  table: "lambda-apigateway",
  api: API_TITLE,
  stage: "test",
} as const;

/** Where the docs say how to adopt the tutorial's table or move out of its way. */
const DOCS = 'docs/deploying.md, "Accounts that ran the tutorial"';

/**
 * What a stack with these names runs into in an account where the tutorial ran: the table exists
 * already (CreateTable fails with ResourceInUseException), and API Gateway's REST metrics are keyed
 * by API name and stage with no API id, so the stack's API alarms would count the tutorial's API
 * too (https://docs.aws.amazon.com/apigateway/latest/developerguide/api-gateway-metrics-and-dimensions.html).
 * Pure: the program prints these at preview.
 */
export function tutorialNameWarnings(names: {
  table?: unknown;
  api: string;
  stage: string;
}): string[] {
  const warnings: string[] = [];
  if (names.table === TUTORIAL_NAMES.table) {
    warnings.push(
      `The table is named "${TUTORIAL_NAMES.table}", as in the AWS tutorial. In an account where ` +
        "the tutorial ran, that table exists and creating it fails (ResourceInUseException): " +
        `adopt it with \`pulumi import\` before the first \`pulumi up\` (${DOCS}), or set ` +
        "lambda-apigateway:table.name.",
    );
  }
  if (names.api === TUTORIAL_NAMES.api && names.stage === TUTORIAL_NAMES.stage) {
    warnings.push(
      `The REST API "${TUTORIAL_NAMES.api}" and its stage "${TUTORIAL_NAMES.stage}" have the AWS ` +
        "tutorial's names. API Gateway's metrics name a REST API by its name and stage only, so " +
        "where the tutorial's API still exists, this stack's API alarms and dashboard count its " +
        `requests too: delete the tutorial's API, or set lambda-apigateway:api.name (${DOCS}).`,
    );
  }
  return warnings;
}
