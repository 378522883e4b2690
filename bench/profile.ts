/**
 * Where a cold start's time goes: reads a `node --cpu-prof` profile, keeps the samples between the
 * handler's import and its first response, and adds up self time by what was running (module
 * loading, compiling, a package's code, garbage collection, waiting on I/O).
 */
import * as fs from "node:fs";
import * as path from "node:path";
import { SourceLookup } from "./sourcemap";

interface CallFrame {
  functionName: string;
  url: string;
  lineNumber: number;
  columnNumber: number;
}
interface ProfileNode {
  id: number;
  callFrame: CallFrame;
  children?: number[];
}
export interface CpuProfile {
  nodes: ProfileNode[];
  startTime: number;
  endTime: number;
  samples: number[];
  timeDeltas: number[];
}

export interface ProfileSummary {
  /** Sampled time inside the window, ms. */
  windowMs: number;
  /** Self time by category, ms, largest first. */
  categories: { name: string; ms: number }[];
  /** Self time by function, ms, largest first (top 15). */
  functions: { name: string; ms: number }[];
}

// Node's own module loader: resolving, reading and compiling module files.
const LOADER = /^node:internal\/(modules|vm|url|fs\/utils|process\/esm_loader)/;
const LOADER_NATIVES = new Set([
  "compileFunction",
  "compileFunctionForCJSLoader",
  "wrapSafe",
  "internalModuleStat",
  "readFileUtf8",
  "readPackageJSON",
  "getNearestParentPackageJSON",
  "getNearestParentPackageJSONType",
  "getPackageScopeConfig",
  "link",
  "instantiate",
  "evaluate",
  "ModuleWrap",
  "realpathSync",
  "lstat",
  "stat",
  "existsSync",
]);

/** How to name the code under test. */
export interface Attribution {
  /** Path prefix (the bundle's directory, the baseline's file) → the name its code goes under. */
  ownFiles: Record<string, string>;
  /** Source maps of bundled files, by absolute path: their code is reported by original file. */
  sourceMaps?: Map<string, SourceLookup>;
}

/** Loads the source map of each of `files` that has one (`mapOf` says where it is). */
export function loadSourceMaps(
  files: string[],
  mapOf: (file: string) => string = (file) => `${file}.map`,
): Map<string, SourceLookup> {
  const maps = new Map<string, SourceLookup>();
  for (const file of files) {
    const map = mapOf(file);
    if (fs.existsSync(map)) maps.set(file, SourceLookup.fromJson(fs.readFileSync(map, "utf8")));
  }
  return maps;
}

/**
 * Where a frame's code lives: for a bundled file with a source map, the original file it was
 * bundled from; otherwise its own path (or `node:` URL, or "" for natives).
 */
export function locate(frame: CallFrame, attribution: Attribution): string {
  const file = frame.url.replace(/^file:\/\//, "");
  const original = attribution.sourceMaps
    ?.get(file)
    ?.sourceAt(frame.lineNumber, frame.columnNumber);
  return original ? path.resolve(path.dirname(file), original) : file;
}

const UNATTRIBUTED = "V8/native, unattributed (incl. parsing, compiling)";

/** The category of a frame: a package, our code, the module loader, GC, ... */
export function categorise(frame: CallFrame, attribution: Attribution): string {
  const { functionName } = frame;
  if (functionName === "(garbage collector)") return "garbage collection";
  if (functionName === "(idle)") return "idle (waiting on I/O: DynamoDB, disk)";
  if (functionName === "(program)" || functionName === "(root)") return UNATTRIBUTED;
  const file = locate(frame, attribution);
  const pkg = /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(file)?.[1];
  if (pkg) {
    if (pkg.startsWith("@aws-sdk/credential-provider") || pkg === "@aws-sdk/nested-clients") {
      return "pkg @aws-sdk/credential-provider-* & nested-clients";
    }
    if (pkg.startsWith("@aws-sdk/")) return "pkg @aws-sdk/* (other)";
    if (pkg.startsWith("@smithy/")) return "pkg @smithy/*";
    return `pkg ${pkg}`;
  }
  for (const [prefix, name] of Object.entries(attribution.ownFiles)) {
    if (file.startsWith(prefix)) return name;
  }
  if (LOADER.test(file) || (!file && LOADER_NATIVES.has(functionName))) {
    return "module loading (resolve, read, compile)";
  }
  if (file.startsWith("node:")) return "node core (http, crypto, streams, ...)";
  if (!file) return `native ${functionName || "(anonymous)"}`;
  return "other";
}

/** Summarises the samples that fall in [fromUs, toUs] (the profiler's µs clock). */
export function summariseProfile(
  profile: CpuProfile,
  window: [number, number],
  attribution: Attribution,
): ProfileSummary {
  const byId = new Map(profile.nodes.map((n) => [n.id, n]));
  const byCategory = new Map<string, number>();
  const byFunction = new Map<string, number>();
  let t = profile.startTime;
  let total = 0;
  for (let i = 0; i < profile.samples.length; i++) {
    t += profile.timeDeltas[i] ?? 0;
    // A sample stands for the time until the next one.
    const span = profile.timeDeltas[i + 1] ?? 0;
    if (t < window[0] || t > window[1]) continue;
    const node = byId.get(profile.samples[i] as number);
    if (!node) continue;
    const category = categorise(node.callFrame, attribution);
    byCategory.set(category, (byCategory.get(category) ?? 0) + span);
    const where = locate(node.callFrame, attribution).replace(/^.*node_modules\//, "");
    const fn = `${node.callFrame.functionName || "(anonymous)"} ${where}`.trim();
    byFunction.set(fn, (byFunction.get(fn) ?? 0) + span);
    total += span;
  }
  const sorted = (m: Map<string, number>) =>
    [...m.entries()].map(([name, us]) => ({ name, ms: us / 1000 })).sort((a, b) => b.ms - a.ms);
  return {
    windowMs: total / 1000,
    categories: sorted(byCategory),
    functions: sorted(byFunction).slice(0, 15),
  };
}

export function readProfile(file: string): CpuProfile {
  return JSON.parse(fs.readFileSync(file, "utf8")) as CpuProfile;
}

/** Averages several runs' summaries of one variant (categories missing in a run count as 0). */
export function averageSummaries(summaries: ProfileSummary[]): ProfileSummary {
  const n = summaries.length;
  const avg = (pick: (s: ProfileSummary) => { name: string; ms: number }[], top?: number) => {
    const sums = new Map<string, number>();
    for (const s of summaries) {
      for (const c of pick(s)) sums.set(c.name, (sums.get(c.name) ?? 0) + c.ms);
    }
    return [...sums.entries()]
      .map(([name, ms]) => ({ name, ms: ms / n }))
      .sort((a, b) => b.ms - a.ms)
      .slice(0, top);
  };
  return {
    windowMs: summaries.reduce((sum, s) => sum + s.windowMs, 0) / n,
    categories: avg((s) => s.categories),
    functions: avg((s) => s.functions, 15),
  };
}
