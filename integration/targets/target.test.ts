import * as os from "node:os";
import * as path from "node:path";
import { expect } from "chai";
import { isTargetName, pulumiAvailable, skipLine, TARGET_NAMES } from "./target";
import { loadTarget } from ".";

describe("targets: the interface, the requirement checks and the loader", function () {
  it("skip lines name everything missing with its fix, or nothing when nothing is", function () {
    expect(skipLine([])).to.equal(undefined);
    expect(
      skipLine(
        [
          { missing: "no A", fix: "get A" },
          { missing: "no B", fix: "get B" },
        ],
        "Or C.",
      ),
    ).to.equal("no A and no B. To run it: get A; get B. Or C.");
  });

  it("knows the target names, and no other", function () {
    for (const name of TARGET_NAMES) expect(isTargetName(name), name).to.equal(true);
    expect(isTargetName("docker")).to.equal(false);
  });

  it("finds no Pulumi CLI when none is on the PATH", async function () {
    this.timeout(10_000);
    const saved = process.env.PATH;
    process.env.PATH = path.join(os.tmpdir(), "no-such-bin");
    try {
      expect(await pulumiAvailable()).to.equal(false);
    } finally {
      process.env.PATH = saved;
    }
  });

  it("loads each target by its name, without starting it", async function () {
    this.timeout(60_000);
    for (const name of TARGET_NAMES) {
      expect((await loadTarget(name, { apiUrl: "https://example.com/test" })).name).to.equal(name);
    }
  });
});
