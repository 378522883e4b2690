// @ts-check
/**
 * `npm run test:mutation [-- RUN ...] [-- STRYKER OPTIONS]`: runs StrykerJS once per run (by
 * default the handler's: core, service, store), then prints each file's mutation score from the
 * JSON reports in reports/mutation/. Other arguments go to every `stryker run`, e.g.
 * `--incremental` (reuse the last results for unchanged code and tests) or `--concurrency 4`.
 */
import { spawnSync } from "node:child_process";
import console from "node:console";
import * as fs from "node:fs";
import * as path from "node:path";
import process from "node:process";
import { fileURLToPath } from "node:url";

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");
const HANDLER_RUNS = ["core", "service", "store"];
const ALL_RUNS = [...HANDLER_RUNS, "components", "local"];

const args = process.argv.slice(2);
const runs = args.filter((a) => ALL_RUNS.includes(a));
const strykerArgs = args.filter((a) => !ALL_RUNS.includes(a));
const unknown = strykerArgs.filter((a) => !a.startsWith("-") && !/^\d+$/.test(a));
if (unknown.length) {
  console.error(`Unknown run ${unknown.join(", ")}: choose from ${ALL_RUNS.join(", ")}`);
  process.exit(2);
}

const stryker = path.join(ROOT, "node_modules", "@stryker-mutator", "core", "bin", "stryker.js");
let failed = false;
for (const run of runs.length ? runs : HANDLER_RUNS) {
  const config = path.join("mutation", `${run}.config.mjs`);
  console.log(`\n=== stryker run ${config} ${strykerArgs.join(" ")}`);
  const started = Date.now();
  const result = spawnSync(process.execPath, [stryker, "run", config, ...strykerArgs], {
    cwd: ROOT,
    stdio: "inherit",
  });
  console.log(`=== ${run}: ${Math.round((Date.now() - started) / 1000)} s`);
  if (result.status !== 0) failed = true;
}

/** Detected (killed or timed out) over detected + undetected (survived or not covered), in %. */
function score(mutants) {
  const count = (...statuses) => mutants.filter((m) => statuses.includes(m.status)).length;
  const detected = count("Killed", "Timeout");
  const total = detected + count("Survived", "NoCoverage");
  return { detected, total, percent: total ? (100 * detected) / total : 100 };
}

const rows = [];
for (const run of runs.length ? runs : HANDLER_RUNS) {
  const file = path.join(ROOT, "reports", "mutation", `${run}.json`);
  if (!fs.existsSync(file)) continue;
  const report = JSON.parse(fs.readFileSync(file, "utf8"));
  const all = [];
  for (const [name, { mutants }] of Object.entries(report.files)) {
    all.push(...mutants);
    const s = score(mutants);
    rows.push([`  ${name}`, s]);
  }
  rows.push([`${run} (reports/mutation/${run}.html)`, score(all)]);
}
console.log("\nMutation score (killed or timed out / all but ignored and invalid):");
for (const [name, s] of rows) {
  console.log(`${name.padEnd(60)} ${s.percent.toFixed(2).padStart(6)} %  ${s.detected}/${s.total}`);
}
process.exit(failed ? 1 : 0);
