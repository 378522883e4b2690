/**
 * How `runProgram` hands a stack file's config to the program (as Pulumi does: strings as they
 * are, everything else as JSON) and applies overrides (objects merged deeply, anything else
 * replaced).
 */
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { expect } from "chai";
import { configPathValue, readStackConfig, withConfigPath, withOverrides } from "./program";

const dirs: string[] = [];
after(() => dirs.forEach((dir) => fs.rmSync(dir, { recursive: true, force: true })));

function project(stackFile: string): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "program-config-"));
  dirs.push(dir);
  fs.writeFileSync(path.join(dir, "Pulumi.yaml"), "name: demo\nruntime: nodejs\n");
  fs.writeFileSync(path.join(dir, "Pulumi.s.yaml"), stackFile);
  return dir;
}

describe("readStackConfig", () => {
  it("hands strings as they are, scalars as their text, objects and lists as JSON", () => {
    const dir = project(
      [
        "config:",
        "  aws:region: eu-west-1",
        "  demo:name: items",
        "  demo:size: 512",
        "  demo:on: true",
        "  origins: [https://a.example]",
        "  demo:api:",
        "    stageName: v1",
        "    limits: { rate: 2.5 }",
      ].join("\n"),
    );
    const { project: name, config } = readStackConfig(dir, "s");
    expect(name).to.equal("demo");
    expect(config).to.deep.equal({
      "aws:region": "eu-west-1",
      "demo:name": "items",
      "demo:size": "512",
      "demo:on": "true",
      "demo:origins": '["https://a.example"]',
      "demo:api": '{"stageName":"v1","limits":{"rate":2.5}}',
    });
  });

  it("refuses an encrypted value, also inside an object, naming its path", () => {
    const dir = project("config:\n  demo:auth:\n    pool:\n      secure: v1:abc\n");
    expect(() => readStackConfig(dir, "s")).to.throw(
      /"demo:auth\.pool" is an encrypted secret.*RunProgramOptions\.config/,
    );
  });
});

describe("withOverrides", () => {
  const base = {
    "demo:api": '{"stageName":"v1","limits":{"rate":2,"burst":4}}',
    "demo:auth": "none",
    "demo:origins": '["https://a.example"]',
  };

  it("merges an object into the stack's object deeply, leaving the other keys", () => {
    const out = withOverrides(base, { "demo:api": { limits: { rate: 9 } } });
    expect(JSON.parse(out["demo:api"]!)).to.deep.equal({
      stageName: "v1",
      limits: { rate: 9, burst: 4 },
    });
    expect(out["demo:auth"]).to.equal("none");
  });

  it("replaces strings, scalars and lists, and adds keys the stack does not set", () => {
    const out = withOverrides(base, {
      "demo:auth": "iam",
      "demo:origins": ["https://b.example"],
      "demo:new": { a: 1 },
      "demo:flag": false,
    });
    expect(out["demo:auth"]).to.equal("iam");
    expect(out["demo:origins"]).to.equal('["https://b.example"]');
    expect(out["demo:new"]).to.equal('{"a":1}');
    expect(out["demo:flag"]).to.equal("false");
  });

  it("removes a key, or one key of an object, given undefined", () => {
    const out = withOverrides(base, { "demo:auth": undefined, "demo:api": { limits: undefined } });
    expect(out).not.to.have.property("demo:auth");
    expect(JSON.parse(out["demo:api"]!)).to.deep.equal({ stageName: "v1" });
    expect(base["demo:auth"], "the input is left alone").to.equal("none");
  });
});

describe("config paths (ns:group.key)", () => {
  it("reads and sets a value inside a group without changing the original", () => {
    const file = { "demo:api": { stageName: "v1", apiKeyRequired: true }, "demo:auth": "none" };
    expect(configPathValue(file, "demo:api.apiKeyRequired")).to.equal(true);
    expect(configPathValue(file, "demo:auth")).to.equal("none");
    expect(configPathValue(file, "demo:table.name")).to.equal(undefined);
    const out = withConfigPath(file, "demo:api.apiKeyRequired", false);
    expect(out["demo:api"]).to.deep.equal({ stageName: "v1", apiKeyRequired: false });
    expect(file["demo:api"].apiKeyRequired).to.equal(true);
    expect(withConfigPath(file, "demo:table.kmsKeyArn", "")["demo:table"]).to.deep.equal({
      kmsKeyArn: "",
    });
  });
});
