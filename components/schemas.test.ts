/**
 * One schema per component, used twice: the component checks its args with it, and the stack
 * config's group is the same schema. These tests hold the two to the same errors, the documented
 * Args to the schema (field types, and each `@default` to the schema's default), and the config
 * groups to the components' fields.
 */
import * as fs from "node:fs";
import * as path from "node:path";
import * as pulumi from "@pulumi/pulumi";
import { expect } from "chai";
import ts from "typescript";
import * as v from "valibot";
import { MockCloud } from "../local/program";
import { ApiArgsSchema, RestApi, type ApiArgs } from "./api";
import { CognitoAuth, CognitoAuthArgsSchema, type CognitoAuthArgs } from "./auth";
import { CONFIG_NAMESPACE, parseConfig } from "./config";
import { ApiDomain, ApiDomainArgsSchema, type ApiDomainArgs } from "./domain";
import { CrudFunction, CrudFunctionArgsSchema, type CrudFunctionArgs } from "./function";
import { Monitoring, MonitoringArgsSchema, type MonitoringArgs } from "./monitoring";
import { entriesOf } from "./schema";
import { Table, TableArgsSchema, type TableArgs } from "./table";

// The documented Args and the schema agree on every plain field's type (checked by tsc).
type Same<A, B> = [A] extends [B] ? ([B] extends [A] ? true : false) : false;
type Plain<S extends v.GenericSchema> = v.InferInput<S>;
type Agrees<S extends v.GenericSchema, Args> = Same<
  Plain<S>,
  Pick<Args, keyof Plain<S> & keyof Args>
>;
const AGREE: [
  Agrees<typeof TableArgsSchema, TableArgs>,
  Agrees<typeof CrudFunctionArgsSchema, CrudFunctionArgs>,
  Agrees<typeof ApiArgsSchema, ApiArgs>,
  Agrees<typeof CognitoAuthArgsSchema, CognitoAuthArgs>,
  Agrees<typeof MonitoringArgsSchema, Omit<MonitoringArgs, "thresholds">>,
  Agrees<typeof ApiDomainArgsSchema, ApiDomainArgs>,
  Same<
    keyof Plain<typeof MonitoringArgsSchema>,
    keyof MonitoringArgs & keyof Plain<typeof MonitoringArgsSchema>
  >,
] = [true, true, true, true, true, true, true];

/** Where each component's documented Args live. */
const DOCUMENTED: { file: string; name: string; schema: unknown }[] = [
  { file: "table.ts", name: "TableArgs", schema: TableArgsSchema },
  { file: "function.ts", name: "CrudFunctionArgs", schema: CrudFunctionArgsSchema },
  { file: "api/index.ts", name: "ApiArgs", schema: ApiArgsSchema },
  { file: "auth.ts", name: "CognitoAuthArgs", schema: CognitoAuthArgsSchema },
  { file: "monitoring/args.ts", name: "MonitoringArgs", schema: MonitoringArgsSchema },
  {
    file: "monitoring/args.ts",
    name: "AlarmThresholds",
    schema: entriesOf(MonitoringArgsSchema)!.thresholds,
  },
  { file: "domain.ts", name: "ApiDomainArgs", schema: ApiDomainArgsSchema },
];

/** Each property of an interface with the text of its `@default` tag. */
function documentedDefaults(file: string, name: string): Map<string, string | undefined> {
  const text = fs.readFileSync(path.join(__dirname, file), "utf8");
  const source = ts.createSourceFile(file, text, ts.ScriptTarget.ES2022, true);
  const found = new Map<string, string | undefined>();
  const visit = (node: ts.Node) => {
    if (ts.isInterfaceDeclaration(node) && node.name.text === name) {
      for (const member of node.members) {
        if (!ts.isPropertySignature(member)) continue;
        const tag = ts.getJSDocTags(member).find((t) => t.tagName.text === "default");
        found.set(member.name.getText(source), ts.getTextOfJSDocComment(tag?.comment));
      }
    }
    ts.forEachChild(node, visit);
  };
  visit(source);
  return found;
}

describe("component schemas", () => {
  it("the documented Args have the schema's types (checked at compile time)", () => {
    expect(AGREE.every(Boolean)).to.equal(true);
  });

  for (const { file, name, schema } of DOCUMENTED) {
    it(`${name} documents each field's default as the schema has it`, () => {
      const documented = documentedDefaults(file, name);
      expect(documented.size, `${name} in ${file}`).to.be.greaterThan(0);
      for (const [key, entry] of Object.entries(entriesOf(schema)!)) {
        expect(documented.has(key), `${name}.${key} is documented`).to.equal(true);
        const tag = documented.get(key);
        expect(tag, `${name}.${key} has @default`).to.be.a("string");
        const fallback = v.getDefault(entry as v.OptionalSchema<v.GenericSchema, unknown>);
        if (fallback === undefined || (typeof fallback === "object" && !Array.isArray(fallback))) {
          continue; // unset, or a nested group whose fields carry their own defaults
        }
        const value = tag!.match(/^("[^"]*"|\[\]|\S+)/)?.[1];
        expect(JSON.parse(value!), `${name}.${key}: @default ${tag}`).to.deep.equal(fallback);
      }
    });
  }
});

describe("a component and the stack config give the same errors", () => {
  before(async () => {
    await pulumi.runtime.setMocks(new MockCloud("us-east-1"), "lambda-apigateway", "unit", false);
  });

  /** The problem lines of a component's error, and of the config's error for its group. */
  const lines = (make: () => unknown): string[] => {
    try {
      make();
    } catch (err) {
      return (err as Error).message.split("\n").slice(1);
    }
    throw new Error("expected the component to refuse its args");
  };
  const configLines = (group: string, settings: Record<string, unknown>): string[] =>
    lines(() => parseConfig("dev", { [group]: JSON.stringify(settings) }))
      .filter((line) => line.startsWith("  "))
      .map((line) => line.replace(`${CONFIG_NAMESPACE}:${group}.`, ""));

  const fn = {} as CrudFunction;
  const refs = {
    function: { name: pulumi.output("fn"), timeout: pulumi.output(10), metricsNamespace: "" },
    api: { name: pulumi.output("api"), stageName: pulumi.output("test") },
    tables: [],
  };
  const cases: [string, Record<string, unknown>, (s: Record<string, unknown>) => unknown][] = [
    ["table", { name: "x", kmsKeyArn: "key" }, (s) => new Table("t", s)],
    [
      "function",
      { timeout: 60, architecture: "arm" },
      (s) => new CrudFunction("f", { table: {} as Table, ...s }),
    ],
    [
      "api",
      { stageName: "no spaces!", throttleBurstLimit: 0.5 },
      (s) => new RestApi("a", { function: fn, ...s }),
    ],
    ["cognito", { refreshTokenDays: 1, accessTokenMinutes: 1440 }, (s) => new CognitoAuth("c", s)],
    [
      "monitoring",
      { periodSeconds: 3600, evaluationPeriods: 25, thresholds: { lambdaErorrs: 1 } },
      (s) => new Monitoring("m", { ...refs, ...s }),
    ],
    [
      "domain",
      { name: "API.example.com", basePath: "/v1" },
      (s) => new ApiDomain("d", { api: { id: "a", stageName: "s" }, ...(s as { name: string }) }),
    ],
  ];
  for (const [group, settings, make] of cases) {
    it(`${group}: ${JSON.stringify(settings)}`, () => {
      const fromComponent = lines(() => make(settings));
      expect(fromComponent.length, fromComponent.join("\n")).to.be.greaterThan(0);
      expect(fromComponent).to.deep.equal(configLines(group, settings));
    });
  }
});
