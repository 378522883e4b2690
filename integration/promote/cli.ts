/**
 * `npm run promote -- start --stack dev` starts the CodeDeploy deployment of the version the last
 * `pulumi up` published (and writes `deployment-id` to `$GITHUB_OUTPUT` in a workflow);
 * `npm run promote -- wait --stack dev --deployment-id <id>` waits for it and exits 1, naming the
 * alarm that stopped it, when it fails. Needs the Pulumi CLI (logged in) and the AWS CLI with
 * credentials for the stack's account and region.
 */
import { execFile } from "node:child_process";
import * as fs from "node:fs";
import { parseArgs } from "node:util";
import { PROJECT_DIR } from "../../local/program";
import { start, wait, type Shell } from "./index";

const USAGE =
  "usage: npm run promote -- start --stack NAME\n" +
  "       npm run promote -- wait --stack NAME --deployment-id ID";

const shell: Shell = (command, args) =>
  new Promise((resolve, reject) => {
    execFile(
      command,
      args,
      { cwd: PROJECT_DIR, maxBuffer: 16 * 1024 * 1024 },
      (err, stdout, stderr) => {
        if (err) {
          const missing = (err as NodeJS.ErrnoException).code === "ENOENT";
          reject(
            new Error(
              missing
                ? `${command} is not on the PATH: promotion needs the AWS CLI and the Pulumi CLI`
                : `${command} ${args.slice(0, 2).join(" ")} failed: ${stderr.trim() || err.message}`,
            ),
          );
        } else resolve(stdout);
      },
    );
  });

async function main(): Promise<number> {
  const { values, positionals } = parseArgs({
    allowPositionals: true,
    options: { stack: { type: "string" }, "deployment-id": { type: "string" } },
  });
  const [command] = positionals;
  if (!values.stack || (command !== "start" && command !== "wait")) {
    console.error(USAGE);
    return 2;
  }
  if (command === "start") {
    const result = await start(shell, values.stack);
    console.log(result.message);
    const id = result.kind === "started" ? result.deploymentId : "";
    if (process.env.GITHUB_OUTPUT)
      fs.appendFileSync(process.env.GITHUB_OUTPUT, `deployment-id=${id}\n`);
    return 0;
  }
  const result = await wait(shell, values.stack, values["deployment-id"] ?? "");
  for (const line of result.lines) (result.ok ? console.log : console.error)(line);
  return result.ok ? 0 : 1;
}

main().then(
  (code) => (process.exitCode = code),
  (err: unknown) => {
    console.error(err instanceof Error ? err.message : String(err));
    process.exitCode = 1;
  },
);
