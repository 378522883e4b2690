/**
 * The stack's security value as the function reads it (`API_SECURITY`), and the request headers
 * each mode's callers send, spelled out here rather than derived from the module's constants.
 */
import { expect } from "chai";
import { parseApiSecurity, securityRequestHeaders } from "./security";

const cognito = { auth: "cognito", apiKey: false } as const;

describe("security: the request headers each stack's callers send", () => {
  it("is nothing for an open stack, Authorization for a token, SigV4's headers for IAM, and the key", () => {
    expect(securityRequestHeaders({ auth: "none", apiKey: false })).to.deep.equal([]);
    expect(securityRequestHeaders(cognito)).to.deep.equal(["authorization"]);
    expect(securityRequestHeaders({ auth: "iam", apiKey: true })).to.deep.equal([
      "authorization",
      "x-amz-date",
      "x-amz-security-token",
      "x-amz-content-sha256",
      "x-api-key",
    ]);
  });
});

describe("security: API_SECURITY", () => {
  it("reads an unset or empty variable as an open stack", () => {
    expect(parseApiSecurity(undefined)).to.deep.equal({ auth: "none", apiKey: false });
    expect(parseApiSecurity("")).to.deep.equal({ auth: "none", apiKey: false });
  });

  it("reads each mode, the key and cognito's scopes", () => {
    expect(
      parseApiSecurity('{"auth":"cognito","apiKey":true,"scopes":{"read":["r"],"write":["w"]}}'),
    ).to.deep.equal({ auth: "cognito", apiKey: true, scopes: { read: ["r"], write: ["w"] } });
    expect(parseApiSecurity('{"auth":"cognito"}')).to.deep.equal({
      auth: "cognito",
      apiKey: false,
    });
    expect(parseApiSecurity('{"auth":"iam","apiKey":true}')).to.deep.equal({
      auth: "iam",
      apiKey: true,
    });
  });

  it("drops scopes outside cognito, an unknown mode and a key flag that is not true", () => {
    expect(parseApiSecurity('{"auth":"iam","scopes":{"read":["r"],"write":[]}}')).to.deep.equal({
      auth: "iam",
      apiKey: false,
    });
    expect(parseApiSecurity('{"auth":"oauth","apiKey":"true"}')).to.deep.equal({
      auth: "none",
      apiKey: false,
    });
  });

  it("refuses a value that is not JSON", () => {
    expect(() => parseApiSecurity("cognito")).to.throw(SyntaxError);
  });
});
