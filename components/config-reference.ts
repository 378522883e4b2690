/**
 * BUILD TIME ONLY: `docs/configuration.md`, generated from the stack config's schema (the
 * components' Args schemas, their descriptions and defaults), so the reference never keeps a copy
 * of its own. `npx tsx components/config-reference.ts` writes it; a unit test fails while the
 * committed file is stale. The program never imports this file.
 */
import * as fs from "node:fs";
import * as path from "node:path";
import { CONFIG_NAMESPACE, MOVED_KEYS, configSchema } from "./config";
import { entriesOf } from "./schema";

export const REFERENCE_FILE = path.join(__dirname, "..", "docs", "configuration.md");

/** A schema node as this file reads it: valibot's runtime shape, loosely. */
interface Node {
  type?: string;
  kind?: string;
  wrapped?: Node;
  default?: unknown;
  options?: Node[] | unknown[];
  item?: Node;
  pipe?: Node[];
  entries?: Record<string, Node>;
  expects?: string;
  requirement?: unknown;
  description?: string;
  metadata?: { type?: string };
  literal?: unknown;
}

/** The groups, in the order the stack files list them, with the component each one configures. */
const GROUPS: Record<
  string,
  { title: string; source: string; note?: string; example?: Record<string, unknown> }
> = {
  table: { title: "the DynamoDB table", source: "components/table.ts" },
  function: { title: "the CRUD function", source: "components/function.ts" },
  api: { title: "the REST API and its stage", source: "components/api/index.ts" },
  cognito: { title: "the Cognito user pool (with `auth: cognito`)", source: "components/auth.ts" },
  monitoring: {
    title: "alarms, their topic and the dashboard",
    source: "components/monitoring/args.ts",
  },
  promotion: {
    title: "gradual promotion with CodeDeploy",
    source: "components/promotion.ts",
    note:
      "`enabled` is the stack's; `deploymentConfig` is the `Promotion` component's. How a version " +
      "reaches callers, how to watch it and how it rolls back: " +
      "[Deploying and operating](deploying.md#promotion-how-a-version-reaches-callers).",
  },
  domain: {
    title: "a custom domain name",
    source: "components/domain.ts",
    note:
      "Unset, the stack has no custom domain and `url` is the execute-api invoke URL. Set, `name` " +
      "and `hostedZoneId` or `certificateArn` are needed; `disableExecuteApiEndpoint` is the " +
      "REST API's (`components/api/index.ts`). How to set one up: " +
      "[Deploying and operating](deploying.md#custom-domain).",
    example: { name: "api.example.com", hostedZoneId: "Z0123456789ABCDEFGHIJ", basePath: "v1" },
  },
};

/** Every action of a schema's pipes, outermost first, and the schema they are built on. */
function flatten(node: Node): { base: Node; actions: Node[] } {
  if (!node.pipe) return { base: node, actions: [] };
  const [root, ...actions] = node.pipe;
  const inner = root === node || !root ? { base: node, actions: [] } : flatten(root);
  return { base: inner.base, actions: [...actions, ...inner.actions] };
}

/** The schema under `optional` and the options a program, but no stack file, may pass. */
function plainOf(node: Node): Node {
  let n = node;
  for (;;) {
    if (n.type === "optional" && n.wrapped) n = n.wrapped;
    else if (n.type === "union" && Array.isArray(n.options)) {
      const options = (n.options as Node[]).filter((o) => {
        const base = flatten(o).base;
        return base.type !== "custom" && base.type !== "literal";
      });
      n = options[0] ?? n;
      if (options.length !== 1) return n;
    } else return n;
  }
}

const code = (value: unknown) => `\`${typeof value === "string" ? value : JSON.stringify(value)}\``;

/** How a key's values read: its type and the limits its schema checks. */
function typeOf(entry: Node): string {
  const { base, actions } = flatten(plainOf(entry));
  const given = actions.find((a) => a.type === "metadata")?.metadata?.type;
  if (given) return given;
  const find = (type: string) => actions.find((a) => a.type === type)?.requirement;
  switch (base.type) {
    case "boolean":
      return "`true` \\| `false`";
    case "picklist": {
      const options = base.options as unknown[];
      // A long list of numbers reads better as a list than as alternatives.
      return options.length > 4 && options.every((o) => typeof o === "number")
        ? `one of ${options.join(", ")}`
        : options.map(code).join(" \\| ");
    }
    case "array":
      return `list of ${typeOf(base.item!)}s`;
    case "number": {
      const min = find("min_value");
      const max = find("max_value");
      const above = find("gt_value");
      const whole = actions.some((a) => a.type === "integer");
      const step = find("multiple_of");
      const range =
        min !== undefined && max !== undefined
          ? `${min}–${max}`
          : above !== undefined && max !== undefined
            ? `above ${above}, at most ${max}`
            : min !== undefined
              ? `≥ ${min}`
              : "";
      const kind = step !== undefined ? `multiple of ${step}` : whole ? "whole number" : "number";
      return range ? `${kind}, ${range}` : kind;
    }
    default:
      return base.type ?? "value";
  }
}

/** What a key does: the description nearest the key (a config-level one wins). */
function descriptionOf(entry: Node): string {
  let n: Node | undefined = entry;
  while (n) {
    const found = n.pipe?.find((a) => a !== n && a.type === "description")?.description;
    if (found) return found;
    if (n.type === "optional" || n.type === "union") n = plainOf(n) === n ? undefined : plainOf(n);
    else n = n.pipe?.[0] !== n ? n.pipe?.[0] : undefined;
  }
  return "";
}

function defaultOf(entry: Node): string {
  if (entry.type !== "optional") return "required";
  if (entry.default === undefined) return "unset";
  const value = entry.default;
  if (typeof value === "object" && value !== null && !Array.isArray(value)) return "";
  return code(value);
}

/** One row per leaf key below a schema: nested maps (monitoring's thresholds) as dotted keys. */
function rows(schema: unknown, prefix = ""): string[][] {
  return Object.entries((entriesOf(schema) ?? {}) as Record<string, Node>).flatMap(
    ([key, entry]) =>
      entriesOf(entry)
        ? rows(entry, `${prefix}${key}.`)
        : [[code(`${prefix}${key}`), typeOf(entry), defaultOf(entry), descriptionOf(entry)]],
  );
}

/** A Markdown table, padded as Prettier pads them, so the file passes `prettier --check`. */
function table(header: string[], body: string[][]): string {
  const all = [header, ...body].map((row) => row.map((cell) => cell.replace(/\n/g, " ")));
  const widths = header.map((_, i) => Math.max(3, ...all.map((row) => [...row[i]!].length)));
  const line = (row: string[]) =>
    `| ${row.map((cell, i) => cell + " ".repeat(widths[i]! - [...cell].length)).join(" | ")} |`;
  return [
    line(all[0]!),
    `| ${widths.map((w) => "-".repeat(w)).join(" | ")} |`,
    ...all.slice(1).map(line),
  ].join("\n");
}

const HEADER = ["key", "type", "default", "what it does"];

/** The reference, as Markdown. */
export function configReference(): string {
  const schema = configSchema("<stack>");
  const top = entriesOf(schema) as Record<string, Node>;
  const shared = Object.entries(top).filter(([key]) => !(key in GROUPS));
  const out: string[] = [
    "# Configuration",
    "",
    "<!-- Generated from the components' schemas by `npx tsx components/config-reference.ts`: edit",
    "the schemas' descriptions and defaults, then run it. A unit test fails while this file is stale. -->",
    "",
    `Every key is in the project's namespace, \`${CONFIG_NAMESPACE}:\`. The stack config is one object`,
    `per component (${Object.keys(GROUPS).map(code).join(", ")}), plus the switches several`,
    "components share. Each object is the component's own Args schema: the component checks its",
    "args with the same schema, so the program and a direct user of a component get the same",
    "errors. `components/config.ts` composes them and reads the config once.",
    "",
    "`Pulumi.dev.yaml` sets every key, with comments; `Pulumi.prod.yaml` sets what production changes.",
    "A key left out takes its default; a group left out takes the default of each of its keys.",
    "`<stack>` in a default stands for the stack's name.",
    "",
    "```yaml",
    "config:",
    `  ${CONFIG_NAMESPACE}:production: false`,
    `  ${CONFIG_NAMESPACE}:api:`,
    "    stageName: test",
    "    throttleRateLimit: 50",
    "```",
    "",
    // How `--path` types values: pulumi/pulumi#18285 (documented) and #18287 (`--type` to force).
    "From the command line, `pulumi config set --path api.stageName test` sets one key of a group.",
    "With `--path`, Pulumi stores `true`/`false` as booleans and whole numbers as numbers, and",
    "everything else as a string (a decimal like `2.5` too), so write decimals in the stack file.",
    "",
    "A wrong value fails `pulumi up` (and `npm start`) before anything is deployed, with every",
    "problem at once, each naming its key's path (`lambda-apigateway:monitoring.thresholds.lambdaErrors`)",
    "and what to do. A key the schema does not know is refused too, at any depth, with the keys",
    'known there. A key that names an optional value (an ARN, an identifier) may be set to `""`,',
    "which is the same as leaving it out.",
    "",
    "## Shared switches",
    "",
    "Set at the top level, each once for every component that reads it.",
    "",
    table(
      HEADER,
      shared.map(([key, entry]) => [
        code(key),
        typeOf(entry),
        defaultOf(entry),
        descriptionOf(entry),
      ]),
    ),
  ];
  for (const [group, { title, source, note, example }] of Object.entries(GROUPS)) {
    out.push(
      "",
      `## \`${group}\`: ${title}`,
      "",
      `\`${CONFIG_NAMESPACE}:${group}\`, the settings of \`${source}\`.${note ? ` ${note}` : ""}`,
      ...(example
        ? [
            "",
            "```yaml",
            "config:",
            `  ${CONFIG_NAMESPACE}:${group}:`,
            ...Object.entries(example).map(([key, value]) => `    ${key}: ${String(value)}`),
            "```",
          ]
        : []),
      "",
      table(HEADER, rows(top[group])),
    );
  }
  out.push(
    "",
    "## Keys before the groups",
    "",
    "Until the config was grouped per component, every key was at the top level. A stack file that",
    "still sets one fails with the key's new place; each moved as below. The shared switches",
    `(${shared.map(([key]) => code(key)).join(", ")}) stayed where they were.`,
    "",
    table(
      ["old key", "new key"],
      Object.entries(MOVED_KEYS).map(([old, moved]) => [code(old), code(moved)]),
    ),
    "",
  );
  return out.join("\n");
}

if (require.main === module) {
  fs.writeFileSync(REFERENCE_FILE, configReference());
  console.log(`wrote ${path.relative(process.cwd(), REFERENCE_FILE)}`);
}
