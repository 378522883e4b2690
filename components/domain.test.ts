/**
 * The custom domain: the real program with a `domain` group (the committed stacks have none: a
 * real domain cannot be verified here), read from what it registers under mocks; and the
 * ApiDomain component on its own, for what a recorded resource cannot show (which Output feeds
 * which input).
 */
import * as fs from "node:fs";
import * as path from "node:path";
import * as pulumi from "@pulumi/pulumi";
import { parse as parseYaml } from "yaml";
import { expect } from "chai";
import {
  MockCloud,
  reveal,
  runProgram,
  type ProgramRun,
  type RecordedResource,
} from "../local/program";
import { ENV } from "../contract/env";
import { CONFIG_NAMESPACE, parseConfig } from "./config";
import { ApiDomain, DOMAIN_SECURITY_POLICY, basePathProblem, regionOfArn } from "./domain";

const T = {
  certificate: "aws:acm/certificate:Certificate",
  validation: "aws:acm/certificateValidation:CertificateValidation",
  record: "aws:route53/record:Record",
  domainName: "aws:apigateway/domainName:DomainName",
  basePathMapping: "aws:apigateway/basePathMapping:BasePathMapping",
  apiMapping: "aws:apigatewayv2/apiMapping:ApiMapping",
  restApi: "aws:apigateway/restApi:RestApi",
  stage: "aws:apigateway/stage:Stage",
  userPoolClient: "aws:cognito/userPoolClient:UserPoolClient",
  function: "aws:lambda/function:Function",
};
const DOMAIN_KEY = `${CONFIG_NAMESPACE}:domain`;
const ZONE = "Z0123456789ABCDEFGHIJ";
const NAME = "api.example.com";
const CERTIFICATE =
  "arn:aws:acm:us-east-1:123456789012:certificate/0e1d2c3b-4a59-6877-8695-a4b3c2d1e0f9";

const withDomain = (domain: Record<string, unknown>, stack = "prod") =>
  runProgram({ stack, config: { [DOMAIN_KEY]: domain } });

function one(run: ProgramRun, type: string, name?: string): RecordedResource {
  const found = run.ofType(type).filter((r) => name === undefined || r.name === name);
  expect(found, `${type}${name ? ` "${name}"` : ""}`).to.have.length(1);
  return found[0]!;
}

/** The program's error for a config, or a failure when it runs. */
async function failure(domain: Record<string, unknown>): Promise<string> {
  try {
    await withDomain(domain);
  } catch (err) {
    return (err as Error).message;
  }
  throw new Error(`the program ran with domain ${JSON.stringify(domain)}`);
}

describe("custom domain (config lambda-apigateway:domain)", function () {
  this.timeout(120_000);

  describe("with a hosted zone", () => {
    let run: ProgramRun;
    before(async () => {
      run = await withDomain({ name: NAME, hostedZoneId: ZONE, basePath: "v1" });
    });

    it("requests a DNS-validated certificate for the name, in the API's region", () => {
      const cert = one(run, T.certificate);
      expect(cert.inputs).to.include({ domainName: NAME, validationMethod: "DNS" });
      expect(regionOfArn(cert.state.arn)).to.equal(run.region);
    });

    it("writes the record ACM asks for into the zone, and waits for the certificate on it", () => {
      const cert = one(run, T.certificate);
      const [option] = cert.state.domainValidationOptions;
      const records = run.ofType(T.record).filter((r) => r.inputs.type === "CNAME");
      expect(records).to.have.length(1);
      expect(records[0]!.inputs).to.deep.include({
        zoneId: ZONE,
        name: option.resourceRecordName,
        type: option.resourceRecordType,
        records: [option.resourceRecordValue],
      });
      const validation = one(run, T.validation).inputs;
      expect(validation.certificateArn).to.equal(cert.state.arn);
      expect(validation.validationRecordFqdns).to.deep.equal([records[0]!.state.fqdn]);
    });

    it("serves a REGIONAL, dualstack domain name with TLS 1.2 and the validated certificate", () => {
      const dn = one(run, T.domainName).inputs;
      expect(dn).to.deep.include({
        domainName: NAME,
        endpointConfiguration: { types: "REGIONAL", ipAddressType: "dualstack" },
        securityPolicy: "TLS_1_2",
        regionalCertificateArn: one(run, T.validation).state.certificateArn,
      });
    });

    it("maps the base path to the API's stage", () => {
      const mapping = one(run, T.basePathMapping).inputs;
      expect(mapping).to.deep.equal({
        domainName: NAME,
        restApi: one(run, T.restApi).id,
        stageName: one(run, T.stage).inputs.stageName,
        basePath: "v1",
      });
      expect(run.ofType(T.apiMapping)).to.deep.equal([]);
    });

    it("points A and AAAA alias records of the name at the domain", () => {
      const dn = one(run, T.domainName).state;
      const aliases = run.ofType(T.record).filter((r) => r.inputs.aliases);
      expect(aliases.map((r) => r.inputs.type).sort()).to.deep.equal(["A", "AAAA"]);
      for (const alias of aliases) {
        expect(alias.inputs).to.deep.include({ zoneId: ZONE, name: NAME });
        expect(alias.inputs.aliases).to.deep.equal([
          { name: dn.regionalDomainName, zoneId: dn.regionalZoneId, evaluateTargetHealth: true },
        ]);
      }
    });

    it("url is the custom URL; apiUrl stays the execute-api invoke URL", () => {
      expect(run.outputs.url).to.equal(`https://${NAME}/v1`);
      expect(run.outputs.apiUrl).to.equal(one(run, T.stage).state.invokeUrl);
      expect(run.outputs.domainName).to.equal(NAME);
      expect(run.outputs.domainTarget).to.equal(one(run, T.domainName).state.regionalDomainName);
    });

    it("leaves the execute-api endpoint on unless told", () => {
      expect(one(run, T.restApi).inputs.disableExecuteApiEndpoint).to.equal(false);
    });

    it("changes nothing of auth or CORS: the API's body, the callback URLs, the function", async () => {
      const plain = await runProgram({ stack: "prod" });
      expect(one(run, T.restApi).inputs.body).to.equal(one(plain, T.restApi).inputs.body);
      expect(one(run, T.userPoolClient).inputs.callbackUrls).to.deep.equal(
        one(plain, T.userPoolClient).inputs.callbackUrls,
      );
      // The function's environment, but for its random cursor key.
      const variables = (r: ProgramRun) => {
        const all = { ...reveal(one(r, T.function).inputs.environment).variables };
        expect(all[ENV.cursorSecret]).to.be.a("string");
        delete all[ENV.cursorSecret];
        return all;
      };
      expect(variables(run)).to.deep.equal(variables(plain));
    });
  });

  describe("without a hosted zone", () => {
    let run: ProgramRun;
    before(async () => {
      run = await withDomain({ name: NAME, certificateArn: CERTIFICATE });
    });

    it("writes no DNS and requests no certificate: the given one serves the domain", () => {
      expect(run.resources.filter((r) => r.type.startsWith("aws:route53/"))).to.deep.equal([]);
      expect(run.resources.filter((r) => r.type.startsWith("aws:acm/"))).to.deep.equal([]);
      expect(one(run, T.domainName).inputs.regionalCertificateArn).to.equal(CERTIFICATE);
    });

    it("outputs the host the CNAME must point at, and the URL at the root", () => {
      const target = one(run, T.domainName).state.regionalDomainName;
      expect(target).to.match(/^d-.+\.execute-api\.us-east-1\.amazonaws\.com$/);
      expect(run.outputs.domainTarget).to.equal(target);
      expect(run.outputs.url).to.equal(`https://${NAME}`);
      expect(one(run, T.basePathMapping).inputs.basePath).to.equal(undefined);
    });
  });

  it("with a zone and a certificate: the aliases, but no certificate of its own", async () => {
    const run = await withDomain({ name: NAME, hostedZoneId: ZONE, certificateArn: CERTIFICATE });
    expect(run.ofType(T.certificate)).to.deep.equal([]);
    expect(
      run
        .ofType(T.record)
        .map((r) => r.inputs.type)
        .sort(),
    ).to.deep.equal(["A", "AAAA"]);
    expect(one(run, T.domainName).inputs.regionalCertificateArn).to.equal(CERTIFICATE);
  });

  it("maps a multi-level base path with API Gateway v2's API mapping", async () => {
    const run = await withDomain({ name: NAME, hostedZoneId: ZONE, basePath: "orders/v1" });
    expect(run.ofType(T.basePathMapping)).to.deep.equal([]);
    expect(one(run, T.apiMapping).inputs).to.deep.equal({
      domainName: NAME,
      apiId: one(run, T.restApi).id,
      stage: one(run, T.stage).inputs.stageName,
      apiMappingKey: "orders/v1",
    });
    expect(run.outputs.url).to.equal(`https://${NAME}/orders/v1`);
  });

  it("disableExecuteApiEndpoint turns the execute-api URL off", async () => {
    const run = await withDomain({
      name: NAME,
      hostedZoneId: ZONE,
      disableExecuteApiEndpoint: true,
    });
    expect(one(run, T.restApi).inputs.disableExecuteApiEndpoint).to.equal(true);
  });

  it("no domain group: no custom domain, and url is the invoke URL", async () => {
    const run = await runProgram({ stack: "prod" });
    for (const type of [T.certificate, T.record, T.domainName, T.basePathMapping]) {
      expect(run.ofType(type), type).to.deep.equal([]);
    }
    expect(run.outputs.url).to.equal(run.outputs.apiUrl);
    expect(run.outputs.domainTarget).to.equal(undefined);
  });

  describe("refuses what AWS would, before anything is deployed", () => {
    const cases: [Record<string, unknown>, RegExp][] = [
      [{ name: NAME }, /domain\.hostedZoneId or certificateArn must be set/],
      [{ hostedZoneId: ZONE }, /domain\.name must be set: the API's domain name/],
      [
        { name: "*.example.com", hostedZoneId: ZONE },
        /domain\.name must be one name, not a wildcard/,
      ],
      [{ name: "API.example.com", hostedZoneId: ZONE }, /domain\.name must be lower case/],
      [{ name: "api_v1.example.com", hostedZoneId: ZONE }, /domain\.name must be a domain name/],
      [{ name: "-api.example.com", hostedZoneId: ZONE }, /domain\.name must be a domain name/],
      [{ name: "localhost", hostedZoneId: ZONE }, /domain\.name must be a domain name/],
      [
        { name: `${"a".repeat(64)}.example.com`, hostedZoneId: ZONE },
        /domain\.name must be a domain name/,
      ],
      [
        { name: `${"a".repeat(60)}.${"b".repeat(60)}.example.com`, hostedZoneId: ZONE },
        /domain\.name must be at most 64 characters for ACM to issue its certificate/,
      ],
      [
        { name: NAME, hostedZoneId: "/hostedzone/Z1" },
        /domain\.hostedZoneId must be a Route 53 hosted zone id/,
      ],
      [
        { name: NAME, certificateArn: "arn:aws:iam::1:x" },
        /domain\.certificateArn must be an ACM certificate ARN/,
      ],
      [
        { name: NAME, hostedZoneId: ZONE, basePath: "/v1" },
        /domain\.basePath must not start or end with "\/"/,
      ],
      [
        { name: NAME, hostedZoneId: ZONE, basePath: "v1/" },
        /domain\.basePath must not start or end/,
      ],
      [
        { name: NAME, hostedZoneId: ZONE, basePath: "a//b" },
        /domain\.basePath must not start or end/,
      ],
      [
        { name: NAME, hostedZoneId: ZONE, basePath: "v 1" },
        /domain\.basePath must be letters, digits/,
      ],
      [{ name: NAME, hostedZoneId: ZONE, basePath: "(none)" }, /domain\.basePath leave it unset/],
      [{ name: NAME, hostedZoneId: ZONE, stage: "v1" }, /domain\.stage is not a known key/],
    ];
    for (const [domain, message] of cases) {
      it(JSON.stringify(domain).slice(0, 100), async () => {
        const error = await failure(domain);
        expect(error).to.match(message);
        expect(error).to.include("Fix it in Pulumi.prod.yaml");
      });
    }

    it("a certificate of another region, naming both regions", async () => {
      const error = await failure({
        name: NAME,
        certificateArn: CERTIFICATE.replace("us-east-1", "eu-west-1"),
      });
      expect(error).to.match(/certificateArn is in eu-west-1, the API in us-east-1/);
    });

    it("disableExecuteApiEndpoint only with a domain: the api group does not know it", async () => {
      const error = await runProgram({
        stack: "prod",
        config: { [`${CONFIG_NAMESPACE}:api`]: { disableExecuteApiEndpoint: true } },
      }).then(
        () => "",
        (err: Error) => err.message,
      );
      expect(error).to.match(/lambda-apigateway:api\.disableExecuteApiEndpoint is not a known key/);
    });
  });

  it("accepts the base paths AWS's examples use", () => {
    for (const ok of ["v1", "orders", "orders/v1/items", "a.b-c_d$e+f!g*h'i(j)", "x".repeat(300)]) {
      expect(basePathProblem(ok), ok).to.equal(undefined);
    }
    expect(basePathProblem("x".repeat(301))).to.match(/1–300 characters/);
  });
});

describe("the documented domain config", () => {
  const read = (file: string) => fs.readFileSync(path.join(__dirname, "..", file), "utf8");
  /** Each YAML block of a Markdown page that sets the domain group. */
  const blocks = (markdown: string) =>
    [...markdown.matchAll(/```yaml\n([\s\S]*?)```/g)]
      .map((m) => m[1]!)
      .filter((yaml) => yaml.includes(DOMAIN_KEY));

  /** The commented-out block of a stack file that starts with `start`, as a config file. */
  const uncommented = (file: string, start: string) => {
    const lines = file.split("\n");
    const first = lines.findIndex((line) => line === `  # ${start}`);
    const block = [lines[first]!];
    for (const line of lines.slice(first + 1)) {
      if (!line.startsWith("  #   ")) break;
      block.push(line);
    }
    return `config:\n${block.map((line) => line.replace("# ", "")).join("\n")}`;
  };

  const examples: [string, string][] = [
    ...["docs/deploying.md", "docs/configuration.md"].flatMap((file) =>
      blocks(read(file)).map((yaml) => [file, yaml] as [string, string]),
    ),
    // Pulumi.prod.yaml shows the group as a comment: uncommented, it must be a valid one.
    ["Pulumi.prod.yaml", uncommented(read("Pulumi.prod.yaml"), `${DOMAIN_KEY}:`)],
  ];

  it("is shown in the docs and in Pulumi.prod.yaml", () => {
    expect(examples.map(([file]) => file)).to.include.members([
      "docs/deploying.md",
      "docs/configuration.md",
      "Pulumi.prod.yaml",
    ]);
  });

  for (const [file, yaml] of examples) {
    it(`${file}: lambda-apigateway:domain with name and hostedZoneId, valid as written`, () => {
      const group = parseYaml(yaml).config[DOMAIN_KEY];
      expect(group).to.include.keys("name", "hostedZoneId");
      const cfg = parseConfig("prod", { domain: JSON.stringify(group) });
      expect(cfg.domain?.name).to.equal(group.name);
    });
  }
});

describe("ApiDomain component", () => {
  beforeEach(async () => {
    await pulumi.runtime.setMocks(new MockCloud("us-east-1"), "lambda-apigateway", "unit", false);
  });
  const api = { id: pulumi.output("abc123"), stageName: pulumi.output("prod") };

  it("gives the domain name the validation's certificate ARN, so it waits for the certificate", () => {
    let arn: unknown;
    const domain = new ApiDomain("d", {
      name: NAME,
      hostedZoneId: ZONE,
      api,
      transform: { domainName: (args) => void (arn = args.regionalCertificateArn) },
    });
    expect(domain.nodes.validation).to.not.equal(undefined);
    expect(arn).to.equal(domain.nodes.validation!.certificateArn);
    expect(domain.nodes.certificate).to.not.equal(undefined);
    expect(domain.nodes.validationRecords).to.have.length(1);
    expect(domain.nodes.aliases).to.have.length(2);
  });

  it("uses the TLS 1.2 policy unless a transform says otherwise", () => {
    let policy: unknown;
    new ApiDomain("tls", {
      name: NAME,
      certificateArn: CERTIFICATE,
      api,
      transform: { domainName: (args) => void (policy = args.securityPolicy) },
    });
    expect(policy).to.equal(DOMAIN_SECURITY_POLICY);
  });

  it("checks the certificate's region against the region it is given", () => {
    const make = (region: string) =>
      new ApiDomain(`r-${region}`, { name: NAME, certificateArn: CERTIFICATE, api, region });
    expect(() => make("eu-west-1")).to.throw(
      /certificateArn is in us-east-1, the API in eu-west-1/,
    );
    expect(() => make("us-east-1")).to.not.throw();
  });

  it("names the component and the key in its errors", () => {
    expect(() => new ApiDomain("bad", { name: NAME, api })).to.throw(
      /ApiDomain "bad": invalid args\n {2}hostedZoneId or certificateArn must be set/,
    );
  });
});
