/**
 * The deployed-stack target: the smoke test before promotion. It reads `url` from the stack's
 * outputs with the Automation API (which needs the Pulumi CLI and a logged-in backend): the URL
 * callers use, the custom domain's when the stack has one, else the execute-api invoke URL. Or it
 * takes that URL from `API_URL`. It deploys nothing and stops nothing: the flow itself creates only
 * prefixed items and removes them.
 */
import { PROJECT_DIR } from "../../local/program";
import {
  BACKEND_LOGIN_MISSING,
  PULUMI_MISSING,
  backendLoggedIn,
  pulumiAvailable,
  skipLine,
  type StartedTarget,
  type Target,
  type TargetOptions,
} from "./target";
import { authorizeWith, regionOfApiUrl, type Credentials } from "../flows/credentials";

/** The stack output the smoke test calls: the custom domain's URL, or the invoke URL. */
export const URL_OUTPUT = "url";

/** Where the deployed API's URL comes from. */
export type StackSource =
  | { kind: "stack"; stack: string }
  | { kind: "url"; url: string }
  | { kind: "missing"; message: string };

export const STACK_USAGE =
  `The stack target needs a deployed API: pass --stack NAME (reads the ${URL_OUTPUT} output; needs ` +
  "the Pulumi CLI, logged in) or set API_URL to the stack's url: its custom domain's URL, or the " +
  "invoke URL including the stage, e.g. " +
  "API_URL=https://abc123.execute-api.us-east-1.amazonaws.com/test npm run test:integration -- --target stack";

/**
 * `--stack` wins over `API_URL`: the command line is the more specific of the two. With neither,
 * the message says what to pass.
 */
export function resolveStackSource(options: { stack?: string; apiUrl?: string }): StackSource {
  if (options.stack) return { kind: "stack", stack: options.stack };
  if (options.apiUrl) return { kind: "url", url: normaliseApiUrl(options.apiUrl, "API_URL") };
  return { kind: "missing", message: STACK_USAGE };
}

/**
 * Checks an API URL and drops its trailing slash. An execute-api URL needs its stage in the path;
 * a custom domain's may be the bare domain (the API mapped at its root).
 */
export function normaliseApiUrl(value: string, from: string): string {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    throw new Error(`${from} is not a URL: "${value}". ${STACK_USAGE}`);
  }
  if (url.protocol !== "https:" && url.protocol !== "http:") {
    throw new Error(`${from} must be an http(s) URL, got "${value}"`);
  }
  if (regionOfApiUrl(value) && url.pathname.replace(/\/+$/, "") === "") {
    throw new Error(
      `${from} has no stage in its path: "${value}". Use the invoke URL including the stage, ` +
        `like the stack's apiUrl output (https://<id>.execute-api.<region>.amazonaws.com/<stage>)`,
    );
  }
  return value.replace(/\/+$/, "");
}

/** Stack outputs as the Automation API returns them. */
export type OutputMap = Record<string, { value: unknown; secret?: boolean } | undefined>;

/**
 * Picks the URL callers use, the table name and the region out of a stack's outputs. The region
 * comes from the execute-api URL (`apiUrl`), since a custom domain's does not say it.
 */
export function targetFromOutputs(
  stack: string,
  outputs: OutputMap,
): { baseUrl: string; tableName?: string; region?: string } {
  const url = outputs[URL_OUTPUT]?.value;
  if (typeof url !== "string" || !url) {
    const names = Object.keys(outputs);
    throw new Error(
      `Stack "${stack}" has no ${URL_OUTPUT} output (outputs: ${names.length ? names.join(", ") : "none"}). ` +
        `Deploy it (again, if it predates the url output): pulumi up --stack ${stack}`,
    );
  }
  const tableName = outputs.tableName?.value;
  const apiUrl = outputs.apiUrl?.value;
  return {
    baseUrl: normaliseApiUrl(url, `Stack "${stack}"'s ${URL_OUTPUT} output`),
    tableName: typeof tableName === "string" ? tableName : undefined,
    region: typeof apiUrl === "string" ? regionOfApiUrl(apiUrl) : undefined,
  };
}

/** The machine checks the stack target makes; replaceable in unit tests. */
export interface StackProbes {
  pulumi: () => Promise<boolean>;
  loggedIn: () => Promise<boolean>;
}

export class DeployedStackTarget implements Target {
  readonly name = "stack";
  private readonly source: StackSource;

  constructor(
    private readonly options: TargetOptions,
    private readonly probes: StackProbes = { pulumi: pulumiAvailable, loggedIn: backendLoggedIn },
  ) {
    this.source = resolveStackSource(options);
  }

  async skipReason(): Promise<string | undefined> {
    if (this.source.kind === "missing") return this.source.message;
    if (this.source.kind === "url") return undefined;
    const alternative = "Or set API_URL to the stack's invoke URL instead of passing --stack.";
    if (!(await this.probes.pulumi())) return skipLine([PULUMI_MISSING], alternative);
    if (!(await this.probes.loggedIn())) return skipLine([BACKEND_LOGIN_MISSING], alternative);
    return undefined;
  }

  async start(): Promise<StartedTarget> {
    const source = this.source;
    if (source.kind === "missing") throw new Error(source.message);
    const stop = async (): Promise<void> => undefined; // a deployed stack outlives the test
    if (source.kind === "url") {
      return { baseUrl: source.url, authorize: await this.authorize(source.url), stop };
    }
    const { LocalWorkspace } = await import("@pulumi/pulumi/automation");
    const stack = await LocalWorkspace.selectStack({
      stackName: source.stack,
      workDir: PROJECT_DIR,
    });
    const outputs = await stack.outputs();
    const { region, ...target } = targetFromOutputs(source.stack, outputs);
    const auth = outputs.auth?.value === "iam" ? "iam" : this.options.auth;
    return { ...target, authorize: await this.authorize(target.baseUrl, auth, region), stop };
  }

  /**
   * The caller's credentials: `API_TOKEN` and `API_KEY` as headers, and for an iam stack a SigV4
   * signature with the AWS credentials the SDK finds (environment, profile, SSO, role).
   */
  private async authorize(baseUrl: string, auth = this.options.auth, stackRegion?: string) {
    let sigv4: Credentials["sigv4"];
    if (auth === "iam") {
      // A custom domain's URL does not say its region; the stack's outputs or AWS_REGION do.
      const region = regionOfApiUrl(baseUrl) ?? stackRegion ?? process.env["AWS_REGION"];
      if (!region) {
        throw new Error(
          `Cannot tell the region of ${baseUrl} to sign requests for: set AWS_REGION`,
        );
      }
      const { defaultProvider } = await import("@aws-sdk/credential-provider-node");
      sigv4 = { region, credentials: defaultProvider() };
    }
    return authorizeWith({ token: this.options.token, apiKey: this.options.apiKey, sigv4 });
  }
}
