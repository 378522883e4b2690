// @ts-check
/** handlers/store: DynamoDB's conversions and clients, and the timing wrapper, without DynamoDB. */
import { base } from "./base.mjs";

/** @type {import("@stryker-mutator/api/core").PartialStrykerOptions} */
export default {
  ...base("store", ["handlers/store/**/*.test.ts", "handlers/core/properties.prop.test.ts"]),
  mutate: ["handlers/store/**/*.ts", "!handlers/store/**/*.test.ts"],
};
