/**
 * The committed generated files are what `npm run openapi` would write now, and the typed client
 * compiles against them (typecheck covers client/index.ts).
 */
import * as fs from "node:fs";
import * as path from "node:path";
import { expect } from "chai";
import { generatedFiles } from "./generate";

describe("generated OpenAPI artifacts", function () {
  this.timeout(30_000);

  it("are up to date: run `npm run openapi` after changing routes, schemas or operations", async () => {
    for (const [file, text] of Object.entries(await generatedFiles())) {
      const name = path.relative(path.resolve(__dirname, ".."), file);
      expect(fs.existsSync(file), `${name} exists`).to.equal(true);
      // Not a deep-equal on the text: the message should say what to run, not dump 60 KB.
      const committed = fs.readFileSync(file, "utf8");
      expect(committed === text, `${name} is stale: run npm run openapi and commit it`).to.equal(
        true,
      );
    }
  });
});
