/**
 * The built-in shims, run for real: a bundle that imports node:http the way the SDK does (a
 * dynamic import) and node:process by name, built with and without the shims and run on the Node
 * of the function's runtime, where Node's ESM facade of node:http loads undici.
 */
import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { expect } from "chai";
import * as esbuild from "esbuild";
import { nodeForRuntime } from "../local/node-runtime";
import { LAZY_GETTERS, builtinShim } from "./builtin-shims";
import { bundleBuildOptions } from "./bundle";

const ENTRY = `
import { env } from "node:process";
import { createHash } from "node:crypto";
const http = await import("node:http");
const loaded = process.moduleLoadList;
process.stdout.write(JSON.stringify({
  request: typeof http.request,
  agent: typeof http.Agent,
  env: env.SHIM_TEST,
  hash: createHash("sha256").update("x").digest("hex").slice(0, 8),
  undici: loaded.some((m) => m.includes("undici")),
}));
`;

describe("builtin shims", function () {
  this.timeout(60_000);
  let dir: string;
  const node = nodeForRuntime("nodejs22.x");

  before(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), "builtin-shims-"));
    fs.writeFileSync(path.join(dir, "entry.mjs"), ENTRY);
  });
  after(() => fs.rmSync(dir, { recursive: true, force: true }));

  function run(outdir: string, options: esbuild.BuildOptions) {
    esbuild.buildSync({ ...options, entryPoints: { index: path.join(dir, "entry.mjs") }, outdir });
    const result = spawnSync(node.execPath, [path.join(outdir, "index.mjs")], {
      encoding: "utf8",
      env: { ...process.env, SHIM_TEST: "seen" },
    });
    expect(result.status, result.stderr).to.equal(0);
    return JSON.parse(result.stdout) as Record<string, unknown>;
  }

  it("export each property through a pure call, and none of the lazy getters", () => {
    const shim = builtinShim("http", LAZY_GETTERS["http"]);
    expect(shim).to.include('createRequire(import.meta.url)("node:http")');
    expect(shim).to.include('export const request = /* @__PURE__ */ __read("request");');
    for (const lazy of ["WebSocket", "CloseEvent", "MessageEvent"]) {
      expect(shim).to.not.include(`"${lazy}"`);
    }
  });

  it("keep undici unloaded where Node's facade loads it, and the built-ins working", () => {
    const options = bundleBuildOptions(path.join(dir, "entry.mjs"), "");
    const shimmed = run(path.join(dir, "shimmed"), { ...options, sourcemap: false });
    expect(shimmed).to.deep.include({
      request: "function",
      agent: "function",
      env: "seen",
      hash: "2d711642",
      undici: false,
    });
    // The same build without the shims: Node's facade reads http.WebSocket, which loads undici.
    const facade = run(path.join(dir, "facade"), { ...options, sourcemap: false, alias: {} });
    expect(facade).to.deep.include({ request: "function", env: "seen", undici: true });
  });
});
