/**
 * A/B cold starts of handler variants, for trying a change before making it:
 *
 *   npx tsx bench/compare.ts [--runs N] NAME=MODULE[;VAR=VALUE...] NAME=MODULE ...
 *
 * MODULE is a built handler module (`.mjs`), or a TypeScript entry, which is bundled exactly as the
 * Function component bundles `handlers/crud.ts`. `;VAR=VALUE` adds environment variables for
 * that variant (e.g. `;NODE_OPTIONS=--max-semi-space-size=16`); `;@text` gives it the body as text,
 * as an API without binary media types sends it (the tutorial's handler and the Powertools peer
 * cannot read our API's base64 bodies). The variants run interleaved
 * against DynamoDB Local, in the function's environment from the Pulumi program, each serving the
 * tutorial's read, on the Node major of the function's runtime (as `npm run bench` does); medians
 * are printed with each variant's ratio to the first.
 */
import * as path from "node:path";
import { DynamoDBClient } from "@aws-sdk/client-dynamodb";
import { DynamoDBDocumentClient, PutCommand } from "@aws-sdk/lib-dynamodb";
import { bundleHandler } from "../components/bundle";
import { runProgram } from "../local/program";
import { startDynamoDbLocal } from "../local/dynamodb-local";
import { nodeForRuntime } from "../local/node-runtime";
import { materialiseTable } from "../local/tables";
import { measureColdStarts, medianOf, type ColdStartReport, type Variant } from "./cold-start";
import { lambdaEnvironment, textBodiesApi, tutorialReadEvent } from "./lambda";
import { createPowertoolsTable } from "./powertools/table";
import { functionUnderTest } from "./program";
import { ratio, round } from "./stats";

const LOCAL_CREDENTIALS = { accessKeyId: "local", secretAccessKey: "local" };

/** `NAME=MODULE;VAR=VALUE;...` → a variant (TypeScript entries are bundled first). */
export function parseVariant(spec: string): Variant & { entry?: string; textBodies?: boolean } {
  const eq = spec.indexOf("=");
  if (eq <= 0) throw new Error(`"${spec}": expected NAME=MODULE[;VAR=VALUE...]`);
  const [file = "", ...vars] = spec.slice(eq + 1).split(";");
  const env: Record<string, string> = {};
  const textBodies = vars.includes("@text");
  for (const v of vars.filter((v) => v !== "@text")) {
    const at = v.indexOf("=");
    if (at <= 0) throw new Error(`"${v}" in "${spec}": expected VAR=VALUE`);
    env[v.slice(0, at)] = v.slice(at + 1);
  }
  const resolved = path.resolve(file);
  const isEntry = /\.[cm]?ts$/.test(file);
  return {
    name: spec.slice(0, eq),
    module: isEntry ? "" : resolved,
    entry: isEntry ? resolved : undefined,
    env: Object.keys(env).length ? env : undefined,
    ...(textBodies ? { textBodies } : {}),
  };
}

async function main() {
  const args = process.argv.slice(2);
  const runsAt = args.indexOf("--runs");
  const runs = runsAt >= 0 ? Number(args.splice(runsAt, 2)[1]) : 15;
  if (args.length < 1 || !Number.isInteger(runs) || runs < 1) {
    throw new Error("usage: tsx bench/compare.ts [--runs N] NAME=MODULE[;VAR=VALUE...] ...");
  }
  const specs = args.map((spec, i) => {
    const v = parseVariant(spec);
    if (!v.entry) return v;
    const bundle = bundleHandler({ name: `bench-compare-${i}`, entry: v.entry });
    return { ...v, module: path.join(bundle.dir, bundle.entryFile) };
  });

  const fut = await functionUnderTest(await runProgram({ stack: "dev" }));
  const engine = await startDynamoDbLocal();
  try {
    const client = new DynamoDBClient({
      endpoint: engine.endpoint,
      region: fut.region,
      credentials: LOCAL_CREDENTIALS,
    });
    await materialiseTable(client, fut.table);
    // The Powertools peer's idempotency table, so bench/powertools/handler.ts can be a variant.
    const powertoolsEnv = await createPowertoolsTable(client, fut.tableName);
    const id = "bench-compare";
    await DynamoDBDocumentClient.from(client).send(
      new PutCommand({ TableName: fut.tableName, Item: { id, number: 5 } }),
    );
    client.destroy();
    const textEvent = tutorialReadEvent(textBodiesApi(fut.api), id);
    const variants: Variant[] = specs.map(({ name, module, env, textBodies }) => ({
      name,
      module,
      env,
      ...(textBodies ? { event: textEvent } : {}),
    }));

    const node = nodeForRuntime(fut.runtime);
    if (node.mismatch) process.stdout.write(`! ${node.mismatch}\n`);
    process.stdout.write(`Node ${node.version} for ${fut.runtime}\n`);
    const result = await measureColdStarts({
      node: node.execPath,
      variants,
      runs,
      warmupRuns: 2,
      env: lambdaEnvironment({
        functionVariables: fut.variables,
        functionName: fut.functionName,
        memorySizeMb: fut.memorySizeMb,
        region: fut.region,
        dynamoDbEndpoint: engine.endpoint,
        taskRoot: path.dirname(variants[0]?.module ?? "."),
        extra: powertoolsEnv,
      }),
      event: tutorialReadEvent(fut.api, id),
      check: (r: ColdStartReport) => {
        if (r.statusCode !== 200 || !r.body?.includes(id)) {
          throw new Error(`expected 200 with the item, got ${r.statusCode}: ${r.body}`);
        }
      },
    });
    const first = medianOf(result.samples[variants[0]!.name] ?? [], "totalMs");
    process.stdout.write(`median of ${runs} interleaved cold starts, ms\n`);
    const firstCpu = medianOf(result.samples[variants[0]!.name] ?? [], "cpuMs");
    process.stdout.write(
      "variant\ttotal\timport\t1st request\tvs first\tCPU ms\tvs first\terrors\n",
    );
    for (const v of variants) {
      const s = result.samples[v.name] ?? [];
      const total = medianOf(s, "totalMs");
      process.stdout.write(
        [
          v.name,
          round(total, 1),
          round(medianOf(s, "importMs"), 1),
          round(medianOf(s, "firstRequestMs"), 1),
          round(ratio(total, first), 3),
          round(medianOf(s, "cpuMs"), 1),
          round(ratio(medianOf(s, "cpuMs"), firstCpu), 3),
          result.errors[v.name] ?? 0,
        ].join("\t") + "\n",
      );
    }
    if (result.firstError) process.stdout.write(`first error: ${result.firstError}\n`);
  } finally {
    await engine.stop();
  }
}

if (require.main === module) {
  main().catch((err) => {
    process.stderr.write(`${err instanceof Error ? err.message : err}\n`);
    process.exitCode = 1;
  });
}
