/**
 * `npm start`: the local cloud in a terminal. Progress lines first, then exactly
 * `DynamoDB http://127.0.0.1:<port>`, `Lambda http://127.0.0.1:<port>` and
 * `API http://127.0.0.1:<port>/<stage>` for scripts to read, and
 * `Docs http://127.0.0.1:<port>/<stage>/docs` when the API is defined by an OpenAPI body.
 *
 *   npm start -- [--stack NAME] [--data DIR] [--project DIR] [--inspect[=PORT]] [--no-watch]
 *                  [--no-throttle] [--metrics-every SECONDS]
 *
 * A stack whose methods require an API key also prints `API key <value>` (send it as
 * `x-api-key`), and the banner says what the API enforces (tokens, signatures, keys, throttling).
 *
 * While it serves, a `metrics` line sums up what the functions' Embedded Metric Format lines
 * reported (the numbers CloudWatch would chart), every 10 s when there were requests.
 */
import { parseArgs } from "node:util";
import { customDomainLine } from "./banner";
import { startLocalCloud, type LocalCloud } from "./index";

// Our own DynamoDB client would warn on Node 20; the warning is about the SDK's future, not this tool.
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= "true";

const USAGE =
  "Usage: npm start -- [--stack NAME] [--data DIR] [--project DIR] [--inspect[=PORT]] [--no-watch]\n" +
  "                    [--no-throttle] [--metrics-every SECONDS]\n" +
  "  --stack NAME             config from Pulumi.NAME.yaml (default dev)\n" +
  "  --data DIR               keep DynamoDB data in DIR across restarts (default in memory)\n" +
  "  --project DIR            the Pulumi project to run (default this repository)\n" +
  "  --inspect[=PORT]         let a debugger attach to the functions (first on PORT, default 9229)\n" +
  "  --no-watch               do not rebuild a function when its sources change\n" +
  "  --no-throttle            do not enforce stage or usage plan throttling and quotas (load tests)\n" +
  "  --metrics-every SECONDS  sum up the functions' metrics this often (default 10; 0: after each request)\n" +
  "  PORT=3000 sets the API port, LAMBDA_PORT the Lambda API's (default a free one)";

/** The environment variable as a port number (`fallback` when unset), or a clear failure. */
function portFrom(name: string, fallback: number): number {
  const raw = process.env[name];
  const port = raw === undefined || raw === "" ? fallback : Number(raw);
  if (!Number.isInteger(port) || port < 0 || port > 65535)
    fail(`${name}=${raw} is not a port number`);
  return port;
}

function fail(message: string): never {
  console.error(`\nlocal cloud: ${message}`);
  process.exit(1);
}

async function main(): Promise<void> {
  let values: {
    stack?: string;
    data?: string;
    project?: string;
    inspect?: string;
    "no-watch"?: boolean;
    "no-throttle"?: boolean;
    "metrics-every"?: string;
    help?: boolean;
  };
  try {
    ({ values } = parseArgs({
      // `--inspect` alone means Node's default debugger port.
      args: process.argv.slice(2).map((a) => (a === "--inspect" ? "--inspect=9229" : a)),
      options: {
        stack: { type: "string" },
        data: { type: "string" },
        project: { type: "string" },
        inspect: { type: "string" },
        "no-watch": { type: "boolean" },
        "no-throttle": { type: "boolean" },
        "metrics-every": { type: "string" },
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
  const port = portFrom("PORT", 3000);
  const lambdaPort = portFrom("LAMBDA_PORT", 0);
  const inspectPort = values.inspect === undefined ? undefined : Number(values.inspect);
  if (
    inspectPort !== undefined &&
    (!Number.isInteger(inspectPort) || inspectPort < 1 || inspectPort > 65535)
  ) {
    fail(`--inspect=${values.inspect}: give a port number, e.g. --inspect=9229\n${USAGE}`);
  }

  const metricsEvery = Number(values["metrics-every"] ?? 10);
  if (!Number.isFinite(metricsEvery) || metricsEvery < 0)
    fail(`--metrics-every ${values["metrics-every"]} is not a number of seconds ≥ 0\n${USAGE}`);

  const started = Date.now();
  let cloud: LocalCloud | undefined;
  const printMetrics = () => {
    for (const line of cloud?.metrics.drain() ?? []) console.log(`  metrics ${line}`);
  };
  let shuttingDown = false;
  const shutdown = async (signal: string) => {
    // Ctrl-C reaches us more than once (the terminal signals the whole group, and npm and tsx
    // relay it), so later signals do not cut the shutdown short; a deadline does instead.
    if (shuttingDown) return;
    shuttingDown = true;
    printMetrics();
    console.log(`\n${signal}: stopping the local cloud…`);
    setTimeout(() => {
      console.error("Shutdown took over 15 s; exiting anyway (DynamoDB Local's guard stops Java).");
      process.exit(1);
    }, 15_000).unref();
    await cloud?.stop();
    console.log("Stopped.");
    process.exit(0);
  };
  // npm and tsx each sit between the terminal and us; if they die without passing a signal on,
  // we are orphaned (re-parented) and stop too rather than keep holding the ports.
  const parent = process.ppid;
  setInterval(() => {
    if (process.ppid !== parent) void shutdown("parent process gone");
  }, 1000).unref();
  process.on("SIGINT", () => void shutdown("SIGINT"));
  process.on("SIGTERM", () => void shutdown("SIGTERM"));

  try {
    cloud = await startLocalCloud({
      stack: values.stack,
      projectDir: values.project,
      dataDir: values.data,
      port,
      lambdaPort,
      inspectPort,
      watch: !values["no-watch"],
      throttle: !values["no-throttle"],
      log: (line) => console.log(`  ${line}`),
    });
  } catch (err) {
    fail((err as Error).message);
  }
  // "Ready" promises that a save from now on is served: the sources must be watched first.
  await cloud.watching;
  if (shuttingDown) return;
  if (metricsEvery === 0) cloud.metrics.onLine = printMetrics;
  else setInterval(printMetrics, metricsEvery * 1000).unref();
  console.log(`Ready in ${((Date.now() - started) / 1000).toFixed(1)} s. Ctrl-C stops everything.`);
  printBanner(cloud, values.stack);
}

/** The lines scripts read (see above), then what the API enforces and how to pass it. */
function printBanner(cloud: LocalCloud, stackName: string | undefined): void {
  console.log(`DynamoDB ${cloud.dynamoDbEndpoint}`);
  console.log(`Lambda ${cloud.lambdaEndpoint}`);
  if (cloud.apiUrl) console.log(`API ${cloud.apiUrl}`);
  for (const key of cloud.apiKeys) console.log(`API key ${key}`);
  if (cloud.docsUrl) console.log(`Docs ${cloud.docsUrl}`);
  const domain = customDomainLine(cloud.program.outputs);
  if (domain) console.log(domain);
  const first = cloud.apis.find((a) => a.urls.includes(cloud.apiUrl));
  console.log(`Enforced ${first?.enforced.join("; ") || "nothing: the API is open"}`);
  const stack = stackName ? ` --stack ${stackName}` : "";
  if (first?.enforced.some((e) => e.startsWith("Cognito"))) {
    console.log(
      `Token npm run -s token --${stack || " --stack dev"}   (send: Authorization: Bearer <token>)`,
    );
  }
  if (first?.enforced.some((e) => e.startsWith("SigV4"))) {
    console.log(
      `AWS credentials AWS_ACCESS_KEY_ID=${cloud.iamCaller.accessKeyId} AWS_SECRET_ACCESS_KEY=${cloud.iamCaller.secretAccessKey} AWS_REGION=${cloud.region} (service execute-api)`,
    );
    const session = cloud.iamRoleSession;
    console.log(
      `AWS role session AWS_ACCESS_KEY_ID=${session.accessKeyId} AWS_SECRET_ACCESS_KEY=${session.secretAccessKey} AWS_SESSION_TOKEN=${session.sessionToken} (caller ${session.userArn})`,
    );
  }
}

void main();
