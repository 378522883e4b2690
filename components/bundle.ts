/**
 * Bundles a Lambda handler with esbuild into a directory Lambda runs as-is: `index.mjs` plus
 * code-split chunks and source maps, no `package.json`. Importing this module does nothing; call
 * `bundleHandler`. The Function component deploys the directory, and the bench measures it.
 */
import * as fs from "node:fs";
import * as path from "node:path";
import * as esbuild from "esbuild";

/** Repository root (this file lives in `components/`). */
const ROOT = path.resolve(__dirname, "..");

export interface BundleOptions {
  /**
   * Output folder name under `.build/`, usually the Function component's name.
   */
  name: string;
  /**
   * TypeScript entry that exports the handler function.
   * @default "handlers/crud.ts" (relative to the repository root)
   */
  entry?: string;
  /**
   * Exported function Lambda calls.
   * @default "handler"
   */
  exportName?: string;
  /**
   * Parent folder of the build output.
   * @default "<repository root>/.build"
   */
  outRoot?: string;
}

export interface Bundle {
  /** Folder to deploy (`new pulumi.asset.FileArchive(dir)`). */
  dir: string;
  /** Entry file inside `dir`. */
  entryFile: string;
  /** Lambda `handler` setting, e.g. `index.handler`. */
  handler: string;
  /** Every file in `dir`, relative to it, sorted. */
  files: string[];
  /** Total size of `files` in bytes (what is zipped and deployed, source maps included). */
  bytes: number;
}

// esbuild emits ESM, but some SDK dependencies still call require() for Node built-ins.
const REQUIRE_SHIM =
  'import { createRequire as __createRequire } from "node:module";' +
  "const require = __createRequire(import.meta.url);";

/**
 * Bundles the handler: minified, tree-shaken ESM for Node.js 22 with source maps, split into
 * chunks so that code the SDK imports lazily (credential providers Lambda never uses) stays off
 * the cold-start path.
 */
export function bundleHandler(options: BundleOptions): Bundle {
  const entry = path.resolve(ROOT, options.entry ?? "handlers/crud.ts");
  if (!fs.existsSync(entry)) {
    throw new Error(
      `Lambda entry ${entry} does not exist: create it (exporting \`${options.exportName ?? "handler"}\`) ` +
        `or pass another \`entry\` to the Function component`,
    );
  }
  const outRoot = path.resolve(options.outRoot ?? path.join(ROOT, ".build"));
  const dir = path.join(outRoot, options.name);
  // Build beside the target, then swap, so a concurrent reader never sees a half-written bundle
  // and stale chunks from an earlier build are never deployed.
  const staging = `${dir}.tmp-${process.pid}-${Date.now()}`;
  fs.mkdirSync(outRoot, { recursive: true });
  try {
    esbuild.buildSync({
      entryPoints: { index: entry },
      outdir: staging,
      bundle: true,
      format: "esm",
      platform: "node",
      target: "node22",
      // Prefer the SDK's ES module builds: they tree-shake, the CommonJS ones do not.
      mainFields: ["module", "main"],
      minify: true,
      treeShaking: true,
      sourcemap: true,
      // Positions map back to file and line without shipping every source file again: this
      // halves what is deployed (2.3 MB → 1.0 MB). The function runs with
      // NODE_OPTIONS=--enable-source-maps (function.ts), which applies them to stack traces.
      sourcesContent: false,
      splitting: true,
      outExtension: { ".js": ".mjs" },
      chunkNames: "chunks/[name]-[hash]",
      banner: { js: REQUIRE_SHIM },
      legalComments: "none",
      // The SDK's `import { env } from "node:process"` makes Node build an ESM facade of the
      // built-in, which runs the lazy `process.stdin` getter: 8–20 ms of cold start
      // (bench/README.md). The global is the same object, without that cost.
      alias: {
        process: path.join(__dirname, "process-from-global.mjs"),
        "node:process": path.join(__dirname, "process-from-global.mjs"),
      },
      logLevel: "silent",
    });
  } catch (err) {
    fs.rmSync(staging, { recursive: true, force: true });
    const message = err instanceof Error ? err.message : String(err);
    throw new Error(`Bundling ${entry} failed; fix the errors above and retry: ${message}`, {
      cause: err,
    });
  }
  fs.rmSync(dir, { recursive: true, force: true });
  fs.renameSync(staging, dir);

  const files = listFiles(dir);
  const bytes = files.reduce((sum, f) => sum + fs.statSync(path.join(dir, f)).size, 0);
  return {
    dir,
    entryFile: "index.mjs",
    handler: `index.${options.exportName ?? "handler"}`,
    files,
    bytes,
  };
}

function listFiles(dir: string): string[] {
  return (fs.readdirSync(dir, { recursive: true, withFileTypes: true }) as fs.Dirent[])
    .filter((d) => d.isFile())
    .map((d) => path.relative(dir, path.join(d.parentPath, d.name)).split(path.sep).join("/"))
    .sort();
}
