// @ts-check
/** The local cloud's routing and its API Gateway event mapping, with their unit tests. */
import { base } from "./base.mjs";

/** @type {import("@stryker-mutator/api/core").PartialStrykerOptions} */
export default {
  ...base("local", ["local/routing.test.ts", "local/proxy-event.test.ts"]),
  mutate: ["local/routing.ts", "local/proxy-event.ts"],
};
