import { expect } from "chai";
import { interleave, mean, median, percentile, ratio, round, summarise } from "./stats";

describe("bench stats", () => {
  describe("percentile", () => {
    it("interpolates between closest ranks like numpy's default", () => {
      const xs = [1, 2, 3, 4];
      expect(percentile(xs, 0)).to.equal(1);
      expect(percentile(xs, 100)).to.equal(4);
      expect(percentile(xs, 50)).to.equal(2.5);
      expect(percentile(xs, 25)).to.be.closeTo(1.75, 1e-12);
      expect(percentile(xs, 90)).to.be.closeTo(3.7, 1e-12);
    });

    it("does not depend on the order of the samples", () => {
      expect(percentile([9, 1, 5, 3, 7], 50)).to.equal(5);
      expect(percentile([9, 1, 5, 3, 7], 75)).to.equal(7);
    });

    it("gives p99 of 1..100 below the maximum", () => {
      const xs = Array.from({ length: 100 }, (_, i) => i + 1);
      expect(percentile(xs, 99)).to.be.closeTo(99.01, 1e-9);
    });

    it("returns the only sample for any p", () => {
      expect(percentile([42], 0)).to.equal(42);
      expect(percentile([42], 99)).to.equal(42);
    });

    it("leaves its input unsorted", () => {
      const xs = [3, 1, 2];
      percentile(xs, 50);
      expect(xs).to.deep.equal([3, 1, 2]);
    });

    it("refuses no samples, non-finite samples and p outside 0..100", () => {
      expect(() => percentile([], 50)).to.throw(RangeError);
      expect(() => percentile([1, Number.NaN], 50)).to.throw(RangeError);
      expect(() => percentile([1, 2], 101)).to.throw(RangeError);
      expect(() => percentile([1, 2], -1)).to.throw(RangeError);
      expect(() => percentile([1, 2], Number.NaN)).to.throw(RangeError);
    });
  });

  it("median of an odd and an even count", () => {
    expect(median([5, 1, 3])).to.equal(3);
    expect(median([4, 1, 3, 2])).to.equal(2.5);
  });

  it("mean", () => {
    expect(mean([1, 2, 3, 6])).to.equal(3);
    expect(() => mean([])).to.throw(RangeError);
  });

  it("summarise", () => {
    const s = summarise([10, 20, 30, 40, 50]);
    expect(s).to.include({ n: 5, min: 10, p50: 30, max: 50, mean: 30 });
    expect(s.p90).to.be.closeTo(46, 1e-9);
    expect(s.p99).to.be.closeTo(49.6, 1e-9);
  });

  it("ratio is NaN, not Infinity, over zero", () => {
    expect(ratio(1, 4)).to.equal(0.25);
    expect(Number.isNaN(ratio(1, 0))).to.equal(true);
  });

  it("round", () => {
    expect(round(0.1 + 0.2)).to.equal(0.3);
    expect(round(12.34567, 1)).to.equal(12.3);
    expect(Number.isNaN(round(Number.NaN))).to.equal(true);
  });

  describe("interleave", () => {
    it("alternates the order within each round", () => {
      expect(interleave(["a", "b"], 3)).to.deep.equal(["a", "b", "b", "a", "a", "b"]);
    });

    it("runs every variant once per round", () => {
      const order = interleave(["x", "y", "z"], 4);
      expect(order).to.have.length(12);
      for (const v of ["x", "y", "z"]) expect(order.filter((o) => o === v)).to.have.length(4);
    });
  });
});
