/**
 * `npx tsx bench/edit-loop.ts [--runs N]`: how long after a save the next request runs the new
 * code, with the real CRUD handler's bundle (SDK included) in the edit loop. A temporary copy of
 * the edit-loop fixture (under `.build/`) wraps `handlers/crud.ts` and tags each answer with a
 * constant from a file this script rewrites; the time runs from the write to the first answer
 * carrying the new constant (rebuild + a fresh environment's cold start). Target: under 1 s.
 */
import * as fs from "node:fs";
import * as path from "node:path";
import { parseArgs } from "node:util";
import { startLocalCloud } from "../local/index";

const ROOT = path.resolve(__dirname, "..");
const FIXTURE = path.join(ROOT, "local", "fixtures", "edit-loop");

async function main(): Promise<void> {
  const { values } = parseArgs({ options: { runs: { type: "string", default: "7" } } });
  const runs = Number(values.runs);
  const copies = path.join(ROOT, ".build", "edit-loop");
  fs.mkdirSync(copies, { recursive: true });
  const dir = fs.mkdtempSync(path.join(copies, "bench-"));
  fs.cpSync(FIXTURE, dir, { recursive: true });
  // The real handler, answering ping, with the tag in a header.
  fs.writeFileSync(
    path.join(dir, "handlers", "hello.ts"),
    [
      'import type { APIGatewayProxyEvent, Context } from "aws-lambda";',
      'import { handler as crud } from "../../../../handlers/crud";',
      'import { GREETING } from "./greeting";',
      "export async function handler(event: APIGatewayProxyEvent, context: Context) {",
      "  const result = await crud(event, context);",
      "  return { ...result, headers: { ...result.headers, 'x-greeting': GREETING } };",
      "}",
      "",
    ].join("\n"),
  );
  const logs: string[] = [];
  const cloud = await startLocalCloud({
    stack: "test",
    projectDir: dir,
    watch: true,
    log: (l) => logs.push(l),
  });
  try {
    await cloud.watching;
    const tag = async () => {
      const res = await fetch(`${cloud.apiUrl}/DynamoDBManager`, {
        method: "POST",
        body: '{"operation": "ping", "payload": {}}',
      });
      await res.arrayBuffer();
      return res.headers.get("x-greeting");
    };
    const times: number[] = [];
    for (let i = 1; i <= runs; i++) {
      const wanted = `run ${i}`;
      const saved = Date.now();
      fs.writeFileSync(
        path.join(dir, "handlers", "greeting.ts"),
        `export const GREETING = ${JSON.stringify(wanted)};\n`,
      );
      while ((await tag()) !== wanted) {
        if (Date.now() - saved > 30_000) throw new Error(`run ${i}: no new answer within 30 s`);
        await new Promise((r) => setTimeout(r, 5));
      }
      times.push(Date.now() - saved);
    }
    const rebuilds = logs
      .map((l) => /^Rebuilt .* \((\d+) ms\)$/.exec(l)?.[1])
      .filter((ms): ms is string => !!ms)
      .map(Number);
    const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
    console.log(
      JSON.stringify(
        {
          runs,
          saveToNewAnswerMs: { median: median(times), max: Math.max(...times), all: times },
          rebuildMs: { median: median(rebuilds), all: rebuilds },
          bundle: "handlers/crud.ts with the SDK, components/bundle.ts options",
          node: process.version,
        },
        null,
        2,
      ),
    );
  } finally {
    await cloud.stop();
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

main().catch((err: Error) => {
  console.error(`bench/edit-loop: ${err.message}`);
  process.exit(1);
});
