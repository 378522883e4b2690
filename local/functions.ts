/**
 * Lambda-like execution of one function: a bounded pool of worker processes (execution
 * environments), each running one invocation at a time with the function's own environment.
 * A timeout kills the environment; a crash loses only the environment it happened in.
 */
import { fork, type ChildProcess } from "node:child_process";
import * as crypto from "node:crypto";
import * as path from "node:path";
import * as readline from "node:readline";
import { LAMBDA_INIT_TIMEOUT_MS, LAMBDA_SYNC_PAYLOAD_BYTES } from "../contract/limits";
import type { FunctionModel } from "./model";
import type { NodeBinary } from "./node-runtime";

const RUNTIME = path.join(__dirname, "lambda-runtime.mjs");
/** Lambda's limit for a synchronous invocation's request payload (the event), in bytes. */
export const MAX_INVOKE_PAYLOAD_BYTES = LAMBDA_SYNC_PAYLOAD_BYTES;
/** Lambda's limit for the init phase (importing the handler). */
const INIT_TIMEOUT_MS = LAMBDA_INIT_TIMEOUT_MS;

export interface FunctionError {
  errorType: string;
  errorMessage: string;
  stack?: string[];
}

export type InvokeOutcome =
  | { kind: "result"; payload: string }
  | { kind: "error"; error: FunctionError }
  | { kind: "timeout"; limit: "function" | "integration" }
  | { kind: "crash"; detail: string };

export interface FunctionHostOptions {
  /** Upper bound on concurrent environments. */
  maxWorkers: number;
  /** The Node binary that runs the environments (one of the function's runtime). */
  node: NodeBinary;
  /**
   * Environments listen for a debugger here (`--inspect=127.0.0.1:<port>`), one environment at
   * a time, and no timeout cuts a paused invocation short.
   */
  inspectPort?: number;
  /** Extra environment (endpoint, region, credentials) laid over the function's own. */
  runtimeEnvironment: Record<string, string>;
  log: (line: string) => void;
  /** Receives each line the function writes to stdout (the local cloud reads its metrics). */
  onStdoutLine?: (line: string) => void;
}

interface Worker {
  child: ChildProcess;
  /** Set once newer code is in place: the environment ends after its current invocation. */
  retired: boolean;
  exited: Promise<void>;
  /** The last stderr lines of the current invocation, for the crash report. */
  stderrTail: string[];
  /** Resolves with an init error, or null once the handler is loaded. */
  init: Promise<FunctionError | null>;
  dead: boolean;
  onExit: (detail: string) => void;
  onMessage: (message: WorkerMessage) => void;
}

type WorkerMessage =
  | { type: "ready" }
  | { type: "init-error"; error: FunctionError }
  | { type: "result"; id: string; payload: string }
  | { type: "error"; id: string; error: FunctionError };

export class FunctionHost {
  private readonly idle: Worker[] = [];
  private readonly all = new Set<Worker>();
  private readonly waiting: ((w: Worker) => void)[] = [];
  private stopped = false;
  /** Where the code new environments load comes from (the edit loop replaces it). */
  private codeDir: string;
  readonly maxWorkers: number;

  constructor(
    readonly fn: FunctionModel,
    private readonly options: FunctionHostOptions,
  ) {
    const cap = options.inspectPort === undefined ? options.maxWorkers : 1;
    this.maxWorkers = Math.max(1, Math.min(cap, fn.reservedConcurrency ?? Infinity));
    this.codeDir = fn.codeDir;
  }

  /** The Node binary the environments run on. */
  get node(): NodeBinary {
    return this.options.node;
  }

  /**
   * Serves `dir` from the next invocation on: idle environments end now, busy ones once their
   * invocation is answered. Resolves when no environment of the old code is left.
   */
  async replaceCode(dir: string): Promise<void> {
    this.codeDir = dir;
    const old = [...this.all];
    for (const worker of old) worker.retired = true;
    for (const worker of [...this.idle]) void this.kill(worker);
    this.idle.length = 0;
    // The next request should not wait for the new code's init (a debugger's port is free only
    // once the old environment is gone).
    if (this.options.inspectPort === undefined || this.all.size === 0) void this.warm();
    await Promise.all(old.map((w) => w.exited));
  }

  /** Starts one environment ahead of the first request; resolves with its init error, if any. */
  async warm(): Promise<FunctionError | null> {
    const worker = this.spawn();
    const error = await worker.init;
    if (!worker.dead) this.release(worker);
    return error;
  }

  /** Process ids of the live environments (the fault tests kill them). */
  workerPids(): number[] {
    return [...this.all].filter((w) => !w.dead).map((w) => w.child.pid!);
  }

  async stop(): Promise<void> {
    this.stopped = true;
    await Promise.all([...this.all].map((w) => this.kill(w)));
  }

  /**
   * Runs one invocation. `deadline` is when API Gateway gives up (its integration timeout); the
   * function's own timeout starts once an environment takes the event.
   */
  async invoke(
    event: unknown,
    deadline: number,
    id: string = crypto.randomUUID(),
  ): Promise<InvokeOutcome> {
    let timer: NodeJS.Timeout | undefined;
    const gaveUp = new Promise<null>((resolve) => {
      timer = setTimeout(() => resolve(null), Math.max(0, deadline - Date.now()));
    });
    const acquiring = this.acquire();
    const worker = await Promise.race([acquiring, gaveUp]);
    if (!worker) {
      // Hand the environment back as soon as it frees up; this request has already timed out.
      acquiring.then(
        (w) => this.release(w),
        () => undefined,
      );
      return { kind: "timeout", limit: "integration" };
    }
    clearTimeout(timer);
    const initError = await worker.init;
    if (initError) {
      this.kill(worker);
      return { kind: "error", error: initError };
    }
    const remaining = deadline - Date.now();
    const limit = this.fn.timeoutMs <= remaining ? "function" : "integration";
    const enforced = this.options.inspectPort === undefined;
    worker.stderrTail = [];
    const outcome = await new Promise<InvokeOutcome>((resolve) => {
      const t = setTimeout(
        () => {
          this.options.log(
            `[${this.fn.name}] ${id} Task timed out after ${(Math.min(this.fn.timeoutMs, remaining) / 1000).toFixed(2)} seconds`,
          );
          this.kill(worker);
          resolve({ kind: "timeout", limit });
        },
        Math.min(this.fn.timeoutMs, remaining),
      );
      if (!enforced) clearTimeout(t);
      worker.onExit = (detail) => {
        clearTimeout(t);
        resolve({ kind: "crash", detail });
      };
      worker.onMessage = (message) => {
        if (!("id" in message) || message.id !== id) return;
        clearTimeout(t);
        resolve(
          message.type === "result"
            ? { kind: "result", payload: message.payload }
            : { kind: "error", error: message.error },
        );
      };
      worker.child.send({
        type: "invoke",
        id,
        event,
        context: {
          awsRequestId: id,
          functionName: this.fn.name,
          functionVersion: "$LATEST",
          invokedFunctionArn: this.fn.arn,
          memoryLimitInMB: String(this.fn.memoryMb),
          logGroupName: `/aws/lambda/${this.fn.name}`,
          logStreamName: `local/${worker.child.pid}`,
          timeoutMs: this.fn.timeoutMs,
        },
      });
    });
    worker.onExit = () => undefined;
    worker.onMessage = () => undefined;
    this.release(worker);
    return outcome;
  }

  private acquire(): Promise<Worker> {
    const ready = this.idle.pop();
    if (ready) return Promise.resolve(ready);
    if (this.all.size < this.maxWorkers) return Promise.resolve(this.spawn());
    return new Promise((resolve) => this.waiting.push(resolve));
  }

  private release(worker: Worker): void {
    if (this.stopped) return;
    if (worker.retired && !worker.dead) void this.kill(worker);
    if (worker.dead) {
      // Its place is free again: a waiting request gets a fresh environment.
      if (this.waiting.length && this.all.size < this.maxWorkers)
        this.waiting.shift()!(this.spawn());
      return;
    }
    const next = this.waiting.shift();
    if (next) next(worker);
    else this.idle.push(worker);
  }

  private env(): Record<string, string> {
    const fn = this.fn;
    return {
      // Only what Lambda would give it, not this shell's environment.
      PATH: process.env.PATH ?? "/usr/local/bin:/usr/bin:/bin",
      LANG: "en_US.UTF-8",
      TZ: "UTC",
      ...fn.environment,
      ...this.options.runtimeEnvironment,
      AWS_LAMBDA_FUNCTION_NAME: fn.name,
      AWS_LAMBDA_FUNCTION_MEMORY_SIZE: String(fn.memoryMb),
      AWS_LAMBDA_FUNCTION_VERSION: "$LATEST",
      AWS_LAMBDA_LOG_GROUP_NAME: `/aws/lambda/${fn.name}`,
      AWS_EXECUTION_ENV: "AWS_Lambda_nodejs22.x",
      AWS_NODEJS_CONNECTION_REUSE_ENABLED: "1",
      // Lambda runs Node 22, where the SDK has nothing to warn about; this machine may not.
      AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: "true",
      LAMBDA_TASK_ROOT: this.codeDir,
      _HANDLER: fn.handler,
    };
  }

  private spawn(): Worker {
    const execArgv = [`--max-old-space-size=${Math.max(64, Math.floor(this.fn.memoryMb * 0.9))}`];
    if (this.options.inspectPort !== undefined) {
      execArgv.push(`--inspect=127.0.0.1:${this.options.inspectPort}`);
    }
    const child = fork(RUNTIME, [], {
      cwd: this.codeDir,
      env: this.env(),
      // The Node of the function's runtime, which need not be ours.
      execPath: this.options.node.execPath,
      // Not our execArgv (which may load tsx): the handler must load as plain Node loads it.
      execArgv,
      stdio: ["ignore", "pipe", "pipe", "ipc"],
      serialization: "json",
    });
    const prefix = `[${this.fn.name}]`;
    readline.createInterface({ input: child.stdout! }).on("line", (l) => {
      this.options.log(`${prefix} ${l}`);
      this.options.onStdoutLine?.(l);
    });
    readline.createInterface({ input: child.stderr! }).on("line", (l) => {
      worker.stderrTail = [...worker.stderrTail.slice(-4), l];
      this.options.log(`${prefix} ${l}`);
    });
    let settleInit: (e: FunctionError | null) => void = () => undefined;
    const worker: Worker = {
      child,
      retired: false,
      exited: new Promise((resolve) => child.once("exit", () => resolve())),
      stderrTail: [],
      dead: false,
      init: new Promise((resolve) => (settleInit = resolve)),
      onExit: () => undefined,
      onMessage: () => undefined,
    };
    const initTimer = setTimeout(() => {
      settleInit({
        errorType: "Runtime.InitTimeout",
        errorMessage: `init did not finish within ${INIT_TIMEOUT_MS} ms`,
      });
      this.kill(worker);
    }, INIT_TIMEOUT_MS);
    child.on("message", (message: WorkerMessage) => {
      if (message.type === "ready" || message.type === "init-error") {
        clearTimeout(initTimer);
        if (message.type === "init-error") {
          this.options.log(
            `${prefix} init failed: ${message.error.errorType}: ${message.error.errorMessage}`,
          );
        }
        settleInit(message.type === "ready" ? null : message.error);
      } else {
        worker.onMessage(message);
      }
    });
    child.on("exit", (code, signal) => {
      clearTimeout(initTimer);
      worker.dead = true;
      this.all.delete(worker);
      const i = this.idle.indexOf(worker);
      if (i >= 0) this.idle.splice(i, 1);
      // stderr may still be draining; give the last lines a moment to arrive.
      setImmediate(() => {
        const detail = `exited ${signal ? `on ${signal}` : `with code ${code}`}${worker.stderrTail.length ? `: ${worker.stderrTail.join(" | ")}` : ""}`;
        settleInit({ errorType: "Runtime.ExitError", errorMessage: detail });
        worker.onExit(detail);
      });
    });
    child.on("error", () => undefined); // reported through "exit"
    this.all.add(worker);
    return worker;
  }

  private kill(worker: Worker): Promise<void> {
    if (worker.dead || worker.child.exitCode !== null || worker.child.signalCode !== null) {
      worker.dead = true;
      return Promise.resolve();
    }
    worker.dead = true;
    this.all.delete(worker);
    const exited = new Promise<void>((resolve) => worker.child.once("exit", () => resolve()));
    worker.child.kill("SIGKILL");
    return exited;
  }
}
