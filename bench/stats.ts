/**
 * Summary statistics for benchmark samples. Pure functions, unit-tested in `stats.test.ts`.
 */

/**
 * The p-th percentile (0–100) by linear interpolation between closest ranks (numpy's default,
 * Hyndman–Fan type 7). Interpolating keeps p99 of a few hundred samples from jumping to the
 * single slowest one, which nearest-rank would do.
 */
export function percentile(samples: readonly number[], p: number): number {
  if (samples.length === 0) throw new RangeError("percentile of no samples");
  if (!(p >= 0 && p <= 100)) throw new RangeError(`percentile ${p} is outside 0..100`);
  if (samples.some((x) => !Number.isFinite(x))) {
    throw new RangeError("samples must be finite numbers");
  }
  const sorted = [...samples].sort((a, b) => a - b);
  const rank = (p / 100) * (sorted.length - 1);
  const lo = Math.floor(rank);
  const hi = Math.ceil(rank);
  const below = sorted[lo] as number;
  const above = sorted[hi] as number;
  return below + (above - below) * (rank - lo);
}

export function median(samples: readonly number[]): number {
  return percentile(samples, 50);
}

export function mean(samples: readonly number[]): number {
  if (samples.length === 0) throw new RangeError("mean of no samples");
  return samples.reduce((sum, x) => sum + x, 0) / samples.length;
}

export interface Summary {
  n: number;
  min: number;
  p50: number;
  p90: number;
  p99: number;
  max: number;
  mean: number;
}

export function summarise(samples: readonly number[]): Summary {
  return {
    n: samples.length,
    min: percentile(samples, 0),
    p50: percentile(samples, 50),
    p90: percentile(samples, 90),
    p99: percentile(samples, 99),
    max: percentile(samples, 100),
    mean: mean(samples),
  };
}

/** `a / b`, or NaN when b is 0, so a missing baseline shows up instead of dividing to Infinity. */
export function ratio(a: number, b: number): number {
  return b === 0 ? Number.NaN : a / b;
}

/** Rounds for the report: enough digits for milliseconds and ratios, no float noise. */
export function round(x: number, digits = 3): number {
  if (!Number.isFinite(x)) return x;
  const f = 10 ** digits;
  return Math.round(x * f) / f;
}

/**
 * Interleaves runs of several variants: ABAB... with the order of each pair alternating
 * (AB, BA, AB, ...), so neither variant always runs first after the other one and drift in
 * machine load (other engineers' builds) falls on both alike.
 */
export function interleave<T>(variants: readonly T[], rounds: number): T[] {
  const order: T[] = [];
  for (let i = 0; i < rounds; i++) {
    order.push(...(i % 2 === 0 ? variants : [...variants].reverse()));
  }
  return order;
}
