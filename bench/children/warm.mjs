/* global process, performance */
// Warm per-request cost, run as `node warm.mjs <spec JSON>` with Lambda's environment: in one
// process, GetItem through our handler (invoked in-process, as the runtime does), the same request
// through the Powertools peer and a direct DocumentClient GetCommand on the same table (plus the
// baseline handler for reference), called
// in turn with the order alternating each round. Samples (ms) are reported on fd 3.
import { writeSync } from "node:fs";
import { pathToFileURL } from "node:url";
import { DynamoDBClient } from "@aws-sdk/client-dynamodb";
import { DynamoDBDocumentClient, GetCommand } from "@aws-sdk/lib-dynamodb";
import { lambdaContext } from "./context.mjs";

const spec = JSON.parse(process.argv[2]);
const ours = (await import(pathToFileURL(spec.oursModule).href)).handler;
const baseline = (await import(pathToFileURL(spec.baselineModule).href)).handler;
const powertools = (await import(pathToFileURL(spec.powertoolsModule).href)).handler;
// Created the way a function would create it: region, endpoint and credentials from the env.
const direct = DynamoDBDocumentClient.from(new DynamoDBClient({}));

const setup = await ours(spec.seedEvent, lambdaContext());
if (setup.statusCode !== 201 && setup.statusCode !== 409) {
  throw new Error(`Seeding through the handler answered ${setup.statusCode}: ${setup.body}`);
}

const variants = {
  handler: async () => {
    const res = await ours(spec.handlerEvent, lambdaContext());
    if (res.statusCode !== 200) throw new Error(`handler answered ${res.statusCode}: ${res.body}`);
  },
  direct: async () => {
    const res = await direct.send(new GetCommand({ TableName: spec.tableName, Key: spec.key }));
    if (!res.Item) throw new Error("direct GetCommand found no item");
  },
  powertools: async () => {
    const res = await powertools(spec.handlerEvent, lambdaContext());
    if (res.statusCode !== 200)
      throw new Error(`Powertools answered ${res.statusCode}: ${res.body}`);
  },
  baseline: async () => {
    const res = await baseline(spec.baselineEvent, lambdaContext());
    if (res.statusCode !== 200) throw new Error(`baseline answered ${res.statusCode}: ${res.body}`);
  },
};
const names = Object.keys(variants);
const samples = Object.fromEntries(names.map((n) => [n, []]));
const errors = Object.fromEntries(names.map((n) => [n, 0]));
let firstError;

for (let round = 0; round < spec.warmup + spec.iterations; round++) {
  const order = round % 2 === 0 ? names : [...names].reverse();
  for (const name of order) {
    const start = performance.now();
    try {
      await variants[name]();
      if (round >= spec.warmup) samples[name].push(performance.now() - start);
    } catch (err) {
      errors[name] += 1;
      firstError ??= String(err?.message ?? err);
    }
  }
}

writeSync(3, JSON.stringify({ samples, errors, firstError }) + "\n");
process.exit(0);
