/**
 * Least privilege, checked against the handler's source: the role allows exactly the DynamoDB
 * actions behind the commands `handlers/` sends, so neither a missing grant (AccessDenied in
 * production) nor an unused one can slip in.
 */
import * as fs from "node:fs";
import * as path from "node:path";
import { expect } from "chai";
import { DYNAMODB_ACTIONS, RECORD_ACTIONS, checkedNamespace } from "./function";

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
};

/**
 * TransactWriteItems is no IAM action: each write it holds needs its own (PutItem, UpdateItem,
 * DeleteItem, ConditionCheckItem), on its own table. What the handler's transactions hold is
 * checked by the stack tests and, for real, by DynamoDB Local's integration tests.
 */
const NOT_IAM_ACTIONS = new Set(["TransactWrite"]);

function sourceFiles(dir: string): string[] {
  return (fs.readdirSync(dir, { recursive: true }) as string[])
    .filter((f) => f.endsWith(".ts") && !f.endsWith(".test.ts"))
    .map((f) => path.join(dir, f));
}

/** DynamoDB actions behind every command class the handler (or one of its files) imports from the SDK. */
function actionsTheHandlerNeeds(files = sourceFiles(HANDLERS)): Set<string> {
  const actions = new Set<string>();
  const importRe = /import\s*\{([^}]*)\}\s*from\s*"@aws-sdk\/(lib|client)-dynamodb"/g;
  for (const file of files) {
    for (const [, names, pkg] of fs.readFileSync(file, "utf8").matchAll(importRe)) {
      for (const raw of names!.split(",")) {
        const name = raw.trim().split(/\s+as\s+/)[0]!;
        const m = /^(\w+)Command$/.exec(name);
        if (!m) continue; // also skips `type XCommand` imports, which send nothing
        const op = m[1]!;
        if (NOT_IAM_ACTIONS.has(op)) continue;
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
    expect([...new Set([...DYNAMODB_ACTIONS, ...RECORD_ACTIONS])].sort()).to.deep.equal(
      [...needed].sort(),
    );
  });

  it("on the records table are exactly what the record store sends", () => {
    const records = actionsTheHandlerNeeds([path.join(HANDLERS, "store", "records.ts")]);
    expect([...RECORD_ACTIONS].sort()).to.deep.equal([...records].sort());
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
