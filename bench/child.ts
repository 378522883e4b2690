/**
 * Runs one of the `children/*.mjs` drivers in a fresh `node` and collects the JSON line it writes
 * on fd 3. Stdout (the handlers' logs) goes to /dev/null, as cheap as Lambda's log capture gets.
 */
import { spawn } from "node:child_process";
import * as path from "node:path";

export const CHILDREN_DIR = path.join(__dirname, "children");

export interface ChildOptions {
  env: Record<string, string>;
  /** Extra `node` flags, e.g. `--cpu-prof`. */
  nodeArgs?: string[];
  /** The child is killed after this long. @default 60000 */
  timeoutMs?: number;
  /** The `node` binary to run. @default the one running the harness */
  node?: string;
  /** Receives all of stderr (by default only its tail is kept, for error messages). */
  onStderr?: (text: string) => void;
}

export async function runChild<T>(
  script: string,
  args: string[],
  options: ChildOptions,
): Promise<T> {
  const child = spawn(
    options.node ?? process.execPath,
    [...(options.nodeArgs ?? []), path.join(CHILDREN_DIR, script), ...args],
    { env: options.env, stdio: ["ignore", "ignore", "pipe", "pipe"] },
  );
  let report = "";
  let stderr = "";
  child.stdio[3]?.on("data", (chunk: Buffer) => (report += chunk.toString()));
  let fullStderr = "";
  child.stderr?.on("data", (chunk: Buffer) => {
    if (options.onStderr) fullStderr += chunk.toString();
    stderr = (stderr + chunk.toString()).slice(-4000);
  });
  const timer = setTimeout(() => child.kill("SIGKILL"), options.timeoutMs ?? 60_000);
  const code = await new Promise<number | null>((resolve, reject) => {
    child.once("error", reject);
    child.once("close", (exitCode) => resolve(exitCode));
  }).finally(() => clearTimeout(timer));
  if (code !== 0 || !report.trim()) {
    throw new Error(
      `${script} exited with ${code ?? "a signal (timed out?)"} and no report` +
        (stderr.trim() ? `:\n${stderr.trim()}` : ""),
    );
  }
  options.onStderr?.(fullStderr);
  return JSON.parse(report) as T;
}
