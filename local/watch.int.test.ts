/**
 * The edit loop on a temporary copy of a fixture project: a saved handler source is served from
 * the next request without a restart, data is kept, no old environment is left, and a syntax
 * error leaves the last good build serving. Waits on answers and log lines, never on a clock.
 */
import * as fs from "node:fs";
import * as net from "node:net";
import * as path from "node:path";
import { DynamoDBClient, GetItemCommand, PutItemCommand } from "@aws-sdk/client-dynamodb";
import { expect } from "chai";
import { bundleHandler } from "../components/bundle";
import type { FunctionHost } from "./functions";
import { LOCAL_CREDENTIALS, startLocalCloud, type LocalCloud } from "./index";
import { startEditLoop } from "./watch";

const FIXTURE = path.join(__dirname, "fixtures", "edit-loop");
/** `.build/edit-loop/<tmp>`: as deep below the repository as the fixture, so its imports resolve. */
const COPIES = path.join(__dirname, "..", ".build", "edit-loop");

const alive = (pid: number) => {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
};

async function until<T>(
  what: string,
  probe: () => Promise<T | undefined>,
  ms = 60_000,
): Promise<T> {
  const deadline = Date.now() + ms;
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`gave up waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

describe("local cloud: edit loop", function () {
  this.timeout(180_000);
  let dir: string;
  let cloud: LocalCloud;
  let client: DynamoDBClient;
  const logs: string[] = [];

  before(async () => {
    fs.mkdirSync(COPIES, { recursive: true });
    dir = fs.mkdtempSync(path.join(COPIES, "copy-"));
    fs.cpSync(FIXTURE, dir, { recursive: true });
    cloud = await startLocalCloud({
      stack: "test",
      projectDir: dir,
      watch: true,
      log: (l) => logs.push(l),
    });
    await cloud.watching;
    client = new DynamoDBClient({
      endpoint: cloud.dynamoDbEndpoint,
      region: cloud.region,
      credentials: LOCAL_CREDENTIALS,
    });
  });
  after(async () => {
    client?.destroy();
    await cloud?.stop();
    if (dir) fs.rmSync(dir, { recursive: true, force: true });
  });

  const greet = async () => {
    const res = await fetch(`${cloud.apiUrl}/anything`);
    expect(res.status).to.equal(200);
    return (await res.json()) as { greeting: string; pid: number };
  };
  const setGreeting = (source: string) =>
    fs.writeFileSync(path.join(dir, "handlers", "greeting.ts"), source);

  it("watches the function bundled by components/bundle.ts", () => {
    expect(logs).to.include(`Edit loop: watching the sources of ${cloud.model.functions[0]!.name}`);
  });

  it("serves a saved change from the next request, keeping data and no old environment", async () => {
    const table = cloud.program.outputs.tableName as string;
    await client.send(
      new PutItemCommand({ TableName: table, Item: { id: { S: "kept" }, n: { N: "1" } } }),
    );
    const before = await greet();
    expect(before.greeting).to.equal("hello v1");
    const oldPids = cloud.functionPids("hello");
    expect(oldPids).to.include(before.pid);

    setGreeting('export const GREETING = "hello v2";\n');
    const after = await until("the new greeting", async () => {
      const answer = await greet();
      return answer.greeting === "hello v2" ? answer : undefined;
    });
    expect(after.pid).to.not.be.oneOf(oldPids);
    await until("the old environments to exit", async () =>
      oldPids.some(alive) ? undefined : true,
    );
    expect(cloud.functionPids("hello").filter((p) => oldPids.includes(p))).to.deep.equal([]);
    const kept = await client.send(
      new GetItemCommand({ TableName: table, Key: { id: { S: "kept" } } }),
    );
    expect(kept.Item?.n?.N).to.equal("1");
    expect(
      logs.some((l) => /^Rebuilt \S+ after .*greeting\.ts changed \(\d+ ms\)$/.test(l)),
    ).to.equal(true);
  });

  it("shows a syntax error and keeps serving the last good build, then takes the fix", async () => {
    const failures = () => logs.filter((l) => l.startsWith("Rebuild of ")).length;
    const before = failures();
    setGreeting('export const GREETING = "hello v3"\nexport const broken = ;\n');
    const failure = await until("the build error", async () =>
      failures() > before ? logs.filter((l) => l.startsWith("Rebuild of ")).at(-1) : undefined,
    );
    expect(failure).to.contain("the last good build keeps serving").and.contain("greeting.ts");
    expect((await greet()).greeting).to.equal("hello v2");

    setGreeting('export const GREETING = "hello v3";\n');
    await until("the fixed greeting", async () =>
      (await greet()).greeting === "hello v3" ? true : undefined,
    );
  });
});

describe("local cloud: --inspect", function () {
  this.timeout(180_000);
  let dir: string;
  let cloud: LocalCloud | undefined;
  after(async () => {
    await cloud?.stop();
    if (dir) fs.rmSync(dir, { recursive: true, force: true });
  });

  it("lets a debugger attach to the function's environment on the given port", async () => {
    fs.mkdirSync(COPIES, { recursive: true });
    dir = fs.mkdtempSync(path.join(COPIES, "inspect-"));
    fs.cpSync(FIXTURE, dir, { recursive: true });
    const probe = net.createServer();
    await new Promise<void>((r) => probe.listen(0, "127.0.0.1", r));
    const port = (probe.address() as net.AddressInfo).port;
    await new Promise((r) => probe.close(r));
    const logs: string[] = [];
    cloud = await startLocalCloud({
      stack: "test",
      projectDir: dir,
      inspectPort: port,
      log: (l) => logs.push(l),
    });
    expect(logs.some((l) => l.includes(`debugger on 127.0.0.1:${port}`))).to.equal(true);
    const res = await fetch(`${cloud.apiUrl}/x`);
    const { pid } = (await res.json()) as { pid: number };
    // What a debugger (Chrome, VS Code) asks first: the inspector's target list.
    const targets = (await (await fetch(`http://127.0.0.1:${port}/json/list`)).json()) as {
      url: string;
      webSocketDebuggerUrl: string;
    }[];
    expect(targets).to.have.length(1);
    expect(targets[0]!.url).to.match(/lambda-runtime\.mjs$/);
    expect(targets[0]!.webSocketDebuggerUrl).to.match(new RegExp(`^ws://127\\.0\\.0\\.1:${port}/`));
    expect(cloud.functionPids("hello")).to.deep.equal([pid]);
  });
});

describe("local cloud: edit loop, a save before the watchers exist", function () {
  this.timeout(60_000);
  let dir: string;
  const stops: (() => Promise<void>)[] = [];

  beforeEach(() => {
    fs.mkdirSync(COPIES, { recursive: true });
    dir = fs.mkdtempSync(path.join(COPIES, "early-"));
    fs.cpSync(FIXTURE, dir, { recursive: true });
    // Sources saved long ago, as in a checkout nobody is editing.
    const old = new Date(Date.now() - 3_600_000);
    for (const f of fs.readdirSync(path.join(dir, "handlers"))) {
      fs.utimesSync(path.join(dir, "handlers", f), old, old);
    }
  });
  afterEach(async () => {
    for (const stop of stops.splice(0)) await stop();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  /** The program's build (components/bundle.ts), then the edit loop on a host that records swaps. */
  async function buildThenWatch(editAfterBuild: boolean) {
    const bundle = bundleHandler({
      name: "hello",
      entry: path.join(dir, "handlers", "hello.ts"),
      outRoot: path.join(dir, ".build"),
    });
    if (editAfterBuild) {
      fs.writeFileSync(
        path.join(dir, "handlers", "greeting.ts"),
        'export const GREETING = "v2";\n',
      );
    }
    const served: string[] = [];
    const host = {
      fn: { name: "hello", codeDir: bundle.dir },
      replaceCode: async (codeDir: string) => {
        served.push(fs.readFileSync(path.join(codeDir, "index.mjs"), "utf8"));
      },
    } as unknown as FunctionHost;
    const loop = startEditLoop([host], () => undefined);
    stops.push(() => loop.stop());
    await loop.ready;
    return served;
  }

  it("serves a source saved after the program's build and before watching began, once ready", async () => {
    const served = await buildThenWatch(true);
    expect(served).to.have.length(1);
    expect(served[0]).to.include('"v2"');
  });

  it("rebuilds nothing at start when no source changed since the build", async () => {
    expect(await buildThenWatch(false)).to.deep.equal([]);
  });
});
