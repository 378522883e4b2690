import * as path from "node:path";
import { expect } from "chai";
import Mocha from "mocha";
import { PROJECT_DIR } from "../../local/program";
import { TARGET_SPEC } from "../run";

/**
 * The tests each target's spec file registers, read by loading the real spec files into a Mocha
 * instance of their own, which never runs them.
 */
async function registeredTests(specs: readonly string[]): Promise<Map<string, string[]>> {
  const mocha = new Mocha();
  for (const spec of specs) mocha.addFile(path.join(PROJECT_DIR, spec));
  await mocha.loadFilesAsync();
  const byFile = new Map<string, string[]>();
  const walk = (suite: Mocha.Suite): void => {
    for (const test of suite.tests) {
      const file = path.relative(PROJECT_DIR, test.file ?? "");
      byFile.set(file, [...(byFile.get(file) ?? []), test.fullTitle()]);
    }
    suite.suites.forEach(walk);
  };
  walk(mocha.suite);
  return byFile;
}

describe("which parts of the CRUD flow each target runs (FLOW_PARTS)", function () {
  let tests: Map<string, string[]>;
  before(async function () {
    this.timeout(60_000);
    tests = await registeredTests([
      TARGET_SPEC.local,
      TARGET_SPEC.localstack,
      "integration/flows/local-prod.int.test.ts",
    ]);
  });
  const gatewayErrors = (titles: string[] = []) =>
    titles.filter((t) => t.includes("API Gateway's own errors"));

  it("the LocalStack run leaves out API Gateway's own errors, and runs the rest of the flow", function () {
    const localstack = tests.get(TARGET_SPEC.localstack) ?? [];
    expect(gatewayErrors(localstack)).to.deep.equal([]);
    const local = tests.get(TARGET_SPEC.local) ?? [];
    // Everything else is the same flow: the same titles once the target's name is left out.
    const rest = (titles: string[], target: string) =>
      titles
        .filter((t) => !t.includes("API Gateway's own errors"))
        .map((t) => t.replace(`against the ${target} target`, "").replace(/itest-\S+-/, ""));
    expect(rest(localstack, "localstack")).to.deep.equal(rest(local, "local"));
    expect(localstack.length).to.be.greaterThan(20);
  });

  it("the local targets (dev and prod) run them", function () {
    expect(gatewayErrors(tests.get(TARGET_SPEC.local))).to.have.length(1);
    expect(gatewayErrors(tests.get("integration/flows/local-prod.int.test.ts"))).to.have.length(1);
  });
});
