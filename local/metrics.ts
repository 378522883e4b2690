/**
 * The functions' CloudWatch Embedded Metric Format (EMF) log lines, read back the way CloudWatch
 * Logs extracts them, and summarised in one line per function so that `npm start` shows the numbers
 * production will chart. Generic: it knows the EMF specification, not the handler's metric names.
 */

/** One metric value an EMF line declares, with every dimension set it is published under. */
export interface Datapoint {
  /** The local function that wrote the line. */
  functionName: string;
  namespace: string;
  name: string;
  /** CloudWatch unit; `None` when the line gives none. */
  unit: string;
  /** The value, or the values of an array target. */
  values: number[];
  /** Each dimension set resolved to its values (`{}` for an empty set). */
  dimensionSets: Record<string, string>[];
  /** `_aws.Timestamp`, epoch ms. */
  timestamp: number;
}

type Json = Record<string, unknown>;

/**
 * The datapoints of an EMF document, or undefined when the line is not one (plain text, JSON
 * without `_aws.CloudWatchMetrics`). Targets that break the specification are skipped, as
 * CloudWatch skips them: a metric that is not a number, a dimension that is not a string.
 */
export function parseEmfLine(functionName: string, line: string): Datapoint[] | undefined {
  if (!line.startsWith("{")) return undefined;
  let doc: Json;
  try {
    doc = JSON.parse(line) as Json;
  } catch {
    return undefined;
  }
  const aws = doc["_aws"] as { Timestamp?: unknown; CloudWatchMetrics?: unknown } | undefined;
  if (!aws || !Array.isArray(aws.CloudWatchMetrics)) return undefined;
  const timestamp = typeof aws.Timestamp === "number" ? aws.Timestamp : Date.now();
  const points: Datapoint[] = [];
  for (const directive of aws.CloudWatchMetrics as Json[]) {
    const namespace = directive["Namespace"];
    if (typeof namespace !== "string") continue;
    const dimensionSets: Record<string, string>[] = [];
    for (const set of (directive["Dimensions"] as unknown[]) ?? []) {
      if (!Array.isArray(set)) continue;
      const values = set.map((key) => [String(key), doc[String(key)]] as const);
      if (values.every(([, v]) => typeof v === "string")) {
        dimensionSets.push(Object.fromEntries(values) as Record<string, string>);
      }
    }
    for (const metric of (directive["Metrics"] as Json[]) ?? []) {
      const name = String(metric["Name"]);
      const target = doc[name];
      const values = typeof target === "number" ? [target] : Array.isArray(target) ? target : [];
      if (values.length === 0 || !values.every((v) => typeof v === "number")) continue;
      const unit = typeof metric["Unit"] === "string" ? metric["Unit"] : "None";
      points.push({ functionName, namespace, name, unit, values, dimensionSets, timestamp });
    }
  }
  return points;
}

const UNIT_SUFFIX: Record<string, string> = {
  Milliseconds: " ms",
  Seconds: " s",
  Microseconds: " µs",
  Bytes: " B",
  Percent: "%",
};

const round = (n: number) => (Number.isInteger(n) ? String(n) : n.toFixed(n < 10 ? 2 : 1));

/** Nearest-rank percentile, as CloudWatch's `pNN` is for a small sample. */
function percentile(sorted: number[], p: number): number {
  return sorted[
    Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))
  ]!;
}

/**
 * One line per function and namespace: counts are summed (each line once, whatever its dimension
 * sets) and broken down by each other dimension, in name order; other units get p50 and p99.
 * e.g. `crud-1a2b lambda-apigateway: Requests 3 (Operation items.get 2, none 1; StatusClass 2xx 2,
 * 4xx 1) · ColdStarts 1 · DynamoDBTime p50 1.20 ms, p99 3.40 ms (n=2)`
 */
export function summarise(points: readonly Datapoint[]): string[] {
  const groups = new Map<string, Datapoint[]>();
  for (const p of points) {
    const key = `${p.functionName} ${p.namespace}`;
    groups.set(key, [...(groups.get(key) ?? []), p]);
  }
  const lines: string[] = [];
  for (const [key, group] of groups) {
    const byName = new Map<string, Datapoint[]>();
    for (const p of group) byName.set(p.name, [...(byName.get(p.name) ?? []), p]);
    const parts: string[] = [];
    for (const [name, metric] of byName) {
      const unit = metric[0]!.unit;
      const values = metric.flatMap((p) => p.values);
      if (unit === "Count" || unit === "None") {
        const total = values.reduce((a, b) => a + b, 0);
        const breakdowns: string[] = [];
        const keys = new Set(metric.flatMap((p) => p.dimensionSets.flatMap(Object.keys)));
        keys.delete("FunctionName");
        for (const dimension of [...keys].sort()) {
          const tally = new Map<string, number>();
          for (const p of metric) {
            const value = p.dimensionSets.find((s) => dimension in s)?.[dimension];
            if (value === undefined) continue;
            const sum = p.values.reduce((a, b) => a + b, 0);
            tally.set(value, (tally.get(value) ?? 0) + sum);
          }
          const shown = [...tally]
            .filter(([, n]) => n !== 0)
            .sort(([a], [b]) => a.localeCompare(b));
          if (shown.length)
            breakdowns.push(`${dimension} ${shown.map(([v, n]) => `${v} ${round(n)}`).join(", ")}`);
        }
        parts.push(
          `${name} ${round(total)}${breakdowns.length ? ` (${breakdowns.join("; ")})` : ""}`,
        );
      } else {
        const sorted = [...values].sort((a, b) => a - b);
        const suffix = UNIT_SUFFIX[unit] ?? ` ${unit}`;
        parts.push(
          `${name} p50 ${round(percentile(sorted, 50))}${suffix}, p99 ${round(percentile(sorted, 99))}${suffix} (n=${sorted.length})`,
        );
      }
    }
    lines.push(`${key}: ${parts.join(" · ")}`);
  }
  return lines;
}

/** Collects the EMF datapoints of every function's stdout lines, for summaries and tests. */
export class MetricsCollector {
  private pending: Datapoint[] = [];
  private readonly kept: Datapoint[] = [];
  /** Called with the datapoints of each EMF line as it arrives. */
  onLine: ((points: Datapoint[]) => void) | undefined;

  /** @param keep How many datapoints `recent` remembers. */
  constructor(private readonly keep = 10_000) {}

  /** Reads one stdout line of a function; returns whether it was an EMF document. */
  record(functionName: string, line: string): boolean {
    const points = parseEmfLine(functionName, line);
    if (!points) return false;
    this.pending.push(...points);
    this.kept.push(...points);
    if (this.kept.length > this.keep) this.kept.splice(0, this.kept.length - this.keep);
    this.onLine?.(points);
    return true;
  }

  /** The most recent datapoints (oldest first). */
  get recent(): readonly Datapoint[] {
    return this.kept;
  }

  /** Summary lines of what arrived since the last call; empty when nothing did. */
  drain(): string[] {
    const lines = summarise(this.pending);
    this.pending = [];
    return lines;
  }
}
