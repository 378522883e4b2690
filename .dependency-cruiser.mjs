/**
 * The import check (`npm run check:imports`): the arrows of the house run one way. index.ts -> components -> contract; handlers -> contract; local -> components, contract;
 * tests and bench -> anything. Never a cycle, never runtime code reaching up into the local cloud,
 * the harness or test support, never the contract reaching above itself.
 *
 * Paths are relative to the directory the check runs in (the repository root), so the same rules
 * hold for the fixture trees of integration/imports.test.ts.
 */

/** Tests and what only tests load: specs, smoke specs, fixture programs. */
const TEST = ["\\.test\\.ts$", "\\.smoke\\.ts$", "(^|/)fixtures/"];

/** Runtime code: the function, the program and its components, the contract, the local cloud. */
const RUNTIME = "^(handlers|components|contract|local)/|^index\\.ts$";

/** @type {import("dependency-cruiser").IConfiguration} */
export default {
  forbidden: [
    {
      name: "no-cycle",
      severity: "error",
      comment:
        "An import cycle: the modules load in an order that depends on who imports first. " +
        "Move what both sides need into a module of its own that imports neither.",
      from: { pathNot: TEST },
      to: { circular: true, viaOnly: { pathNot: TEST } },
    },
    {
      name: "runtime-not-on-harness",
      severity: "error",
      comment:
        "The function and the program never depend on the local cloud, the integration harness, " +
        "the benchmarks or the client: they would ship them, or run them in AWS.",
      from: { path: "^(handlers|components)/", pathNot: TEST },
      to: { path: "^(local|integration|bench|client)/" },
    },
    {
      name: "runtime-not-on-dev-dependencies",
      severity: "error",
      comment:
        "The function and the program never load a devDependency: those are test and build " +
        "tools (mocha, chai, fast-check, testcontainers, playwright-core, ajv...), which the " +
        "function would ship in its bundle and the program would need to deploy. Type-only " +
        "imports are erased, so they are allowed (@types/aws-lambda).",
      from: { path: "^(handlers|components)/|^index\\.ts$", pathNot: TEST },
      to: { dependencyTypes: ["npm-dev"], dependencyTypesNot: ["type-only"] },
    },
    {
      name: "runtime-not-on-testing",
      severity: "error",
      comment: "testing/ is test support: runtime code never imports it.",
      from: { path: RUNTIME, pathNot: TEST },
      to: { path: "^testing/" },
    },
    {
      name: "handlers-not-on-components",
      severity: "error",
      comment:
        "The function's bundle holds the runtime only: facts shared with the infrastructure " +
        "come from contract/, never from components/.",
      from: { path: "^handlers/", pathNot: TEST },
      to: { path: "^components/" },
    },
    {
      name: "handlers-not-on-openapi-generator",
      severity: "error",
      comment:
        "contract/openapi.ts generates the document at build time; the function serves " +
        "contract/openapi.json and never bundles the generator.",
      from: { path: "^handlers/", pathNot: TEST },
      to: { path: "^contract/openapi\\.ts$" },
    },
    {
      name: "components-not-on-handlers",
      severity: "error",
      comment:
        "The infrastructure reads shared facts from contract/, never from the function's code " +
        "(it bundles handlers/ by path, without importing it).",
      from: { path: "^components/", pathNot: TEST },
      to: { path: "^handlers/" },
    },
    {
      name: "contract-at-the-bottom",
      severity: "error",
      comment:
        "contract/ holds the facts everything else reads: it imports nothing of this repository " +
        "outside itself (package.json excepted).",
      from: { path: "^contract/", pathNot: TEST },
      to: {
        dependencyTypes: ["local"],
        pathNot: ["^contract/", "^package\\.json$"],
      },
    },
  ],
  options: {
    // Type-only imports are imports too: a type from local/ in handlers/ still couples them.
    tsPreCompilationDeps: true,
    doNotFollow: { path: "(^|/)node_modules/" },
    // Packages are not cruised, but stay in the graph so the devDependency rule sees them.
    exclude: { path: "^(\\.build|\\.stryker-tmp|reports|coverage|bench/baseline)/" },
    enhancedResolveOptions: {
      // Resolve packages through their `exports`, as Node does (ESM-only packages have no main).
      exportsFields: ["exports"],
      conditionNames: ["import", "require", "node", "default"],
    },
    tsConfig: { fileName: "tsconfig.json" },
    skipAnalysisNotInRules: true,
  },
};
