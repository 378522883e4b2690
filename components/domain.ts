/**
 * A custom domain name for the REST API (`https://api.example.com` instead of the execute-api
 * URL, which changes when the API is replaced): a REGIONAL API Gateway domain name with a TLS 1.2
 * security policy, mapped to the API's stage. With a Route 53 hosted zone, the stack also makes
 * the certificate (ACM, DNS-validated) and the alias records; without one, it uses an existing
 * certificate and the caller's DNS points a CNAME at `target`.
 */
import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import * as v from "valibot";
import { docType, orInput, parseArgs, unsetIfEmpty } from "./schema";
import { applyTransform, type Transform } from "./transform";

/**
 * A domain name's limits (ACM's `DomainName` pattern and lengths, which API Gateway defers to:
 * https://docs.aws.amazon.com/acm/latest/APIReference/API_RequestCertificate.html): at most 253
 * characters, labels of 1–63 letters, digits and hyphens that neither start nor end with a
 * hyphen, and a certificate's own name (its CN) at most 64.
 */
export const MAX_DOMAIN_NAME_LENGTH = 253;
export const MAX_DOMAIN_LABEL_LENGTH = 63;
export const MAX_CERTIFICATE_NAME_LENGTH = 64;

/** ACM's pattern for a domain name (botocore's acm model), wildcard first label included. */
export const DOMAIN_NAME_PATTERN =
  /^(\*\.)?(((?!-)[A-Za-z0-9-]{0,62}[A-Za-z0-9])\.)+((?!-)[A-Za-z0-9-]{1,62}[A-Za-z0-9])$/;

/**
 * An API mapping's path ("base path"): letters, digits and `$-_.+!*'()/`, at most 300 characters
 * (https://docs.aws.amazon.com/apigateway/latest/developerguide/rest-api-mappings.html). A `/`
 * separates levels (`orders/v1`); none starts or ends it, and no level is empty.
 */
export const MAX_BASE_PATH_LENGTH = 300;
export const BASE_PATH_CHARACTERS = /^[A-Za-z0-9$\-_.+!*'()/]*$/;

/** What is wrong with a base path by AWS's rules, or undefined when it is a valid one. */
export function basePathProblem(basePath: string): string | undefined {
  if (basePath.length === 0 || basePath.length > MAX_BASE_PATH_LENGTH) {
    return `must be 1–${MAX_BASE_PATH_LENGTH} characters (leave it unset to serve at the root)`;
  }
  if (!BASE_PATH_CHARACTERS.test(basePath)) {
    return "must be letters, digits and $-_.+!*'()/ only";
  }
  if (basePath.startsWith("/") || basePath.endsWith("/") || basePath.includes("//")) {
    return 'must not start or end with "/", nor have an empty level: write v1 or orders/v1';
  }
  return undefined;
}

/** Whether a base path has several levels (`orders/v1`): API Gateway v1 cannot map those. */
export const isMultiLevel = (basePath: string): boolean => basePath.includes("/");

/** The region of an ARN (`arn:<partition>:<service>:<region>:...`), or undefined. */
export function regionOfArn(arn: string): string | undefined {
  return /^arn:[a-z-]+:[a-z0-9-]+:([a-z0-9-]*):/.exec(arn)?.[1] || undefined;
}

/**
 * The TLS policy of the domain name: TLS 1.2 and 1.3 accepted, TLS 1.0 refused
 * (https://docs.aws.amazon.com/apigateway/latest/developerguide/apigateway-custom-domain-tls-version.html).
 * Multi-level base paths need a REGIONAL domain with this policy (rest-api-mappings.html above).
 */
export const DOMAIN_SECURITY_POLICY = "TLS_1_2";

/**
 * A domain name as a stack serves it: one name, lower case. API Gateway does not take upper-case
 * letters (https://docs.aws.amazon.com/cdk/api/v2/docs/aws-cdk-lib.aws_apigateway.DomainNameProps.html),
 * and a wildcard serves many names where the stack's `url` names one.
 */
function domainNameProblem(name: string): string | undefined {
  if (name.startsWith("*.")) return "must be one name, not a wildcard: e.g. api.example.com";
  if (name !== name.toLowerCase()) return "must be lower case (API Gateway takes no upper case)";
  if (name.length > MAX_DOMAIN_NAME_LENGTH) {
    return `must be at most ${MAX_DOMAIN_NAME_LENGTH} characters`;
  }
  if (!DOMAIN_NAME_PATTERN.test(name)) {
    return (
      `must be a domain name like api.example.com: labels of 1–${MAX_DOMAIN_LABEL_LENGTH} ` +
      "letters, digits and hyphens (no hyphen first or last), separated by dots"
    );
  }
  return undefined;
}

const problemCheck = (problem: (value: string) => string | undefined) =>
  v.check<string, (issue: v.CheckIssue<string>) => string>(
    (value) => problem(value) === undefined,
    (issue) => problem(issue.input) ?? "is invalid",
  );

/**
 * The plain settings of `ApiDomainArgs`: their types, allowed values and defaults, and what AWS
 * refuses across them. The component checks its args with it, and the stack config's `domain`
 * group is this schema (plus the REST API's `disableExecuteApiEndpoint`).
 */
export const ApiDomainArgsSchema = v.pipe(
  v.strictObject(
    {
      name: v.pipe(
        v.string("must be a domain name like api.example.com"),
        problemCheck(domainNameProblem),
        v.description(
          "The API's own domain name, e.g. `api.example.com`: the `url` output becomes " +
            "`https://<name>/<basePath>`.",
        ),
        docType(`domain name, at most ${MAX_DOMAIN_NAME_LENGTH} characters`),
      ),
      hostedZoneId: unsetIfEmpty(
        v.pipe(
          v.string("must be a string"),
          // Route 53's ResourceId: at most 32 characters (API_CreateHostedZone's response).
          v.regex(
            /^[A-Z0-9]{1,32}$/,
            "must be a Route 53 hosted zone id like Z0123456789ABCDEFGHIJ (without /hostedzone/)",
          ),
          v.description(
            "The Route 53 hosted zone of `name`: the stack requests the certificate in ACM, " +
              "validates it with DNS records in this zone, and adds A and AAAA alias records.",
          ),
          docType("Route 53 hosted zone id, or empty"),
        ),
      ),
      certificateArn: unsetIfEmpty(
        orInput(
          v.pipe(
            v.string("must be a string"),
            v.regex(
              /^arn:aws[a-z-]*:acm:[a-z0-9-]+:\d{12}:certificate\/[A-Za-z0-9-]+$/,
              "must be an ACM certificate ARN (arn:aws:acm:<region>:<account>:certificate/<id>)",
            ),
            v.description(
              "An issued ACM certificate for `name`, in the API's region, used instead of " +
                "requesting one. Without `hostedZoneId` the DNS lives elsewhere: point a CNAME " +
                "for `name` at the `domainTarget` output.",
            ),
            docType("ACM certificate ARN, or empty"),
          ),
        ),
      ),
      basePath: unsetIfEmpty(
        v.pipe(
          v.string("must be a string"),
          problemCheck(basePathProblem),
          v.check((p) => p !== "(none)", "leave it unset to serve the API at the root"),
          v.description(
            "Path the API is served under (`v1`, or several levels like `orders/v1`); no `/` " +
              "at either end. Unset or empty: the root of the domain.",
          ),
          docType(`1–${MAX_BASE_PATH_LENGTH} characters of \`A-Z a-z 0-9 $-_.+!*'()/\`, or empty`),
        ),
      ),
    },
    // A missing key (only `name` is required) is reported with the object's message.
    (issue) =>
      issue.expected === '"name"'
        ? "must be set: the API's domain name, e.g. api.example.com"
        : "must be a map of settings",
  ),
  v.forward(
    v.partialCheck(
      [["hostedZoneId"], ["certificateArn"]],
      (s) => !!s.hostedZoneId || !!s.certificateArn,
      "or certificateArn must be set: hostedZoneId lets the stack make the certificate and the " +
        "DNS records; certificateArn names an issued certificate when the DNS lives elsewhere",
    ),
    ["hostedZoneId"],
  ),
  v.forward(
    v.partialCheck(
      [["name"], ["certificateArn"]],
      (s) => !!s.certificateArn || s.name.length <= MAX_CERTIFICATE_NAME_LENGTH,
      `must be at most ${MAX_CERTIFICATE_NAME_LENGTH} characters for ACM to issue its certificate ` +
        "(a certificate's own name is limited to 64): use a shorter name, or give certificateArn",
    ),
    ["name"],
  ),
);

/** The API a domain serves: its id and the stage the mapping points at (a `RestApi` has both). */
export interface DomainApi {
  id: pulumi.Input<string>;
  stageName: pulumi.Input<string>;
}

export interface ApiDomainArgs {
  /**
   * The API's own domain name. Callers use `https://<name>/<basePath>`; the execute-api URL
   * keeps working unless the RestApi disables it (`disableExecuteApiEndpoint`).
   * @default none (required)
   * @example
   * ```ts
   * { name: "api.example.com", hostedZoneId: "Z0123456789ABCDEFGHIJ" }
   * ```
   */
  name: string;
  /**
   * The Route 53 hosted zone that holds `name`. The component then requests an ACM certificate
   * in the API's region, writes its DNS validation records into the zone, waits for ACM to issue
   * it, and adds A and AAAA alias records pointing `name` at the domain.
   * @default undefined (give `certificateArn`, and point your DNS at `target`)
   */
  hostedZoneId?: string;
  /**
   * An issued ACM certificate covering `name`, in the API's region (a REGIONAL domain takes only
   * a certificate of its own region). With it the component requests none; without
   * `hostedZoneId` it writes no DNS either, and your DNS points a CNAME for `name` at `target`.
   * @default undefined (requested and validated in `hostedZoneId`)
   */
  certificateArn?: pulumi.Input<string>;
  /**
   * Path the API is served under: `v1` serves `https://<name>/v1/items`. Several levels
   * (`orders/v1`) are mapped with API Gateway v2's API mapping, as AWS requires.
   * @default undefined (the root of the domain)
   */
  basePath?: string;
  /** The API and stage to serve: a `RestApi`. */
  api: DomainApi;
  /**
   * The API's region, which the certificate must be in.
   * @default the AWS provider's region (`aws:region`), unless `opts.provider` is set
   */
  region?: string;
  /**
   * Tags for the certificate and the domain name.
   * @default {}
   */
  tags?: Record<string, string>;
  /** Adjust the underlying resources' args. @default undefined */
  transform?: {
    certificate?: Transform<aws.acm.CertificateArgs>;
    domainName?: Transform<aws.apigateway.DomainNameArgs>;
    aliases?: Transform<aws.route53.RecordArgs>;
  };
}

/**
 * A custom domain for a REST API.
 *
 * @example
 * With a Route 53 zone: the certificate, its validation and the DNS records are made here.
 * ```ts
 * const domain = new ApiDomain("domain", {
 *   name: "api.example.com",
 *   hostedZoneId: "Z0123456789ABCDEFGHIJ",
 *   api,
 * });
 * export const url = domain.url; // https://api.example.com
 * ```
 * @example
 * DNS elsewhere, with an issued certificate and a base path: point a CNAME at `target`.
 * ```ts
 * const domain = new ApiDomain("domain", {
 *   name: "api.example.com",
 *   certificateArn: "arn:aws:acm:us-east-1:123456789012:certificate/<id>",
 *   basePath: "v1",
 *   api,
 * });
 * export const cnameTarget = domain.target;
 * ```
 */
export class ApiDomain extends pulumi.ComponentResource {
  /** What callers use: `https://<name>` or `https://<name>/<basePath>`, no trailing slash. */
  public readonly url: pulumi.Output<string>;
  /** The domain name, as API Gateway holds it. */
  public readonly name: pulumi.Output<string>;
  /** The host the domain's DNS record points at (`d-….execute-api.<region>.amazonaws.com`). */
  public readonly target: pulumi.Output<string>;
  /** The Route 53 zone of `target`, for an alias record. */
  public readonly targetZoneId: pulumi.Output<string>;
  /** The certificate the domain serves. */
  public readonly certificateArn: pulumi.Output<string>;
  private readonly resources: {
    certificate?: aws.acm.Certificate;
    validationRecords: aws.route53.Record[];
    validation?: aws.acm.CertificateValidation;
    domainName: aws.apigateway.DomainName;
    mapping: aws.apigateway.BasePathMapping | aws.apigatewayv2.ApiMapping;
    aliases: aws.route53.Record[];
  };

  constructor(name: string, args: ApiDomainArgs, opts?: pulumi.ComponentResourceOptions) {
    super("lambda-apigateway:apigateway:ApiDomain", name, {}, opts);
    const settings = parseArgs(ApiDomainArgsSchema, args, `ApiDomain "${name}"`);
    const parent = { parent: this };

    // A REGIONAL domain takes a certificate of its own region only (how-to-custom-domains-prerequisites).
    const region = args.region ?? (opts?.provider ? undefined : aws.config.region);
    const given = settings.certificateArn;
    const givenRegion = typeof given === "string" ? regionOfArn(given) : undefined;
    if (region && givenRegion && givenRegion !== region) {
      throw new Error(
        `ApiDomain "${name}": certificateArn is in ${givenRegion}, the API in ${region}. A ` +
          `REGIONAL domain name takes a certificate of its own region: request or import one in ` +
          `${region} (ACM), or leave certificateArn out and give hostedZoneId.`,
      );
    }

    let certificate: aws.acm.Certificate | undefined;
    let validation: aws.acm.CertificateValidation | undefined;
    const validationRecords: aws.route53.Record[] = [];
    let certificateArn: pulumi.Input<string>;
    if (given !== undefined) {
      certificateArn = given;
    } else {
      const zoneId = settings.hostedZoneId!; // the schema asks for one of the two
      certificate = new aws.acm.Certificate(
        name,
        ...applyTransform(
          args.transform?.certificate,
          { domainName: settings.name, validationMethod: "DNS", tags: args.tags },
          parent,
        ),
      );
      // One CNAME per name on the certificate, read from what ACM asks for that name (as
      // pulumi-aws's CertificateValidation example does, which also sets allowOverwrite).
      const names = [settings.name];
      for (const [i, domain] of names.entries()) {
        const option = certificate.domainValidationOptions.apply((all) => {
          const found = all.find((o) => o.domainName === domain);
          if (!found) throw new Error(`ACM asked no DNS validation for ${domain}`);
          return found;
        });
        validationRecords.push(
          new aws.route53.Record(
            `${name}-validation${i ? `-${i}` : ""}`,
            {
              zoneId,
              name: option.resourceRecordName,
              type: option.resourceRecordType,
              records: [option.resourceRecordValue],
              ttl: 60,
              // A record of the same name may be there already (an earlier certificate's).
              allowOverwrite: true,
            },
            parent,
          ),
        );
      }
      // Waits until ACM has issued the certificate: nothing below uses it before then.
      validation = new aws.acm.CertificateValidation(
        name,
        {
          certificateArn: certificate.arn,
          validationRecordFqdns: validationRecords.map((r) => r.fqdn),
        },
        parent,
      );
      certificateArn = validation.certificateArn;
    }

    const domainName = new aws.apigateway.DomainName(
      name,
      ...applyTransform(
        args.transform?.domainName,
        {
          domainName: settings.name,
          regionalCertificateArn: certificateArn,
          // dualstack: reachable over IPv6 as well, which the AAAA record announces
          // (https://docs.aws.amazon.com/apigateway/latest/developerguide/rest-custom-domain-ip-address-type.html).
          endpointConfiguration: { types: "REGIONAL", ipAddressType: "dualstack" },
          securityPolicy: DOMAIN_SECURITY_POLICY,
          tags: args.tags,
        },
        parent,
      ),
    );

    const basePath = settings.basePath;
    const mapping =
      basePath !== undefined && isMultiLevel(basePath)
        ? // API Gateway v1 refuses a "/" in a base path; v2's API mapping maps REST APIs too.
          new aws.apigatewayv2.ApiMapping(
            name,
            {
              domainName: domainName.domainName,
              apiId: args.api.id,
              stage: args.api.stageName,
              apiMappingKey: basePath,
            },
            parent,
          )
        : new aws.apigateway.BasePathMapping(
            name,
            {
              domainName: domainName.domainName,
              restApi: args.api.id,
              stageName: args.api.stageName,
              basePath,
            },
            parent,
          );

    const aliases = settings.hostedZoneId
      ? (["A", "AAAA"] as const).map(
          (type) =>
            new aws.route53.Record(
              `${name}-${type.toLowerCase()}`,
              ...applyTransform(
                args.transform?.aliases,
                {
                  zoneId: settings.hostedZoneId!,
                  name: domainName.domainName,
                  type,
                  aliases: [
                    {
                      name: domainName.regionalDomainName,
                      zoneId: domainName.regionalZoneId,
                      // As pulumi-aws's DomainName example does.
                      evaluateTargetHealth: true,
                    },
                  ],
                },
                parent,
              ),
            ),
        )
      : [];

    this.resources = {
      certificate,
      validationRecords,
      validation,
      domainName,
      mapping,
      aliases,
    };
    this.name = domainName.domainName;
    this.url = pulumi.interpolate`https://${domainName.domainName}${basePath ? `/${basePath}` : ""}`;
    this.target = domainName.regionalDomainName;
    this.targetZoneId = domainName.regionalZoneId;
    this.certificateArn = pulumi.output(certificateArn);
    this.registerOutputs({ url: this.url, name: this.name, target: this.target });
  }

  /** The underlying resources, for reading any property the component does not re-export. */
  public get nodes() {
    return this.resources;
  }
}
