/**
 * API Gateway's throttling, as a token bucket per limit: `burst` tokens to start with, refilled
 * at `rate` per second, one token per request; an empty bucket is a 429. Stage limits (a
 * MethodSettings `*\/*` or a method's own) hold per method; a usage plan's limit per API key.
 * https://docs.aws.amazon.com/apigateway/latest/developerguide/api-gateway-request-throttling.html
 */
export interface ThrottleLimit {
  /** Steady-state requests per second. */
  rate: number;
  /** Requests allowed at once above the rate (the bucket's size). */
  burst: number;
}

export class TokenBucket {
  private tokens: number;
  private last: number;

  constructor(
    readonly limit: ThrottleLimit,
    private readonly clock: () => number = () => performance.now(),
  ) {
    this.tokens = limit.burst;
    this.last = clock();
  }

  /** Takes a token if there is one; false means throttled. */
  take(): boolean {
    const now = this.clock();
    this.tokens = Math.min(
      this.limit.burst,
      this.tokens + ((now - this.last) / 1000) * this.limit.rate,
    );
    this.last = now;
    if (this.tokens < 1) return false;
    this.tokens -= 1;
    return true;
  }
}

/** Buckets by name, created on first use with the limit given then. */
export class Buckets {
  private readonly buckets = new Map<string, TokenBucket>();
  constructor(private readonly clock?: () => number) {}

  take(name: string, limit: ThrottleLimit): boolean {
    let bucket = this.buckets.get(name);
    if (!bucket) this.buckets.set(name, (bucket = new TokenBucket(limit, this.clock)));
    return bucket.take();
  }
}

/** A usage plan's quota: requests per DAY, WEEK or MONTH (UTC), per API key. */
export interface Quota {
  limit: number;
  period: "DAY" | "WEEK" | "MONTH";
  offset: number;
}

/** The start of the quota period `at` falls in, as a key: quotas reset at its boundary. */
export function quotaPeriod(quota: Quota, at: Date): string {
  const y = at.getUTCFullYear();
  const m = at.getUTCMonth();
  if (quota.period === "MONTH") return `${y}-${m}`;
  const day = Math.floor(at.getTime() / 86_400_000);
  // Weeks start on Monday (1970-01-01 was a Thursday, day 0): days since a Monday, shifted by offset.
  if (quota.period === "WEEK") return `w${Math.floor((day + 3 - quota.offset) / 7)}`;
  return `d${day}`;
}

export class QuotaCounters {
  private readonly used = new Map<string, { period: string; count: number }>();

  /** Counts a request; false when the quota of this period is spent. */
  take(name: string, quota: Quota, at: Date = new Date()): boolean {
    const period = quotaPeriod(quota, at);
    const entry = this.used.get(name);
    const current = entry?.period === period ? entry : { period, count: 0 };
    if (current.count >= quota.limit) return false;
    current.count += 1;
    this.used.set(name, current);
    return true;
  }
}
