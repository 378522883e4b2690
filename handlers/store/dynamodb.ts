/**
 * The Store on DynamoDB via @aws-sdk/lib-dynamodb. Loaded only when a request first needs the
 * database, and its clients are built once per container. Numbers travel as `NumberValue` both
 * ways (`wrapNumbers`), so nothing is rounded through a JS double.
 */
import type { AttributeValue, DynamoDBClientConfig } from "@aws-sdk/client-dynamodb";
import {
  DeleteCommand,
  DynamoDBClient,
  DynamoDBDocumentClient,
  GetCommand,
  NumberValue,
  PutCommand,
  ScanCommand,
  UpdateCommand,
} from "./sdk.vendor";
import {
  Binary,
  BinarySet,
  NumberSet,
  StringSet,
  type AttrMap,
  type AttrValue,
} from "../core/attributes";
import { Num } from "../../contract/json";
import {
  ConditionFailed,
  type DeleteParams,
  type PutParams,
  type Store,
  type UpdateParams,
} from "../core/store";

export interface DynamoDbStoreOptions {
  tableName: string;
  /** Per-attempt connect and request timeout, so a dead database fails fast. */
  timeoutMs: number;
  /** Attempts per call, the first included. */
  maxAttempts: number;
}

type Native = unknown;

interface RetryToken {
  getRetryCount(): number;
  getRetryDelay(): number;
}

/** Errors after which DynamoDB has certainly not applied the request. */
export function provablyNotApplied(errorType: string, error?: unknown): boolean {
  const code = (error as { code?: string } | undefined)?.code;
  return errorType === "THROTTLING" || code === "ECONNREFUSED";
}

/**
 * For writes: retries only what DynamoDB provably did not apply (throttled, or the connection refused).
 * The SDK's standard strategy also retries timeouts and dropped connections, where the write may
 * already have landed: a conditional create would then answer 409 for its own write, and an
 * `ADD n :one` would count twice. Those failures surface as a 503 the client can retry instead.
 */
export function atMostOnceRetryStrategy(maxAttempts: number, baseDelayMs = 25) {
  const token = (retries: number): RetryToken => ({
    getRetryCount: () => retries,
    // Full jitter, capped: the budget is the per-attempt timeout, not the backoff.
    getRetryDelay: () => Math.random() * Math.min(1000, baseDelayMs * 2 ** retries),
  });
  return {
    mode: "at-most-once",
    acquireInitialRetryToken: async () => token(0),
    refreshRetryTokenForRetry: async (
      previous: RetryToken,
      info: { errorType: string; error?: unknown },
    ) => {
      const retries = previous.getRetryCount() + 1;
      if (retries >= maxAttempts || !provablyNotApplied(info.errorType, info.error)) {
        // The SDK rethrows the request's own error when no retry token is given.
        throw new Error("not retried");
      }
      return token(retries);
    },
    recordSuccess: () => undefined,
  };
}

/** Core value → what lib-dynamodb marshals to the same DynamoDB type. */
export function toNative(value: AttrValue): Native {
  if (value === null || typeof value !== "object") return value;
  if (value instanceof Num) return new NumberValue(value.text);
  if (value instanceof Binary) return value.bytes;
  if (value instanceof StringSet) return new Set(value.values);
  if (value instanceof NumberSet) return new Set(value.values.map((n) => new NumberValue(n.text)));
  if (value instanceof BinarySet) return new Set(value.values);
  if (Array.isArray(value)) return value.map(toNative);
  return toNativeMap(value);
}

export function toNativeMap(map: AttrMap): Record<string, Native> {
  const out: Record<string, Native> = {};
  for (const [k, v] of Object.entries(map)) out[k] = toNative(v);
  return out;
}

/** lib-dynamodb's conversion settings: numbers come back as `Num`, exact. */
export const TRANSLATE_CONFIG = {
  // Optional parameters left undefined (e.g. no ConditionExpression) are dropped, not sent.
  marshallOptions: { removeUndefinedValues: true },
  unmarshallOptions: { wrapNumbers: (text: string) => new Num(text) },
};

/** What lib-dynamodb unmarshalled (with numbers wrapped as Num) → core value. */
export function fromNative(value: Native): AttrValue {
  if (value === null || typeof value !== "object") return value as AttrValue;
  if (value instanceof Num) return value;
  if (value instanceof NumberValue) return new Num(value.value);
  if (value instanceof Uint8Array) return new Binary(value);
  if (value instanceof Set) {
    const members = [...value] as unknown[];
    const first = members[0];
    if (typeof first === "string") return new StringSet(members as string[]);
    if (first instanceof Uint8Array) return new BinarySet(members as Uint8Array[]);
    return new NumberSet(members.map((m) => (m instanceof Num ? m : new Num(String(m)))));
  }
  if (Array.isArray(value)) return value.map(fromNative);
  return fromNativeMap(value as Record<string, Native>);
}

export function fromNativeMap(map: Record<string, Native>): AttrMap {
  const out: AttrMap = {};
  for (const [k, v] of Object.entries(map)) out[k] = fromNative(v);
  return out;
}

const optionalMap = (map: AttrMap | undefined) => (map ? toNativeMap(map) : undefined);
const optionalResult = (map: Record<string, Native> | undefined) =>
  map ? fromNativeMap(map) : undefined;

/**
 * A write's parameters as lib-dynamodb takes them, on `TableName`: the item, key and expression
 * values in its native form. The items store, the records store and TransactWriteItems all send
 * writes through these.
 */
export function putInput<P extends PutParams>(TableName: string, p: P) {
  return {
    ...p,
    TableName,
    Item: toNativeMap(p.Item),
    ExpressionAttributeValues: optionalMap(p.ExpressionAttributeValues),
  };
}

export function updateInput<P extends UpdateParams>(TableName: string, p: P) {
  const updates = p.AttributeUpdates
    ? Object.fromEntries(
        Object.entries(p.AttributeUpdates).map(([name, u]) => [
          name,
          { Action: u.Action, Value: u.Value === undefined ? undefined : toNative(u.Value) },
        ]),
      )
    : undefined;
  return {
    ...p,
    TableName,
    Key: toNativeMap(p.Key),
    AttributeUpdates: updates,
    ExpressionAttributeValues: optionalMap(p.ExpressionAttributeValues),
  };
}

export function deleteInput<P extends DeleteParams>(TableName: string, p: P) {
  return {
    ...p,
    TableName,
    Key: toNativeMap(p.Key),
    ExpressionAttributeValues: optionalMap(p.ExpressionAttributeValues),
  };
}

/**
 * Raw AttributeValue → core value. Only for the old item on a failed condition, which
 * lib-dynamodb leaves unconverted on the error.
 */
export function fromAttributeValue(av: AttributeValue): AttrValue {
  if (av.S !== undefined) return av.S;
  if (av.N !== undefined) return new Num(av.N);
  if (av.BOOL !== undefined) return av.BOOL;
  if (av.NULL !== undefined) return null;
  if (av.B !== undefined) return new Binary(av.B);
  if (av.SS !== undefined) return new StringSet(av.SS);
  if (av.NS !== undefined) return new NumberSet(av.NS.map((n) => new Num(n)));
  if (av.BS !== undefined) return new BinarySet(av.BS);
  if (av.L !== undefined) return av.L.map(fromAttributeValue);
  if (av.M !== undefined) return fromAttributeMap(av.M);
  throw new Error(`Unsupported attribute type ${Object.keys(av).join(",")}`);
}

export function fromAttributeMap(map: Record<string, AttributeValue>): AttrMap {
  const out: AttrMap = {};
  for (const [k, v] of Object.entries(map)) out[k] = fromAttributeValue(v);
  return out;
}

/** Turns DynamoDB's failed-condition error into the core's, with the old item when returned. */
export function conditionFailed(err: unknown): never {
  const e = err as { name?: string; Item?: Record<string, AttributeValue> };
  if (e?.name === "ConditionalCheckFailedException") {
    throw new ConditionFailed(e.Item ? fromAttributeMap(e.Item) : undefined);
  }
  throw err;
}

/**
 * The SDK client's settings from the function's environment alone. Left to itself the SDK looks
 * for each unset one in the shared config files (`~/.aws/config`, `~/.aws/credentials`) and
 * resolves credentials through its provider chain, on the first request. Lambda has no such
 * files and puts the role's credentials and the region in the environment, so the same values
 * are given here directly. A variable that is set still wins (the SDK reads it), so behaviour
 * on Lambda does not change; locally, the shared files no longer override the function's
 * settings, as on Lambda.
 */
export function settingsFromEnvironment(
  env: Record<string, string | undefined>,
): Partial<DynamoDBClientConfig> {
  const unset = (...names: string[]) => names.every((name) => env[name] === undefined);
  const { AWS_REGION, AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY, AWS_SESSION_TOKEN } = env;
  return {
    ...(AWS_REGION ? { region: AWS_REGION } : {}),
    ...(AWS_ACCESS_KEY_ID && AWS_SECRET_ACCESS_KEY
      ? {
          credentials: {
            accessKeyId: AWS_ACCESS_KEY_ID,
            secretAccessKey: AWS_SECRET_ACCESS_KEY,
            ...(AWS_SESSION_TOKEN ? { sessionToken: AWS_SESSION_TOKEN } : {}),
          },
        }
      : {}),
    // The SDK's own defaults, for what the environment leaves unset.
    ...(unset("AWS_DEFAULTS_MODE") ? { defaultsMode: "legacy" as const } : {}),
    ...(unset("AWS_ACCOUNT_ID_ENDPOINT_MODE")
      ? { accountIdEndpointMode: "preferred" as const }
      : {}),
    ...(unset("AWS_AUTH_SCHEME_PREFERENCE") ? { authSchemePreference: [] } : {}),
    ...(unset("AWS_RETRY_MODE") ? { retryMode: "standard" } : {}),
    ...(unset("AWS_USE_DUALSTACK_ENDPOINT") ? { useDualstackEndpoint: false } : {}),
    ...(unset("AWS_USE_FIPS_ENDPOINT") ? { useFipsEndpoint: false } : {}),
    ...(unset("AWS_SDK_UA_APP_ID") ? { userAgentAppId: async () => undefined } : {}),
    ...(unset("AWS_ENABLE_ENDPOINT_DISCOVERY", "AWS_ENDPOINT_DISCOVERY_ENABLED")
      ? { endpointDiscoveryEnabledProvider: async () => undefined }
      : {}),
    ...(unset("AWS_DISABLE_CLOCK_SKEW_CORRECTION") ? { disableClockSkewCorrection: false } : {}),
    ...(unset("AWS_IGNORE_CONFIGURED_ENDPOINT_URLS") ? configuredEndpoint(env) : {}),
  };
}

/**
 * The endpoint the SDK would find in the environment (`AWS_ENDPOINT_URL_DYNAMODB`, then
 * `AWS_ENDPOINT_URL`), or none. Left to itself, every client's first request also reads both
 * shared config files for `ignore_configured_endpoint_urls` and `endpoint_url`.
 */
function configuredEndpoint(
  env: Record<string, string | undefined>,
): Pick<DynamoDBClientConfig, "endpoint" | "ignoreConfiguredEndpointUrls"> {
  const url = env["AWS_ENDPOINT_URL_DYNAMODB"] || env["AWS_ENDPOINT_URL"];
  return url ? { endpoint: url } : { ignoreConfiguredEndpointUrls: true };
}

/** Document clients, each built on its first use; the item and record stores share them. */
export interface Clients {
  /** Standard SDK retries: reads are idempotent. */
  reads(): DynamoDBDocumentClient;
  /** Retries only what DynamoDB provably did not apply. */
  writes(): DynamoDBDocumentClient;
}

export function createClients(
  options: Omit<DynamoDbStoreOptions, "tableName">,
  env: Record<string, string | undefined> = process.env,
): Clients {
  const settings = settingsFromEnvironment(env);
  // Reads keep the SDK's standard retries (maxAttempts); writes get their own strategy.
  const clientWith = (retries: Partial<DynamoDBClientConfig>) =>
    DynamoDBDocumentClient.from(
      new DynamoDBClient({
        ...settings,
        maxAttempts: options.maxAttempts,
        ...retries,
        requestHandler: {
          connectionTimeout: options.timeoutMs,
          requestTimeout: options.timeoutMs,
          throwOnRequestTimeout: true,
        },
      }),
      TRANSLATE_CONFIG,
    );
  let readClient: DynamoDBDocumentClient | undefined;
  let writeClient: DynamoDBDocumentClient | undefined;
  return {
    reads: () => (readClient ??= clientWith({})),
    writes: () =>
      (writeClient ??= clientWith({
        retryStrategy: atMostOnceRetryStrategy(options.maxAttempts),
      })),
  };
}

export function createDynamoDbStore(
  options: DynamoDbStoreOptions,
  clients: Clients = createClients(options),
): Store {
  // Reads are idempotent: the SDK's standard retries (timeouts included) are safe. Writes retry
  // only what DynamoDB provably did not apply. Each client is built on its first use.
  const { reads, writes } = clients;
  const TableName = options.tableName;

  return {
    async put(p) {
      const out = await writes()
        .send(new PutCommand(putInput(TableName, p)))
        .catch(conditionFailed);
      return { Attributes: optionalResult(out.Attributes) };
    },
    async get(p) {
      const out = await reads().send(new GetCommand({ ...p, TableName, Key: toNativeMap(p.Key) }));
      return { Item: optionalResult(out.Item) };
    },
    async update(p) {
      const out = await writes()
        .send(new UpdateCommand(updateInput(TableName, p)))
        .catch(conditionFailed);
      return { Attributes: optionalResult(out.Attributes) };
    },
    async delete(p) {
      const out = await writes()
        .send(new DeleteCommand(deleteInput(TableName, p)))
        .catch(conditionFailed);
      return { Attributes: optionalResult(out.Attributes) };
    },
    async scan(p) {
      const out = await reads().send(
        new ScanCommand({
          ...p,
          TableName,
          ExclusiveStartKey: optionalMap(p.ExclusiveStartKey),
        }),
      );
      return {
        Items: (out.Items ?? []).map(fromNativeMap),
        Count: out.Count ?? 0,
        LastEvaluatedKey: optionalResult(out.LastEvaluatedKey),
      };
    },
  };
}
