/** The MOCK integration emulation: template by Content-Type, response by status, 415 on NEVER. */
import { expect } from "chai";
import { answerMock } from "./mock-integration";
import type { MockIntegration } from "./model";

const mock: MockIntegration = {
  requestTemplates: { "application/json": '{"statusCode": 200}' },
  passthroughBehavior: "NEVER",
  responses: {
    "4\\d{2}": { statusCode: "400", headers: {} },
    default: { statusCode: "204", headers: { Allow: "GET, OPTIONS" } },
  },
};

describe("local MOCK integration", () => {
  it("answers the selected response's status and static headers, with no body", () => {
    for (const contentType of [undefined, "application/json; charset=utf-8"]) {
      const answer = answerMock(mock, contentType);
      expect(answer.kind).to.equal("answer");
      if (answer.kind !== "answer") return;
      expect(answer.response.statusCode).to.equal(204);
      expect(answer.response.headers).to.deep.equal({ Allow: ["GET, OPTIONS"] });
      expect(answer.response.body.length).to.equal(0);
    }
  });

  it("picks a response by the template's statusCode", () => {
    const answer = answerMock(
      { ...mock, requestTemplates: { "application/json": '{"statusCode": 404}' } },
      undefined,
    );
    expect(answer.kind === "answer" && answer.response.statusCode).to.equal(400);
  });

  it("refuses a Content-Type without a template under passthrough NEVER with 415", () => {
    expect(answerMock(mock, "text/plain")).to.deep.equal({
      kind: "error",
      type: "UNSUPPORTED_MEDIA_TYPE",
      status: 415,
      message: "Unsupported Media Type",
    });
  });
});
