/**
 * The local target: the local cloud (DynamoDB Local + the program's API and function, no Docker),
 * run in-process. It needs Java 17+ for DynamoDB Local, and nothing else.
 */
import { startLocalCloud } from "../../local";
import { assertJava } from "../../local/dynamodb-local";
import { authorizeWith } from "../flows/credentials";
import type { StartedTarget, Target, TargetOptions } from "./target";

export class LocalTarget implements Target {
  readonly name = "local";
  constructor(private readonly options: TargetOptions) {}

  async skipReason(): Promise<string | undefined> {
    try {
      assertJava();
      return undefined;
    } catch (err) {
      // The local cloud's own message already names the package to install.
      return (err as Error).message;
    }
  }

  async start(): Promise<StartedTarget> {
    const cloud = await startLocalCloud({
      stack: this.options.stack ?? "dev",
      port: 0,
      log: this.options.log,
      // The flow checks CRUD semantics; throttling has tests of its own (local/access.int.test.ts).
      throttle: false,
    });
    try {
      const tableName = cloud.program.outputs.tableName;
      const auth = cloud.program.outputs.auth;
      return {
        baseUrl: cloud.apiUrl.replace(/\/+$/, ""),
        tableName: typeof tableName === "string" ? tableName : undefined,
        // What a caller of this stack holds: a token of its pool, its API key, or IAM credentials.
        authorize: authorizeWith({
          token:
            cloud.model.userPools.length > 0
              ? await cloud.issueToken({ lifetimeSeconds: 3600 })
              : undefined,
          apiKey: cloud.apiKeys[0],
          sigv4:
            auth === "iam" ? { region: cloud.region, credentials: cloud.iamCaller } : undefined,
        }),
        stop: () => cloud.stop(),
      };
    } catch (err) {
      await cloud.stop();
      throw err;
    }
  }
}
