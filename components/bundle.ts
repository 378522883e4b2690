/**
 * Bundles a Lambda handler with esbuild into a directory Lambda runs as-is: `index.mjs` plus
 * code-split chunks, no `package.json`. Source maps go to a sibling directory that is not deployed
 * (docs/design.md). Importing this module does nothing; call `bundleHandler`. The Function
 * component deploys the directory, and the bench measures it.
 */
import * as fs from "node:fs";
import * as path from "node:path";
import * as esbuild from "esbuild";
import { builtinShims } from "./builtin-shims";

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
  /** Total size of `files` in bytes (what is zipped and deployed). */
  bytes: number;
  /**
   * Source maps of the files in `dir`, at the same relative paths plus `.map`; not deployed. For
   * tools (the bench's profile attribution, decoding a logged stack trace by hand).
   */
  mapsDir: string;
}

/** Where a bundle keeps the source map of one of its files (a path inside `dir`). */
export function sourceMapOf(bundle: Pick<Bundle, "dir" | "mapsDir">, file: string): string {
  return path.join(
    bundle.mapsDir,
    `${path.relative(bundle.dir, path.resolve(bundle.dir, file))}.map`,
  );
}

// esbuild emits ESM, but some SDK dependencies still call require() for Node built-ins.
const REQUIRE_SHIM =
  'import { createRequire as __createRequire } from "node:module";' +
  "const require = __createRequire(import.meta.url);";

/**
 * The esbuild options of a handler bundle: minified, tree-shaken ESM for Node.js 22, split into
 * chunks so that code the SDK imports lazily (credential providers Lambda never uses) stays off
 * the cold-start path. Source maps are written beside the code and moved out of the deployed
 * folder by `bundleHandler`: Node would apply them only with `--enable-source-maps`, which costs
 * cold start (docs/design.md). `bundleHandler` builds with these options, and the local
 * cloud's edit loop rebuilds with them.
 */
export function bundleBuildOptions(entry: string, outdir: string): esbuild.BuildOptions {
  return {
    entryPoints: { index: entry },
    outdir,
    bundle: true,
    format: "esm",
    platform: "node",
    target: "node22",
    // Prefer the SDK's ES module builds: they tree-shake, the CommonJS ones do not.
    mainFields: ["module", "main"],
    minify: true,
    treeShaking: true,
    // Maps without a sourceMappingURL comment; bundleHandler moves them out of the deployed folder.
    sourcemap: "external",
    sourcesContent: false,
    splitting: true,
    outExtension: { ".js": ".mjs" },
    chunkNames: "chunks/[name]-[hash]",
    banner: { js: REQUIRE_SHIM },
    legalComments: "none",
    // Built-ins through require, not Node's ESM facade, which runs their lazy getters: undici
    // for node:http, stdin for node:process (components/builtin-shims.ts, bench/README.md).
    alias: builtinShims(path.join(ROOT, ".build", "builtin-shims")),
    logLevel: "silent",
  };
}

/** How a bundle directory was built: enough to build it again. */
export interface BundleRecipe {
  /** Absolute path of the TypeScript entry. */
  entry: string;
  /** The bundle directory (`Bundle.dir`). */
  dir: string;
  /** When its build started (epoch ms): a source changed since then may be missing from it. */
  startedAt: number;
}

// Kept on the global: the local cloud re-evaluates the program (and so this module) on each run.
const RECIPES_KEY = Symbol.for("lambda-apigateway.bundle-recipes");
const recipes = ((globalThis as Record<symbol, unknown>)[RECIPES_KEY] ??= new Map()) as Map<
  string,
  BundleRecipe
>;

/** The recipe of a directory `bundleHandler` built in this process, if it did. */
export function bundleRecipe(dir: string): BundleRecipe | undefined {
  return recipes.get(path.resolve(dir));
}

/** Bundles the handler with `bundleBuildOptions` into `<outRoot>/<name>`. */
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
  const startedAt = Date.now();
  try {
    esbuild.buildSync(bundleBuildOptions(entry, staging));
  } catch (err) {
    fs.rmSync(staging, { recursive: true, force: true });
    const message = err instanceof Error ? err.message : String(err);
    throw new Error(`Bundling ${entry} failed; fix the errors above and retry: ${message}`, {
      cause: err,
    });
  }
  const mapsDir = `${dir}.maps`;
  const stagingMaps = `${staging}.maps`;
  for (const file of listFiles(staging).filter((f) => f.endsWith(".map"))) {
    fs.mkdirSync(path.dirname(path.join(stagingMaps, file)), { recursive: true });
    fs.renameSync(path.join(staging, file), path.join(stagingMaps, file));
  }
  for (const [from, to] of [
    [staging, dir],
    [stagingMaps, mapsDir],
  ] as const) {
    fs.rmSync(to, { recursive: true, force: true });
    if (fs.existsSync(from)) fs.renameSync(from, to);
  }
  recipes.set(dir, { entry, dir, startedAt });

  const files = listFiles(dir);
  const bytes = files.reduce((sum, f) => sum + fs.statSync(path.join(dir, f)).size, 0);
  return {
    dir,
    entryFile: "index.mjs",
    handler: `index.${options.exportName ?? "handler"}`,
    files,
    bytes,
    mapsDir,
  };
}

function listFiles(dir: string): string[] {
  return (fs.readdirSync(dir, { recursive: true, withFileTypes: true }) as fs.Dirent[])
    .filter((d) => d.isFile())
    .map((d) => path.relative(dir, path.join(d.parentPath, d.name)).split(path.sep).join("/"))
    .sort();
}
