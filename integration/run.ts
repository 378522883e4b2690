/**
 * `npm run test:integration [-- --target local|localstack|stack] [--stack NAME]`
 *
 * Without `--target`: every `*.int.test.ts` in the repository (the flow against the local cloud,
 * the LocalStack suite, which skips with one line where it cannot run, and everyone's integration
 * tests). With `--target`: the CRUD flow against that target only, and a target that cannot run
 * here fails the run instead of skipping, so a CI gate never passes on tests that did not run.
 *
 * Runs Mocha programmatically with the reporter and timeout of `.mocharc.json`; started with tsx,
 * so the TypeScript specs load through tsx's hooks.
 */
import * as fs from "node:fs";
import * as path from "node:path";
import Mocha from "mocha";
import { isTargetName, TARGET_NAMES, type TargetName } from "./targets/target";
import { ENV } from "./flows/suite";
import { STACK_USAGE, resolveStackSource } from "./targets/stack";

const ROOT = path.resolve(__dirname, "..");

export const USAGE = `Usage: npm run test:integration -- [--target ${TARGET_NAMES.join("|")}] [--stack NAME] [--skip-target NAME] [--grep TEXT] [--verbose]

  (no --target)        every *.int.test.ts: the flow against the local cloud, the LocalStack
                       suite (skipped with its reason without Docker or the Pulumi CLI), and the
                       handler, local cloud and hardening integration tests
  --target local       the CRUD flow against the local cloud (needs Java 17+)
  --target localstack  the CRUD flow against the program deployed into LocalStack
                       (needs a Docker engine and the Pulumi CLI; LOCALSTACK_AUTH_TOKEN is passed on)
  --target stack       the CRUD flow against a deployed stack: --stack NAME reads its url output
                       (Pulumi CLI, logged in), or API_URL=<its custom domain's URL, or the invoke
                       URL with stage>
  --stack NAME         the stack (Pulumi.NAME.yaml) whose config local and localstack use (default dev)
  --skip-target NAME   leave a target's flow out of the default run (CI runs LocalStack in a job of its own)
  --grep TEXT          only tests whose title contains TEXT
  --verbose            print the targets' progress (container start, pulumi up)`;

export interface RunArgs {
  target?: TargetName;
  /** Targets whose flow the default run leaves out. */
  skipTargets?: TargetName[];
  stack?: string;
  grep?: string;
  verbose: boolean;
  help: boolean;
}

export class UsageError extends Error {}

/** Parses the runner's arguments (`--name value` or `--name=value`). */
export function parseRunArgs(argv: readonly string[]): RunArgs {
  const args: RunArgs = { verbose: false, help: false };
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    const [flag, inline] =
      arg.startsWith("--") && arg.includes("=") ? arg.split(/=(.*)/s) : [arg, undefined];
    const value = (): string => {
      const v = inline ?? argv[++i];
      if (v === undefined || v === "" || (inline === undefined && v.startsWith("--"))) {
        throw new UsageError(`${flag} needs a value`);
      }
      return v;
    };
    switch (flag) {
      case "--target": {
        const name = value();
        if (!isTargetName(name)) {
          throw new UsageError(`Unknown target "${name}": use one of ${TARGET_NAMES.join(", ")}`);
        }
        args.target = name;
        break;
      }
      case "--stack":
        args.stack = value();
        break;
      case "--skip-target": {
        const name = value();
        if (!isTargetName(name)) {
          throw new UsageError(`Unknown target "${name}": use one of ${TARGET_NAMES.join(", ")}`);
        }
        args.skipTargets = [...(args.skipTargets ?? []), name];
        break;
      }
      case "--grep":
        args.grep = value();
        break;
      case "--verbose":
        args.verbose = true;
        break;
      case "--help":
      case "-h":
        args.help = true;
        break;
      default:
        throw new UsageError(`Unknown argument "${arg}"`);
    }
  }
  return args;
}

/** The spec file of each target's flow. Only local and localstack are part of the default run. */
export const TARGET_SPEC: Record<TargetName, string> = {
  local: "integration/flows/local.int.test.ts",
  localstack: "integration/flows/localstack.int.test.ts",
  stack: "integration/flows/stack.smoke.ts",
};

const SKIP_DIRS = new Set(["node_modules", ".git", ".build", "coverage", ".local-data"]);

/** Every `*.int.test.ts` under `root`, sorted, outside dependencies and build output. */
export function findIntegrationSpecs(root: string): string[] {
  const found: string[] = [];
  const walk = (dir: string): void => {
    for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
      if (entry.isDirectory()) {
        if (!SKIP_DIRS.has(entry.name) && !entry.name.startsWith("."))
          walk(path.join(dir, entry.name));
      } else if (entry.name.endsWith(".int.test.ts")) {
        found.push(path.relative(root, path.join(dir, entry.name)));
      }
    }
  };
  walk(root);
  return found.sort();
}

/** The spec files and environment a run needs; throws a UsageError for what cannot run. */
export function planRun(
  args: RunArgs,
  env: NodeJS.ProcessEnv,
  root: string,
): { specs: string[]; env: Record<string, string> } {
  const runEnv: Record<string, string> = {};
  if (args.stack) runEnv[ENV.stack] = args.stack;
  if (args.verbose) runEnv[ENV.verbose] = "1";
  if (!args.target) {
    if (args.stack) {
      throw new UsageError(
        "--stack applies to a chosen target: add --target local, localstack or stack",
      );
    }
    const left = new Set((args.skipTargets ?? []).map((t) => TARGET_SPEC[t]));
    return { specs: findIntegrationSpecs(root).filter((s) => !left.has(s)), env: runEnv };
  }
  if (args.skipTargets?.length) {
    throw new UsageError("--skip-target applies to the default run, not with --target");
  }
  if (
    args.target === "stack" &&
    resolveStackSource({ stack: args.stack, apiUrl: env.API_URL }).kind === "missing"
  ) {
    throw new UsageError(STACK_USAGE);
  }
  runEnv[ENV.required] = args.target;
  return { specs: [TARGET_SPEC[args.target]], env: runEnv };
}

/** What mocha counted: tests that passed or failed (hooks included), and tests skipped. */
export interface RunCounts {
  passes: number;
  failures: number;
  pending: number;
}

/**
 * The reason to fail a run that executed no test, or undefined when some ran. A filter that
 * matches nothing, or a target whose every test skipped, would otherwise pass a CI gate.
 */
export function noTestRanMessage(counts: RunCounts, args: RunArgs): string | undefined {
  if (counts.passes + counts.failures > 0) return undefined;
  const where = args.target ? `against the ${args.target} target` : "in the integration suites";
  const filter = args.grep ? ` matching --grep "${args.grep}"` : "";
  const skipped = counts.pending ? ` (${counts.pending} skipped)` : "";
  return (
    `integration: no test ran ${where}${filter}${skipped}, and a run that tests nothing fails. ` +
    (args.grep
      ? "Check the --grep text against the test titles (run without it to list them)."
      : "See the skip lines above for what this machine lacks.")
  );
}

/** Reporter and timeout from `.mocharc.json`, so `mocha` and this runner report alike. */
function mochaOptions(root: string): Mocha.MochaOptions {
  const rc = JSON.parse(fs.readFileSync(path.join(root, ".mocharc.json"), "utf8")) as {
    reporter?: string;
    timeout?: number;
  };
  const reporter = rc.reporter?.startsWith(".") ? path.resolve(root, rc.reporter) : rc.reporter;
  return { reporter, timeout: rc.timeout };
}

export async function main(argv: readonly string[]): Promise<number> {
  let args: RunArgs;
  let plan: ReturnType<typeof planRun>;
  try {
    args = parseRunArgs(argv);
    if (args.help) {
      console.log(USAGE);
      return 0;
    }
    plan = planRun(args, process.env, ROOT);
  } catch (err) {
    if (!(err instanceof UsageError)) throw err;
    console.error(err.message);
    console.error(`Run with --help for the options.`);
    return 2;
  }
  Object.assign(process.env, plan.env);
  if (plan.specs.length === 0) {
    console.error(`No *.int.test.ts files under ${ROOT}`);
    return 1;
  }

  const mocha = new Mocha({ ...mochaOptions(ROOT), grep: args.grep });
  for (const spec of plan.specs) mocha.addFile(path.join(ROOT, spec));
  await mocha.loadFilesAsync();
  let runner: Mocha.Runner | undefined;
  const failures = await new Promise<number>((resolve) => (runner = mocha.run(resolve)));
  const counts = runner?.stats ?? { passes: 0, failures, pending: 0 };
  const nothing = noTestRanMessage(counts, args);
  if (nothing) {
    console.error(nothing);
    return 1;
  }
  return failures > 0 ? 1 : 0;
}

if (require.main === module) {
  main(process.argv.slice(2)).then(
    (code) => {
      process.exitCode = code;
      // Every target stops what it started; if something still holds the loop open, say so and
      // leave rather than hang CI.
      setTimeout(() => {
        console.error("integration: handles were still open 10 s after the run; exiting anyway");
        process.exit(code);
      }, 10_000).unref();
    },
    (err: unknown) => {
      console.error(err instanceof Error ? (err.stack ?? err.message) : String(err));
      process.exit(1);
    },
  );
}
