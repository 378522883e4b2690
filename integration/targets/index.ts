/**
 * The targets the CRUD flow runs against, loaded by name: `local` (./local.ts), `localstack`
 * (./localstack.ts) and `stack` (./stack.ts). What a target is lives in ./target.ts.
 *
 * Targets are loaded lazily: the LocalStack target pulls in testcontainers and the Automation API,
 * the local one the local cloud, and a run needs only one of them.
 */
import type { Target, TargetName, TargetOptions } from "./target";

/** Loads a target by name. Imports are lazy so a run loads only the target it uses. */
export async function loadTarget(name: TargetName, options: TargetOptions = {}): Promise<Target> {
  switch (name) {
    case "local": {
      const { LocalTarget } = await import("./local");
      return new LocalTarget(options);
    }
    case "localstack": {
      const { LocalStackTarget } = await import("./localstack");
      return new LocalStackTarget(options);
    }
    case "stack": {
      const { DeployedStackTarget } = await import("./stack");
      return new DeployedStackTarget(options);
    }
  }
}
