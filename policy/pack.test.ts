/**
 * The policy pack starts the way the Pulumi CLI starts a Node.js pack: the nodejs language host
 * resolves `@pulumi/pulumi/cmd/run-policy-pack` from the pack's folder and runs
 * `node <that> <engine address> <pack folder>` with the pack's folder as working directory.
 * `new PolicyPack()` then reads `./package.json` for its version and serves gRPC, printing its port.
 */
import { spawn, type ChildProcess } from "node:child_process";
import * as fs from "node:fs";
import * as net from "node:net";
import * as path from "node:path";
import { expect } from "chai";
import { parse as parseYaml } from "yaml";

const POLICY_DIR = path.resolve(__dirname);

/** Starts the pack as the CLI does; resolves with its port, or rejects with its stderr. */
function startPack(dir: string): { child: ChildProcess; port: Promise<number> } {
  const runPolicyPack = require.resolve("@pulumi/pulumi/cmd/run-policy-pack", { paths: [dir] });
  const child = spawn(process.execPath, [runPolicyPack, "127.0.0.1:1", dir], {
    cwd: dir,
    // The language host's environment, not this test runner's (no tsx loader, no mocha options).
    env: {
      PATH: process.env.PATH ?? "/usr/bin:/bin",
      HOME: process.env.HOME ?? "/tmp",
      PULUMI_NODEJS_TYPESCRIPT: "true",
    },
    stdio: ["ignore", "pipe", "pipe"],
  });
  const port = new Promise<number>((resolve, reject) => {
    let out = "";
    let err = "";
    child.stdout!.on("data", (d: Buffer) => {
      out += d.toString();
      const line = /^(\d+)\s*$/m.exec(out);
      if (line) resolve(Number(line[1]));
    });
    child.stderr!.on("data", (d: Buffer) => (err += d.toString()));
    child.on("exit", (code) =>
      reject(new Error(`the pack exited (${code}) before serving:\n${err}${out}`)),
    );
  });
  return { child, port };
}

describe("policy pack (policy/)", function () {
  // ts-node type-checks the pack as it loads, which takes a few seconds on a busy machine.
  this.timeout(90_000);

  it("is a pack: PulumiPolicy.yaml with a Node.js runtime, package.json with a name and version", () => {
    const manifest = parseYaml(fs.readFileSync(path.join(POLICY_DIR, "PulumiPolicy.yaml"), "utf8"));
    expect(manifest.runtime.name).to.equal("nodejs");
    const pkg = JSON.parse(fs.readFileSync(path.join(POLICY_DIR, "package.json"), "utf8"));
    expect(pkg.name).to.be.a("string").and.not.equal("");
    expect(pkg.version).to.match(/^\d+\.\d+\.\d+/);
    for (const dep of ["@pulumi/policy", "@pulumi/pulumi"]) {
      expect(pkg.dependencies, dep).to.have.property(dep);
      // Resolvable from the pack's folder, where the CLI runs it.
      expect(() => require.resolve(`${dep}/package.json`, { paths: [POLICY_DIR] })).not.to.throw();
    }
  });

  it("starts as the CLI starts it, from its own folder, and serves its analyzer", async () => {
    const { child, port } = startPack(POLICY_DIR);
    try {
      const p = await port;
      expect(p).to.be.within(1, 65535);
      await new Promise<void>((resolve, reject) => {
        const socket = net.connect(p, "127.0.0.1", () => {
          socket.destroy();
          resolve();
        });
        socket.on("error", reject);
      });
    } finally {
      child.kill("SIGKILL");
    }
  });
});
