/**
 * Bundles a Lambda handler with esbuild into a directory Lambda runs as-is: `index.mjs` plus
 * code-split chunks and one file per vendor module (`buildHandler`), no `package.json`. Source maps go to a sibling directory that is not deployed
 * (docs/design.md). Importing this module does nothing; call `bundleHandler`. The Function
 * component deploys the directory, and the bench measures it.
 */
import { spawnSync } from "node:child_process";
import { createHash } from "node:crypto";
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
 * cold start (docs/design.md). `buildHandler` builds with these options (the handler's and each
 * vendor module's), for `bundleHandler` and the local cloud's edit loop.
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

/** How our code imports a vendor module (handlers/store/sdk.vendor.ts): `./<name>.vendor`. */
const VENDOR_IMPORT = /\.vendor(\.ts)?$/;
const RESOLVING = Symbol("resolving");

/** An esbuild result of `buildHandler`: its builds' metafiles and output files, merged. */
export interface HandlerBuild {
  metafile: esbuild.Metafile;
  outputFiles: esbuild.OutputFile[];
}

/**
 * Builds a handler into `outdir` with `bundleBuildOptions` (plus `overrides`), except that each
 * `*.vendor.ts` module it imports becomes one file of its own, `chunks/<name>.vendor.mjs`, with
 * the packages it re-exports. Code splitting cuts a package set like the SDK into a dozen chunks,
 * one per set of entry points that share a module, because the SDK imports its rarely used
 * credential providers lazily; Node resolves, reads and compiles each chunk on the first request.
 * Here the vendor file holds everything the SDK loads eagerly, and what it imports lazily is built
 * apart (`<name>.vendor-lazy-*.mjs`, split among themselves), so a lazy import never carves a
 * chunk out of the eager code. Those lazy copies repeat some SDK core: more bytes deployed, none
 * loaded on Lambda, where credentials come from the environment (bench/README.md, issue 29).
 */
export async function buildHandler(
  entry: string,
  outdir: string,
  overrides: esbuild.BuildOptions = {},
): Promise<HandlerBuild> {
  const chunksDir = path.join(outdir, "chunks");
  const cwd = overrides.absWorkingDir ?? process.cwd();
  const vendors = new Map<string, string>();
  const results: esbuild.BuildResult[] = [];
  const main = await esbuild.build({
    ...bundleBuildOptions(entry, outdir),
    ...overrides,
    metafile: true,
    plugins: [
      {
        name: "vendor-modules",
        setup(build) {
          build.onResolve({ filter: VENDOR_IMPORT }, async (args) => {
            if (args.pluginData === RESOLVING) return undefined;
            const { path: source, errors } = await build.resolve(args.path, {
              kind: args.kind,
              importer: args.importer,
              resolveDir: args.resolveDir,
              pluginData: RESOLVING,
            });
            if (errors.length > 0) return undefined;
            const name = path.basename(source).replace(/\.[cm]?ts$/, "");
            vendors.set(source, name);
            return { path: `./${name}.mjs`, external: true };
          });
        },
      },
    ],
  });
  results.push(main);
  // `./<name>.mjs` is right only from a chunk, beside the vendor file: code that the entry
  // imports statically lands in index.mjs, one folder up.
  const specifiers = new Set([...vendors.values()].map((name) => `./${name}.mjs`));
  for (const [file, output] of Object.entries(main.metafile.outputs)) {
    const importsVendor = output.imports.some((i) => i.external && specifiers.has(i.path));
    if (importsVendor && path.dirname(path.resolve(cwd, file)) !== chunksDir) {
      throw new Error(
        `${file} imports a *.vendor.ts module statically from the entry: import it from a ` +
          "lazily loaded module (as handlers/crud.ts does the stores), or not as a vendor module",
      );
    }
  }
  for (const [source, name] of vendors) {
    const lazy = new Map<string, string>();
    results.push(
      await esbuild.build({
        ...bundleBuildOptions(source, chunksDir),
        ...overrides,
        entryPoints: { [name]: source },
        splitting: false,
        metafile: true,
        plugins: [lazyPackagesApart(name, lazy)],
      }),
    );
    if (lazy.size === 0) continue;
    results.push(
      await esbuild.build({
        ...bundleBuildOptions(source, chunksDir),
        ...overrides,
        entryPoints: Object.fromEntries([...lazy].map(([file, out]) => [out, file])),
        chunkNames: `${name}-lazy-[name]-[hash]`,
        metafile: true,
      }),
    );
  }
  return {
    metafile: {
      inputs: Object.assign({}, ...results.map((r) => r.metafile!.inputs)),
      outputs: Object.assign({}, ...results.map((r) => r.metafile!.outputs)),
    },
    outputFiles: results.flatMap((r) => r.outputFiles ?? []),
  };
}

/** Marks each package module the build imports lazily external, as `<name>-lazy-<id>.mjs` beside it. */
function lazyPackagesApart(name: string, lazy: Map<string, string>): esbuild.Plugin {
  return {
    name: "lazy-packages-apart",
    setup(build) {
      build.onResolve({ filter: /.*/ }, async (args) => {
        if (args.kind !== "dynamic-import" || args.pluginData === RESOLVING) return undefined;
        const { path: file, errors } = await build.resolve(args.path, {
          kind: args.kind,
          importer: args.importer,
          resolveDir: args.resolveDir,
          pluginData: RESOLVING,
        });
        if (errors.length > 0 || !file.split(path.sep).includes("node_modules")) return undefined;
        // Named by the module, not by discovery order (which varies): same code, same files.
        const id = createHash("sha256").update(path.relative(ROOT, file)).digest("hex");
        lazy.set(file, `${name}-lazy-${id.slice(0, 8)}`);
        return { path: `./${lazy.get(file)}.mjs`, external: true };
      });
    },
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
  // esbuild runs plugins only in its asynchronous API, and a Pulumi component is built
  // synchronously: the build runs in a child process (this file, see the end).
  const child = spawnSync(
    process.execPath,
    ["--import", require.resolve("tsx"), __filename, BUILD_FLAG, entry, staging],
    { cwd: ROOT, encoding: "utf8", stdio: ["ignore", "ignore", "pipe"] },
  );
  if (child.status !== 0) {
    fs.rmSync(staging, { recursive: true, force: true });
    fs.rmSync(`${staging}.maps`, { recursive: true, force: true });
    const message = child.error?.message ?? child.stderr.trim();
    throw new Error(`Bundling ${entry} failed; fix the errors above and retry: ${message}`, {
      cause: child.error,
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

const BUILD_FLAG = "--build-handler";

// The child process of `bundleHandler`: `<this file> --build-handler <entry> <outdir>`.
if (require.main === module && process.argv[2] === BUILD_FLAG) {
  const [entry = "", outdir = ""] = process.argv.slice(3);
  buildHandler(entry, outdir).catch((err: unknown) => {
    const errors = (err as esbuild.BuildFailure).errors;
    process.stderr.write(
      errors?.length
        ? esbuild.formatMessagesSync(errors, { kind: "error", color: false }).join("")
        : String(err),
    );
    process.exitCode = 1;
  });
}
