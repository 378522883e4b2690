/**
 * `npm start`: the local cloud in a terminal. Progress lines first, then exactly
 * `DynamoDB http://127.0.0.1:<port>` and `API http://127.0.0.1:<port>/<stage>` for scripts to read.
 *
 *   npm start -- [--stack NAME] [--data DIR] [--project DIR]   PORT sets the API port (default 3000)
 */
import { parseArgs } from "node:util";
import { startLocalCloud, type LocalCloud } from "./index";

// Our own DynamoDB client would warn on Node 20; the warning is about the SDK's future, not this tool.
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= "true";

const USAGE =
  "Usage: npm start -- [--stack NAME] [--data DIR] [--project DIR]   (PORT=3000 sets the API port)\n" +
  "  --stack NAME   config from Pulumi.NAME.yaml (default dev)\n" +
  "  --data DIR     keep DynamoDB data in DIR across restarts (default in memory)\n" +
  "  --project DIR  the Pulumi project to run (default this repository)";

function fail(message: string): never {
  console.error(`\nlocal cloud: ${message}`);
  process.exit(1);
}

async function main(): Promise<void> {
  let values: { stack?: string; data?: string; project?: string; help?: boolean };
  try {
    ({ values } = parseArgs({
      options: {
        stack: { type: "string" },
        data: { type: "string" },
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
  const port = process.env.PORT === undefined || process.env.PORT === "" ? 3000 : Number(process.env.PORT);
  if (!Number.isInteger(port) || port < 0 || port > 65535) fail(`PORT=${process.env.PORT} is not a port number`);

  const started = Date.now();
  let cloud: LocalCloud | undefined;
  let shuttingDown = false;
  const shutdown = async (signal: string) => {
    if (shuttingDown) {
      console.log("Forced exit");
      process.exit(130);
    }
    shuttingDown = true;
    console.log(`\n${signal}: stopping the local cloud…`);
    await cloud?.stop();
    console.log("Stopped.");
    process.exit(0);
  };
  process.on("SIGINT", () => void shutdown("SIGINT"));
  process.on("SIGTERM", () => void shutdown("SIGTERM"));

  try {
    cloud = await startLocalCloud({
      stack: values.stack,
      projectDir: values.project,
      dataDir: values.data,
      port,
      log: (line) => console.log(`  ${line}`),
    });
  } catch (err) {
    fail((err as Error).message);
  }
  if (shuttingDown) return;
  console.log(`Ready in ${((Date.now() - started) / 1000).toFixed(1)} s. Ctrl-C stops everything.`);
  console.log(`DynamoDB ${cloud.dynamoDbEndpoint}`);
  if (cloud.apiUrl) console.log(`API ${cloud.apiUrl}`);
}

void main();
