/**
 * Cold starts: each run is a fresh `node` with Lambda's environment that imports a handler module
 * and serves one request. Ours and the baseline run interleaved, so load from anything else on
 * the machine falls on both alike.
 *
 * Measured from just before the handler module's `import()` to the first response: what the
 * function's code costs (Lambda's init duration plus the first invocation's), without Node's own
 * bootstrap, which is the same for both and which no function can change. The time since the
 * process started is recorded too.
 */
import type { APIGatewayProxyEvent } from "aws-lambda";
import { runChild } from "./child";
import { interleave, median } from "./stats";

/** What `children/cold-start.mjs` reports. */
export interface ColdStartReport {
  /** ms since process start when the import began. */
  beforeImport: number;
  afterImport: number;
  /** ms since process start when the handler's promise resolved. */
  responded: number;
  /** CPU time (user + system, all threads) from the import to the response. */
  cpuMs: number;
  /** [import began, import done, responded] on the monotonic clock in µs (--cpu-prof's clock). */
  windowUs: [number, number, number];
  statusCode?: number;
  body?: string;
}

export interface ColdStartSample {
  /** Import to first response. */
  totalMs: number;
  importMs: number;
  firstRequestMs: number;
  /** Process start to first response. */
  fromProcessStartMs: number;
  /** CPU time from the import to the response. */
  cpuMs: number;
}

export interface Variant {
  name: string;
  /** Absolute path of the module Lambda would import (the bundle's `index.mjs`). */
  module: string;
  /** Variables laid over the common environment (e.g. NODE_OPTIONS), for experiments. */
  env?: Record<string, string>;
  /** The event this variant's own API would deliver, when it differs from the common one. */
  event?: APIGatewayProxyEvent;
}

export interface ColdStartOptions {
  variants: Variant[];
  /** Measured runs per variant. */
  runs: number;
  /** Unmeasured runs per variant first, to warm the page cache and DynamoDB Local. */
  warmupRuns: number;
  env: Record<string, string>;
  event: APIGatewayProxyEvent;
  /** Throws when a response is not the expected one, so a broken handler cannot look fast. */
  check: (report: ColdStartReport) => void;
  nodeArgs?: (variant: Variant, run: number) => string[];
  node?: string;
  onRun?: (variant: Variant, sample: ColdStartSample) => void;
}

export interface ColdStartResult {
  samples: Record<string, ColdStartSample[]>;
  errors: Record<string, number>;
  firstError?: string;
}

export function toSample(report: ColdStartReport): ColdStartSample {
  return {
    totalMs: report.responded - report.beforeImport,
    importMs: report.afterImport - report.beforeImport,
    firstRequestMs: report.responded - report.afterImport,
    fromProcessStartMs: report.responded,
    cpuMs: report.cpuMs,
  };
}

export async function runColdStart(
  variant: Variant,
  options: Pick<ColdStartOptions, "env" | "event" | "check" | "node"> & {
    nodeArgs?: string[];
    onStderr?: (text: string) => void;
  },
): Promise<ColdStartReport> {
  const report = await runChild<ColdStartReport>(
    "cold-start.mjs",
    [variant.module, JSON.stringify(variant.event ?? options.event)],
    {
      // The variant's own variables win over the common environment (e.g. NODE_OPTIONS, or
      // METRICS_NAMESPACE="" for the run without metrics).
      env: { ...options.env, ...variant.env },
      nodeArgs: options.nodeArgs,
      node: options.node,
      onStderr: options.onStderr,
    },
  );
  options.check(report);
  return report;
}

export async function measureColdStarts(options: ColdStartOptions): Promise<ColdStartResult> {
  const samples: Record<string, ColdStartSample[]> = {};
  const errors: Record<string, number> = {};
  for (const v of options.variants) {
    samples[v.name] = [];
    errors[v.name] = 0;
  }
  let firstError: string | undefined;
  const order = interleave(options.variants, options.warmupRuns + options.runs);
  for (const [i, variant] of order.entries()) {
    const warmup = i < options.warmupRuns * options.variants.length;
    try {
      const report = await runColdStart(variant, {
        ...options,
        nodeArgs: options.nodeArgs?.(variant, i),
      });
      if (warmup) continue;
      const sample = toSample(report);
      samples[variant.name]?.push(sample);
      options.onRun?.(variant, sample);
    } catch (err) {
      if (warmup) throw err; // a handler that cannot start at all is not worth 30 more tries
      errors[variant.name] = (errors[variant.name] ?? 0) + 1;
      firstError ??= `${variant.name}: ${(err as Error).message}`;
    }
  }
  return { samples, errors, firstError };
}

/** Median of one field over a variant's samples (NaN when it has none). */
export function medianOf(samples: ColdStartSample[], field: keyof ColdStartSample): number {
  return samples.length ? median(samples.map((s) => s[field])) : Number.NaN;
}

/**
 * The bundle files one cold start of `variant` actually loads (entry, static chunks and the lazy
 * chunks its first request pulls in), from Node's own module debug log.
 */
export async function filesLoaded(
  variant: Variant,
  options: Pick<ColdStartOptions, "env" | "event" | "check" | "node">,
  dir: string,
): Promise<string[]> {
  let log = "";
  await runColdStart(variant, {
    ...options,
    env: { ...options.env, NODE_DEBUG: "esm" },
    onStderr: (text) => (log = text),
  });
  const prefix = `file://${dir}/`;
  const files = new Set<string>();
  for (const m of log.matchAll(/file:\/\/[^\s'",]+\.mjs/g)) {
    if (m[0].startsWith(prefix)) files.add(m[0].slice(prefix.length));
  }
  return [...files].sort();
}
