import { expect } from "chai";
import { nodeForRuntime, packagedNode, runtimeMajor, type NodeBinary } from "./node-runtime";

const binary = (version: string, source: string): NodeBinary => ({
  execPath: `/opt/node-${version}/bin/node`,
  version,
  source,
});

describe("local cloud: which Node runs a function", () => {
  it("reads the Node major of a Lambda runtime", () => {
    expect(runtimeMajor("nodejs22.x")).to.equal(22);
    expect(runtimeMajor("nodejs20.x")).to.equal(20);
    expect(runtimeMajor("python3.12")).to.equal(undefined);
  });

  it("uses this process's Node when its major matches the runtime's", () => {
    const current = binary("22.1.0", "this process");
    const chosen = nodeForRuntime("nodejs22.x", {
      current,
      packaged: () => binary("22.23.3", "the node devDependency"),
    });
    expect(chosen).to.equal(current);
  });

  it("uses the node devDependency when this process's Node differs", () => {
    const packaged = binary("22.23.3", "the node devDependency");
    const chosen = nodeForRuntime("nodejs22.x", {
      current: binary("20.20.2", "this process"),
      packaged: () => packaged,
    });
    expect(chosen).to.equal(packaged);
  });

  it("falls back to this Node with a reason when no Node of the runtime's major is there", () => {
    const chosen = nodeForRuntime("nodejs24.x", {
      current: binary("20.20.2", "this process"),
      packaged: () => binary("22.23.3", "the node devDependency"),
    });
    expect(chosen.version).to.equal("20.20.2");
    expect(chosen.mismatch).to.contain("nodejs24.x runs Node 24").and.contain("npm ci");
  });

  it("finds the installed node devDependency, a real Node 22 binary", () => {
    const found = packagedNode();
    expect(found?.version).to.match(/^22\./);
    expect(found?.execPath).to.match(/node_modules\/node\/bin\/node$/);
  });
});
