/**
 * The function and table under test, read from what the Pulumi program registers: its environment
 * variables, memory size and the table definition are never copied into the benchmark.
 */
import { reveal, type ProgramRun, type RecordedResource } from "../integration/program";
import { FUNCTION_TYPE } from "../integration/targets/local/model";
import { TABLE_TYPE } from "../integration/targets/local/tables";
import { ENV } from "../handlers/env";

export interface FunctionUnderTest {
  functionName: string;
  memorySizeMb: number;
  region: string;
  /** The function's `environment.variables`, as the program sets them. */
  variables: Record<string, string>;
  /** The table the function's TABLE_NAME names. */
  table: RecordedResource;
  tableName: string;
}

/** Picks the CRUD function (the one given a TABLE_NAME) and its table out of a program run. */
export function functionUnderTest(run: ProgramRun): FunctionUnderTest {
  const functions = run.ofType(FUNCTION_TYPE);
  const variablesOf = (f: RecordedResource) =>
    (reveal(f.state.environment) as { variables?: Record<string, unknown> } | undefined)?.variables;
  const fn = functions.find((f) => variablesOf(f)?.[ENV.tableName]);
  if (!fn) {
    throw new Error(
      `The program (stack ${run.stack}) registers ${functions.length} Lambda function(s), none with ` +
        `${ENV.tableName} in its environment: the benchmark needs the CRUD function`,
    );
  }
  const variables = Object.fromEntries(
    Object.entries(variablesOf(fn) ?? {}).map(([k, v]) => [k, String(v)]),
  );
  const tableName = variables[ENV.tableName] as string;
  const table = run.ofType(TABLE_TYPE).find((t) => t.state.name === tableName);
  if (!table) {
    throw new Error(`The program registers no table named ${tableName} (the function's table)`);
  }
  return {
    functionName: String(fn.state.name ?? fn.name),
    memorySizeMb: Number(fn.state.memorySize ?? 128),
    region: run.region,
    variables,
    table,
    tableName,
  };
}
