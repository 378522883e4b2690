/**
 * The import check itself (`npm run check:imports`, rules in .dependency-cruiser.mjs), run the way
 * npm runs it on tiny trees laid out like this repository: it passes on a tree whose arrows run
 * one way, and fails on a tree breaking each rule once, naming the files of every violation.
 */
import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { expect } from "chai";
import { PROJECT_DIR } from "../local/program";

const CONFIG = ".dependency-cruiser.mjs";

/** The script as package.json gives it, so the test runs exactly what npm runs. */
const SCRIPT = (
  JSON.parse(fs.readFileSync(path.join(PROJECT_DIR, "package.json"), "utf8")) as {
    scripts: Record<string, string>;
  }
).scripts["check:imports"];

/** A tree whose arrows run one way; tests and test support may import anything. */
const CLEAN: Record<string, string> = {
  "index.ts": `import { fn } from "./components/fn";\nexport const name = fn;\n`,
  "contract/env.ts": `import { version } from "../package.json";\nexport const TABLE = "TABLE_NAME";\nexport const VERSION = version;\n`,
  "contract/openapi.ts": `import { TABLE } from "./env";\nexport const document = { TABLE };\n`,
  // A type-only import of a devDependency is erased from the bundle.
  "handlers/app.ts": `import type { Context } from "aws-lambda";\nimport { TABLE } from "../contract/env";\nexport const handler = (_: Context) => TABLE;\n`,
  "handlers/app.test.ts": `import { expect } from "chai";\nimport { handler } from "./app";\nimport { cloud } from "../local/cloud";\nimport { helper } from "../testing/helper";\nexpect([handler, cloud, helper]).to.have.length(3);\n`,
  "components/fn.ts": `import { TABLE } from "../contract/env";\nimport { document } from "../contract/openapi";\nexport const fn = [TABLE, document];\n`,
  "local/cloud.ts": `import { fn } from "../components/fn";\nimport { TABLE } from "../contract/env";\nexport const cloud = [fn, TABLE];\n`,
  "testing/helper.ts": `import { handler } from "../handlers/app";\nexport const helper = handler;\n`,
};

/** One violation of each rule, added to the clean tree. */
const BROKEN: Record<string, string> = {
  "local/a.ts": `import { b } from "./b";\nexport const a = () => b;\n`,
  "local/b.ts": `import { a } from "./a";\nexport const b = () => a;\n`,
  "handlers/upward.ts": `import { cloud } from "../local/cloud";\nexport const up = cloud;\n`,
  "handlers/assert.ts": `import { expect } from "chai";\nexport const check = expect;\n`,
  "handlers/infra.ts": `import { fn } from "../components/fn";\nexport const infra = fn;\n`,
  "handlers/doc.ts": `import { document } from "../contract/openapi";\nexport const doc = document;\n`,
  "components/reach.ts": `import { handler } from "../handlers/app";\nexport const reach = handler;\n`,
  "contract/up.ts": `import { handler } from "../handlers/app";\nexport const up = handler;\n`,
  "local/support.ts": `import { helper } from "../testing/helper";\nexport const support = helper;\n`,
};

/** What the broken tree must be told, as `rule: from → to`. */
const EXPECTED = [
  "runtime-not-on-harness: handlers/upward.ts → local/cloud.ts",
  "runtime-not-on-dev-dependencies: handlers/assert.ts → ",
  "handlers-not-on-components: handlers/infra.ts → components/fn.ts",
  "handlers-not-on-openapi-generator: handlers/doc.ts → contract/openapi.ts",
  "components-not-on-handlers: components/reach.ts → handlers/app.ts",
  "contract-at-the-bottom: contract/up.ts → handlers/app.ts",
  "runtime-not-on-testing: local/support.ts → testing/helper.ts",
];

/** Lays out a tree with the repository's config, manifest and packages, and runs the check in it. */
function check(files: Record<string, string>): { status: number | null; output: string } {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "imports-"));
  try {
    for (const file of [CONFIG, "package.json", "tsconfig.json"]) {
      fs.copyFileSync(path.join(PROJECT_DIR, file), path.join(dir, file));
    }
    fs.symlinkSync(path.join(PROJECT_DIR, "node_modules"), path.join(dir, "node_modules"), "dir");
    for (const [file, text] of Object.entries(files)) {
      fs.mkdirSync(path.dirname(path.join(dir, file)), { recursive: true });
      fs.writeFileSync(path.join(dir, file), text);
    }
    const bin = path.join(PROJECT_DIR, "node_modules", ".bin");
    const run = spawnSync("sh", ["-c", SCRIPT!], {
      cwd: dir,
      env: { ...process.env, PATH: `${bin}${path.delimiter}${process.env.PATH}` },
      encoding: "utf8",
    });
    return { status: run.status, output: `${run.stdout}${run.stderr}` };
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

describe("the import check (npm run check:imports)", function () {
  this.timeout(60_000);

  it("is an npm script using the repository's rules", function () {
    expect(SCRIPT).to.be.a("string").and.include(`--config ${CONFIG}`);
  });

  it("passes a tree whose arrows run one way", function () {
    const { status, output } = check(CLEAN);
    expect(status, output).to.equal(0);
    expect(output).to.include("no dependency violations found");
  });

  describe("on a tree breaking each rule once", function () {
    let status: number | null;
    let output: string;
    before(function () {
      ({ status, output } = check({ ...CLEAN, ...BROKEN }));
    });

    it("fails on an import cycle, naming its files", function () {
      expect(status, output).not.to.equal(0);
      const cycle =
        /error no-cycle: (local\/[ab]\.ts) →\s+(local\/[ab]\.ts) →\s+(local\/[ab]\.ts)/.exec(
          output,
        );
      expect(cycle, output).not.to.equal(null);
      expect(new Set(cycle!.slice(1))).to.deep.equal(new Set(["local/a.ts", "local/b.ts"]));
    });

    it("fails on each upward import, naming the importing and the imported file", function () {
      expect(status, output).not.to.equal(0);
      for (const violation of EXPECTED) expect(output, violation).to.include(`error ${violation}`);
      expect(output).to.match(/handlers\/assert\.ts → \S*node_modules\/chai\//);
      // Nothing else: the clean part of the tree and the tests stay quiet.
      const reported = output.match(/^\s*error [\w-]+:/gm) ?? [];
      expect(
        reported.filter((r) => !r.includes("no-cycle")),
        output,
      ).to.have.length(EXPECTED.length);
    });
  });
});
