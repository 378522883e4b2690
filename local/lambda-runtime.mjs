/* global process, console */
/**
 * The function's process: plays the part of Lambda's Node.js runtime for one execution environment.
 * Plain JavaScript run by plain `node`, so the handler loads exactly as it would in Lambda (no TypeScript
 * loader in its process). It imports the handler once (the init phase), then runs one invocation at a
 * time as the parent asks over IPC, and JSON-serialises each result as Lambda does.
 */
import * as fs from "node:fs";
import * as path from "node:path";
import { pathToFileURL } from "node:url";

const taskRoot = process.env.LAMBDA_TASK_ROOT;
const handlerSetting = process.env._HANDLER;

// The parent is gone (even if it was SIGKILLed): an execution environment never outlives its host.
process.on("disconnect", () => process.exit(0));

function describe(err) {
  if (err instanceof Error) {
    return {
      errorType: err.name,
      errorMessage: err.message,
      stack: String(err.stack ?? "").split("\n"),
    };
  }
  return { errorType: "Error", errorMessage: String(err), stack: [] };
}

async function loadHandler() {
  const dot = handlerSetting.lastIndexOf(".");
  const modulePath = handlerSetting.slice(0, dot);
  const exportName = handlerSetting.slice(dot + 1);
  // Lambda's lookup order for a handler module.
  const file = [".js", ".mjs", ".cjs"]
    .map((ext) => path.join(taskRoot, modulePath + ext))
    .find((candidate) => fs.existsSync(candidate));
  if (!file) {
    throw Object.assign(new Error(`Cannot find module '${modulePath}' in ${taskRoot}`), {
      name: "Runtime.ImportModuleError",
    });
  }
  const mod = await import(pathToFileURL(file).href);
  const fn = mod[exportName] ?? mod.default?.[exportName];
  if (typeof fn !== "function") {
    throw Object.assign(new Error(`${modulePath}.${exportName} is undefined or not exported`), {
      name: "Runtime.HandlerNotFound",
    });
  }
  return fn;
}

let handler;
try {
  handler = await loadHandler();
  process.send({ type: "ready" });
} catch (err) {
  process.send({ type: "init-error", error: describe(err) });
}

process.on("message", async (message) => {
  if (message.type !== "invoke") return;
  const { id, event, context: fields } = message;
  if (!handler) {
    process.send({
      type: "error",
      id,
      error: { errorType: "Runtime.InitError", errorMessage: "init failed" },
    });
    return;
  }
  const deadline = Date.now() + fields.timeoutMs;
  const context = {
    ...fields,
    callbackWaitsForEmptyEventLoop: true,
    getRemainingTimeInMillis: () => Math.max(0, deadline - Date.now()),
    done: () => undefined,
    fail: () => undefined,
    succeed: () => undefined,
  };
  delete context.timeoutMs;
  try {
    const result = await new Promise((resolve, reject) => {
      // Callback-style handlers (three parameters) are still accepted by the nodejs22.x runtime.
      const callback = (err, value) => (err ? reject(err) : resolve(value));
      const returned = handler(event, context, callback);
      if (handler.length < 3 || (returned && typeof returned.then === "function")) {
        Promise.resolve(returned).then(resolve, reject);
      }
    });
    process.send({ type: "result", id, payload: JSON.stringify(result ?? null) });
  } catch (err) {
    console.error(`ERROR\tInvoke Error\t${JSON.stringify(describe(err))}`);
    process.send({ type: "error", id, error: describe(err) });
  }
});
