/**
 * `handlers/` holds exactly what ships in the function: every file in it but the tests is an
 * input of the bundle the Function component deploys, built here with the component's own build
 * (components/bundle.ts) and its metafiles. And the build-time OpenAPI generator never is.
 */
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { expect } from "chai";
import { buildHandler } from "../components/bundle";

const ROOT = path.resolve(__dirname, "..");

/** Every file under `dir`, relative to the repository root, with `/` separators. */
function filesUnder(dir: string): string[] {
  return (fs.readdirSync(dir, { recursive: true, withFileTypes: true }) as fs.Dirent[])
    .filter((d) => d.isFile())
    .map((d) => path.relative(ROOT, path.join(d.parentPath, d.name)).split(path.sep).join("/"))
    .sort();
}

describe("the function's bundle", function () {
  this.timeout(60_000);
  let inputs: string[];

  before(async () => {
    const outdir = fs.mkdtempSync(path.join(os.tmpdir(), "bundle-inputs-"));
    try {
      const result = await buildHandler(path.join(ROOT, "handlers", "crud.ts"), outdir, {
        write: false,
        absWorkingDir: ROOT,
      });
      inputs = Object.keys(result.metafile.inputs).map((input) =>
        path.relative(ROOT, path.resolve(ROOT, input)).split(path.sep).join("/"),
      );
    } finally {
      fs.rmSync(outdir, { recursive: true, force: true });
    }
  });

  it("takes in every file of handlers/ but the tests: handlers/ is what ships", () => {
    const shipped = filesUnder(path.join(ROOT, "handlers")).filter((f) => !f.endsWith(".test.ts"));
    expect(shipped).to.include("handlers/crud.ts");
    const notBundled = shipped.filter((f) => !inputs.includes(f));
    expect(
      notBundled,
      "files under handlers/ that the function never loads: move them out (test support to testing/, shared facts to contract/) or delete them",
    ).to.deep.equal([]);
  });

  it("serves the generated document, and never bundles its generator", () => {
    expect(inputs).to.include("contract/openapi.json");
    expect(inputs).to.not.include("contract/openapi.ts");
    expect(inputs.filter((i) => i.includes("node_modules/@valibot/to-json-schema/"))).to.deep.equal(
      [],
    );
  });
});
