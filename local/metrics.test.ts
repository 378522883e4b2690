import { expect } from "chai";
import { MetricsCollector, parseEmfLine, summarise } from "./metrics";

/** An EMF line as the specification's example shapes it, with our own names. */
const line = (fields: Record<string, unknown>, metrics = [{ Name: "Requests", Unit: "Count" }]) =>
  JSON.stringify({
    level: "INFO",
    _aws: {
      Timestamp: 1_700_000_000_000,
      CloudWatchMetrics: [
        {
          Namespace: "ns",
          Dimensions: [["FunctionName"], ["FunctionName", "Operation", "StatusClass"]],
          Metrics: metrics,
        },
      ],
    },
    FunctionName: "fn",
    ...fields,
  });

describe("local metrics (EMF lines read back)", () => {
  it("ignores lines that are not EMF documents", () => {
    for (const text of ["plain text", "{not json", '{"level":"INFO"}', '{"_aws":{}}']) {
      expect(parseEmfLine("fn", text), text).to.equal(undefined);
    }
  });

  it("reads each metric once with every dimension set resolved", () => {
    const points = parseEmfLine(
      "crud",
      line({ Operation: "items.get", StatusClass: "2xx", Requests: 1 }),
    )!;
    expect(points).to.deep.equal([
      {
        functionName: "crud",
        namespace: "ns",
        name: "Requests",
        unit: "Count",
        values: [1],
        dimensionSets: [
          { FunctionName: "fn" },
          { FunctionName: "fn", Operation: "items.get", StatusClass: "2xx" },
        ],
        timestamp: 1_700_000_000_000,
      },
    ]);
  });

  it("skips targets the EMF specification forbids: a metric that is no number, a dimension that is no string", () => {
    const points = parseEmfLine(
      "crud",
      line({ Operation: 7, StatusClass: "2xx", Requests: "1", Other: [1, 2] }, [
        { Name: "Requests", Unit: "Count" },
        { Name: "Other", Unit: "Count" },
      ]),
    )!;
    expect(points.map((p) => p.name)).to.deep.equal(["Other"]);
    expect(points[0]!.values).to.deep.equal([1, 2]);
    expect(points[0]!.dimensionSets).to.deep.equal([{ FunctionName: "fn" }]);
  });

  it("sums counts with a breakdown per dimension, and gives p50/p99 of timings", () => {
    const collector = new MetricsCollector();
    const timing = [
      { Name: "Requests", Unit: "Count" },
      { Name: "DynamoDBTime", Unit: "Milliseconds" },
    ];
    for (const [op, cls, ms] of [
      ["items.get", "2xx", 2],
      ["items.get", "4xx", 4],
      ["items.create", "2xx", 10],
    ] as const) {
      collector.record(
        "crud",
        line({ Operation: op, StatusClass: cls, Requests: 1, DynamoDBTime: ms }, timing),
      );
    }
    expect(collector.record("crud", "START RequestId: x")).to.equal(false);
    expect(collector.drain()).to.deep.equal([
      "crud ns: Requests 3 (Operation items.create 1, items.get 2; StatusClass 2xx 2, 4xx 1) · " +
        "DynamoDBTime p50 4 ms, p99 10 ms (n=3)",
    ]);
    expect(collector.drain(), "drained").to.deep.equal([]);
    expect(collector.recent).to.have.length(6);
  });

  it("keeps functions apart", () => {
    const a = parseEmfLine("a", line({ Operation: "x", StatusClass: "2xx", Requests: 1 }))!;
    const b = parseEmfLine("b", line({ Operation: "x", StatusClass: "5xx", Requests: 2 }))!;
    expect(summarise([...a, ...b])).to.deep.equal([
      "a ns: Requests 1 (Operation x 1; StatusClass 2xx 1)",
      "b ns: Requests 2 (Operation x 2; StatusClass 5xx 2)",
    ]);
  });
});
