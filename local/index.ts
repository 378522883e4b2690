/**
 * The local cloud: runs a Pulumi program under mocks and serves what it declares on this machine:
 * DynamoDB tables in DynamoDB Local, functions in Lambda-like worker processes, REST APIs over HTTP
 * on 127.0.0.1. `npm start`, the integration harness, the hardening suite and the benchmarks all
 * stand it up through `startLocalCloud`.
 *
 * @example
 * const cloud = await startLocalCloud({ port: 0 });
 * try {
 *   await fetch(`${cloud.apiUrl}/items`);
 * } finally {
 *   await cloud.stop();
 * }
 */
import * as fs from "node:fs";
import * as http from "node:http";
import * as os from "node:os";
import * as path from "node:path";
import { DynamoDBClient } from "@aws-sdk/client-dynamodb";
import { issuerOf } from "../components/auth";
import { ACCOUNT_ID, PROJECT_DIR, runProgram, type ProgramRun } from "./program";
import { AccessControl } from "./access";
import {
  DEFAULT_USERNAME,
  issueToken,
  loadSigningKey,
  subjectOf,
  type LocalUserPool,
  type SigningKey,
  type TokenRequest,
} from "./auth/issuer";
import {
  authenticatedIdentity,
  IDENTITY_POOL_SESSION_NAME,
  identityPoolIdOf,
} from "./auth/identity-pool";
import type { LocalIamUser } from "./auth/sigv4";
import { apiGatewayHandler, INTEGRATION_TIMEOUT_MS } from "./api-gateway";
import { startDynamoDbLocal, type StartedDynamoDbLocal } from "./dynamodb-local";
import { docsSite } from "./docs";
import { FunctionHost } from "./functions";
import { answerClientErrors, guarded } from "./http-boundary";
import { lambdaApiHandler } from "./lambda-api";
import { nodeForRuntime } from "./node-runtime";
import { startEditLoop, type EditLoop } from "./watch";
import { MetricsCollector } from "./metrics";
import { buildModel, type LocalModel } from "./model";
import { materialiseTable } from "./tables";

export { JAVA_MISSING } from "./dynamodb-local";

/** Credentials the functions and tools use locally; DynamoDB Local (-sharedDb) accepts any. */
export const LOCAL_CREDENTIALS = { accessKeyId: "local", secretAccessKey: "local" } as const;

/**
 * The IAM user whose SigV4 signatures `AWS_IAM` methods accept locally (printed at startup). Its
 * keys are made up and local: they exist in no AWS account.
 */
export const LOCAL_CALLER = {
  accessKeyId: "AKIALOCALCLOUDCALLER",
  secretAccessKey: "local/cloud/caller/secret/not/for/aws/00",
  userName: "local-caller",
  userId: "AIDALOCALCLOUDCALLER",
} as const;

/**
 * A session of an assumed role (temporary credentials with a session token, as STS AssumeRole or
 * a Cognito identity pool hands out), so handlers can be tested with that caller's shape too.
 * Made up and local, like the user's keys.
 */
export const LOCAL_ROLE_SESSION = {
  accessKeyId: "ASIALOCALCLOUDSESSN0",
  secretAccessKey: "local/cloud/role/session/not/for/aws/000",
  sessionToken: "local-cloud-session-token-not-for-aws",
  roleName: "local-role",
  roleId: "AROALOCALCLOUDROLE000",
  sessionName: "local-session",
} as const;

/** The local role session in this program's partition. */
export function localRoleSession(partition: string): LocalIamUser {
  return roleSession(partition, LOCAL_ROLE_SESSION, LOCAL_ROLE_SESSION.sessionName);
}

/**
 * A session of a role as STS names its caller: the session's credentials, the
 * `assumed-role/<role>/<session>` ARN and the `<role id>:<session>` user id.
 */
function roleSession(
  partition: string,
  role: {
    accessKeyId: string;
    secretAccessKey: string;
    sessionToken: string;
    roleName: string;
    roleId: string;
  },
  sessionName: string,
): LocalIamUser {
  return {
    accessKeyId: role.accessKeyId,
    secretAccessKey: role.secretAccessKey,
    sessionToken: role.sessionToken,
    accountId: ACCOUNT_ID,
    userArn: `arn:${partition}:sts::${ACCOUNT_ID}:assumed-role/${role.roleName}/${sessionName}`,
    userId: `${role.roleId}:${sessionName}`,
  };
}

/**
 * Credentials a Cognito identity pool would hand out for its authenticated role (Amplify's
 * pattern), so handlers can be tested with the identity fields such a caller brings. Made up and
 * local, like the other keys.
 */
export const LOCAL_IDENTITY_POOL_SESSION = {
  accessKeyId: "ASIALOCALCLOUDIDPOOL",
  secretAccessKey: "local/cloud/identity/pool/not/for/aws/00",
  sessionToken: "local-cloud-identity-pool-token-not-for-aws",
  identityPoolName: "local-identity-pool",
  roleName: "local-identity-pool-authRole",
  roleId: "AROALOCALCLOUDIDPOOL0",
  /** A user pool id of Cognito's form, for a program that declares none. */
  userPoolSuffix: "LocalPool",
} as const;

/**
 * The identity pool session in this program's partition and region: the user `local-user` (the
 * one `npm run token` issues for by default) of `userPool`, signed in through a local identity
 * pool. Without a user pool, one named `<region>_LocalPool` stands in.
 */
export function localIdentityPoolSession(
  partition: string,
  region: string,
  userPool: Pick<LocalUserPool, "id" | "issuer"> | undefined,
): LocalIamUser {
  const s = LOCAL_IDENTITY_POOL_SESSION;
  const pool = userPool ?? {
    id: `${region}_${s.userPoolSuffix}`,
    issuer: issuerOf(region, `${region}_${s.userPoolSuffix}`),
  };
  return {
    ...roleSession(partition, s, IDENTITY_POOL_SESSION_NAME),
    cognitoIdentity: authenticatedIdentity({
      region,
      identityPoolId: identityPoolIdOf(region, s.identityPoolName),
      userPoolIssuer: pool.issuer,
      sub: subjectOf(pool.id, DEFAULT_USERNAME),
    }),
  };
}

/** The local caller as the IAM user of this program's partition. */
export function localIamUser(partition: string): LocalIamUser {
  return {
    accessKeyId: LOCAL_CALLER.accessKeyId,
    secretAccessKey: LOCAL_CALLER.secretAccessKey,
    accountId: ACCOUNT_ID,
    userArn: `arn:${partition}:iam::${ACCOUNT_ID}:user/${LOCAL_CALLER.userName}`,
    userId: LOCAL_CALLER.userId,
  };
}

export interface LocalCloudOptions {
  /** Stack whose `Pulumi.<stack>.yaml` configures the program. @default "dev" */
  stack?: string;
  /** Directory with `Pulumi.yaml` and the program. @default the repository root */
  projectDir?: string;
  /** Program entry, relative to `projectDir`. @default "index.ts" */
  program?: string;
  /** Config overrides, fully qualified keys (`lambda-apigateway:api`), merged as `RunProgramOptions.config` says. */
  config?: Record<string, unknown>;
  /** API port; 0 picks a free one. @default 0 (the CLI defaults to PORT or 3000) */
  port?: number;
  /** DynamoDB Local port. @default a free port */
  dynamoDbPort?: number;
  /** Keep DynamoDB data here across restarts. @default in memory */
  dataDir?: string;
  /** Progress, request and function log lines. @default discarded */
  log?: (line: string) => void;
  /** Concurrent environments per function (capped by its reserved concurrency). @default 4 */
  workersPerFunction?: number;
  /** API Gateway's integration timeout; lowered only by tests. @default 29000 */
  integrationTimeoutMs?: number;
  /** Port of the Lambda API (Invoke, ListFunctions, GetFunction); 0 picks a free one. @default 0 */
  lambdaPort?: number;
  /**
   * Let a debugger attach to the functions: each function runs one environment, listening on
   * 127.0.0.1 at this port, the next function at the next port, and so on; no timeout cuts a
   * paused invocation short. @default off
   */
  inspectPort?: number;
  /**
   * Rebuild a function's bundle when a source it was built from changes, and serve the new code
   * from the next request (only for bundles built by `components/bundle.ts`). @default false
   */
  watch?: boolean;
  /**
   * Enforce the stage's throttling and the usage plans' throttles and quotas (429s), as API
   * Gateway does. Off for load tests. Authorization and API keys are enforced either way.
   * @default true
   */
  throttle?: boolean;
}

/** DynamoDB Local as the fault tests drive it: stop it mid-run, start it again on the same port. */
export interface LocalDynamoDb {
  readonly endpoint: string;
  /** The Java process id while it runs. */
  readonly pid: number | undefined;
  readonly running: boolean;
  stop(): Promise<void>;
  /** Starts it again on the same port (and data directory); re-creates tables that are missing. */
  start(): Promise<void>;
}

export interface LocalApi {
  name: string;
  id: string;
  /** `http://127.0.0.1:<port>/<stage>` for each stage. */
  urls: string[];
  /** `http://127.0.0.1:<port>/<stage>/docs` for each stage, when the API has an OpenAPI body. */
  docsUrls: string[];
  /** The values of the API keys of the usage plans covering its stages. */
  apiKeys: string[];
  /** What is enforced on it, e.g. `Cognito tokens (1 user pool)`, `API keys`, `stage throttling`. */
  enforced: string[];
}

export interface LocalCloud {
  /** `http://127.0.0.1:<port>/<stage>`: the first REST API's first stage. */
  readonly apiUrl: string;
  /** Its docs page (`<apiUrl>/docs`), when the API is defined by an OpenAPI body; else "". */
  readonly docsUrl: string;
  readonly apis: LocalApi[];
  /** `http://127.0.0.1:<port>`: what `AWS_ENDPOINT_URL_DYNAMODB` should be. */
  readonly dynamoDbEndpoint: string;
  /** `http://127.0.0.1:<port>`: the Lambda API, for `--endpoint-url` / `AWS_ENDPOINT_URL_LAMBDA`. */
  readonly lambdaEndpoint: string;
  readonly region: string;
  readonly dynamoDb: LocalDynamoDb;
  /** What the program registered, as recorded under mocks. */
  readonly program: ProgramRun;
  /** What is being served, derived from `program`. */
  readonly model: LocalModel;
  /** With `watch`: resolves once the sources are watched (edits before that are not seen). */
  readonly watching: Promise<void>;
  /** The functions' Embedded Metric Format datapoints, as CloudWatch would extract them. */
  readonly metrics: MetricsCollector;
  /** The first API's API keys (`x-api-key`), when its methods require one. */
  readonly apiKeys: string[];
  /** The IAM credentials `AWS_IAM` methods accept. */
  readonly iamCaller: LocalIamUser;
  /** Session credentials of an assumed role `AWS_IAM` methods accept too (with `sessionToken`). */
  readonly iamRoleSession: LocalIamUser;
  /**
   * Session credentials of a Cognito identity pool's authenticated role, for `local-user` of the
   * program's first user pool: `AWS_IAM` methods accept them, and the event's identity carries
   * `cognitoIdentityId`, `cognitoIdentityPoolId`, `cognitoAuthenticationType` and
   * `cognitoAuthenticationProvider` (`cognitoIdentity` here).
   */
  readonly iamIdentityPoolSession: LocalIamUser;
  /**
   * A token the first Cognito user pool's authorizer accepts (`Authorization: Bearer <token>`),
   * signed by the local issuer; `pool` defaults to the first pool the program's APIs trust.
   */
  issueToken(
    request?: Omit<TokenRequest, "pool"> & { pool?: TokenRequest["pool"] },
  ): Promise<string>;
  /** Process ids of a function's live environments, by physical or logical name. */
  functionPids(name: string): number[];
  /** Stops the API, the functions and DynamoDB Local. Safe to call twice. */
  stop(): Promise<void>;
}

/** The longest delay setTimeout takes (about 24.8 days). */
const MAX_TIMER_MS = 2 ** 31 - 1;

const seconds = (since: number) => `${((Date.now() - since) / 1000).toFixed(1)} s`;

async function listen(server: http.Server, port: number, setting = "PORT"): Promise<number> {
  await new Promise<void>((resolve, reject) => {
    const onError = (err: NodeJS.ErrnoException) => {
      server.off("listening", onListening);
      if (err.code === "EADDRINUSE") {
        reject(
          new Error(
            `Port ${port} on 127.0.0.1 is already in use (another local cloud?). ` +
              `Stop whatever holds it (lsof -i :${port}) or pick another port: ${setting}=${port + 1} npm start`,
          ),
        );
      } else reject(err);
    };
    const onListening = () => {
      server.off("error", onError);
      resolve();
    };
    server.once("error", onError);
    server.once("listening", onListening);
    server.listen(port, "127.0.0.1");
  });
  return (server.address() as import("node:net").AddressInfo).port;
}

async function closeServer(server: http.Server): Promise<void> {
  if (!server.listening) return;
  const closed = new Promise<void>((resolve) => server.close(() => resolve()));
  server.closeAllConnections();
  await closed;
}

/** What API Gateway checks on an API's requests, as the startup says it. */
export function enforcedOn(api: LocalModel["apis"][number], throttle: boolean): string[] {
  const kinds = new Set<string>();
  let keyed = false;
  const visit = (r: LocalModel["apis"][number]["root"]): void => {
    for (const m of r.methods.values()) {
      if (m.authorization === "COGNITO_USER_POOLS") {
        kinds.add(
          m.authorizationScopes.length ? "Cognito access tokens with scopes" : "Cognito ID tokens",
        );
      }
      if (m.authorization === "AWS_IAM") kinds.add("SigV4 (IAM)");
      keyed ||= m.apiKeyRequired;
    }
    r.children.forEach(visit);
  };
  visit(api.root);
  const out = [...kinds].sort();
  if (keyed) out.push("API keys (x-api-key)");
  const limits = api.stages.flatMap((s) =>
    s.throttle.default
      ? [`${s.name} ${s.throttle.default.rate}/s burst ${s.throttle.default.burst} per method`]
      : [],
  );
  const plans = api.usagePlans.filter((p) => p.throttle || p.quota);
  if (!throttle) {
    if (limits.length || plans.length) out.push("no throttling (--no-throttle)");
  } else {
    if (limits.length) out.push(`stage throttling (${limits.join(", ")})`);
    for (const p of plans) {
      const what = [
        p.throttle && `${p.throttle.rate}/s burst ${p.throttle.burst} per key`,
        p.quota && `quota ${p.quota.limit} per ${p.quota.period.toLowerCase()}`,
      ].filter(Boolean);
      out.push(`usage plan ${p.name} (${what.join(", ")})`);
    }
  }
  return out;
}

/** What every start step shares. */
interface Start {
  readonly options: LocalCloudOptions;
  readonly log: (line: string) => void;
  readonly projectDir: string;
  readonly stack: string;
  /** Undone last first: by `stop()`, or when a later step fails. */
  readonly cleanups: (() => Promise<void> | void)[];
}

/**
 * Stands up what the program declares: DynamoDB Local and its tables, the functions, the Lambda
 * API and the REST APIs. Each step logs its progress lines; on failure, everything started before
 * is stopped again.
 */
export async function startLocalCloud(options: LocalCloudOptions = {}): Promise<LocalCloud> {
  const start: Start = {
    options,
    log: options.log ?? (() => undefined),
    projectDir: path.resolve(options.projectDir ?? PROJECT_DIR),
    stack: options.stack ?? "dev",
    cleanups: [],
  };
  const cleanup = async () => {
    for (const fn of start.cleanups.splice(0).reverse()) await fn();
  };

  try {
    const ports = await openPorts(start);
    // DynamoDB Local starts in the background while the program runs: both take seconds.
    const database = startDatabase(start);
    const { program, model } = await materialiseProgram(start, database.ready);
    const engine = await database.ready;
    const restoreTables = await createTables(start, engine.endpoint, program, model);
    const { hosts, metrics } = await startFunctions(start, engine.endpoint, program, model);
    const editLoop = watchSources(start, hosts);
    const lambdaEndpoint = serveLambdaApi(start, ports, hosts, program.region);
    const auth = await localAuth(start, program, model);
    const apis = await serveApis(start, ports, model, hosts, auth);

    const firstApi = apis.find((a) => a.urls.length);
    const apiUrl = firstApi?.urls[0] ?? "";
    const docsUrl = firstApi?.docsUrls.find((u) => u === `${apiUrl}/docs`) ?? "";
    if (!apiUrl) {
      start.log("Warning: the program declares no REST API with a stage; only DynamoDB is served");
    }
    let stopping: Promise<void> | undefined;
    return {
      apiKeys: firstApi?.apiKeys ?? [],
      iamCaller: auth.iamCaller,
      iamRoleSession: auth.iamRoleSession,
      iamIdentityPoolSession: auth.iamIdentityPoolSession,
      async issueToken(request = {}) {
        const pool = request.pool ?? model.userPools[0];
        if (!pool || !auth.signingKey) {
          throw new Error(
            "The program's APIs trust no Cognito user pool: there is no token to issue",
          );
        }
        return issueToken(auth.signingKey, { ...request, pool });
      },
      apiUrl,
      docsUrl,
      apis,
      dynamoDbEndpoint: engine.endpoint,
      lambdaEndpoint,
      watching: editLoop?.ready ?? Promise.resolve(),
      region: program.region,
      dynamoDb: database.handle(engine, restoreTables),
      program,
      model,
      metrics,
      functionPids(name) {
        const fn = model.functions.find((f) => f.name === name || f.logicalName === name);
        return fn ? (hosts.get(fn.name)?.workerPids() ?? []) : [];
      },
      stop() {
        // Stop taking requests first, then take down what serves them.
        stopping ??= Promise.all(ports.servers.map(closeServer)).then(cleanup);
        return stopping;
      },
    };
  } catch (err) {
    await cleanup();
    throw err;
  }
}

/** The listening servers, answering 503 until their handlers are set. */
interface Ports {
  /** Every server, the first REST API's and the Lambda API's first; closed first on stop. */
  readonly servers: http.Server[];
  readonly apiPort: number;
  readonly lambdaPort: number;
  serveApi(handler: http.RequestListener): void;
  serveLambda(handler: http.RequestListener): void;
}

/**
 * Listens on the API and Lambda ports first, so a busy port is reported before anything slow
 * starts. Until their handlers are set, both answer 503 "still starting".
 */
async function openPorts({ options, log, cleanups }: Start): Promise<Ports> {
  let serve: http.RequestListener = (_req, res) => {
    res.writeHead(503, { "Content-Type": "application/json", "Retry-After": "1" });
    res.end(JSON.stringify({ message: "The local cloud is still starting" }));
  };
  const mainServer = guardedServer((req, res) => serve(req, res), log, "API");
  const servers = [mainServer];
  cleanups.push(() => Promise.all(servers.map(closeServer)).then(() => undefined));
  const apiPort = await listen(mainServer, options.port ?? 0);
  let serveLambda: http.RequestListener = (req, res) => serve(req, res);
  const lambdaServer = guardedServer((req, res) => serveLambda(req, res), log, "Lambda API");
  servers.push(lambdaServer);
  const lambdaPort = await listen(lambdaServer, options.lambdaPort ?? 0, "LAMBDA_PORT");
  return {
    servers,
    apiPort,
    lambdaPort,
    serveApi: (handler) => (serve = handler),
    serveLambda: (handler) => (serveLambda = handler),
  };
}

/**
 * An HTTP server no request can take down: errors in `listener` are answered 500 and logged, and
 * what Node's parser refuses gets a body in API Gateway's error shape.
 */
function guardedServer(
  listener: http.RequestListener,
  log: (line: string) => void,
  name: string,
): http.Server {
  const server = http.createServer(guarded(listener, log, name));
  answerClientErrors(server, log);
  return server;
}

/** DynamoDB Local while it starts, and the handle the fault tests drive once it has. */
interface DatabaseStart {
  readonly ready: Promise<StartedDynamoDbLocal>;
  /** The handle; a restart runs `restoreTables` (which re-creates missing tables). */
  handle(first: StartedDynamoDbLocal, restoreTables: () => Promise<void>): LocalDynamoDb;
}

/** Starts DynamoDB Local in the background: it takes seconds, and the program runs meanwhile. */
function startDatabase({ options, log, cleanups }: Start): DatabaseStart {
  const t = Date.now();
  log(
    `Starting DynamoDB Local (${options.dataDir ? `data in ${path.resolve(options.dataDir)}` : "in memory"})…`,
  );
  let engine: StartedDynamoDbLocal | undefined;
  const ready = startDynamoDbLocal({
    port: options.dynamoDbPort,
    dataDir: options.dataDir,
  }).then((e) => {
    engine = e;
    log(`DynamoDB Local ready on port ${e.port} (${seconds(t)})`);
    return e;
  });
  // Also when the program fails first: wait for the engine and stop it.
  cleanups.push(() =>
    ready.then(
      (e) => e.stop(),
      () => undefined,
    ),
  );
  cleanups.push(() => engine?.stop());
  return {
    ready,
    handle: (first, restoreTables) => ({
      endpoint: first.endpoint,
      get pid() {
        return engine?.pid;
      },
      get running() {
        return !!engine;
      },
      async stop() {
        const running = engine;
        engine = undefined;
        await running?.stop();
      },
      async start() {
        if (engine) return;
        engine = await startDynamoDbLocal({ port: first.port, dataDir: options.dataDir });
        await restoreTables();
      },
    }),
  };
}

/**
 * Runs the program under Pulumi mocks and derives what to serve from what it registers. It waits
 * for DynamoDB Local too, so whichever fails first is the error shown (a missing Java is known
 * within a second).
 */
async function materialiseProgram(
  { options, log, projectDir, stack, cleanups }: Start,
  database: Promise<unknown>,
): Promise<{ program: ProgramRun; model: LocalModel }> {
  const programFile = options.program ?? "index.ts";
  const programStarted = Date.now();
  log(`Running ${programFile} (stack ${stack}) under Pulumi mocks…`);
  const running = runProgram({
    stack,
    projectDir,
    program: options.program,
    config: options.config,
  });
  const [program] = await Promise.all([running, database]);
  const scratchDir = fs.mkdtempSync(path.join(os.tmpdir(), "local-cloud-"));
  cleanups.push(() => fs.rmSync(scratchDir, { recursive: true, force: true }));
  const model = await buildModel(program, projectDir, scratchDir);
  log(`Program registered ${program.resources.length} resources (${seconds(programStarted)})`);
  if (model.notEmulated.length) log(`Not emulated: ${model.notEmulated.join("; ")}`);
  for (const warning of model.warnings) log(`Warning: ${warning}`);
  return { program, model };
}

/**
 * Creates the program's tables in DynamoDB Local, saying what it did with each. Returns how to
 * re-create missing ones quietly, for a restart of DynamoDB Local.
 */
async function createTables(
  { log, cleanups }: Start,
  endpoint: string,
  program: ProgramRun,
  model: LocalModel,
): Promise<() => Promise<void>> {
  const client = new DynamoDBClient({
    endpoint,
    region: program.region,
    credentials: LOCAL_CREDENTIALS,
  });
  cleanups.push(() => client.destroy());
  const materialise = async (quiet: boolean) => {
    for (const table of model.tables) {
      const outcome = await materialiseTable(client, table.resource);
      if (!quiet) log(`Table ${table.name}: ${outcome}`);
    }
  };
  await materialise(false);
  return () => materialise(true);
}

/**
 * Starts each function's environments, pointed at DynamoDB Local, and waits until each has run
 * its init (a failed init is said, and its requests answer 502).
 */
async function startFunctions(
  { options, log, cleanups }: Start,
  dynamoDbEndpoint: string,
  program: ProgramRun,
  model: LocalModel,
): Promise<{ hosts: Map<string, FunctionHost>; metrics: MetricsCollector }> {
  const t = Date.now();
  const metrics = new MetricsCollector();
  const hosts = new Map<string, FunctionHost>();
  for (const [i, fn] of model.functions.entries()) {
    const node = nodeForRuntime(fn.runtime);
    if (node.mismatch) log(`Warning: function ${fn.name}: ${node.mismatch}`);
    hosts.set(
      fn.name,
      new FunctionHost(fn, {
        maxWorkers: options.workersPerFunction ?? 4,
        node,
        inspectPort: options.inspectPort === undefined ? undefined : options.inspectPort + i,
        log,
        onStdoutLine: (line) => metrics.record(fn.name, line),
        runtimeEnvironment: {
          AWS_ENDPOINT_URL_DYNAMODB: dynamoDbEndpoint,
          AWS_REGION: program.region,
          AWS_DEFAULT_REGION: program.region,
          AWS_ACCESS_KEY_ID: LOCAL_CREDENTIALS.accessKeyId,
          AWS_SECRET_ACCESS_KEY: LOCAL_CREDENTIALS.secretAccessKey,
        },
      }),
    );
  }
  cleanups.push(() => Promise.all([...hosts.values()].map((h) => h.stop())).then(() => undefined));
  await Promise.all(
    [...hosts.values()].map(async (host) => {
      const error = await host.warm();
      const debug =
        options.inspectPort === undefined
          ? ""
          : `, debugger on 127.0.0.1:${options.inspectPort + model.functions.indexOf(host.fn)}`;
      const what = `Function ${host.fn.name} (${host.fn.handler}, Node ${host.node.version} from ${host.node.source}, timeout ${host.fn.timeoutMs / 1000} s, up to ${host.maxWorkers} workers${debug})`;
      log(
        error
          ? `${what}: init failed, requests will answer 502: ${error.errorMessage}`
          : `${what}: ready`,
      );
    }),
  );
  log(`Functions ready (${seconds(t)})`);
  if (options.inspectPort !== undefined) {
    log("Debugging: one environment per function, and no function or integration timeout");
  }
  return { hosts, metrics };
}

/** With `watch`: rebuilds a function's bundle when a source it was built from changes. */
function watchSources(
  { options, log, cleanups }: Start,
  hosts: Map<string, FunctionHost>,
): EditLoop | undefined {
  if (!options.watch) return undefined;
  const editLoop = startEditLoop(hosts.values(), log);
  cleanups.push(() => editLoop.stop());
  return editLoop;
}

/** Serves the Lambda API (Invoke, ListFunctions, GetFunction) on its port; returns its endpoint. */
function serveLambdaApi(
  { log }: Start,
  ports: Ports,
  hosts: Map<string, FunctionHost>,
  region: string,
): string {
  ports.serveLambda(lambdaApiHandler({ functions: hosts, region, log }));
  const endpoint = `http://127.0.0.1:${ports.lambdaPort}`;
  log(`Lambda API for ${hosts.size} function${hosts.size === 1 ? "" : "s"} on ${endpoint}`);
  return endpoint;
}

/** Who the APIs let in locally: tokens of the local issuer, and the local IAM caller. */
interface LocalAuth {
  /** The local issuer's key, when a user pool is trusted. */
  readonly signingKey: SigningKey | undefined;
  readonly iamCaller: LocalIamUser;
  readonly iamRoleSession: LocalIamUser;
  readonly iamIdentityPoolSession: LocalIamUser;
}

async function localAuth(
  { projectDir }: Start,
  program: ProgramRun,
  model: LocalModel,
): Promise<LocalAuth> {
  const usesCognito = model.userPools.length > 0;
  return {
    signingKey: usesCognito ? await loadSigningKey(projectDir) : undefined,
    iamCaller: localIamUser(program.partition),
    iamRoleSession: localRoleSession(program.partition),
    iamIdentityPoolSession: localIdentityPoolSession(
      program.partition,
      program.region,
      model.userPools[0],
    ),
  };
}

/**
 * Serves each REST API: the first on the API port, each other on a port of its own (as each has
 * its own execute-api hostname in AWS). Says what each serves and enforces.
 */
async function serveApis(
  { options, log }: Start,
  ports: Ports,
  model: LocalModel,
  hosts: Map<string, FunctionHost>,
  auth: LocalAuth,
): Promise<LocalApi[]> {
  const throttle = options.throttle ?? true;
  const apis: LocalApi[] = [];
  for (const [i, api] of model.apis.entries()) {
    const handler = apiGatewayHandler({
      api,
      access: new AccessControl({
        api,
        userPools: model.userPools,
        signingKey: auth.signingKey,
        iamUsers: [auth.iamCaller, auth.iamRoleSession, auth.iamIdentityPoolSession],
        region: model.region,
        throttle,
      }),
      functions: hosts,
      // A debugger may hold an invocation for as long as it likes.
      integrationTimeoutMs:
        options.inspectPort === undefined
          ? (options.integrationTimeoutMs ?? INTEGRATION_TIMEOUT_MS)
          : MAX_TIMER_MS,
      log,
    });
    let port = ports.apiPort;
    if (i === 0) ports.serveApi(handler);
    else {
      const server = guardedServer(handler, log, `API ${api.name}`);
      ports.servers.push(server);
      port = await listen(server, 0);
    }
    const urls = api.stages.map((s) => `http://127.0.0.1:${port}/${s.name}`);
    const docsUrls = (docsSite(api)?.paths ?? []).map((p) => `http://127.0.0.1:${port}${p}`);
    const enforced = enforcedOn(api, throttle);
    const apiKeys = [
      ...new Set(
        api.usagePlans.flatMap((p) => p.keys.filter((k) => k.enabled).map((k) => k.value)),
      ),
    ];
    apis.push({ name: api.name, id: api.id, urls, docsUrls, apiKeys, enforced });
    log(
      `REST API ${api.name}: ${methodCount(api.root)} methods, stage${urls.length === 1 ? "" : "s"} ${urls.join(", ") || "(none)"}`,
    );
    log(`REST API ${api.name} enforces: ${enforced.join("; ") || "nothing (open)"}`);
  }
  return apis;
}

function methodCount(resource: LocalModel["apis"][number]["root"]): number {
  let methods = resource.methods.size;
  for (const child of resource.children) methods += methodCount(child);
  return methods;
}
