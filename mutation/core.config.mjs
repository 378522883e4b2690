// @ts-check
/** handlers/core: the pure request → command → response core, with its own unit tests. */
import { base } from "./base.mjs";

/** @type {import("@stryker-mutator/api/core").PartialStrykerOptions} */
export default {
  ...base("core", ["handlers/core/**/*.test.ts"]),
  mutate: ["handlers/core/**/*.ts", "!handlers/core/**/*.test.ts"],
};
