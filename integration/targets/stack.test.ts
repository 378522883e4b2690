import { expect } from "chai";
import { runProgram } from "../../local/program";
import {
  DeployedStackTarget,
  STACK_USAGE,
  normaliseApiUrl,
  resolveStackSource,
  targetFromOutputs,
  type OutputMap,
} from "./stack";
import { BACKEND_LOGIN_MISSING, PULUMI_MISSING } from "./target";
import { CONFIG_NAMESPACE } from "../../components/config";

const URL = "https://a1b2c3d4e5.execute-api.us-east-1.amazonaws.com/test";

describe("stack target: pure parts", function () {
  describe("where the API URL comes from", function () {
    it("takes --stack over API_URL: the command line is the more specific", function () {
      expect(resolveStackSource({ stack: "dev", apiUrl: URL })).to.deep.equal({
        kind: "stack",
        stack: "dev",
      });
    });

    it("takes API_URL without --stack, trailing slash dropped", function () {
      expect(resolveStackSource({ apiUrl: `${URL}/` })).to.deep.equal({ kind: "url", url: URL });
    });

    it("with neither, says what to pass", function () {
      const source = resolveStackSource({});
      expect(source).to.deep.equal({ kind: "missing", message: STACK_USAGE });
      expect(STACK_USAGE).to.include("--stack NAME").and.include("API_URL=");
    });

    it("refuses a URL that is not one, is not http(s), or has no stage", function () {
      expect(() => normaliseApiUrl("not a url", "API_URL")).to.throw(/API_URL is not a URL/);
      expect(() => normaliseApiUrl("ftp://example.com/test", "API_URL")).to.throw(/http\(s\)/);
      expect(() =>
        normaliseApiUrl("https://a1b2.execute-api.us-east-1.amazonaws.com/", "API_URL"),
      ).to.throw(/no stage/);
    });

    it("takes a custom domain's URL at its root or under a base path", function () {
      expect(normaliseApiUrl("https://api.example.com/", "API_URL")).to.equal(
        "https://api.example.com",
      );
      expect(normaliseApiUrl("https://api.example.com/orders/v1/", "API_URL")).to.equal(
        "https://api.example.com/orders/v1",
      );
    });
  });

  describe("reading the stack's outputs", function () {
    // The output names the program exports, as `pulumi stack output` would return them.
    const outputMap = (outputs: Record<string, unknown>): OutputMap =>
      Object.fromEntries(
        Object.entries(outputs).map(([k, value]) => [k, { value, secret: false }]),
      );

    it("reads the program's own outputs: url (the invoke URL without a domain) and tableName", async function () {
      this.timeout(120_000);
      const { outputs } = await runProgram({ stack: "dev" });
      const target = targetFromOutputs("dev", outputMap(outputs));
      expect(target.baseUrl).to.equal(String(outputs.url).replace(/\/+$/, ""));
      expect(target.baseUrl).to.equal(outputs.apiUrl);
      expect(target.baseUrl).to.match(/^https:\/\/.+\/test$/);
      expect(target.tableName).to.equal(outputs.tableName);
      expect(target.region).to.equal("us-east-1");
    });

    it("with a custom domain, calls the domain's URL, and takes the region from apiUrl", async function () {
      this.timeout(120_000);
      const { outputs } = await runProgram({
        stack: "prod",
        config: {
          [`${CONFIG_NAMESPACE}:domain`]: {
            name: "api.example.com",
            hostedZoneId: "Z0123456789ABCDEFGHIJ",
            basePath: "v1",
          },
        },
      });
      const target = targetFromOutputs("prod", outputMap(outputs));
      expect(target.baseUrl).to.equal("https://api.example.com/v1");
      expect(target.baseUrl).to.not.equal(outputs.apiUrl);
      expect(target.region).to.equal("us-east-1");
    });

    it("without url, lists the outputs there are and says to deploy", function () {
      expect(() =>
        targetFromOutputs("dev", { apiUrl: { value: URL }, tableName: { value: "t" } }),
      ).to.throw(
        /Stack "dev" has no url output \(outputs: apiUrl, tableName\).*pulumi up --stack dev/,
      );
      expect(() => targetFromOutputs("prod", {})).to.throw(/outputs: none/);
    });
  });

  describe("skip detection", function () {
    const probes = (pulumi: boolean, loggedIn: boolean) => ({
      pulumi: async () => pulumi,
      loggedIn: async () => loggedIn,
    });

    it("needs nothing from the machine with API_URL", async function () {
      const target = new DeployedStackTarget({ apiUrl: URL }, probes(false, false));
      expect(await target.skipReason()).to.equal(undefined);
      const started = await target.start();
      expect(started.baseUrl).to.equal(URL);
    });

    it("with --stack, names the missing Pulumi CLI or login, and the API_URL alternative", async function () {
      const noCli = await new DeployedStackTarget(
        { stack: "dev" },
        probes(false, false),
      ).skipReason();
      expect(noCli).to.include(PULUMI_MISSING.missing).and.include("API_URL");
      const noLogin = await new DeployedStackTarget(
        { stack: "dev" },
        probes(true, false),
      ).skipReason();
      expect(noLogin).to.include(BACKEND_LOGIN_MISSING.missing).and.include("pulumi login");
      expect(
        await new DeployedStackTarget({ stack: "dev" }, probes(true, true)).skipReason(),
      ).to.equal(undefined);
    });

    it("with neither --stack nor API_URL, says what to pass", async function () {
      expect(await new DeployedStackTarget({}, probes(true, true)).skipReason()).to.equal(
        STACK_USAGE,
      );
    });
  });
});
