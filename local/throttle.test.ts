import { expect } from "chai";
import { Buckets, QuotaCounters, TokenBucket, quotaPeriod } from "./throttle";

describe("local throttling: token buckets and quotas", () => {
  it("lets a burst through at once, then the rate", () => {
    let now = 0;
    const bucket = new TokenBucket({ rate: 2, burst: 3 }, () => now);
    expect([1, 2, 3, 4].map(() => bucket.take())).to.deep.equal([true, true, true, false]);
    now += 499; // under one token at 2/s
    expect(bucket.take()).to.equal(false);
    now += 1; // 0.5 s: one token
    expect(bucket.take()).to.equal(true);
    now += 10_000; // refills up to the burst, no more
    expect([1, 2, 3, 4].map(() => bucket.take())).to.deep.equal([true, true, true, false]);
  });

  it("keeps one bucket per name", () => {
    const buckets = new Buckets(() => 0);
    const limit = { rate: 1, burst: 1 };
    expect(buckets.take("GET /items", limit)).to.equal(true);
    expect(buckets.take("GET /items", limit)).to.equal(false);
    expect(buckets.take("POST /items", limit)).to.equal(true);
  });

  it("counts a quota per period and starts again in the next", () => {
    const quotas = new QuotaCounters();
    const quota = { limit: 2, period: "DAY" as const, offset: 0 };
    const day1 = new Date("2026-03-01T10:00:00Z");
    expect([1, 2, 3].map(() => quotas.take("k", quota, day1))).to.deep.equal([true, true, false]);
    expect(quotas.take("k", quota, new Date("2026-03-02T00:00:00Z"))).to.equal(true);
    expect(quotas.take("other", quota, day1)).to.equal(true);
  });

  it("weeks start on Monday, months on the 1st (UTC)", () => {
    const week = { limit: 1, period: "WEEK" as const, offset: 0 };
    const sunday = quotaPeriod(week, new Date("2026-03-01T23:59:59Z"));
    const monday = quotaPeriod(week, new Date("2026-03-02T00:00:00Z"));
    const nextSunday = quotaPeriod(week, new Date("2026-03-08T12:00:00Z"));
    expect(sunday).to.not.equal(monday);
    expect(monday).to.equal(nextSunday);
    const month = { limit: 1, period: "MONTH" as const, offset: 0 };
    expect(quotaPeriod(month, new Date("2026-03-31T23:59:59Z"))).to.not.equal(
      quotaPeriod(month, new Date("2026-04-01T00:00:00Z")),
    );
  });
});
