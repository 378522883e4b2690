/**
 * The EMF members of the request line, written out in full: the names are what dashboards,
 * alarms and docs/deploying.md use, so a changed name is a broken dashboard.
 */
import { expect } from "chai";
import { emfMembers, statusClass } from "./metrics";

const base = {
  namespace: "ns",
  functionName: "fn",
  operation: "items.get",
  status: 200,
  coldStart: false,
  dynamoDbMs: undefined,
  timestamp: 1_700_000_000_123,
};

const requestsDirective = {
  Namespace: "ns",
  Dimensions: [
    ["FunctionName"],
    ["FunctionName", "StatusClass"],
    ["FunctionName", "Operation", "StatusClass"],
  ],
  Metrics: [{ Name: "Requests", Unit: "Count" }],
};

describe("metrics: EMF members of the request line", () => {
  it("counts a request by function, status class and operation", () => {
    expect(emfMembers(base)).to.deep.equal({
      _aws: {
        Timestamp: 1_700_000_000_123,
        CloudWatchMetrics: [
          requestsDirective,
          {
            Namespace: "ns",
            Dimensions: [["FunctionName"]],
            Metrics: [{ Name: "ColdStarts", Unit: "Count" }],
          },
        ],
      },
      FunctionName: "fn",
      Operation: "items.get",
      StatusClass: "2xx",
      Requests: 1,
      ColdStarts: 0,
    });
  });

  it("counts a cold start, a refused request's operation as none, and DynamoDB time in ms", () => {
    const m = emfMembers({
      ...base,
      operation: undefined,
      coldStart: true,
      status: 503,
      dynamoDbMs: 12.34567,
    });
    expect(m).to.deep.equal({
      _aws: {
        Timestamp: 1_700_000_000_123,
        CloudWatchMetrics: [
          requestsDirective,
          {
            Namespace: "ns",
            Dimensions: [["FunctionName"]],
            Metrics: [
              { Name: "ColdStarts", Unit: "Count" },
              { Name: "DynamoDBTime", Unit: "Milliseconds" },
            ],
          },
        ],
      },
      FunctionName: "fn",
      Operation: "none",
      StatusClass: "5xx",
      Requests: 1,
      ColdStarts: 1,
      DynamoDBTime: 12.346,
    });
    expect(emfMembers({ ...base, dynamoDbMs: 0 })["DynamoDBTime"]).to.equal(0);
  });

  it("names the status class by its hundreds, on both sides of each boundary", () => {
    expect([199, 200, 299, 300, 404, 499, 500, 599].map(statusClass)).to.deep.equal([
      "1xx",
      "2xx",
      "2xx",
      "3xx",
      "4xx",
      "4xx",
      "5xx",
      "5xx",
    ]);
  });
});
