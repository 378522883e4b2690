/**
 * The DynamoDB client's settings from the environment alone: the real SDK client, with a shared
 * config file (AWS_CONFIG_FILE) that would change them if the SDK went looking for it.
 */
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { DynamoDBClient, GetItemCommand } from "@aws-sdk/client-dynamodb";
import { expect } from "chai";
import { settingsFromEnvironment } from "./dynamodb";

const LAMBDA_ENV = {
  AWS_REGION: "eu-west-1",
  AWS_ACCESS_KEY_ID: "ASIAEXAMPLE",
  AWS_SECRET_ACCESS_KEY: "secret",
  AWS_SESSION_TOKEN: "token",
};

const LAMBDA_ENV_CREDENTIALS = { accessKeyId: "ASIAEXAMPLE", secretAccessKey: "secret" };

/** A resolved client setting: a value or a provider of it. */
const read = async (setting: unknown) =>
  typeof setting === "function" ? (setting as () => Promise<unknown>)() : setting;

/** The host a client's request goes to, found without sending it. */
async function hostOf(client: DynamoDBClient): Promise<string> {
  const stop = new Error("stopped before sending");
  let host = "";
  client.middlewareStack.add(
    () => async (args) => {
      host = (args.request as { hostname: string }).hostname;
      throw stop;
    },
    { step: "build" },
  );
  const sent = client.send(new GetItemCommand({ TableName: "t", Key: { id: { S: "x" } } }));
  await sent.catch((err: unknown) => {
    if (err !== stop) throw err;
  });
  return host;
}

describe("store/dynamodb: the client's settings from the environment", () => {
  const saved = process.env["AWS_CONFIG_FILE"];
  let dir: string;
  before(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), "sdk-config-"));
    fs.writeFileSync(
      path.join(dir, "config"),
      "[default]\nuse_fips_endpoint = true\nretry_mode = adaptive\nregion = ap-south-1\n" +
        "disable_clock_skew_correction = true\nendpoint_url = http://from-config.example\n",
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
      disableClockSkewCorrection: false,
      ignoreConfiguredEndpointUrls: true,
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
    ["AWS_DISABLE_CLOCK_SKEW_CORRECTION", "disableClockSkewCorrection"],
    ["AWS_IGNORE_CONFIGURED_ENDPOINT_URLS", "ignoreConfiguredEndpointUrls"],
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
    // Credentials given: the file has none, and they decide nothing read here.
    const sdkAlone = new DynamoDBClient({ credentials: LAMBDA_ENV_CREDENTIALS });
    try {
      expect(await ours.config.useFipsEndpoint()).to.equal(false);
      expect(await read(ours.config.retryMode)).to.equal("standard");
      expect(await ours.config.region()).to.equal("eu-west-1");
      expect(await ours.config.disableClockSkewCorrection()).to.equal(false);
      expect(await hostOf(ours)).to.equal("dynamodb.eu-west-1.amazonaws.com");
      // The same file read by the SDK's own chain: the test would notice a setting left to it.
      expect(await sdkAlone.config.useFipsEndpoint()).to.equal(true);
      expect(await read(sdkAlone.config.retryMode)).to.equal("adaptive");
      // (Not disableClockSkewCorrection: the SDK resolves its default once per process, so what
      // it read depends on which test made the first client.)
      // (FIPS, also from the file, would refuse any custom endpoint.)
      const sdkEndpoint = new DynamoDBClient({
        credentials: LAMBDA_ENV_CREDENTIALS,
        useFipsEndpoint: false,
      });
      expect(await hostOf(sdkEndpoint)).to.equal("from-config.example");
      sdkEndpoint.destroy();
    } finally {
      ours.destroy();
      sdkAlone.destroy();
    }
  });

  it("takes the endpoint from the environment as the SDK would: the service's, else the global", async () => {
    const hostWith = async (env: Record<string, string>) => {
      const client = new DynamoDBClient(settingsFromEnvironment({ ...LAMBDA_ENV, ...env }));
      try {
        return await hostOf(client);
      } finally {
        client.destroy();
      }
    };
    expect(await hostWith({ AWS_ENDPOINT_URL: "http://global.example" })).to.equal(
      "global.example",
    );
    expect(
      await hostWith({
        AWS_ENDPOINT_URL: "http://global.example",
        AWS_ENDPOINT_URL_DYNAMODB: "http://127.0.0.1:8000",
      }),
    ).to.equal("127.0.0.1");
  });

  it("leaves a setting the environment names to the SDK, which reads the variable", async () => {
    const env = { ...LAMBDA_ENV, AWS_USE_FIPS_ENDPOINT: "true", AWS_RETRY_MODE: "adaptive" };
    const settings = settingsFromEnvironment(env);
    expect(settings).to.not.have.any.keys("useFipsEndpoint", "retryMode");
    expect(settings).to.include({ useDualstackEndpoint: false, defaultsMode: "legacy" });
  });
});
