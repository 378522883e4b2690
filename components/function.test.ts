/**
 * Least privilege, checked against the handler's source: the role allows exactly the DynamoDB
 * actions behind the commands `handlers/` sends, so neither a missing grant (AccessDenied in
 * production) nor an unused one can slip in.
 */
import * as fs from "node:fs";
import * as path from "node:path";
import { expect } from "chai";
import { DYNAMODB_ACTIONS, checkedNamespace } from "./function";

const HANDLERS = path.resolve(__dirname, "..", "handlers");

// lib-dynamodb names its commands after the operation; client-dynamodb after the action itself.
const DOCUMENT_COMMAND_ACTIONS: Record<string, string> = {
  Get: "GetItem",
  Put: "PutItem",
  Update: "UpdateItem",
  Delete: "DeleteItem",
  BatchGet: "BatchGetItem",
  BatchWrite: "BatchWriteItem",
  TransactGet: "TransactGetItems",
  TransactWrite: "TransactWriteItems",
};

function sourceFiles(dir: string): string[] {
  return (fs.readdirSync(dir, { recursive: true }) as string[])
    .filter((f) => f.endsWith(".ts") && !f.endsWith(".test.ts"))
    .map((f) => path.join(dir, f));
}

/** DynamoDB actions behind every command class the handler imports from the SDK. */
function actionsTheHandlerNeeds(): Set<string> {
  const actions = new Set<string>();
  const importRe = /import\s*\{([^}]*)\}\s*from\s*"@aws-sdk\/(lib|client)-dynamodb"/g;
  for (const file of sourceFiles(HANDLERS)) {
    for (const [, names, pkg] of fs.readFileSync(file, "utf8").matchAll(importRe)) {
      for (const raw of names!.split(",")) {
        const name = raw.trim().split(/\s+as\s+/)[0]!;
        const m = /^(\w+)Command$/.exec(name);
        if (!m) continue; // also skips `type XCommand` imports, which send nothing
        const op = m[1]!;
        actions.add(`dynamodb:${pkg === "lib" ? (DOCUMENT_COMMAND_ACTIONS[op] ?? op) : op}`);
      }
    }
  }
  return actions;
}

describe("CrudFunction IAM actions", () => {
  it("are exactly the DynamoDB actions the handler's commands need", () => {
    const needed = actionsTheHandlerNeeds();
    expect(needed.size, "the handler sends DynamoDB commands").to.be.greaterThan(0);
    expect([...DYNAMODB_ACTIONS].sort()).to.deep.equal([...needed].sort());
  });
});

describe("metricsNamespace", () => {
  it("accepts CloudWatch custom namespaces and the empty one that turns metrics off", () => {
    for (const ns of ["lambda-apigateway", "Team/Service", "a.b_c-d#e:f g", ""]) {
      expect(checkedNamespace(ns), ns).to.equal(ns);
    }
  });

  it("refuses AWS's reserved prefix, other characters and over 255 characters", () => {
    for (const ns of ["AWS/Lambda", "café", "a".repeat(256), "a,b"]) {
      expect(() => checkedNamespace(ns), ns).to.throw(/not a CloudWatch custom namespace/);
    }
  });
});
