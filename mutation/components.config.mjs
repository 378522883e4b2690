// @ts-check
/** components/: the Pulumi components, with their unit tests (the program under mocks). */
import { base } from "./base.mjs";

/** @type {import("@stryker-mutator/api/core").PartialStrykerOptions} */
export default {
  ...base("components", ["components/**/*.test.ts"]),
  mutate: ["components/**/*.ts", "!components/**/*.test.ts", "!components/testing.ts"],
  // A mutant can make a program run hang on an Output that never resolves.
  timeoutMS: 20000,
  // A mutant in module-level code (the config schema, the alarm table) needs every component test
  // (16 s): 400 of them would take an hour. They are reported as ignored, not scored.
  ignoreStatic: true,
};
