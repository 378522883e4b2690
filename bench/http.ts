/**
 * Throughput and latency through the local cloud's API with autocannon: a bounded number of
 * requests at a fixed concurrency, to loopback only.
 */
import autocannon from "autocannon";
import { percentile } from "./stats";

export interface HttpRunOptions {
  url: string;
  connections: number;
  /** Requests to send; the run ends when they are answered. */
  amount: number;
  /** Unmeasured requests first (the local cloud starts its function environments lazily). */
  warmup: number;
}

export interface HttpResult {
  p50Ms: number;
  p99Ms: number;
  reqPerSec: number;
  /** Connection errors, timeouts and non-2xx responses. */
  errors: number;
  requests: number;
  connections: number;
}

const LOOPBACK = new Set(["127.0.0.1", "localhost", "[::1]"]);

async function cannon(
  url: string,
  connections: number,
  amount: number,
  onLatency?: (ms: number) => void,
): Promise<autocannon.Result> {
  const host = new URL(url).hostname;
  if (!LOOPBACK.has(host)) throw new Error(`Refusing to load-test ${host}: loopback only`);
  return new Promise((resolve, reject) => {
    const instance = autocannon(
      { url, connections, amount, timeout: 10, pipelining: 1 },
      (err, result) => (err ? reject(err) : resolve(result)),
    );
    // autocannon's own histogram is whole milliseconds; these are hrtime floats.
    if (onLatency) {
      instance.on("response", (_client, _status, _bytes, responseTime) => onLatency(responseTime));
    }
  });
}

export async function measureHttp(options: HttpRunOptions): Promise<HttpResult> {
  if (options.warmup > 0) {
    await cannon(options.url, options.connections, options.warmup);
  }
  const latencies: number[] = [];
  const started = process.hrtime.bigint();
  const result = await cannon(options.url, options.connections, options.amount, (ms) =>
    latencies.push(ms),
  );
  const seconds = Number(process.hrtime.bigint() - started) / 1e9;
  const answered = result.requests.total;
  return {
    p50Ms: latencies.length ? percentile(latencies, 50) : Number.NaN,
    p99Ms: latencies.length ? percentile(latencies, 99) : Number.NaN,
    reqPerSec: answered / seconds,
    errors: result.errors + result.timeouts + result.non2xx,
    requests: answered,
    connections: options.connections,
  };
}
