/**
 * The LocalStack target: the real Pulumi program deployed with the Automation API into LocalStack
 * started by testcontainers, then destroyed. Everything the deployment needs (which services to
 * start, the aws provider's endpoints, the stack config) is derived from what the program registers
 * and from its stack config file, never listed by hand.
 */
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import * as crypto from "node:crypto";
import { parse as parseYaml } from "yaml";
import type { ProjectSettings } from "@pulumi/pulumi/automation";
import { PROJECT_DIR } from "../../local/program";
import { skipLine, type Requirement, type StartedTarget, type Target, type TargetOptions } from ".";

/**
 * The last LocalStack community image that starts without an auth token. From 2026.03 on (and on
 * `latest` since 23 March 2026) the single consolidated image exits at startup unless
 * `LOCALSTACK_AUTH_TOKEN` is set; 4.14.0 (26 February 2026) is the last release without that gate.
 * With a token, pass `LOCALSTACK_IMAGE` to run a newer image.
 */
export const LOCALSTACK_IMAGE = "localstack/localstack:4.14.0";

/** An AWS service the stack uses: its key in the aws provider's `endpoints`, its LocalStack name. */
export interface AwsService {
  /** Key in `aws:endpoints` (pulumi-aws `ProviderEndpoint`). */
  endpoint: string;
  /** Name in LocalStack's `SERVICES`. */
  localstack: string;
}

// Pulumi type tokens are `aws:<module>/<resource>:<Type>`; the module names the AWS service. The
// CloudWatch module holds both CloudWatch (alarms, dashboards) and CloudWatch Logs (log groups).
const SERVICE_OF_MODULE: Record<string, AwsService | ((resource: string) => AwsService)> = {
  apigateway: { endpoint: "apigateway", localstack: "apigateway" },
  cloudwatch: (resource) =>
    resource.startsWith("log")
      ? { endpoint: "logs", localstack: "logs" }
      : { endpoint: "cloudwatch", localstack: "cloudwatch" },
  dynamodb: { endpoint: "dynamodb", localstack: "dynamodb" },
  iam: { endpoint: "iam", localstack: "iam" },
  kms: { endpoint: "kms", localstack: "kms" },
  lambda: { endpoint: "lambda", localstack: "lambda" },
  s3: { endpoint: "s3", localstack: "s3" },
  sns: { endpoint: "sns", localstack: "sns" },
  sqs: { endpoint: "sqs", localstack: "sqs" },
};

// The provider itself calls STS (account id, caller identity), whatever the program declares.
const STS: AwsService = { endpoint: "sts", localstack: "sts" };

/**
 * The AWS services behind a program's resource types (from `runProgram`). Non-AWS types
 * (components, `random:*`, providers) need no service. An AWS module this table does not know
 * fails loudly rather than leaving the service out of LocalStack.
 */
export function servicesFor(resourceTypes: Iterable<string>): AwsService[] {
  const byEndpoint = new Map<string, AwsService>([[STS.endpoint, STS]]);
  for (const type of resourceTypes) {
    const match = /^aws:([^/:]+)\/([^:]+):/.exec(type);
    if (!match) continue;
    const [, module, resource] = match as unknown as [string, string, string];
    const known = SERVICE_OF_MODULE[module];
    if (!known) {
      throw new Error(
        `The program registers ${type}, but integration/targets/localstack.ts does not know which ` +
          `LocalStack service serves the "${module}" module: add it to SERVICE_OF_MODULE`,
      );
    }
    const service = typeof known === "function" ? known(resource) : known;
    byEndpoint.set(service.endpoint, service);
  }
  return [...byEndpoint.values()].sort((a, b) => a.endpoint.localeCompare(b.endpoint));
}

/** The container's environment: only the services used, the auth token when there is one. */
export function localStackEnvironment(
  services: readonly AwsService[],
  authToken: string | undefined,
): Record<string, string> {
  const env: Record<string, string> = {
    SERVICES: [...new Set(services.map((s) => s.localstack))].join(","),
    // The program defaults to arm64 functions; run them on whatever the CI host is.
    LAMBDA_IGNORE_ARCHITECTURE: "1",
  };
  if (authToken) env.LOCALSTACK_AUTH_TOKEN = authToken;
  return env;
}

/**
 * Config for the default aws provider: every used service's endpoint at the container, test
 * credentials, and the flags that stop the provider from validating them against real AWS.
 */
export function awsProviderConfig(
  endpoint: string,
  services: readonly AwsService[],
  region: string,
): Record<string, unknown> {
  const endpoints = Object.fromEntries(services.map((s) => [s.endpoint, endpoint]));
  return {
    "aws:region": region,
    "aws:accessKey": "test",
    "aws:secretKey": "test",
    "aws:skipCredentialsValidation": true,
    "aws:skipRequestingAccountId": true,
    "aws:skipMetadataApiCheck": true,
    "aws:skipRegionValidation": true,
    ...(endpoints.s3 ? { "aws:s3UsePathStyle": true } : {}),
    "aws:endpoints": [endpoints],
  };
}

/** The URL LocalStack serves a REST API stage at. */
export function executeApiUrl(endpoint: string, apiId: string, stage: string): string {
  if (!apiId || !stage) throw new Error(`Need an API id and a stage, got "${apiId}", "${stage}"`);
  const base = endpoint.replace(/\/+$/, "");
  return `${base}/_aws/execute-api/${encodeURIComponent(apiId)}/${encodeURIComponent(stage)}`;
}

/**
 * Config for the throwaway stack: the chosen stack's own config file (structured values kept as
 * they are), minus its aws provider settings (profiles, assumed roles, allowed accounts would reach
 * for real AWS), plus the LocalStack provider config. The region stays the stack's.
 */
export function throwawayStackConfig(
  stackConfig: Record<string, unknown>,
  endpoint: string,
  services: readonly AwsService[],
): Record<string, unknown> {
  const region =
    typeof stackConfig["aws:region"] === "string" ? stackConfig["aws:region"] : "us-east-1";
  const own = Object.fromEntries(
    Object.entries(stackConfig).filter(([k]) => !k.startsWith("aws:")),
  );
  for (const [key, value] of Object.entries(own)) {
    if (value && typeof value === "object" && "secure" in value) {
      throw new Error(
        `"${key}" is a secret encrypted for the real stack; the LocalStack target cannot decrypt it. ` +
          `Give it a plain value in a stack file used only for tests, and pass --stack with that name`,
      );
    }
  }
  return { ...own, ...awsProviderConfig(endpoint, services, region) };
}

/** Reads a stack's config file as Pulumi does, structured values kept. */
export function readRawStackConfig(projectDir: string, stack: string): Record<string, unknown> {
  const file = path.join(projectDir, `Pulumi.${stack}.yaml`);
  if (!fs.existsSync(file)) throw new Error(`Unknown stack "${stack}": ${file} does not exist`);
  return ((parseYaml(fs.readFileSync(file, "utf8")) ?? {}).config ?? {}) as Record<string, unknown>;
}

/**
 * Project settings for a workspace in a temporary directory that runs the program in `projectDir`:
 * the real `Pulumi.yaml` with `main` pointing back at it, so the throwaway stack's files and state
 * never touch the repository.
 */
export function throwawayProjectSettings(projectDir: string, workDir: string): ProjectSettings {
  const project = parseYaml(
    fs.readFileSync(path.join(projectDir, "Pulumi.yaml"), "utf8"),
  ) as ProjectSettings;
  const main = path.resolve(projectDir, project.main ?? ".");
  return { ...project, main: path.relative(workDir, main) || "." };
}

export const DOCKER_MISSING: Requirement = {
  missing: "no Docker engine",
  fix: "start Docker (Docker Desktop, or `sudo systemctl start docker`) or point DOCKER_HOST at one",
};
export const PULUMI_MISSING: Requirement = {
  missing: "no Pulumi CLI",
  fix: "install Pulumi (`curl -fsSL https://get.pulumi.com | sh`, then put ~/.pulumi/bin on PATH)",
};

/** Whether testcontainers finds a working container runtime. */
export async function dockerAvailable(): Promise<boolean> {
  const { getContainerRuntimeClient } = await import("testcontainers");
  try {
    await getContainerRuntimeClient();
    return true;
  } catch {
    return false;
  }
}

/** Whether the Automation API finds a Pulumi CLI. */
export async function pulumiAvailable(): Promise<boolean> {
  const { PulumiCommand } = await import("@pulumi/pulumi/automation");
  try {
    await PulumiCommand.get({ skipVersionCheck: true });
    return true;
  } catch {
    return false;
  }
}

function errorMessage(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}

/** The machine checks a target makes; replaceable in unit tests. */
export interface Probes {
  docker: () => Promise<boolean>;
  pulumi: () => Promise<boolean>;
}
export const MACHINE_PROBES: Probes = { docker: dockerAvailable, pulumi: pulumiAvailable };

export class LocalStackTarget implements Target {
  readonly name = "localstack";
  constructor(
    private readonly options: TargetOptions,
    private readonly probes: Probes = MACHINE_PROBES,
  ) {}

  async skipReason(): Promise<string | undefined> {
    const [docker, pulumi] = await Promise.all([this.probes.docker(), this.probes.pulumi()]);
    const missing = [...(docker ? [] : [DOCKER_MISSING]), ...(pulumi ? [] : [PULUMI_MISSING])];
    return skipLine(missing, "Without them: npm run test:integration -- --target local");
  }

  async start(): Promise<StartedTarget> {
    const log = this.options.log ?? (() => undefined);
    const stackName = this.options.stack ?? "dev";
    const [{ runProgram }, tc, { LocalstackContainer }, auto] = await Promise.all([
      import("../../local/program"),
      import("testcontainers"),
      import("@testcontainers/localstack"),
      import("@pulumi/pulumi/automation"),
    ]);

    // Which services to start comes from what the program registers under mocks.
    const program = await runProgram({ stack: stackName });
    const services = servicesFor(program.resources.map((r) => r.type));
    const image = process.env.LOCALSTACK_IMAGE || LOCALSTACK_IMAGE;
    log(
      `localstack: starting ${image} with SERVICES=${services.map((s) => s.localstack).join(",")}`,
    );

    const runtime = await tc.getContainerRuntimeClient();
    const container = await new LocalstackContainer(image)
      .withEnvironment(localStackEnvironment(services, process.env.LOCALSTACK_AUTH_TOKEN))
      // LocalStack runs each Lambda in a sibling container through the host's Docker engine.
      .withBindMounts([
        { source: runtime.info.containerRuntime.remoteSocketPath, target: "/var/run/docker.sock" },
      ])
      .start();

    const cleanups: { what: string; run: () => Promise<unknown> }[] = [
      { what: "stop the LocalStack container", run: () => container.stop() },
    ];
    let stopped = false;
    const stop = async (): Promise<void> => {
      if (stopped) return;
      stopped = true;
      const failures: string[] = [];
      // Last started, first stopped; every step runs even when an earlier one fails.
      for (const step of cleanups.reverse()) {
        try {
          await step.run();
        } catch (err) {
          failures.push(`could not ${step.what}: ${errorMessage(err)}`);
        }
      }
      if (failures.length) throw new Error(`LocalStack target cleanup: ${failures.join("; ")}`);
    };

    try {
      const endpoint = container.getConnectionUri();
      const workDir = fs.mkdtempSync(path.join(os.tmpdir(), "lambda-apigateway-localstack-"));
      cleanups.push({
        what: `remove ${workDir}`,
        run: async () => fs.rmSync(workDir, { recursive: true, force: true }),
      });
      const throwaway = `localstack-${crypto.randomBytes(4).toString("hex")}`;
      const stateDir = path.join(workDir, "state");
      fs.mkdirSync(stateDir);
      const stack = await auto.LocalWorkspace.createStack(
        { stackName: throwaway, workDir },
        {
          workDir,
          projectSettings: throwawayProjectSettings(PROJECT_DIR, workDir),
          stackSettings: {
            [throwaway]: {
              config: throwawayStackConfig(
                readRawStackConfig(PROJECT_DIR, stackName),
                endpoint,
                services,
              ),
            },
          },
          envVars: {
            PULUMI_BACKEND_URL: `file://${stateDir}`,
            PULUMI_CONFIG_PASSPHRASE: crypto.randomBytes(16).toString("hex"),
            PULUMI_SKIP_UPDATE_CHECK: "true",
            // Anything that bypasses the provider config still never reaches real AWS.
            AWS_ACCESS_KEY_ID: "test",
            AWS_SECRET_ACCESS_KEY: "test",
            AWS_ENDPOINT_URL: endpoint,
          },
        },
      );
      cleanups.push({
        what: `destroy the throwaway stack ${throwaway}`,
        run: async () => {
          await stack.destroy({ onOutput: log });
          await stack.workspace.removeStack(throwaway);
        },
      });

      log(`localstack: pulumi up ${throwaway} (config of stack ${stackName})`);
      const up = await stack.up({ onOutput: log });
      const apiId = up.outputs.apiId?.value;
      const stage = up.outputs.stageName?.value;
      const tableName = up.outputs.tableName?.value;
      if (typeof apiId !== "string" || typeof stage !== "string") {
        throw new Error(
          `The program's outputs lack apiId or stageName (got: ${Object.keys(up.outputs).join(", ")})`,
        );
      }
      return {
        baseUrl: executeApiUrl(endpoint, apiId, stage),
        tableName: typeof tableName === "string" ? tableName : undefined,
        stop,
      };
    } catch (err) {
      await stop().catch((cleanupErr) => log(errorMessage(cleanupErr)));
      throw err;
    }
  }
}
