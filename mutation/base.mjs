// @ts-check
/** What every mutation run shares: Mocha through tsx, per-test coverage, reports/mutation/. */
import { URL, fileURLToPath } from "node:url";
import "./mocha12.mjs";

// Test runner and checker processes load it first too; the main process has it from the import
// above (it loads the runner plugin to validate the options).
const mocha12 = new URL("./mocha12.mjs", import.meta.url).href;

/**
 * @param {string} name the report's name: reports/mutation/<name>.html and .json
 * @param {string[]} spec the test files that run against the mutants
 * @param {{ reloadInPlace?: boolean }} [options] reloadInPlace: the code under test is loaded with
 *   static imports only, so mocha-reload.mjs can reload it for a static mutant without a restart
 * @returns {import("@stryker-mutator/api/core").PartialStrykerOptions}
 */
export function base(name, spec, { reloadInPlace = true } = {}) {
  return {
    testRunner: reloadInPlace ? "mocha-reload" : "mocha",
    plugins: ["@stryker-mutator/*", fileURLToPath(new URL("./mocha-reload.mjs", import.meta.url))],
    // TypeScript through tsx, as .mocharc.json does.
    testRunnerNodeArgs: ["--import", mocha12, "--import", "tsx"],
    checkerNodeArgs: ["--import", mocha12],
    mochaOptions: {
      spec,
      ignore: ["**/*.int.test.ts"],
      extension: ["ts"],
      require: ["./mutation/setup.ts"],
    },
    coverageAnalysis: "perTest",
    reporters: ["clear-text", "progress", "html", "json"],
    htmlReporter: { fileName: `reports/mutation/${name}.html` },
    jsonReporter: { fileName: `reports/mutation/${name}.json` },
    incrementalFile: `reports/mutation/${name}.incremental.json`,
    // A busy 2-core machine: a slow mutant is not yet an infinite loop.
    timeoutMS: 10000,
    clearTextReporter: { allowColor: false, logTests: false, reportScoreTable: true },
    // Static mutants are reloaded in place (see mocha-reload.mjs), not worth a warning.
    warnings: { slow: false },
  };
}
