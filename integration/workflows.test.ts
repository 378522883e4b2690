/**
 * Validates the users' CI/CD workflows offline: they pass GitHub's workflow schema
 * (`@action-validator/cli`), every npm script they call exists, every harness argument they pass
 * is one the runner accepts, every action runs on Node 24, every Pulumi step uses the pinned CLI,
 * the policy pack and the plugin cache, and the pipelines have the shape docs/deploying.md promises
 * (checks and previews on pull requests; LocalStack → dev → smoke → prod, each stack previewed
 * before its up; bootstrap on demand, for an environment that exists; a nightly drift check).
 */
import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as path from "node:path";
import { expect } from "chai";
import { parse as parseYaml } from "yaml";
import { PROJECT_DIR } from "../local/program";
import { parseRunArgs, planRun } from "./run";

const WORKFLOW_DIR = path.join(PROJECT_DIR, ".github", "workflows");

interface Step {
  id?: string;
  name?: string;
  uses?: string;
  run?: string;
  if?: string;
  with?: Record<string, unknown>;
  env?: Record<string, string>;
}
interface Job {
  name?: string;
  needs?: string | string[];
  uses?: string;
  "runs-on"?: string;
  environment?: string | { name: string; url?: string };
  permissions?: Record<string, string>;
  strategy?: { matrix?: Record<string, unknown[]> };
  steps?: Step[];
  if?: string;
}
interface Workflow {
  name?: string;
  on?: Record<string, unknown>;
  jobs?: Record<string, Job>;
  concurrency?: Record<string, unknown>;
}

const NPM_BUILTINS = new Set(["ci", "install", "i"]);

/**
 * The first major of each action whose `runs.using` is node24 (GitHub's runners dropped Node 20,
 * pulumi/actions#1403). An action missing here fails the test: look up its first node24 major.
 */
export const NODE24_MAJORS: Record<string, number> = {
  "actions/checkout": 5,
  "actions/setup-node": 5,
  "actions/setup-java": 5,
  "actions/cache": 5,
  "aws-actions/configure-aws-credentials": 6,
  "pulumi/actions": 7,
  "actions/upload-artifact": 6,
};

const POLICY_DIR = path.join(PROJECT_DIR, "policy");
const PULUMI_VERSION_FILE = ".pulumi.version";
const PULUMI_COMMANDS = new Set(["preview", "up", "update", "refresh", "destroy"]);

function loadWorkflows(): Map<string, Workflow> {
  const files = fs.readdirSync(WORKFLOW_DIR).filter((f) => /\.ya?ml$/.test(f));
  return new Map(
    files.map((f) => [
      f,
      parseYaml(fs.readFileSync(path.join(WORKFLOW_DIR, f), "utf8")) as Workflow,
    ]),
  );
}

/**
 * Every Pulumi CLI command in a shell script (continued lines joined): the command and its
 * arguments, quotes removed.
 */
export function pulumiCalls(script: string): { command: string; args: string[] }[] {
  const calls: { command: string; args: string[] }[] = [];
  const operators = new Set(["|", "||", "&&", ";"]);
  for (const line of script.replace(/\\\n\s*/g, " ").split("\n")) {
    // Words as the shell splits them: quoted strings whole, operators apart.
    const words = [...line.matchAll(/"([^"]*)"|'([^']*)'|(\|\||&&|[|;])|([^\s"'|;]+)/g)].map(
      (m) => m[1] ?? m[2] ?? m[3] ?? m[4]!,
    );
    words.forEach((word, i) => {
      const command = words[i + 1];
      if (word !== "pulumi" || !command || !/^[a-z]+$/.test(command)) return;
      const end = words.findIndex((w, j) => j > i + 1 && operators.has(w));
      calls.push({ command, args: words.slice(i + 2, end < 0 ? undefined : end) });
    });
  }
  return calls;
}

/** The value of a `--flag value` or `--flag=value` argument. */
const flagValue = (args: string[], flag: string): string | undefined => {
  const i = args.indexOf(flag);
  if (i >= 0) return args[i + 1];
  return args.find((a) => a.startsWith(`${flag}=`))?.slice(flag.length + 1);
};

/** The first Pulumi CLI release with a distinct exit code (7) for `--expect-no-changes`. */
const EXIT_CODE_7_SINCE = [3, 226, 1];

/** Every npm invocation in a shell script: the script name and the arguments after `--`. */
export function npmCalls(script: string): { script: string; args: string[] }[] {
  const calls: { script: string; args: string[] }[] = [];
  for (const line of script.split("\n")) {
    for (const m of line.matchAll(/\bnpm\s+(?:run(?:-script)?\s+)?([\w:.-]+)([^;&|]*)/g)) {
      const rest = (m[2] ?? "").trim().split(/\s+/).filter(Boolean);
      const dashDash = rest.indexOf("--");
      calls.push({ script: m[1]!, args: dashDash >= 0 ? rest.slice(dashDash + 1) : [] });
    }
  }
  return calls;
}

function stacksOnDisk(): string[] {
  return fs
    .readdirSync(PROJECT_DIR)
    .map((f) => /^Pulumi\.(.+)\.yaml$/.exec(f)?.[1])
    .filter((s): s is string => !!s)
    .sort();
}

const needsOf = (job: Job): string[] => (job.needs === undefined ? [] : [job.needs].flat());
const envName = (job: Job): string | undefined =>
  typeof job.environment === "string" ? job.environment : job.environment?.name;
const stepIndex = (job: Job, match: (s: Step) => boolean): number =>
  (job.steps ?? []).findIndex(match);
const isPulumi = (command: string) => (s: Step) =>
  !!s.uses?.startsWith("pulumi/actions@") && s.with?.command === command;

describe("CI/CD workflows (.github/workflows)", function () {
  const workflows = loadWorkflows();
  const scripts = (
    JSON.parse(fs.readFileSync(path.join(PROJECT_DIR, "package.json"), "utf8")) as {
      scripts: Record<string, string>;
    }
  ).scripts;
  const allSteps = (): [string, string, Step][] =>
    [...workflows].flatMap(([file, wf]) =>
      Object.entries(wf.jobs ?? {}).flatMap(([job, j]) =>
        (j.steps ?? []).map((s): [string, string, Step] => [file, job, s]),
      ),
    );

  it("finds the pull-request, deploy and LocalStack workflows", function () {
    expect([...workflows.keys()].sort()).to.include.members([
      "deploy.yml",
      "localstack.yml",
      "pull-request.yml",
    ]);
  });

  it("parse, and every job has steps or calls a workflow, every step runs or uses one thing", function () {
    for (const [file, wf] of workflows) {
      expect(wf.name, `${file}: name`).to.be.a("string");
      expect(wf.on, `${file}: on`).to.be.an("object");
      expect(Object.keys(wf.jobs ?? {}), `${file}: jobs`).to.have.length.greaterThan(0);
      for (const [name, job] of Object.entries(wf.jobs!)) {
        if (job.uses) {
          expect(job.steps, `${file}/${name}`).to.equal(undefined);
          continue;
        }
        expect(job["runs-on"], `${file}/${name}: runs-on`).to.be.a("string");
        expect(job.steps, `${file}/${name}: steps`).to.be.an("array").with.length.greaterThan(0);
        for (const step of job.steps!) {
          expect(
            !!step.run !== !!step.uses,
            `${file}/${name}: a step has run or uses: ${JSON.stringify(step)}`,
          ).to.equal(true);
        }
        for (const need of needsOf(job))
          expect(wf.jobs, `${file}/${name} needs ${need}`).to.have.property(need);
      }
    }
  });

  it("call only npm scripts that package.json defines", function () {
    let calls = 0;
    for (const [file, job, step] of allSteps()) {
      for (const call of npmCalls(step.run ?? "")) {
        calls++;
        if (NPM_BUILTINS.has(call.script)) continue;
        expect(scripts, `${file}/${job} runs npm ${call.script}`).to.have.property(call.script);
      }
    }
    expect(calls).to.be.greaterThan(3);
  });

  it("pass the integration runner only arguments it accepts, and stacks that exist", function () {
    const stacks = stacksOnDisk();
    let runs = 0;
    for (const [file, job, step] of allSteps()) {
      for (const call of npmCalls(step.run ?? "").filter((c) => c.script === "test:integration")) {
        runs++;
        const args = parseRunArgs(call.args);
        if (args.stack)
          expect(stacks, `${file}/${job}: --stack ${args.stack}`).to.include(args.stack);
        // The stack target needs --stack here: CI has no API_URL to fall back on.
        expect(
          () => planRun(args, {}, PROJECT_DIR),
          `${file}/${job}: ${call.args.join(" ")}`,
        ).not.to.throw();
      }
    }
    expect(runs).to.be.greaterThan(2);
  });

  it("the test:integration script is the harness runner, so --target reaches it", function () {
    expect(scripts["test:integration"]).to.match(/\btsx integration\/run\.ts\b/);
  });

  it("use actions pinned to a version, and local workflows that exist and can be called", function () {
    const uses: [string, string][] = [];
    for (const [file, job, step] of allSteps())
      if (step.uses) uses.push([`${file}/${job}`, step.uses]);
    for (const [file, wf] of workflows) {
      for (const [name, job] of Object.entries(wf.jobs ?? {}))
        if (job.uses) uses.push([`${file}/${name}`, job.uses]);
    }
    for (const [where, ref] of uses) {
      if (ref.startsWith("./")) {
        const called = workflows.get(path.basename(ref));
        expect(called, `${where}: ${ref}`).not.to.equal(undefined);
        expect(called!.on, `${ref} is callable`).to.have.property("workflow_call");
      } else {
        expect(ref, where).to.match(/^[\w.-]+\/[\w.-]+@(v\d+(\.\d+){0,2}|[0-9a-f]{40})$/);
      }
    }
  });

  it("pass GitHub's workflow schema (@action-validator/cli)", function () {
    this.timeout(60_000);
    const cli = require.resolve("@action-validator/cli/cli.mjs");
    for (const file of workflows.keys()) {
      const run = spawnSync(process.execPath, [cli, path.join(WORKFLOW_DIR, file)], {
        encoding: "utf8",
        env: { ...process.env, NO_COLOR: "1" },
      });
      expect(run.status, `${file}:\n${run.stdout}${run.stderr}`).to.equal(0);
    }
  });

  it("use releases of actions that run on Node 24", function () {
    for (const [file, job, step] of allSteps()) {
      if (!step.uses || step.uses.startsWith("./")) continue;
      const [name, ref] = step.uses.split("@") as [string, string];
      expect(
        NODE24_MAJORS,
        `${file}/${job}: ${name} — add its first node24 major`,
      ).to.have.property(name);
      const major = Number(/^v(\d+)/.exec(ref)?.[1]);
      expect(major, `${file}/${job}: ${step.uses}`).to.be.at.least(NODE24_MAJORS[name]!);
    }
  });

  describe("Pulumi steps", function () {
    const pulumiSteps = () => allSteps().filter(([, , s]) => s.uses?.startsWith("pulumi/actions@"));
    const sdkVersion = (
      JSON.parse(fs.readFileSync(path.join(PROJECT_DIR, "package.json"), "utf8")) as {
        dependencies: Record<string, string>;
      }
    ).dependencies["@pulumi/pulumi"];

    it("install the pinned CLI, the version of the SDK the program uses", function () {
      const pinned = fs.readFileSync(path.join(PROJECT_DIR, PULUMI_VERSION_FILE), "utf8").trim();
      expect(pinned)
        .to.match(/^\d+\.\d+\.\d+$/)
        .and.equal(sdkVersion);
      expect(pulumiSteps().length).to.be.greaterThan(3);
      for (const [file, job, step] of pulumiSteps()) {
        expect(step.with?.["pulumi-version-file"], `${file}/${job}`).to.equal(PULUMI_VERSION_FILE);
        expect(step.with, `${file}/${job}`).not.to.have.property("pulumi-version");
      }
    });

    it("run the policy pack on every preview and up, and create a missing stack", function () {
      let commands = 0;
      for (const [file, job, step] of pulumiSteps()) {
        const command = step.with?.command;
        if (command === undefined) continue; // installs the CLI only
        commands++;
        expect(PULUMI_COMMANDS, `${file}/${job}: ${command}`).to.include(command);
        const where = `${file}/${job} (${command})`;
        if (command === "preview" || command === "up" || command === "update") {
          const workDir = String(step.with?.["work-dir"] ?? ".");
          const pack = String(step.with?.policyPacks ?? "");
          expect(pack, `${where}: policyPacks`).to.not.equal("");
          expect(path.resolve(PROJECT_DIR, workDir, pack), where).to.equal(POLICY_DIR);
          expect(fs.existsSync(path.join(PROJECT_DIR, workDir, "Pulumi.yaml")), where).to.equal(
            true,
          );
        }
        expect(step.with?.upsert, `${where}: upsert`).to.equal(true);
      }
      expect(commands).to.be.greaterThan(3);
    });

    it("cache provider plugins, keyed on the lockfile and the CLI version, before Pulumi runs", function () {
      for (const [file, wf] of workflows) {
        for (const [name, job] of Object.entries(wf.jobs ?? {})) {
          const steps = job.steps ?? [];
          const first = steps.findIndex((s) => !!s.uses?.startsWith("pulumi/actions@"));
          if (first < 0) continue;
          const cache = steps.findIndex(
            (s) => !!s.uses?.startsWith("actions/cache@") && s.with?.path === "~/.pulumi/plugins",
          );
          expect(cache, `${file}/${name}: a plugin cache step`).to.be.at.least(0);
          const key = String(steps[cache]!.with?.key ?? "");
          expect(key, `${file}/${name}`)
            .to.include("package-lock.json")
            .and.include(PULUMI_VERSION_FILE);
          // The plugins are downloaded by the first command that runs the program.
          const firstCommand = steps.findIndex(
            (s) => !!s.uses?.startsWith("pulumi/actions@") && s.with?.command !== undefined,
          );
          const harness = steps.findIndex((s) => /--target localstack/.test(s.run ?? ""));
          const cli = steps.findIndex((s) => pulumiCalls(s.run ?? "").length > 0);
          const user = [firstCommand, harness, cli].filter((i) => i >= 0)[0] ?? -1;
          expect(user, `${file}/${name}: a step that runs the program`).to.be.at.least(0);
          expect(cache, `${file}/${name}: cache before first use`).to.be.lessThan(user);
        }
      }
    });

    it("the Pulumi CLI, where a step runs it itself, previews with the policy pack too", function () {
      let calls = 0;
      for (const [file, job, step] of allSteps()) {
        for (const call of pulumiCalls(step.run ?? "")) {
          if (call.command !== "preview" && call.command !== "up") continue;
          calls++;
          const pack = flagValue(call.args, "--policy-pack");
          expect(pack, `${file}/${job}: pulumi ${call.command} --policy-pack`).to.be.a("string");
          expect(path.resolve(PROJECT_DIR, pack!), `${file}/${job}`).to.equal(POLICY_DIR);
        }
      }
      expect(calls).to.be.greaterThan(0);
    });

    it("bootstrap.yml brings up the bootstrap project on demand, with the policy pack", function () {
      const wf = workflows.get("bootstrap.yml");
      expect(wf, "bootstrap.yml").not.to.equal(undefined);
      expect(wf!.on).to.have.property("workflow_dispatch");
      const up = Object.values(wf!.jobs!)
        .flatMap((j) => j.steps ?? [])
        .find(isPulumi("up"));
      expect(up?.with).to.include({ "work-dir": "bootstrap" });
    });

    it("bootstrap.yml offers only the environments the deployment uses, as a choice", function () {
      const wf = workflows.get("bootstrap.yml")!;
      const dispatch = wf.on!.workflow_dispatch as {
        inputs: Record<string, { type?: string; options?: string[]; default?: string }>;
      };
      const input = dispatch.inputs.environment!;
      // Free text could name an environment that does not exist; GitHub would create it unprotected.
      expect(input.type).to.equal("choice");
      const deployed = Object.values(workflows.get("deploy.yml")!.jobs!)
        .map(envName)
        .filter((e): e is string => !!e);
      expect([...new Set(input.options)].sort()).to.deep.equal([...new Set(deployed)].sort());
      expect(input.options).to.include(input.default);
      const jobs = Object.values(wf.jobs!);
      expect(jobs.map(envName)).to.deep.equal(["${{ inputs.environment }}"]);
    });
  });

  describe("on pull requests", function () {
    const wf = () => workflows.get("pull-request.yml")!;
    const steps = () => Object.values(wf().jobs!).flatMap((j) => j.steps ?? []);
    const runs = (script: string) =>
      steps().some((s) => npmCalls(s.run ?? "").some((c) => c.script === script));

    it("install, then every step of `npm test` (lint, typecheck, unit and local tests)", function () {
      expect(wf().on).to.have.property("pull_request");
      expect(steps().some((s) => /\bnpm ci\b/.test(s.run ?? ""))).to.equal(true);
      // The steps come from package.json, so a check added to `npm test` must run here too.
      const testSteps = npmCalls(scripts.test ?? "").map((c) => c.script);
      expect(testSteps).to.include.members(["lint", "typecheck", "test:unit", "test:integration"]);
      for (const script of testSteps) expect(runs(script), script).to.equal(true);
    });

    it("run the LocalStack integration", function () {
      expect(Object.values(wf().jobs!).map((j) => j.uses)).to.include(
        "./.github/workflows/localstack.yml",
      );
    });

    it("preview every stack there is a config file for, with the diff posted on the pull request", function () {
      const preview = Object.values(wf().jobs!).find((j) =>
        (j.steps ?? []).some(isPulumi("preview")),
      );
      expect(preview, "a job running pulumi preview").not.to.equal(undefined);
      expect((preview!.strategy?.matrix?.stack ?? []).map(String).sort()).to.deep.equal(
        stacksOnDisk(),
      );
      const step = preview!.steps!.find(isPulumi("preview"))!;
      expect(step.with).to.include({ "stack-name": "${{ matrix.stack }}", "comment-on-pr": true });
      expect(preview!.permissions).to.include({ "pull-requests": "write" });
    });
  });

  describe("on main: LocalStack → pulumi up dev → smoke test → pulumi up prod", function () {
    const wf = () => workflows.get("deploy.yml")!;
    const jobs = () => Object.entries(wf().jobs!);
    const jobWhere = (match: (s: Step) => boolean): [string, Job] => {
      const found = jobs().find(([, j]) => (j.steps ?? []).some(match));
      expect(found, "job").not.to.equal(undefined);
      return found!;
    };
    const upOf = (stack: string) => (s: Step) =>
      isPulumi("up")(s) && s.with?.["stack-name"] === stack;

    it("runs on pushes to main only", function () {
      expect(wf().on).to.deep.equal({ push: { branches: ["main"] } });
    });

    it("deploys dev only after LocalStack passed, and smoke-tests it before anything else", function () {
      const [localstack] = jobs().find(([, j]) => j.uses === "./.github/workflows/localstack.yml")!;
      const [devName, dev] = jobWhere(upOf("dev"));
      expect(needsOf(dev)).to.include(localstack);
      const up = stepIndex(dev, upOf("dev"));
      const smoke = stepIndex(dev, (s) =>
        npmCalls(s.run ?? "").some(
          (c) =>
            c.script === "test:integration" && c.args.join(" ") === "--target stack --stack dev",
        ),
      );
      expect(smoke, `${devName}: smoke test step`).to.be.greaterThan(up);
    });

    it("previews each stack before its up, so an account without bootstrap/ stops before any change", function () {
      // The action's `up` skips the CLI's own preview; the program's account check runs at
      // preview (components/api/account.ts).
      for (const stack of ["dev", "prod"]) {
        const [name, job] = jobWhere(upOf(stack));
        const up = stepIndex(job, upOf(stack));
        const preview = stepIndex(
          job,
          (s) => isPulumi("preview")(s) && s.with?.["stack-name"] === stack,
        );
        expect(preview, `${name}: a preview of ${stack}`).to.be.at.least(0);
        expect(preview, `${name}: preview before up`).to.be.lessThan(up);
        const credentials = stepIndex(
          job,
          (s) => !!s.uses?.startsWith("aws-actions/configure-aws-credentials@"),
        );
        expect(credentials, `${name}: credentials before the preview`).to.be.lessThan(preview);
      }
    });

    it("deploys prod only after dev's job, behind the protected production environment", function () {
      const [devName] = jobWhere(upOf("dev"));
      const [, prod] = jobWhere(upOf("prod"));
      expect(needsOf(prod)).to.include(devName);
      expect(envName(prod)).to.equal("production");
      expect(wf().concurrency).to.deep.include({ "cancel-in-progress": false });
    });
  });

  describe("every night: drift", function () {
    const wf = () => workflows.get("drift.yml")!;
    const job = () => {
      const jobs = Object.values(wf().jobs!);
      expect(jobs).to.have.length(1);
      return jobs[0]!;
    };
    const previewStep = () => {
      const steps = job().steps!.filter((s) =>
        pulumiCalls(s.run ?? "").some((c) => c.command === "preview"),
      );
      expect(steps, "one step runs pulumi preview").to.have.length(1);
      return steps[0]!;
    };

    it("runs nightly on a schedule, and on demand", function () {
      expect(wf().on).to.have.property("workflow_dispatch");
      const schedule = wf().on!.schedule as { cron: string }[];
      expect(schedule).to.have.length(1);
      // minute hour day-of-month month day-of-week: a fixed time, every day.
      const [minute, hour, ...rest] = schedule[0]!.cron.split(/\s+/);
      expect(Number(minute)).to.be.within(0, 59);
      expect(Number(hour)).to.be.within(0, 23);
      expect(rest).to.deep.equal(["*", "*", "*"]);
    });

    it("checks every stack there is a config file for, each on its own, with read-only credentials", function () {
      expect((job().strategy?.matrix?.stack ?? []).map(String).sort()).to.deep.equal(
        stacksOnDisk(),
      );
      expect((job().strategy as { "fail-fast"?: boolean })["fail-fast"]).to.equal(false);
      // No environment: production's required reviewers would hold a nightly run.
      expect(envName(job())).to.equal(undefined);
      const credentials = job().steps!.find(
        (s) => !!s.uses?.startsWith("aws-actions/configure-aws-credentials@"),
      );
      expect(credentials?.with?.["role-to-assume"]).to.equal("${{ vars.AWS_PREVIEW_ROLE_ARN }}");
    });

    it("runs pulumi preview --refresh --expect-no-changes on the matrix's stack, with the pinned CLI", function () {
      const call = pulumiCalls(previewStep().run!).find((c) => c.command === "preview")!;
      expect(call.args).to.include.members(["--refresh", "--expect-no-changes", "--diff"]);
      expect(flagValue(call.args, "--stack")).to.equal("${{ matrix.stack }}");
      const steps = job().steps!;
      const install = steps.findIndex(
        (s) =>
          !!s.uses?.startsWith("pulumi/actions@") &&
          s.with?.command === undefined &&
          s.with?.["pulumi-version-file"] === PULUMI_VERSION_FILE,
      );
      expect(install, "the pinned CLI is installed first").to.be.at.least(0);
      expect(install).to.be.lessThan(steps.indexOf(previewStep()));
      // The summary tells drift (exit code 7) from a failed check: the pinned CLI must have it.
      const pinned = fs.readFileSync(path.join(PROJECT_DIR, PULUMI_VERSION_FILE), "utf8").trim();
      const rank = ([major, minor, patch]: number[]) => major! * 1e6 + minor! * 1e3 + patch!;
      expect(rank(pinned.split(".").map(Number)), pinned).to.be.at.least(rank(EXIT_CODE_7_SINCE));
    });

    it("fails on drift, and writes the preview's diff to the job summary even then", function () {
      const preview = previewStep();
      expect(preview.id).to.be.a("string");
      // The step's own exit code is the preview's, not tee's.
      expect(preview.run)
        .to.match(/PIPESTATUS\[0\]/)
        .and.match(/exit "\$code"/);
      const output = /\btee\s+(\S+)/.exec(preview.run!)?.[1];
      expect(output, "the preview's output is kept in a file").to.be.a("string");
      const steps = job().steps!;
      const summary = steps.find((s) => /\$GITHUB_STEP_SUMMARY/.test(s.run ?? ""));
      expect(summary, "a step writes the job summary").to.not.equal(undefined);
      expect(steps.indexOf(summary!)).to.be.greaterThan(steps.indexOf(preview));
      expect(summary!.if, "it runs when the preview failed").to.match(/^always\(\)/);
      expect(summary!.run).to.include(output!).and.include(`steps.${preview.id}.outputs.exit-code`);
      expect(summary!.run).to.match(/\b7\)/);
    });
  });

  it("runs the mutation tests weekly and on demand, keeping the reports even when they fail", function () {
    const wf = workflows.get("mutation.yml");
    expect(wf, "mutation.yml").not.to.equal(undefined);
    expect(wf!.on).to.have.property("schedule");
    expect(wf!.on).to.have.property("workflow_dispatch");
    const steps = Object.values(wf!.jobs!).flatMap((j) => j.steps ?? []);
    const run = steps.findIndex((s) =>
      npmCalls(s.run ?? "").some((c) => c.script === "test:mutation"),
    );
    const upload = steps.findIndex((s) => !!s.uses?.startsWith("actions/upload-artifact@"));
    expect(run, "npm run test:mutation").to.be.at.least(0);
    expect(upload, "an upload after it").to.be.greaterThan(run);
    expect((steps[upload] as Step & { if?: string }).if).to.equal("always()");
    expect(steps[upload]!.with?.path).to.equal("reports/mutation/");
  });

  it("the LocalStack workflow chooses its target explicitly, so it fails rather than skips", function () {
    const steps = Object.values(workflows.get("localstack.yml")!.jobs!).flatMap(
      (j) => j.steps ?? [],
    );
    const calls = steps.flatMap((s) => npmCalls(s.run ?? ""));
    expect(
      calls.some(
        (c) => c.script === "test:integration" && parseRunArgs(c.args).target === "localstack",
      ),
    ).to.equal(true);
    expect(steps.some((s) => s.uses?.startsWith("pulumi/actions@"))).to.equal(true);
  });

  it("the LocalStack workflow lets the repository choose the image, and passes the token", function () {
    const steps = Object.values(workflows.get("localstack.yml")!.jobs!).flatMap(
      (j) => j.steps ?? [],
    );
    const harness = steps.find((s) =>
      npmCalls(s.run ?? "").some((c) => parseRunArgs(c.args).target === "localstack"),
    );
    // An unset variable is empty, and the harness then runs its pinned default (localStackImage).
    expect(harness?.env).to.deep.include({
      LOCALSTACK_IMAGE: "${{ vars.LOCALSTACK_IMAGE }}",
      LOCALSTACK_AUTH_TOKEN: "${{ secrets.LOCALSTACK_AUTH_TOKEN }}",
    });
  });
});

describe("npm calls in workflow scripts", function () {
  it("finds scripts, npm test, and the arguments after --", function () {
    expect(
      npmCalls(
        "npm ci\nnpm run lint && npm test\nnpm run test:integration -- --target stack --stack dev",
      ),
    ).to.deep.equal([
      { script: "ci", args: [] },
      { script: "lint", args: [] },
      { script: "test", args: [] },
      { script: "test:integration", args: ["--target", "stack", "--stack", "dev"] },
    ]);
  });
});

describe("Pulumi CLI calls in workflow scripts", function () {
  it("finds commands across continued lines, with their arguments unquoted", function () {
    expect(
      pulumiCalls(
        'set +e\npulumi preview --stack "${{ matrix.stack }}" --refresh \\\n  --policy-pack policy 2>&1 | tee out.txt\nnpm ci && pulumi up --yes',
      ),
    ).to.deep.equal([
      {
        command: "preview",
        args: ["--stack", "${{ matrix.stack }}", "--refresh", "--policy-pack", "policy", "2>&1"],
      },
      { command: "up", args: ["--yes"] },
    ]);
    expect(pulumiCalls("npm run test:integration -- --target localstack")).to.deep.equal([]);
  });
});
