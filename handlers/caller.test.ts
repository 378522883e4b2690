/**
 * The caller the handler logs, read from captured API Gateway events (local/fixtures/events):
 * a Cognito authorizer's claims, an IAM caller's identity, and nothing for an anonymous one.
 */
import { expect } from "chai";
import { capturedEvent } from "../local/fixtures/events";
import { callerOf } from "./crud";

describe("handler: the caller in the request line", () => {
  it("a Cognito ID token: sub, user name, app client", () => {
    expect(callerOf(capturedEvent("powertools-apigw-rest-cognito.json"))).to.deep.equal({
      sub: "d2f50444-0041-7036-aea2-a955fca33d37",
      username: "aamorosi",
      clientId: "3nkoep4151b7umeggnottc30u9",
      tokenUse: "id",
    });
  });

  it("a Cognito access token: username and client_id", () => {
    const event = capturedEvent("powertools-apigw-rest-cognito.json");
    event.requestContext.authorizer = {
      claims: { sub: "s", username: "u", client_id: "c", token_use: "access", scope: "items/read" },
    };
    expect(callerOf(event)).to.deep.equal({
      sub: "s",
      username: "u",
      clientId: "c",
      tokenUse: "access",
    });
  });

  it("an IAM caller: user ARN, account, caller and access key", () => {
    expect(callerOf(capturedEvent("powertools-apigw-rest-iam.json"))).to.deep.equal({
      userArn: "arn:aws:sts::123456789012:assumed-role/Admin/aamorosi",
      accountId: "123456789012",
      caller: "ABCAXZWZ5ZDPNIH6C6ODK:aamorosi",
      accessKey: "ABCAXZWZ5ZDPIFV7JHWH",
    });
  });

  it("leaves out claims that are not non-empty strings, and falls back to aud and username", () => {
    const event = capturedEvent("powertools-apigw-rest-cognito.json");
    event.requestContext.authorizer = {
      claims: { sub: 42, "cognito:username": "", username: "plain", aud: "app", token_use: "id" },
    };
    expect(callerOf(event)).to.deep.equal({ username: "plain", clientId: "app", tokenUse: "id" });
  });

  it("an IAM caller when the claims are null or name nobody; empty identity fields left out", () => {
    const iam = capturedEvent("powertools-apigw-rest-iam.json");
    iam.requestContext.identity = {
      ...iam.requestContext.identity,
      userArn: "arn:aws:iam::111122223333:user/ci",
      accountId: "",
      caller: null,
      accessKey: "AKIDEXAMPLE",
    };
    for (const authorizer of [{ claims: null }, { claims: {} }, { claims: { sub: "" } }]) {
      iam.requestContext.authorizer = authorizer as never;
      expect(callerOf(iam)).to.deep.equal({
        userArn: "arn:aws:iam::111122223333:user/ci",
        accessKey: "AKIDEXAMPLE",
      });
    }
  });

  it("nobody, for an API without authorization", () => {
    expect(callerOf(capturedEvent("powertools-apigw-rest-no-auth.json"))).to.equal(undefined);
    expect(callerOf(capturedEvent("voker-apigwv1-request.json"))).to.equal(undefined);
  });
});
