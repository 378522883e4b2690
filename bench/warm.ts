/**
 * Warm per-request cost: GetItem through our handler against a direct DocumentClient GetCommand
 * on the same item, and the same request through the Powertools peer, interleaved in one process
 * (`children/warm.mjs`).
 */
import type { APIGatewayProxyEvent } from "aws-lambda";
import { runChild } from "./child";
import { ratio, summarise, type Summary } from "./stats";

export interface WarmSpec {
  oursModule: string;
  baselineModule: string;
  /** The Powertools peer's bundle; it serves the same `handlerEvent` as ours. */
  powertoolsModule: string;
  /** Creates the item the REST API reads (201, or 409 when it exists). */
  seedEvent: APIGatewayProxyEvent;
  handlerEvent: APIGatewayProxyEvent;
  baselineEvent: APIGatewayProxyEvent;
  tableName: string;
  key: Record<string, unknown>;
  warmup: number;
  iterations: number;
}

interface WarmReport {
  samples: Record<"handler" | "direct" | "baseline" | "powertools", number[]>;
  errors: Record<"handler" | "direct" | "baseline" | "powertools", number>;
  firstError?: string;
}

export interface WarmResult {
  handler: Summary;
  direct: Summary;
  baseline: Summary;
  powertools: Summary;
  /** Handler p50 / direct p50. */
  ratio: number;
  /** Handler p50 / Powertools peer p50, the same request. */
  powertoolsRatio: number;
  errors: number;
  firstError?: string;
}

export async function measureWarm(
  spec: WarmSpec,
  env: Record<string, string>,
  node?: string,
): Promise<WarmResult> {
  const report = await runChild<WarmReport>("warm.mjs", [JSON.stringify(spec)], {
    env,
    node,
    timeoutMs: 180_000,
  });
  const errors = Object.values(report.errors).reduce((a, b) => a + b, 0);
  const handler = summarise(report.samples.handler);
  const direct = summarise(report.samples.direct);
  const powertools = summarise(report.samples.powertools);
  return {
    handler,
    direct,
    baseline: summarise(report.samples.baseline),
    powertools,
    ratio: ratio(handler.p50, direct.p50),
    powertoolsRatio: ratio(handler.p50, powertools.p50),
    errors,
    firstError: report.firstError,
  };
}
