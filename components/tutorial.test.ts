/**
 * The tutorial's names: which stacks reuse them, the warnings a preview prints for them, and the
 * import file in docs/deploying.md that adopts the tutorial's table, checked against what the
 * program registers.
 */
import * as fs from "node:fs";
import * as path from "node:path";
import * as pulumi from "@pulumi/pulumi";
import { expect } from "chai";
import { PROJECT_DIR, runProgram } from "../local/program";
import { stackConfig } from "../testing/program";
import { TUTORIAL_NAMES, tutorialNameWarnings } from "./tutorial";

/** Runs a committed stack under mocks, collecting what the program warns. */
async function warningsOf(stack: string, preview: boolean): Promise<string[]> {
  const warnings: string[] = [];
  const warn = pulumi.log.warn;
  (pulumi.log as { warn: typeof warn }).warn = (message) => {
    warnings.push(message);
    return Promise.resolve();
  };
  try {
    await runProgram({ stack, preview });
  } finally {
    (pulumi.log as { warn: typeof warn }).warn = warn;
  }
  return warnings;
}

const names = (stack: string) => {
  const cfg = stackConfig(stack);
  return { table: cfg.table.name, api: cfg.api.name, stage: cfg.api.stageName };
};

describe("the tutorial's names", function () {
  this.timeout(120_000);

  it("are dev's, and prod's are its own", () => {
    expect(names("dev")).to.deep.equal(TUTORIAL_NAMES);
    const prod = names("prod");
    expect(prod.table).to.not.equal(TUTORIAL_NAMES.table);
    expect([prod.api, prod.stage]).to.not.deep.equal([TUTORIAL_NAMES.api, TUTORIAL_NAMES.stage]);
  });

  it("warn about the tutorial's table, and about its API only with its stage", () => {
    const [table, api] = tutorialNameWarnings(names("dev"));
    expect(table).to.include('"lambda-apigateway"').and.include("ResourceInUseException");
    expect(table).to.include("pulumi import").and.include("Accounts that ran the tutorial");
    expect(api).to.include('"DynamoDBOperations"').and.include('"test"');
    expect(api).to.include("name and stage only");
    expect(tutorialNameWarnings(names("prod"))).to.deep.equal([]);
    expect(tutorialNameWarnings({ ...TUTORIAL_NAMES, table: "other" })).to.have.length(1);
    expect(tutorialNameWarnings({ ...TUTORIAL_NAMES, stage: "v1" })).to.have.length(1);
    expect(tutorialNameWarnings({ ...TUTORIAL_NAMES, api: "Other" })).to.have.length(1);
  });

  it("are said by a preview of dev, and by none of prod", async () => {
    expect(await warningsOf("dev", true)).to.include.members(tutorialNameWarnings(names("dev")));
    const prod = await warningsOf("prod", true);
    for (const warning of tutorialNameWarnings(TUTORIAL_NAMES)) {
      expect(prod).not.to.include(warning);
    }
  });

  it("are not said outside a preview (tests, npm start)", async () => {
    expect(await warningsOf("dev", false)).to.deep.equal([]);
  });
});

describe("docs/deploying.md's import file for the tutorial's table", function () {
  this.timeout(120_000);

  interface ImportSpec {
    type: string;
    name: string;
    logicalName?: string;
    id?: string;
    parent?: string;
    component?: boolean;
  }

  /** The JSON block of the section "Accounts that ran the tutorial". */
  function importFile(): { resources: ImportSpec[] } {
    const doc = fs.readFileSync(path.join(PROJECT_DIR, "docs", "deploying.md"), "utf8");
    const section = doc.split(/^## /m).find((s) => s.startsWith("Accounts that ran the tutorial"));
    expect(section, "the section").to.be.a("string");
    const blocks = [...section!.matchAll(/```json\n([\s\S]*?)```/g)].map((m) => m[1]!);
    expect(blocks, "one JSON block").to.have.length(1);
    return JSON.parse(blocks[0]!.replace(/^ {2}/gm, "")) as { resources: ImportSpec[] };
  }

  it("adopts dev's table under the component and logical names the program registers", async () => {
    const run = await runProgram({ stack: "dev" });
    const [component, table, ...rest] = importFile().resources;
    expect(rest).to.deep.equal([]);
    // The program's items table and the component around it, as recorded under mocks.
    const recordedTable = run.resources.find(
      (r) => r.type === table!.type && r.custom && r.state.name === stackConfig("dev").table.name,
    );
    expect(recordedTable, "the program's table of that type and name").to.not.equal(undefined);
    const recordedComponent = run.resources.find((r) => !r.custom && r.type === component!.type);
    expect(recordedComponent, "the program's Table component").to.not.equal(undefined);

    expect(component).to.deep.include({ component: true, logicalName: recordedComponent!.name });
    expect(component!.id).to.equal(undefined);
    expect(table).to.deep.include({
      logicalName: recordedTable!.name,
      id: TUTORIAL_NAMES.table,
      parent: component!.name,
    });
    expect(table!.name).to.not.equal(component!.name); // a parent is referred to by a unique name
  });
});
