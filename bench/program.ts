/**
 * The function and table under test, read from what the Pulumi program registers: its environment
 * variables, memory size and the table definition are never copied into the benchmark.
 */
import type { ProgramRun, RecordedResource } from "../local/program";
import type { RestApiModel } from "../local/model";
import { ENV } from "../contract/env";
import { declaredFunction } from "../testing/handler";

export interface FunctionUnderTest {
  functionName: string;
  memorySizeMb: number;
  /** Lambda's `runtime` setting, e.g. `nodejs22.x`: the bench measures on its Node major. */
  runtime: string;
  region: string;
  /** The function's `environment.variables`, as the program sets them. */
  variables: Record<string, string>;
  /** The table the function's TABLE_NAME names. */
  table: RecordedResource;
  tableName: string;
  /** The REST API in front of it: events are routed over it like API Gateway does. */
  api: RestApiModel;
}

/** The CRUD function under test, its table and its API, out of a program run. */
export async function functionUnderTest(run: ProgramRun): Promise<FunctionUnderTest> {
  const { fn, env, table, api, region } = await declaredFunction(run);
  return {
    functionName: fn.name,
    memorySizeMb: fn.memoryMb,
    runtime: fn.runtime,
    region,
    variables: env,
    table,
    tableName: env[ENV.tableName] ?? "",
    api,
  };
}
