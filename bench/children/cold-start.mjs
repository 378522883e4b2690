/* global process, performance */
// One cold start, run as `node cold-start.mjs <handler module> <event JSON>` in a fresh process
// with Lambda's environment: imports the handler the way the Node.js runtime does (dynamic
// import of the file), invokes it once and reports the timings on fd 3. Plain JavaScript and no
// loader hooks, so nothing but Node and the handler is measured.
import { writeSync } from "node:fs";
import { pathToFileURL } from "node:url";
import { lambdaContext } from "./context.mjs";

const [modulePath, eventJson] = process.argv.slice(2);
const event = JSON.parse(eventJson);
const context = lambdaContext();

// performance.now() counts from the process's start, so these are also "since process start".
// hrtime is V8's profiler clock too: it lets a --cpu-prof profile be cut to this window.
const hrBeforeImport = process.hrtime.bigint();
// CPU time (all threads) is far less disturbed than wall time by other work on a shared machine.
const cpuBefore = process.cpuUsage();
const beforeImport = performance.now();
const { handler } = await import(pathToFileURL(modulePath).href);
const afterImport = performance.now();
const hrAfterImport = process.hrtime.bigint();
const response = await handler(event, context);
const responded = performance.now();
const cpu = process.cpuUsage(cpuBefore);
const hrResponded = process.hrtime.bigint();

writeSync(
  3,
  JSON.stringify({
    beforeImport,
    afterImport,
    responded,
    cpuMs: (cpu.user + cpu.system) / 1000,
    windowUs: [hrBeforeImport, hrAfterImport, hrResponded].map((ns) => Number(ns / 1000n)),
    statusCode: response?.statusCode,
    body: response?.body,
  }) + "\n",
);
// The SDK's keep-alive sockets would hold the process open; Lambda freezes it instead.
process.exit(0);
