// @ts-check
/**
 * components/: the rules AWS enforces that mocks do not (testing/aws-rules.ts) and the stack config's
 * validation (config.ts), with their unit tests. Only when asked for: the resource components are
 * checked through the whole program under mocks (16 s a run), so mutating them would take hours
 * on a 2-core machine (1741 mutants, estimated at 3.5 h).
 */
import { base } from "./base.mjs";

/** @type {import("@stryker-mutator/api/core").PartialStrykerOptions} */
export default {
  ...base("components", ["testing/aws-rules.test.ts", "components/config.test.ts"]),
  mutate: ["testing/aws-rules.ts", "components/config.ts"],
  // A mutant can make a program run hang on an Output that never resolves.
  timeoutMS: 20000,
  // A mutant in module-level code (the config schema, the rule table) needs every test of the
  // file; they are reported as ignored, not scored.
  ignoreStatic: true,
};
