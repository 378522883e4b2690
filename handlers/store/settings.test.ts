/**
 * The DynamoDB client's settings from the environment alone: the real SDK client, with a shared
 * config file (AWS_CONFIG_FILE) that would change them if the SDK went looking for it.
 */
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { DynamoDBClient } from "@aws-sdk/client-dynamodb";
import { expect } from "chai";
import { settingsFromEnvironment } from "./dynamodb";

const LAMBDA_ENV = {
  AWS_REGION: "eu-west-1",
  AWS_ACCESS_KEY_ID: "ASIAEXAMPLE",
  AWS_SECRET_ACCESS_KEY: "secret",
  AWS_SESSION_TOKEN: "token",
};

/** A resolved client setting: a value or a provider of it. */
const read = async (setting: unknown) =>
  typeof setting === "function" ? (setting as () => Promise<unknown>)() : setting;

describe("store/dynamodb: the client's settings from the environment", () => {
  const saved = process.env["AWS_CONFIG_FILE"];
  let dir: string;
  before(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), "sdk-config-"));
    fs.writeFileSync(
      path.join(dir, "config"),
      "[default]\nuse_fips_endpoint = true\nretry_mode = adaptive\nregion = ap-south-1\n",
    );
    process.env["AWS_CONFIG_FILE"] = path.join(dir, "config");
  });
  after(() => {
    if (saved === undefined) delete process.env["AWS_CONFIG_FILE"];
    else process.env["AWS_CONFIG_FILE"] = saved;
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it("takes the region and the role's credentials as Lambda gives them", async () => {
    const settings = settingsFromEnvironment(LAMBDA_ENV);
    expect(settings.region).to.equal("eu-west-1");
    expect(settings.credentials).to.deep.equal({
      accessKeyId: "ASIAEXAMPLE",
      secretAccessKey: "secret",
      sessionToken: "token",
    });
    expect(
      settingsFromEnvironment({ ...LAMBDA_ENV, AWS_SESSION_TOKEN: undefined }).credentials,
    ).to.deep.equal({
      accessKeyId: "ASIAEXAMPLE",
      secretAccessKey: "secret",
    });
  });

  it("gives the SDK's own default for every setting the environment leaves unset", async () => {
    const { userAgentAppId, endpointDiscoveryEnabledProvider, ...rest } =
      settingsFromEnvironment(LAMBDA_ENV);
    expect(rest).to.deep.equal({
      region: "eu-west-1",
      credentials: { accessKeyId: "ASIAEXAMPLE", secretAccessKey: "secret", sessionToken: "token" },
      defaultsMode: "legacy",
      accountIdEndpointMode: "preferred",
      authSchemePreference: [],
      retryMode: "standard",
      useDualstackEndpoint: false,
      useFipsEndpoint: false,
    });
    expect(await (userAgentAppId as () => Promise<unknown>)()).to.equal(undefined);
    expect(await (endpointDiscoveryEnabledProvider as () => Promise<unknown>)()).to.equal(
      undefined,
    );
  });

  for (const [variable, key] of [
    ["AWS_DEFAULTS_MODE", "defaultsMode"],
    ["AWS_ACCOUNT_ID_ENDPOINT_MODE", "accountIdEndpointMode"],
    ["AWS_AUTH_SCHEME_PREFERENCE", "authSchemePreference"],
    ["AWS_RETRY_MODE", "retryMode"],
    ["AWS_USE_DUALSTACK_ENDPOINT", "useDualstackEndpoint"],
    ["AWS_USE_FIPS_ENDPOINT", "useFipsEndpoint"],
    ["AWS_SDK_UA_APP_ID", "userAgentAppId"],
    ["AWS_ENABLE_ENDPOINT_DISCOVERY", "endpointDiscoveryEnabledProvider"],
    ["AWS_ENDPOINT_DISCOVERY_ENABLED", "endpointDiscoveryEnabledProvider"],
  ] as const) {
    it(`leaves ${key} to the SDK when ${variable} is set, and nothing else`, () => {
      const all = Object.keys(settingsFromEnvironment(LAMBDA_ENV));
      const settings = settingsFromEnvironment({ ...LAMBDA_ENV, [variable]: "x" });
      expect(Object.keys(settings)).to.deep.equal(all.filter((k) => k !== key));
    });
  }

  it("leaves credentials and region to the SDK when the environment has none", () => {
    const settings = settingsFromEnvironment({ AWS_ACCESS_KEY_ID: "only-the-id" });
    expect(settings).to.not.have.any.keys("region", "credentials");
  });

  it("never reads the shared config file, which the SDK alone would", async () => {
    const ours = new DynamoDBClient(settingsFromEnvironment(LAMBDA_ENV));
    const sdkAlone = new DynamoDBClient({});
    try {
      expect(await ours.config.useFipsEndpoint()).to.equal(false);
      expect(await read(ours.config.retryMode)).to.equal("standard");
      expect(await ours.config.region()).to.equal("eu-west-1");
      // The same file read by the SDK's own chain: the test would notice a setting left to it.
      expect(await sdkAlone.config.useFipsEndpoint()).to.equal(true);
      expect(await read(sdkAlone.config.retryMode)).to.equal("adaptive");
    } finally {
      ours.destroy();
      sdkAlone.destroy();
    }
  });

  it("leaves a setting the environment names to the SDK, which reads the variable", async () => {
    const env = { ...LAMBDA_ENV, AWS_USE_FIPS_ENDPOINT: "true", AWS_RETRY_MODE: "adaptive" };
    const settings = settingsFromEnvironment(env);
    expect(settings).to.not.have.any.keys("useFipsEndpoint", "retryMode");
    expect(settings).to.include({ useDualstackEndpoint: false, defaultsMode: "legacy" });
  });
});
