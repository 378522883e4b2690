/**
 * Redocly's recommended rules on the document each committed stack serves, and on an IAM variant:
 * 0 errors. The document is the function's own answer to `GET /openapi.json` (the Lambda adapter
 * invoked in-process with the environment the program gives it under mocks), so no server is
 * needed. Warnings are printed, not failed: the recommended set warns about taste.
 */
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import type { APIGatewayProxyResult } from "aws-lambda";
import { expect } from "chai";
import { CONFIG_NAMESPACE } from "../../components/config";
import { eventFor } from "../../local/api-gateway";
import { SCHEMES } from "../../contract/security";
import { PROJECT_DIR, runProgram } from "../../local/program";
import { declaredFunction, lambdaContext } from "../../testing/handler";
import { stacksIn } from "../../testing/program";
import { runTool } from "./tools";

interface RedoclyReport {
  totals: { errors: number; warnings: number };
  problems: {
    ruleId: string;
    severity: string;
    message: string;
    location: { pointer: string }[];
  }[];
}

/** What the function serves at `GET /openapi.json` for a stack (and config overrides). */
async function servedDocument(stack: string, config: Record<string, string> = {}): Promise<string> {
  const { env, api } = await declaredFunction(await runProgram({ stack, config }));
  const saved = { ...process.env };
  Object.assign(process.env, env, { AWS_REGION: "us-east-1", AWS_LAMBDA_LOG_LEVEL: "ERROR" });
  try {
    // A fresh adapter: it reads its environment once per container.
    delete require.cache[require.resolve("../../handlers/crud")];
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const { handler } = require("../../handlers/crud") as typeof import("../../handlers/crud");
    const result: APIGatewayProxyResult = await handler(
      eventFor(api, { method: "GET", path: "/openapi.json" }),
      lambdaContext(),
    );
    expect(result.statusCode, result.body).to.equal(200);
    return result.body;
  } finally {
    for (const key of Object.keys(process.env)) if (!(key in saved)) delete process.env[key];
    Object.assign(process.env, saved);
  }
}

/** Lints one document with Redocly's CLI and its recommended rules. */
async function lint(file: string): Promise<RedoclyReport> {
  const run = await runTool(
    "@redocly/cli",
    "redocly",
    ["lint", file, "--format=json", "--extends=recommended", "--max-problems=1000"],
    { timeoutMs: 60_000 },
  );
  // Exit 1 on errors is an answer too; anything without a JSON report is not.
  const start = run.stdout.indexOf("{");
  if (start === -1) throw new Error(`redocly gave no report (exit ${run.code}):\n${run.stderr}`);
  return JSON.parse(run.stdout.slice(start)) as RedoclyReport;
}

const IAM = { [`${CONFIG_NAMESPACE}:auth`]: "iam" };

describe("outside tools: Redocly's recommended rules on each stack's served document", function () {
  this.timeout(180_000);
  let dir: string;
  before(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), "redocly-"));
  });
  after(() => fs.rmSync(dir, { recursive: true, force: true }));

  const variants = [
    ...stacksIn(PROJECT_DIR).map((stack) => ({ label: stack, stack, config: {} })),
    { label: "dev with auth iam", stack: "dev", config: IAM },
  ];

  it("covers every committed stack", () => {
    expect(variants.map((v) => v.stack)).to.include.members(["dev", "prod"]);
  });

  for (const { label, stack, config } of variants) {
    it(`finds 0 errors in ${label}'s document`, async () => {
      const file = path.join(dir, `${label.replace(/\W+/g, "-")}.json`);
      const text = await servedDocument(stack, config);
      if (config === IAM) {
        const { components } = JSON.parse(text) as { components?: { securitySchemes?: object } };
        expect(components?.securitySchemes, "the variant signs with SigV4").to.have.property(
          SCHEMES.iam,
        );
      }
      fs.writeFileSync(file, text);
      const report = await lint(file);
      const line = (p: RedoclyReport["problems"][number]) =>
        `${p.severity} ${p.ruleId} at ${p.location[0]?.pointer}: ${p.message}`;
      const warnings = report.problems.filter((p) => p.severity !== "error");
      if (warnings.length) {
        console.log(
          `    Redocly warnings (${label}):\n      ${warnings.map(line).join("\n      ")}`,
        );
      }
      const errors = report.problems.filter((p) => p.severity === "error").map(line);
      expect(errors, `Redocly errors in ${label}'s served document`).to.deep.equal([]);
      expect(report.totals.errors).to.equal(0);
    });
  }
});
