import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { expect } from "chai";
import type { APIGatewayProxyEvent } from "aws-lambda";
import { runColdStart } from "./cold-start";

describe("bench cold starts", function () {
  this.timeout(30_000);
  let dir: string;
  before(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), "bench-cold-"));
    // A handler that answers with what the A/B comparison varies: its environment and Node flags.
    fs.writeFileSync(
      path.join(dir, "index.mjs"),
      "export const handler = async () => ({ statusCode: 200, body: JSON.stringify({ " +
        "common: process.env.COMMON ?? null, variant: process.env.ONLY_B ?? null, " +
        "sourceMaps: process.execArgv.includes('--enable-source-maps') || " +
        "(process.env.NODE_OPTIONS ?? '').includes('--enable-source-maps') }) });\n",
    );
  });
  after(() => fs.rmSync(dir, { recursive: true, force: true }));

  it("runs each variant with its own variables laid over the common environment", async () => {
    const run = (env?: Record<string, string>) =>
      runColdStart(
        { name: "v", module: path.join(dir, "index.mjs"), env },
        {
          env: { PATH: process.env.PATH ?? "", COMMON: "c", NODE_OPTIONS: "--enable-source-maps" },
          event: {} as APIGatewayProxyEvent,
          check: (r) => expect(r.statusCode).to.equal(200),
        },
      ).then((r) => JSON.parse(r.body!));
    expect(await run()).to.deep.equal({ common: "c", variant: null, sourceMaps: true });
    expect(await run({ ONLY_B: "b", NODE_OPTIONS: "" })).to.deep.equal({
      common: "c",
      variant: "b",
      sourceMaps: false,
    });
  });
});
