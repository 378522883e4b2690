import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { spawnSync } from "node:child_process";
import { expect } from "chai";
import { PROJECT_DIR } from "../local/program";
import { ENV } from "./flows/suite";
import { STACK_USAGE } from "./targets/stack";
import { TARGET_NAMES } from "./targets/target";
import {
  TARGET_SPEC,
  UsageError,
  findIntegrationSpecs,
  noTestRanMessage,
  parseRunArgs,
  planRun,
} from "./run";

describe("integration runner (integration/run.ts)", function () {
  describe("arguments", function () {
    it("reads --target and --stack, spaced or with =", function () {
      expect(parseRunArgs(["--target", "stack", "--stack=dev"])).to.deep.include({
        target: "stack",
        stack: "dev",
      });
      expect(parseRunArgs(["--target=localstack"])).to.deep.include({ target: "localstack" });
      expect(parseRunArgs([])).to.deep.equal({ verbose: false, help: false });
      expect(parseRunArgs(["--verbose", "--grep", "tutorial"])).to.deep.include({
        verbose: true,
        grep: "tutorial",
      });
    });

    it("refuses an unknown target, naming the known ones", function () {
      expect(() => parseRunArgs(["--target", "prod"])).to.throw(
        UsageError,
        /local, localstack, stack/,
      );
    });

    it("refuses a flag without its value, and unknown arguments", function () {
      expect(() => parseRunArgs(["--target"])).to.throw(UsageError, /--target needs a value/);
      expect(() => parseRunArgs(["--stack", "--target", "local"])).to.throw(
        UsageError,
        /--stack needs a value/,
      );
      expect(() => parseRunArgs(["--stack="])).to.throw(UsageError, /--stack needs a value/);
      expect(() => parseRunArgs(["--tagret", "local"])).to.throw(
        UsageError,
        /Unknown argument "--tagret"/,
      );
    });
  });

  describe("what a run loads", function () {
    it("by default: every *.int.test.ts, the local and LocalStack flows among them, never the stack smoke test", function () {
      const { specs, env } = planRun(parseRunArgs([]), {}, PROJECT_DIR);
      expect(specs).to.include.members([TARGET_SPEC.local, TARGET_SPEC.localstack]);
      expect(specs).not.to.include(TARGET_SPEC.stack);
      expect(
        specs.every((s) => s.endsWith(".int.test.ts") && !s.includes("node_modules")),
      ).to.equal(true);
      expect(env).not.to.have.property(ENV.required);
    });

    it("finds *.int.test.ts at any depth, outside dependencies and build output", function () {
      const root = fs.mkdtempSync(path.join(os.tmpdir(), "int-specs-"));
      try {
        for (const file of [
          "handlers/crud.int.test.ts",
          "integration/deep/er/x.int.test.ts",
          "handlers/crud.test.ts",
          "node_modules/pkg/y.int.test.ts",
          ".build/z.int.test.ts",
        ]) {
          fs.mkdirSync(path.dirname(path.join(root, file)), { recursive: true });
          fs.writeFileSync(path.join(root, file), "");
        }
        expect(findIntegrationSpecs(root)).to.deep.equal([
          "handlers/crud.int.test.ts",
          "integration/deep/er/x.int.test.ts",
        ]);
      } finally {
        fs.rmSync(root, { recursive: true, force: true });
      }
    });

    it("with --target: that target's flow only, and its skip becomes a failure", function () {
      for (const target of ["local", "localstack"] as const) {
        const plan = planRun(
          parseRunArgs(["--target", target, "--stack", "prod"]),
          {},
          PROJECT_DIR,
        );
        expect(plan.specs).to.deep.equal([TARGET_SPEC[target]]);
        expect(plan.env).to.deep.equal({ [ENV.required]: target, [ENV.stack]: "prod" });
      }
    });

    it("--target stack needs --stack or API_URL, and says so", function () {
      expect(() => planRun(parseRunArgs(["--target", "stack"]), {}, PROJECT_DIR)).to.throw(
        UsageError,
        STACK_USAGE,
      );
      const viaUrl = planRun(
        parseRunArgs(["--target", "stack"]),
        { API_URL: "https://x.example/test" },
        PROJECT_DIR,
      );
      expect(viaUrl.specs).to.deep.equal([TARGET_SPEC.stack]);
      const viaStack = planRun(
        parseRunArgs(["--target", "stack", "--stack", "dev"]),
        {},
        PROJECT_DIR,
      );
      expect(viaStack.env[ENV.stack]).to.equal("dev");
    });

    it("--skip-target leaves that flow out of the default run, and only there", function () {
      const { specs } = planRun(parseRunArgs(["--skip-target", "localstack"]), {}, PROJECT_DIR);
      expect(specs).to.include(TARGET_SPEC.local).and.not.include(TARGET_SPEC.localstack);
      expect(() => parseRunArgs(["--skip-target", "nope"])).to.throw(UsageError, /Unknown target/);
      expect(() =>
        planRun(
          parseRunArgs(["--target", "local", "--skip-target", "localstack"]),
          {},
          PROJECT_DIR,
        ),
      ).to.throw(UsageError, /default run/);
    });

    it("--stack without --target is refused rather than ignored", function () {
      expect(() => planRun(parseRunArgs(["--stack", "dev"]), {}, PROJECT_DIR)).to.throw(
        UsageError,
        /--target/,
      );
    });

    it("every target has a spec file on disk", function () {
      for (const target of TARGET_NAMES) {
        expect(fs.existsSync(path.join(PROJECT_DIR, TARGET_SPEC[target])), target).to.equal(true);
      }
    });
  });

  it("`--target stack` with no stack or URL exits 2 saying what to pass", function () {
    this.timeout(60_000);
    const env = { ...process.env };
    delete env.API_URL;
    const run = spawnSync(
      process.execPath,
      ["--import", "tsx", path.join(PROJECT_DIR, "integration/run.ts"), "--target", "stack"],
      { cwd: PROJECT_DIR, env, encoding: "utf8" },
    );
    expect(run.status, run.stderr).to.equal(2);
    expect(run.stderr).to.include("--stack NAME").and.include("API_URL");
    expect(run.stdout).not.to.match(/passing|passed/);
  });

  describe("a run that executes no test fails", function () {
    it("says why: the filter, the target, what was skipped", function () {
      const none = { passes: 0, failures: 0, pending: 0 };
      const grep = noTestRanMessage(none, parseRunArgs(["--target", "local", "--grep", "nope"]));
      expect(grep).to.include('against the local target matching --grep "nope"');
      const skipped = noTestRanMessage(
        { ...none, pending: 12 },
        parseRunArgs(["--target", "localstack"]),
      );
      expect(skipped).to.include("(12 skipped)").and.include("skip lines");
      expect(noTestRanMessage(none, parseRunArgs([]))).to.include("in the integration suites");
    });

    it("and only then: one test passed, or one failed (a failing hook counts), is a run", function () {
      const args = parseRunArgs(["--target", "local"]);
      expect(noTestRanMessage({ passes: 1, failures: 0, pending: 5 }, args)).to.equal(undefined);
      expect(noTestRanMessage({ passes: 0, failures: 1, pending: 0 }, args)).to.equal(undefined);
    });

    it("`--target local --grep no-such-test` exits 1 with the message", function () {
      this.timeout(60_000);
      const run = spawnSync(
        process.execPath,
        [
          "--import",
          "tsx",
          path.join(PROJECT_DIR, "integration/run.ts"),
          "--target",
          "local",
          "--grep",
          "no-such-test",
        ],
        { cwd: PROJECT_DIR, encoding: "utf8" },
      );
      expect(run.status, run.stderr).to.equal(1);
      expect(run.stderr).to.include("no test ran against the local target");
    });
  });
});
