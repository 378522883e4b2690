/**
 * `npm start`'s CLI as a user runs it: a real process, its output lines, its signals, its errors.
 * Runs the fixture program (--project) so it does not depend on the real one.
 */
import { spawn, spawnSync, type ChildProcess } from "node:child_process";
import * as fs from "node:fs";
import * as net from "node:net";
import * as os from "node:os";
import * as path from "node:path";
import { expect } from "chai";
import { JAVA_MISSING } from "./index";

const CLI = path.join(__dirname, "cli.ts");
const FIXTURE_DIR = path.join(__dirname, "fixtures");
const REPO = path.resolve(__dirname, "..");

interface Urls {
  dynamoDb: string;
  lambda: string;
  api: string;
}

interface Cli {
  child: ChildProcess;
  lines: string[];
  /** Resolves with the DynamoDB, Lambda and API URLs once the three lines are out. */
  ready: Promise<Urls>;
  exited: Promise<{ code: number | null; signal: string | null }>;
  output: () => string;
}

function startCli(args: string[], env: Record<string, string> = {}): Cli {
  // node --import tsx directly (not the tsx CLI), so signals reach our process and not a relay.
  const child = spawn(process.execPath, ["--import", "tsx", CLI, ...args], {
    cwd: REPO,
    env: { ...process.env, PORT: "0", ...env },
    stdio: ["ignore", "pipe", "pipe"],
  });
  const lines: string[] = [];
  let buffered = "";
  let settle: (urls: Urls) => void;
  let fail: (err: Error) => void;
  const ready = new Promise<Urls>((resolve, reject) => {
    settle = resolve;
    fail = reject;
  });
  const onData = (chunk: Buffer) => {
    buffered += chunk.toString();
    const parts = buffered.split("\n");
    buffered = parts.pop()!;
    lines.push(...parts);
    const api = lines.findIndex((l) => l.startsWith("API "));
    if (
      api > 1 &&
      lines[api - 2]!.startsWith("DynamoDB ") &&
      lines[api - 1]!.startsWith("Lambda ")
    ) {
      settle({
        dynamoDb: lines[api - 2]!.slice(9),
        lambda: lines[api - 1]!.slice(7),
        api: lines[api]!.slice(4),
      });
    }
  };
  child.stdout!.on("data", onData);
  child.stderr!.on("data", onData);
  const exited = new Promise<{ code: number | null; signal: string | null }>((resolve) =>
    child.once("exit", (code, signal) => {
      fail(
        new Error(
          `the CLI exited (${code ?? signal}) before it was ready:\n${lines.join("\n")}${buffered}`,
        ),
      );
      resolve({ code, signal });
    }),
  );
  return { child, lines, ready, exited, output: () => lines.join("\n") + buffered };
}

const javaPidOnPort = (port: string) =>
  spawnSync("pgrep", ["-f", `^java .*LoopbackDynamoDbLocal.java -port ${port} `], {
    encoding: "utf8",
  })
    .stdout.trim()
    .split("\n")
    .filter(Boolean)
    .map(Number);

async function gone(port: string, ms: number): Promise<boolean> {
  const deadline = Date.now() + ms;
  while (javaPidOnPort(port).length) {
    if (Date.now() > deadline) return false;
    await new Promise((r) => setTimeout(r, 100));
  }
  return true;
}

describe("npm start (local cloud CLI)", function () {
  this.timeout(120_000);
  const running: ChildProcess[] = [];
  afterEach(() => {
    for (const child of running.splice(0)) if (child.exitCode === null) child.kill("SIGKILL");
  });

  it("prints progress, then the DynamoDB, Lambda and API lines last, serves, and stops cleanly on SIGTERM", async () => {
    const started = Date.now();
    const cli = startCli(["--project", FIXTURE_DIR, "--stack", "test"]);
    running.push(cli.child);
    const urls = await cli.ready;
    const startupMs = Date.now() - started;
    console.log(`      (fixture startup ${startupMs} ms)`);
    expect(urls.dynamoDb).to.match(/^http:\/\/127\.0\.0\.1:\d+$/);
    expect(urls.lambda).to.match(/^http:\/\/127\.0\.0\.1:\d+$/);
    expect(urls.api).to.match(/^http:\/\/127\.0\.0\.1:\d+\/v1$/);
    // Each function's line says which Node it runs on: its runtime's major (nodejs22.x → 22).
    const fnLines = cli.lines.filter((l) => /Function \S+ \(index\.handler, Node /.test(l));
    expect(fnLines).to.have.length(4);
    for (const l of fnLines) expect(l).to.match(/, Node 22\.\d+\.\d+ from /);
    const apiLine = cli.lines.findIndex((l) => l.startsWith("API "));
    expect(
      cli.lines.slice(0, apiLine - 1).some((l) => l.includes("DynamoDB Local ready")),
    ).to.equal(true);
    expect(cli.lines.filter((l) => l.includes("Not emulated:"))).to.have.length(1);

    const res = await fetch(`${urls.api}/echo`);
    expect(res.status).to.equal(200);
    const listed = await fetch(`${urls.lambda}/2015-03-31/functions/`);
    expect(listed.status).to.equal(200);
    const port = urls.dynamoDb.split(":").pop()!;
    expect(javaPidOnPort(port)).to.have.length(1);

    cli.child.kill("SIGTERM");
    const { code } = await cli.exited;
    expect(code, cli.output()).to.equal(0);
    expect(javaPidOnPort(port), "Java left behind").to.deep.equal([]);
  });

  it("sums up the function's metrics, after each request with --metrics-every 0", async () => {
    // The real program: its handler writes the metrics the summary reads.
    const cli = startCli(["--stack", "dev", "--metrics-every", "0"]);
    running.push(cli.child);
    try {
      const urls = await cli.ready;
      const res = await fetch(`${urls.api}/items`, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({ id: "cli-metrics" }),
      });
      expect(res.status).to.equal(201);
      const deadline = Date.now() + 10_000;
      const summary = () => cli.lines.find((l) => l.trimStart().startsWith("metrics "));
      while (!summary() && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
      expect(summary(), cli.output()).to.match(
        /^ {2}metrics crud-\S+ lambda-apigateway: Requests 1 \(Operation items\.create 1; StatusClass 2xx 1\) · ColdStarts 1 · DynamoDBTime p50 [\d.]+ ms/,
      );
    } finally {
      cli.child.kill("SIGTERM");
      await cli.exited;
    }
  });

  it("leaves no Java and no function process behind when it is killed with SIGKILL", async () => {
    const cli = startCli(["--project", FIXTURE_DIR, "--stack", "test"]);
    running.push(cli.child);
    const urls = await cli.ready;
    const port = urls.dynamoDb.split(":").pop()!;
    const workers = spawnSync("pgrep", ["-f", "lambda-runtime.mjs"], { encoding: "utf8" }).stdout;
    const ours = workers
      .split("\n")
      .filter(Boolean)
      .map(Number)
      .filter((pid) => {
        const ppid = fs.readFileSync(`/proc/${pid}/stat`, "utf8").split(" ")[3];
        return Number(ppid) === cli.child.pid;
      });
    expect(ours.length).to.be.above(0);
    cli.child.kill("SIGKILL");
    await cli.exited;
    expect(await gone(port, 10_000), "Java outlived its parent").to.equal(true);
    const deadline = Date.now() + 5000;
    while (ours.some((pid) => fs.existsSync(`/proc/${pid}`)) && Date.now() < deadline) {
      await new Promise((r) => setTimeout(r, 100));
    }
    expect(
      ours.filter((pid) => fs.existsSync(`/proc/${pid}`)),
      "function processes outlived their parent",
    ).to.deep.equal([]);
  });

  async function failing(args: string[], env: Record<string, string> = {}) {
    const cli = startCli(args, env);
    running.push(cli.child);
    cli.ready.catch(() => undefined);
    const { code } = await cli.exited;
    return { code, output: cli.output() };
  }

  it("names the known stacks for an unknown stack", async () => {
    const { code, output } = await failing(["--project", FIXTURE_DIR, "--stack", "nope"]);
    expect(code).to.equal(1);
    expect(output)
      .to.include('Unknown stack "nope"')
      .and.include("Known stacks:")
      .and.include("test");
    expect(output).to.not.match(/^\s+at /m);
  });

  it("shows the program's own error when it fails under mocks", async () => {
    const { code, output } = await failing(["--project", FIXTURE_DIR, "--stack", "broken"]);
    expect(code).to.equal(1);
    expect(output).to.include("failed under mocks").and.include("the fixture was asked to fail");
    expect(output).to.not.match(/^\s+at /m);
  });

  it("reports a busy port clearly, before starting anything", async () => {
    const holder = net.createServer();
    await new Promise<void>((r) => holder.listen(0, "127.0.0.1", r));
    const port = (holder.address() as net.AddressInfo).port;
    try {
      const started = Date.now();
      const { code, output } = await failing(["--project", FIXTURE_DIR, "--stack", "test"], {
        PORT: String(port),
      });
      expect(code).to.equal(1);
      expect(output)
        .to.include(`Port ${port} on 127.0.0.1 is already in use`)
        .and.include(`PORT=${port + 1}`);
      expect(output).to.not.include("Starting DynamoDB Local");
      expect(Date.now() - started).to.be.below(15_000);
    } finally {
      holder.close();
    }
  });

  it("reports a busy Lambda API port clearly, naming LAMBDA_PORT", async () => {
    const holder = net.createServer();
    await new Promise<void>((r) => holder.listen(0, "127.0.0.1", r));
    const port = (holder.address() as net.AddressInfo).port;
    try {
      const { code, output } = await failing(["--project", FIXTURE_DIR, "--stack", "test"], {
        LAMBDA_PORT: String(port),
      });
      expect(code).to.equal(1);
      expect(output)
        .to.include(`Port ${port} on 127.0.0.1 is already in use`)
        .and.include(`LAMBDA_PORT=${port + 1}`);
    } finally {
      holder.close();
    }
  });

  it("refuses an --inspect value that is not a port", async () => {
    const { code, output } = await failing(["--project", FIXTURE_DIR, "--inspect=abc"]);
    expect(code).to.equal(1);
    expect(output).to.include("--inspect=abc: give a port number");
  });

  it("says what to install when Java is missing", async () => {
    const bin = fs.mkdtempSync(path.join(os.tmpdir(), "no-java-"));
    fs.symlinkSync(process.execPath, path.join(bin, "node"));
    try {
      const { code, output } = await failing(["--project", FIXTURE_DIR, "--stack", "test"], {
        PATH: bin,
      });
      expect(code).to.equal(1);
      expect(output).to.include(JAVA_MISSING);
    } finally {
      fs.rmSync(bin, { recursive: true, force: true });
    }
  });
});
