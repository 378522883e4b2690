// @ts-check
/**
 * The service, the Lambda adapter and the contract facts they read at run time (security, CORS
 * headers, Idempotency-Key contract, metric names), with the tests that drive them over the
 * in-memory store. The operation table (contract/operations.ts) is data whose every string is
 * pinned by the generated document (client/generate.test.ts), so it is left out. The service loads
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
      "contract/security.test.ts",
      "contract/cors.test.ts",
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
    "contract/idempotency.ts",
    "contract/security.ts",
    "contract/headers.ts",
    "contract/cors.ts",
    "contract/metrics.ts",
  ],
};
