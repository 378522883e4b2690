/**
 * `npm start`'s docs page in a real browser: Debian's Chromium, headless, driven by playwright-core.
 * The page must list every operation of the API's document, show every parameter's description,
 * and load nothing from outside this machine (Swagger UI comes from node_modules, not a CDN).
 */
import { spawn, type ChildProcess } from "node:child_process";
import * as fs from "node:fs";
import * as path from "node:path";
import { expect } from "chai";
import { chromium, type Browser, type Page } from "playwright-core";
import type { OpenAPIV3 } from "openapi-types";
import { buildOpenApiDocument } from "../contract/openapi";

const CHROMIUM = process.env["CHROMIUM_PATH"] ?? "/usr/bin/chromium";
const FLAGS = [
  "--headless",
  "--no-sandbox",
  "--disable-gpu",
  "--disable-background-networking",
  "--disable-component-update",
  "--disable-sync",
  "--no-first-run",
];
const REPO = path.resolve(__dirname, "..");

/** Starts `npm start`'s CLI on a free port; resolves with its API and Docs URLs. */
function startCli(): { child: ChildProcess; ready: Promise<{ api: string; docs: string }> } {
  const child = spawn(process.execPath, ["--import", "tsx", path.join(__dirname, "cli.ts")], {
    cwd: REPO,
    env: { ...process.env, PORT: "0" },
    stdio: ["ignore", "pipe", "pipe"],
  });
  let output = "";
  const ready = new Promise<{ api: string; docs: string }>((resolve, reject) => {
    const onData = (chunk: Buffer) => {
      output += chunk.toString();
      const api = /^API (\S+)$/m.exec(output)?.[1];
      const docs = /^Docs (\S+)$/m.exec(output)?.[1];
      if (api && docs) resolve({ api, docs });
    };
    child.stdout!.on("data", onData);
    child.stderr!.on("data", onData);
    child.once("exit", (code) => reject(new Error(`npm start exited (${code}):\n${output}`)));
  });
  return { child, ready };
}

describe("docs page (npm start) in headless Chromium", function () {
  this.timeout(180_000);
  let cli: ReturnType<typeof startCli> | undefined;
  let browser: Browser | undefined;
  let page: Page | undefined;

  before(function () {
    if (!fs.existsSync(CHROMIUM)) {
      const reason = `${CHROMIUM} not found: apt-get install -y chromium (.ci/run does)`;
      // CI installs it, so there a missing browser is a failure, not a skip.
      if (process.env["CI"]) throw new Error(reason);
      console.log(`    docs page test skipped: ${reason}`);
      this.skip();
    }
  });

  after(async () => {
    await browser?.close();
    if (cli && cli.child.exitCode === null) {
      cli.child.kill("SIGTERM");
      await new Promise((resolve) => cli!.child.once("exit", resolve));
    }
  });

  it("prints the Docs URL after API, and the page lists every operation of the document", async () => {
    cli = startCli();
    const { api, docs } = await cli.ready;
    expect(docs).to.equal(`${api}/docs`);
    expect(docs).to.match(/^http:\/\/127\.0\.0\.1:\d+\/[A-Za-z0-9_-]+\/docs$/);

    browser = await chromium.launch({ executablePath: CHROMIUM, args: FLAGS, headless: true });
    page = await browser.newPage();
    const outside: string[] = [];
    await page.route("**/*", (route) => {
      const url = new URL(route.request().url());
      if (url.hostname === "127.0.0.1") return route.continue();
      outside.push(url.href);
      return route.abort();
    });
    await page.goto(docs);
    await page.waitForSelector(".opblock", { timeout: 60_000 });

    const listed = await page.$$eval(".opblock", (blocks) =>
      blocks.map((b) => {
        const method = b.querySelector(".opblock-summary-method")?.textContent?.trim() ?? "";
        const pathEl = b.querySelector(".opblock-summary-path");
        const p = pathEl?.getAttribute("data-path") ?? pathEl?.textContent ?? "";
        return `${method.toUpperCase()} ${p.replace(/\u200b/g, "").trim()}`;
      }),
    );
    const document = buildOpenApiDocument();
    const expected = Object.entries(document.paths).flatMap(([p, item]) =>
      Object.keys(item ?? {}).map((m) => `${m.toUpperCase()} ${p}`),
    );
    expect(listed.sort()).to.deep.equal(expected.sort());
    const title = await page.textContent(".info .title");
    expect(title).to.contain(document.info.title);
    expect(outside, "requests that left this machine").to.deep.equal([]);
  });

  it("shows every parameter's description when an operation is opened", async function () {
    if (!page) throw new Error("the page did not load (see the test before)");
    // Open every operation: Swagger UI renders its parameters only then.
    for (const control of await page.$$(".opblock .opblock-summary-control")) await control.click();
    await page.waitForSelector(".opblock.is-open .parameters-container", { timeout: 30_000 });
    const shown = await page.$$eval(".opblock.is-open", (blocks) =>
      blocks.flatMap((b) => {
        const method = b.querySelector(".opblock-summary-method")?.textContent?.trim() ?? "";
        const pathEl = b.querySelector(".opblock-summary-path");
        const p = (pathEl?.getAttribute("data-path") ?? pathEl?.textContent ?? "").trim();
        return [...b.querySelectorAll("tr[data-param-name]")].map((row) => {
          const cell = row.querySelector(".parameters-col_description");
          const text = cell?.querySelector(".markdown, .renderedMarkdown")?.textContent ?? "";
          return `${method.toUpperCase()} ${p.replace(/\u200b/g, "")} ${row.getAttribute("data-param-in")} ${row.getAttribute("data-param-name")}: ${text.trim()}`;
        });
      }),
    );
    // Rendered Markdown: code spans lose their backticks.
    const expected = Object.entries(buildOpenApiDocument().paths).flatMap(([p, item]) =>
      Object.entries(item as Record<string, OpenAPIV3.OperationObject>).flatMap(([m, op]) =>
        ((op.parameters ?? []) as OpenAPIV3.ParameterObject[]).map(
          (x) =>
            `${m.toUpperCase()} ${p} ${x.in} ${x.name}: ${(x.description ?? "").replace(/`/g, "")}`,
        ),
      ),
    );
    expect(expected.length, "the document has parameters").to.be.above(0);
    for (const line of expected)
      expect(line, "a description the document gives").not.to.match(/: $/);
    expect(shown.sort()).to.deep.equal(expected.sort());
  });
});
