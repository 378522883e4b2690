// @ts-check
/**
 * `npm run test:mutation [-- RUN ...] [-- STRYKER OPTIONS]`: runs StrykerJS once per run (by
 * default the handler's: core, service, store; also components, local), then prints each file's
 * mutation score from the JSON reports in reports/mutation/, checks the targets, and lists the
 * survivors that EQUIVALENT_MUTANTS.md does not explain. Other arguments go to every `stryker run`,
 * e.g. `--incremental` (reuse the results for unchanged code and tests) or `--concurrency 4`;
 * `--summary` only reads the last reports.
 */
import { spawnSync } from "node:child_process";
import console from "node:console";
import * as fs from "node:fs";
import * as path from "node:path";
import process from "node:process";
import { fileURLToPath } from "node:url";

const HERE = path.dirname(fileURLToPath(import.meta.url));
const ROOT = path.resolve(HERE, "..");
const HANDLER_RUNS = ["core", "service", "store"];
const ALL_RUNS = [...HANDLER_RUNS, "components", "local"];

/** The scores `npm run test:mutation` must reach: a folder (ending in /) or a file → percent. */
const TARGETS = {
  "handlers/core/": 90,
  "handlers/service.ts": 85,
  "handlers/crud.ts": 85,
};

const args = process.argv.slice(2);
const summaryOnly = args.includes("--summary");
const runs = args.filter((a) => ALL_RUNS.includes(a));
const strykerArgs = args.filter((a) => !ALL_RUNS.includes(a) && a !== "--summary");
const unknown = strykerArgs.filter((a) => !a.startsWith("-") && !/^\d+$/.test(a));
if (unknown.length) {
  console.error(`Unknown run ${unknown.join(", ")}: choose from ${ALL_RUNS.join(", ")}`);
  process.exit(2);
}
const selected = runs.length ? runs : HANDLER_RUNS;

const stryker = path.join(ROOT, "node_modules", "@stryker-mutator", "core", "bin", "stryker.js");
let failed = false;
for (const run of summaryOnly ? [] : selected) {
  const config = path.join("mutation", `${run}.config.mjs`);
  console.log(`\n=== stryker run ${config} ${strykerArgs.join(" ")}`);
  // A failed run must not leave the last run's scores to be read as this one's.
  fs.rmSync(path.join(ROOT, "reports", "mutation", `${run}.json`), { force: true });
  const started = Date.now();
  const result = spawnSync(process.execPath, [stryker, "run", config, ...strykerArgs], {
    cwd: ROOT,
    stdio: "inherit",
  });
  console.log(`=== ${run}: ${Math.round((Date.now() - started) / 1000)} s`);
  if (result.status !== 0) failed = true;
}

/** @typedef {{ status: string, mutatorName: string, replacement?: string, location: { start: { line: number, column: number } } }} Mutant */

/** Detected (killed or timed out) over detected + undetected (survived or not covered), in %. */
function score(/** @type {Mutant[]} */ mutants) {
  const count = (/** @type {string[]} */ ...statuses) =>
    mutants.filter((m) => statuses.includes(m.status)).length;
  const detected = count("Killed", "Timeout");
  const total = detected + count("Survived", "NoCoverage");
  return { detected, total, percent: total ? (100 * detected) / total : 100 };
}

/** The rows of EQUIVALENT_MUTANTS.md: file, a fragment of the line, the mutators. */
function equivalents() {
  const text = fs.readFileSync(path.join(HERE, "EQUIVALENT_MUTANTS.md"), "utf8");
  return text
    .split("\n")
    .filter(
      (line) =>
        line.startsWith("| handlers/") ||
        line.startsWith("| components/") ||
        line.startsWith("| local/"),
    )
    .map((line) => {
      const [file = "", code = "", mutators = ""] = line
        .replaceAll("\\|", "\u0000")
        .split("|")
        .slice(1)
        .map((cell) => cell.replaceAll("\u0000", "|").trim());
      return {
        file,
        fragment: code.replace(/^`|`$/g, ""),
        mutators: mutators.split(",").map((m) => m.trim()),
        used: false,
      };
    });
}

const rows = equivalents();
/** @type {[string, ReturnType<typeof score>, ReturnType<typeof score>][]} */
const table = [];
/** @type {string[]} */
const unexplained = [];
/** @type {Record<string, Mutant[]>} */
const byFile = {};
for (const run of selected) {
  const file = path.join(ROOT, "reports", "mutation", `${run}.json`);
  if (!fs.existsSync(file)) continue;
  const report = JSON.parse(fs.readFileSync(file, "utf8"));
  /** @type {Mutant[]} */
  const all = [];
  /** @type {Mutant[]} */
  const allButEquivalent = [];
  for (const [name, { mutants, source }] of Object.entries(report.files)) {
    const lines = String(source).split("\n");
    /** @type {Mutant[]} */
    const explained = [];
    for (const m of /** @type {Mutant[]} */ (mutants)) {
      if (m.status !== "Survived" && m.status !== "NoCoverage") continue;
      const line = lines[m.location.start.line - 1] ?? "";
      const row = rows.find(
        (r) => r.file === name && r.mutators.includes(m.mutatorName) && line.includes(r.fragment),
      );
      if (row) {
        row.used = true;
        explained.push(m);
      } else {
        unexplained.push(
          `${name}:${m.location.start.line}:${m.location.start.column} ${m.status} ${m.mutatorName} → ${m.replacement ?? ""}\n      ${line.trim()}`,
        );
      }
    }
    const rest = mutants.filter((/** @type {Mutant} */ m) => !explained.includes(m));
    all.push(...mutants);
    allButEquivalent.push(...rest);
    byFile[name] = mutants;
    table.push([`  ${name}`, score(mutants), score(rest)]);
  }
  table.push([`${run} (reports/mutation/${run}.html)`, score(all), score(allButEquivalent)]);
}

const pct = (/** @type {number} */ p) => `${p.toFixed(2).padStart(6)} %`;
console.log(
  "\nMutation score: killed or timed out, of all mutants / of those not listed as equivalent",
);
for (const [name, s, withoutEquivalent] of table) {
  console.log(
    `${name.padEnd(56)} ${pct(s.percent)}  ${pct(withoutEquivalent.percent)}  ${s.detected}/${s.total}`,
  );
}

for (const [target, minimum] of Object.entries(TARGETS)) {
  const mutants = Object.entries(byFile)
    .filter(([name]) => (target.endsWith("/") ? name.startsWith(target) : name === target))
    .flatMap(([, m]) => m);
  if (!mutants.length) continue;
  const { percent } = score(mutants);
  const ok = percent >= minimum;
  if (!ok) failed = true;
  console.log(
    `${ok ? "meets" : "MISSES"} its target: ${target} ${percent.toFixed(2)} % (target ${minimum} %)`,
  );
}

if (unexplained.length) {
  console.log(
    `\n${unexplained.length} survivors not in mutation/EQUIVALENT_MUTANTS.md (write a test, or add a row with the reason):`,
  );
  for (const s of unexplained) console.log(`  ${s}`);
}
const scopes = new Set(Object.keys(byFile));
const stale = rows.filter((r) => !r.used && scopes.has(r.file));
if (stale.length) {
  console.log("\nRows of mutation/EQUIVALENT_MUTANTS.md no survivor matched (remove them):");
  for (const r of stale) console.log(`  ${r.file}: ${r.fragment}`);
}
process.exit(failed ? 1 : 0);
