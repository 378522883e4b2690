/**
 * Running the outside tools the way their users do: each package's own CLI (a pinned
 * devDependency), started with this Node (Node 22 under npm scripts; every tool here supports it),
 * with no network beyond this machine.
 */
import { spawn, type ChildProcess } from "node:child_process";
import * as fs from "node:fs";
import * as net from "node:net";
import * as path from "node:path";

export const REPO = path.resolve(__dirname, "..", "..");

/** The script a package's `bin` entry names, in this repository's node_modules. */
export function binOf(pkg: string, bin: string): string {
  const dir = path.join(REPO, "node_modules", pkg);
  const manifest = path.join(dir, "package.json");
  if (!fs.existsSync(manifest)) {
    throw new Error(`${pkg} is not installed: run npm ci (it is a devDependency)`);
  }
  const { bin: bins } = JSON.parse(fs.readFileSync(manifest, "utf8")) as {
    bin?: string | Record<string, string>;
  };
  const script = typeof bins === "string" ? bins : bins?.[bin];
  if (!script) throw new Error(`${pkg} has no "${bin}" command`);
  return path.join(dir, script);
}

/** Environment for the tools: no telemetry, no update checks (CI has no network anyway). */
export const TOOL_ENV: NodeJS.ProcessEnv = {
  ...process.env,
  REDOCLY_TELEMETRY: "off",
  REDOCLY_SUPPRESS_UPDATE_NOTICE: "true",
  NO_COLOR: "1",
  FORCE_COLOR: "0",
};

export interface ToolRun {
  code: number | null;
  stdout: string;
  stderr: string;
  ms: number;
}

/** Runs `pkg`'s `bin` to completion (killed after `timeoutMs`). */
export function runTool(
  pkg: string,
  bin: string,
  args: readonly string[],
  options: { cwd?: string; timeoutMs?: number } = {},
): Promise<ToolRun> {
  const started = performance.now();
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [binOf(pkg, bin), ...args], {
      cwd: options.cwd ?? REPO,
      env: TOOL_ENV,
      stdio: ["ignore", "pipe", "pipe"],
    });
    let stdout = "";
    let stderr = "";
    child.stdout!.on("data", (c: Buffer) => (stdout += c.toString()));
    child.stderr!.on("data", (c: Buffer) => (stderr += c.toString()));
    const timer = setTimeout(() => child.kill("SIGKILL"), options.timeoutMs ?? 120_000);
    child.once("error", (err) => {
      clearTimeout(timer);
      reject(err);
    });
    child.once("close", (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr, ms: performance.now() - started });
    });
  });
}

/** A port nothing listens on now, for a tool that needs one given. */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const { port } = server.address() as net.AddressInfo;
      server.close(() => resolve(port));
    });
  });
}

/** A long-running tool: its process and everything it printed so far. */
export interface RunningTool {
  child: ChildProcess;
  output(): string;
  stop(): Promise<void>;
}

/** Starts `pkg`'s `bin`; resolves once `ready()` says so, or fails if the tool exits first. */
export async function startTool(
  pkg: string,
  bin: string,
  args: readonly string[],
  ready: () => Promise<boolean>,
  timeoutMs = 90_000,
): Promise<RunningTool> {
  const child = spawn(process.execPath, [binOf(pkg, bin), ...args], {
    cwd: REPO,
    env: TOOL_ENV,
    stdio: ["ignore", "pipe", "pipe"],
  });
  let output = "";
  child.stdout!.on("data", (c: Buffer) => (output += c.toString()));
  child.stderr!.on("data", (c: Buffer) => (output += c.toString()));
  const tool: RunningTool = {
    child,
    output: () => output,
    stop: async () => {
      if (child.exitCode !== null || child.signalCode !== null) return;
      const exited = new Promise((resolve) => child.once("exit", resolve));
      child.kill("SIGTERM");
      await exited;
    },
  };
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (child.exitCode !== null) {
      throw new Error(`${pkg} exited (${child.exitCode}) before it was ready:\n${output}`);
    }
    if (await ready().catch(() => false)) return tool;
    await new Promise((r) => setTimeout(r, 200));
  }
  await tool.stop();
  throw new Error(`${pkg} was not ready after ${timeoutMs} ms:\n${output}`);
}
