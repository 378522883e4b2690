import * as fs from "node:fs";
import { expect } from "chai";
import { REFERENCE_FILE, configReference } from "./config-reference";
import { configKeyPaths } from "./config";

describe("docs/configuration.md", () => {
  const reference = configReference();

  it("is the reference the schemas generate (run `npx tsx components/config-reference.ts`)", () => {
    const committed = fs.readFileSync(REFERENCE_FILE, "utf8");
    expect(
      committed === reference,
      "docs/configuration.md is stale: regenerate and commit it",
    ).to.equal(true);
  });

  it("has one row per key, each with a type and what it does", () => {
    for (const keys of configKeyPaths()) {
      // Group keys are listed below their group's heading, without the group.
      const key = keys.length === 1 ? keys[0]! : keys.slice(1).join(".");
      const row = reference.split("\n").find((line) => line.startsWith(`| \`${key}\` `));
      expect(row, keys.join(".")).to.be.a("string");
      const [, , type, , what] = row!.split(/\s\|\s/).map((cell) => cell.trim());
      expect(type, `${keys.join(".")} type`).to.not.equal("");
      expect(what, `${keys.join(".")} description`).to.match(/\w/);
    }
  });
});
