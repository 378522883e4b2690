import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import type { APIGatewayProxyEvent } from "aws-lambda";
import { expect } from "chai";
import { runColdStart } from "./cold-start";

describe("bench cold start runner", function () {
  this.timeout(30_000);
  let dir: string;
  before(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), "bench-variant-"));
    // A handler that answers with the variables the runtime gave it.
    fs.writeFileSync(
      path.join(dir, "index.mjs"),
      "export const handler = async () => ({ statusCode: 200, body: JSON.stringify({ a: process.env.A, b: process.env.B }) });\n",
    );
  });
  after(() => fs.rmSync(dir, { recursive: true, force: true }));

  it("lays a variant's own environment over the common one", async () => {
    const report = await runColdStart(
      { name: "v", module: path.join(dir, "index.mjs"), env: { B: "variant", A: "" } },
      {
        env: { PATH: process.env.PATH ?? "", A: "common", B: "common" },
        event: {} as APIGatewayProxyEvent,
        check: () => undefined,
      },
    );
    expect(JSON.parse(report.body!)).to.deep.equal({ a: "", b: "variant" });
  });
});
