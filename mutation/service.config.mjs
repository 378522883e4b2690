// @ts-check
/**
 * The service, the Lambda adapter and the facts they publish (routes, Idempotency-Key contract,
 * metric names), with the tests that drive them over the in-memory store. The service loads
 * core/idempotency.ts and the OpenAPI document with a dynamic import(), which cannot be reloaded
 * in place, so a static mutant here restarts the test process (Stryker's stock Mocha runner).
 */
import { base } from "./base.mjs";

/** @type {import("@stryker-mutator/api/core").PartialStrykerOptions} */
export default {
  ...base(
    "service",
    [
      "handlers/service.test.ts",
      "handlers/crud.test.ts",
      "handlers/metrics.test.ts",
      // The caller the adapter logs, read from captured Cognito and IAM events.
      "handlers/caller.test.ts",
      "handlers/security.test.ts",
      // The published Idempotency-Key pattern agrees with the keys the handler takes.
      "handlers/core/idempotency.test.ts",
    ],
    { reloadInPlace: false },
  ),
  mutate: [
    "handlers/service.ts",
    "handlers/crud.ts",
    "handlers/metrics.ts",
    "handlers/log.ts",
    "handlers/idempotency.ts",
    "handlers/routes.ts",
    "handlers/security.ts",
  ],
};
