/**
 * Least privilege, checked against the handler's source: the role allows exactly the DynamoDB
 * actions behind the commands `handlers/` sends, so neither a missing grant (AccessDenied in
 * production) nor an unused one can slip in; and, under mocks, the grant on a customer-managed
 * table key.
 */
import * as fs from "node:fs";
import * as path from "node:path";
import { expect } from "chai";
import { runProgram, type ProgramRun } from "../local/program";
import { noIamWildcard } from "../policy/rules";
import { permissionPolicies } from "../testing/program";
import { CONFIG_NAMESPACE } from "./config";
import {
  DYNAMODB_ACTIONS,
  KMS_ACTIONS,
  RECORD_ACTIONS,
  checkedNamespace,
  dynamoDbViaService,
} from "./function";

const ROLE = "aws:iam/role:Role";
const TABLE = "aws:dynamodb/table:Table";

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

/** The SDK package (`lib` or `client`) of each name handlers/store/sdk.vendor.ts re-exports. */
function vendorPackages(): Map<string, string> {
  const packages = new Map<string, string>();
  const exportRe = /export\s*\{([^}]*)\}\s*from\s*"@aws-sdk\/(lib|client)-dynamodb"/g;
  const facade = fs.readFileSync(path.join(HANDLERS, "store", "sdk.vendor.ts"), "utf8");
  for (const [, names, pkg] of facade.matchAll(exportRe)) {
    for (const raw of names!.split(","))
      packages.set(
        raw
          .trim()
          .split(/\s+as\s+/)
          .pop()!,
        pkg!,
      );
  }
  return packages;
}

/**
 * DynamoDB actions behind every command class the handler (or one of its files) imports from the
 * SDK, directly or through handlers/store/sdk.vendor.ts.
 */
function actionsTheHandlerNeeds(files = sourceFiles(HANDLERS)): Set<string> {
  const actions = new Set<string>();
  const vendor = vendorPackages();
  const importRe =
    /import\s*\{([^}]*)\}\s*from\s*"(?:@aws-sdk\/(lib|client)-dynamodb|\.\/sdk\.vendor)"/g;
  for (const file of files) {
    for (const [, names, direct] of fs.readFileSync(file, "utf8").matchAll(importRe)) {
      for (const raw of names!.split(",")) {
        const name = raw.trim().split(/\s+as\s+/)[0]!;
        const pkg = direct ?? vendor.get(name);
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

describe("CrudFunction with a customer-managed table key", function () {
  this.timeout(120_000);
  const KEY = "arn:aws:kms:us-east-1:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab";
  const withKey = (kmsKeyArn: string, region?: string) =>
    runProgram({
      stack: "dev",
      config: {
        [`${CONFIG_NAMESPACE}:table`]: { kmsKeyArn },
        ...(region ? { "aws:region": region } : {}),
      },
    });
  /** The statements of the function role's own policy, parsed from its JSON. */
  const roleStatements = (run: ProgramRun) => {
    const role = run.ofType(ROLE).find((r) => r.name === "crud-role")!;
    return permissionPolicies(run.resources)
      .filter((p) => p.resource.inputs.role === role.state.name)
      .flatMap((p) => p.statements);
  };
  const kmsStatements = (run: ProgramRun) =>
    roleStatements(run).filter((s) => s.Action.some((a) => a.startsWith("kms:")));

  let run: ProgramRun;
  before(async () => {
    run = await withKey(KEY);
  });

  it("lets the role use that key only, only through DynamoDB in the stack's region", () => {
    const statements = kmsStatements(run);
    expect(statements).to.have.length(1);
    const s = statements[0]!;
    expect(s.Effect).to.equal("Allow");
    expect(s.Resource).to.deep.equal([KEY]);
    expect(s.Condition).to.deep.equal({
      StringEquals: { "kms:ViaService": "dynamodb.us-east-1.amazonaws.com" },
    });
    expect(s.Action).to.have.members([
      "kms:Decrypt",
      "kms:Encrypt",
      "kms:GenerateDataKey",
      "kms:GenerateDataKeyWithoutPlaintext",
      "kms:DescribeKey",
    ]);
    expect(s.Action).to.have.members([...KMS_ACTIONS]);
    // The table's creator needs CreateGrant, and re-encrypting under another key is no item read.
    expect(s.Action).not.to.include.members(["kms:CreateGrant"]);
    expect(s.Action.filter((a) => /ReEncrypt|\*|\?/.test(a))).to.deep.equal([]);
  });

  it("covers the records table: both tables are encrypted with the key it grants", () => {
    const tables = run.ofType(TABLE);
    expect(tables).to.have.length(2);
    for (const t of tables) {
      expect(t.inputs.serverSideEncryption, t.name).to.deep.equal({
        enabled: true,
        kmsKeyArn: KEY,
      });
    }
    expect(kmsStatements(run)[0]!.Resource).to.deep.equal([KEY]);
  });

  it("passes the policy pack's no-wildcard rule", () => {
    const policy = run
      .ofType("aws:iam/rolePolicy:RolePolicy")
      .find((p) => p.name === "crud-access")!;
    expect(noIamWildcard.check(policy.type, policy.inputs)).to.deep.equal([]);
  });

  it("names the stack's region in the condition and the key as given, in any partition", async () => {
    const govKey = "arn:aws-us-gov:kms:us-gov-west-1:123456789012:key/1234abcd";
    const gov = await withKey(govKey, "us-gov-west-1");
    const [s] = kmsStatements(gov);
    expect(s!.Resource).to.deep.equal([govKey]);
    expect(s!.Condition).to.deep.equal({
      StringEquals: { "kms:ViaService": dynamoDbViaService("us-gov-west-1") },
    });
    expect(dynamoDbViaService("us-gov-west-1")).to.equal("dynamodb.us-gov-west-1.amazonaws.com");
  });

  it("grants no KMS use at all without a customer-managed key", async () => {
    const plain = await runProgram({ stack: "dev" });
    expect(plain.ofType(TABLE)[0]!.inputs.serverSideEncryption.kmsKeyArn).to.equal(undefined);
    expect(roleStatements(plain).length).to.be.greaterThan(0);
    expect(kmsStatements(plain)).to.deep.equal([]);
  });

  it("takes a key ARN, not an alias, which an IAM grant cannot name", async () => {
    let error: unknown;
    try {
      await withKey("arn:aws:kms:us-east-1:123456789012:alias/tables");
    } catch (err) {
      error = err;
    }
    expect((error as Error | undefined)?.message).to.match(
      /table\.kmsKeyArn must be a KMS key ARN .*not an alias/,
    );
  });
});
