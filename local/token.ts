/**
 * `npm run token -- [--stack NAME] [--user NAME] [--group G ...] [--scope S ...] [--minutes N]`: prints a token the
 * local cloud's Cognito authorizer accepts for that stack, signed with the local issuer's key
 * (`.local-data/auth/`, shared with `npm start`). Without `--scope`, an ID token (what methods
 * without scopes take); with scopes, an access token holding them.
 *
 *   curl -H "Authorization: Bearer $(npm run -s token -- --stack prod)" -H "x-api-key: $KEY" $API/items
 */
import { parseArgs } from "node:util";
import { issueToken, loadSigningKey } from "./auth/issuer";
import { buildModel } from "./model";
import { PROJECT_DIR, runProgram } from "./program";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";

process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= "true";

const USAGE =
  "Usage: npm run -s token -- [--stack NAME] [--user NAME] [--group NAME ...] [--scope SCOPE ...] [--minutes N] [--project DIR]\n" +
  "  --stack NAME     the stack whose user pool the token is for (default dev)\n" +
  "  --user NAME      cognito:username / username (default local-user)\n" +
  "  --group NAME     a user pool group in cognito:groups (repeat for more; default none)\n" +
  "  --scope SCOPE    an OAuth scope (repeat for more): issues an access token instead of an ID token\n" +
  "  --minutes N      lifetime (default 60)";

function fail(message: string): never {
  console.error(`token: ${message}`);
  process.exit(1);
}

async function main(): Promise<void> {
  let values: {
    stack?: string;
    user?: string;
    group?: string[];
    scope?: string[];
    minutes?: string;
    project?: string;
    help?: boolean;
  };
  try {
    ({ values } = parseArgs({
      options: {
        stack: { type: "string" },
        user: { type: "string" },
        group: { type: "string", multiple: true },
        scope: { type: "string", multiple: true },
        minutes: { type: "string" },
        project: { type: "string" },
        help: { type: "boolean", short: "h" },
      },
    }));
  } catch (err) {
    fail(`${(err as Error).message}\n${USAGE}`);
  }
  if (values.help) {
    console.log(USAGE);
    return;
  }
  const minutes = Number(values.minutes ?? 60);
  if (!Number.isFinite(minutes) || minutes <= 0)
    fail(`--minutes ${values.minutes} is not a number of minutes`);
  const stack = values.stack ?? "dev";
  const projectDir = path.resolve(values.project ?? PROJECT_DIR);
  const log = console.log;
  // The program's own progress lines (warnings under mocks) must not end up in $(...).
  console.log = () => undefined;
  const scratch = fs.mkdtempSync(path.join(os.tmpdir(), "token-"));
  try {
    const run = await runProgram({ stack, projectDir });
    const model = await buildModel(run, projectDir, scratch);
    const pool = model.userPools[0];
    if (!pool) {
      fail(
        `stack ${stack} trusts no Cognito user pool (lambda-apigateway:auth is "${run.config["lambda-apigateway:auth"] ?? "none"}"), so its API takes no token`,
      );
    }
    const key = await loadSigningKey(projectDir);
    const token = await issueToken(key, {
      pool,
      username: values.user,
      groups: values.group,
      scopes: values.scope,
      lifetimeSeconds: Math.round(minutes * 60),
    });
    log(token);
  } finally {
    fs.rmSync(scratch, { recursive: true, force: true });
  }
}

main().then(
  () => process.exit(0),
  (err: unknown) => fail((err as Error).message),
);
