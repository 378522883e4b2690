/**
 * Sizes of the deployed bundle: everything in it (what is zipped and uploaded), its JavaScript,
 * and the part a cold start loads: the entry plus the chunks it imports statically. Chunks that
 * are only `import()`ed load when that code path first runs, if ever.
 */
import * as fs from "node:fs";
import * as path from "node:path";
import * as zlib from "node:zlib";
import { sourceMapOf, type Bundle } from "../components/bundle";
import { SourceLookup } from "./sourcemap";

export interface BundleSize {
  /** Every deployed file, source maps included. */
  bytes: number;
  /** The same files gzipped one by one: close to the deployment zip's size. */
  gzipBytes: number;
  /** JavaScript only (no source maps). */
  codeBytes: number;
  /** The entry and its static imports: what a cold start reads and compiles. */
  coldPathBytes: number;
  coldPathFiles: string[];
  /** Cold-path code by package (from the source maps), largest first; ours is "(our code)". */
  coldPathByPackage: { name: string; bytes: number }[];
  files: { file: string; bytes: number; gzipBytes: number }[];
}

/** Relative specifiers of the static imports in minified ESM (`import"./x.mjs"`, `from"./x.mjs"`). */
export function staticImports(code: string): string[] {
  const found = new Set<string>();
  for (const m of code.matchAll(/(?:\bfrom|\bimport)\s*["'](\.{1,2}\/[^"']+)["']/g)) {
    found.add(m[1] as string);
  }
  return [...found];
}

/** The entry and every file reachable from it through static imports, relative to `dir`. */
export function staticClosure(entry: string, read: (file: string) => string, dir = "."): string[] {
  const seen = new Set<string>();
  const visit = (file: string) => {
    if (seen.has(file)) return;
    seen.add(file);
    for (const spec of staticImports(read(file))) {
      visit(path.posix.normalize(path.posix.join(path.posix.dirname(file), spec)));
    }
  };
  visit(path.posix.normalize(path.posix.join(dir, entry)));
  return [...seen].sort();
}

/** The npm package a bundled source path belongs to, or "(our code)". */
export function packageOf(source: string): string {
  const all = [...source.matchAll(/node_modules\/((?:@[^/]+\/)?[^/]+)/g)];
  return all.length ? (all[all.length - 1]?.[1] as string) : "(our code)";
}

/** Code by package (from the source maps) in some of a bundle's files, largest first. */
export function bytesByPackage(
  bundle: Pick<Bundle, "dir" | "mapsDir">,
  files: string[],
): { name: string; bytes: number }[] {
  const dir = bundle.dir;
  const sums = new Map<string, number>();
  for (const file of files) {
    const map = sourceMapOf(bundle, file);
    if (!fs.existsSync(map)) continue;
    const lookup = SourceLookup.fromJson(fs.readFileSync(map, "utf8"));
    const chars = lookup.charsBySource(fs.readFileSync(path.join(dir, file), "utf8"));
    for (const [source, n] of chars) {
      const pkg = packageOf(source);
      sums.set(pkg, (sums.get(pkg) ?? 0) + n);
    }
  }
  return [...sums.entries()]
    .map(([name, bytes]) => ({ name, bytes }))
    .sort((a, b) => b.bytes - a.bytes);
}

export function measureBundle(bundle: Bundle): BundleSize {
  const files = bundle.files.map((file) => {
    const content = fs.readFileSync(path.join(bundle.dir, file));
    return { file, bytes: content.length, gzipBytes: zlib.gzipSync(content).length };
  });
  const sum = (xs: { bytes: number }[]) => xs.reduce((s, f) => s + f.bytes, 0);
  const coldPathFiles = staticClosure(bundle.entryFile, (f) =>
    fs.readFileSync(path.join(bundle.dir, f), "utf8"),
  );
  return {
    bytes: sum(files),
    gzipBytes: files.reduce((s, f) => s + f.gzipBytes, 0),
    codeBytes: sum(files.filter((f) => !f.file.endsWith(".map"))),
    coldPathBytes: sum(files.filter((f) => coldPathFiles.includes(f.file))),
    coldPathFiles,
    coldPathByPackage: bytesByPackage(bundle, coldPathFiles),
    files,
  };
}
