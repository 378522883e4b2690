/**
 * Runs the CRUD flow against one target: start it in `before`, stop it in `after` (which mocha
 * runs also when tests fail), or skip with the target's one-line reason when this machine lacks
 * what it needs.
 *
 * The target's options come from the environment so the same spec file works under plain mocha
 * and under `integration/run.ts`, which sets them from its command line.
 */
import { loadTarget } from "../targets";
import type { StartedTarget, TargetName, TargetOptions } from "../targets/target";
import { crudFlow, type FlowParts } from "./crud-flow";

/** Environment variables `integration/run.ts` sets from its arguments. */
export const ENV = {
  /** `--stack NAME`. */
  stack: "INTEGRATION_STACK",
  /** Set to a target's name when it was chosen explicitly: then a skip is a failure. */
  required: "INTEGRATION_REQUIRED_TARGET",
  /** The stack target's URL: the deployed stack's `url` (custom domain, or invoke URL with stage). */
  apiUrl: "API_URL",
  /** "1" prints the targets' progress (container start, pulumi up) to stderr. */
  verbose: "INTEGRATION_VERBOSE",
  /** Stack target: a Cognito token (`Authorization: Bearer`), for a cognito stack. */
  token: "API_TOKEN",
  /** Stack target: the usage plan's API key (`x-api-key`), for a keyed stack. */
  apiKey: "API_KEY",
  /** Stack target: "iam" signs every request with the caller's AWS credentials (SigV4). */
  auth: "API_AUTH",
} as const;

export function targetOptionsFromEnv(env: NodeJS.ProcessEnv = process.env): TargetOptions {
  return {
    stack: env[ENV.stack] || undefined,
    apiUrl: env[ENV.apiUrl] || undefined,
    token: env[ENV.token] || undefined,
    apiKey: env[ENV.apiKey] || undefined,
    auth: env[ENV.auth] === "iam" ? "iam" : undefined,
    log:
      env[ENV.verbose] === "1" ? (line) => process.stderr.write(`${line.trimEnd()}\n`) : undefined,
  };
}

/**
 * Starting LocalStack and deploying into it takes minutes on a CI runner. The LocalStack target
 * has deadlines of its own for each step (`DEADLINES` in targets/localstack.ts, a test checks this
 * is longer than all of them), so a hang is caught there and cleaned up, not here.
 */
export const START_TIMEOUT_MS: Record<TargetName, number> = {
  local: 120_000,
  localstack: 30 * 60_000,
  stack: 60_000,
};

/**
 * The parts of the CRUD flow each target runs. LocalStack leaves out API Gateway's own errors:
 * LocalStack 4.14's OpenAPI import ignores `x-amazon-apigateway-gateway-responses`, and the
 * throwaway stack has neither authorizer nor API key (`THROWAWAY_OVERRIDES`); the local target
 * tests them with the stack's config (docs/testing.md, "What the LocalStack gate covers").
 */
export const FLOW_PARTS: Record<TargetName, FlowParts> = {
  local: { gatewayErrors: true },
  localstack: { gatewayErrors: false },
  stack: { gatewayErrors: true },
};

export function targetSuite(name: TargetName, overrides: Partial<TargetOptions> = {}): void {
  const label = overrides.stack ? ` (stack ${overrides.stack})` : "";
  describe(`CRUD flow against the ${name} target${label}`, function () {
    let started: StartedTarget | undefined;

    before(async function () {
      this.timeout(START_TIMEOUT_MS[name]);
      const target = await loadTarget(name, { ...targetOptionsFromEnv(), ...overrides });
      const reason = await target.skipReason();
      if (reason) {
        // Chosen explicitly (a CI step, a promotion gate): not running is a failure, not a pass.
        if (process.env[ENV.required] === name) {
          const error = new Error(`${name} target cannot run here: ${reason}`);
          error.stack = error.message; // the reason is the whole story; a trace would bury it
          throw error;
        }
        console.log(`    ${name} target skipped: ${reason}`);
        this.skip();
      }
      started = await target.start();
    });

    after(async function () {
      this.timeout(START_TIMEOUT_MS[name]);
      await started?.stop();
    });

    crudFlow(() => {
      if (!started) throw new Error(`The ${name} target did not start`);
      return started;
    }, FLOW_PARTS[name]);
  });
}
