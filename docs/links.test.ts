/**
 * The front page and the manual: every relative link in README.md and docs/ leads to a file and
 * heading that exist, and README.md stays a front page of at most 250 lines. The second half
 * shows the checker failing on a small fixture, so a pass above means something.
 */
import { expect } from "chai";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import {
  brokenLinks,
  githubSlug,
  headingAnchors,
  lineCount,
  markdownLinks,
  type BrokenLink,
} from "../testing/markdown-links";

const ROOT = path.resolve(__dirname, "..");
const README_MAX_LINES = 250;

/** README.md and every Markdown file under docs/, relative to the root. */
function documentation(root: string): string[] {
  const docs = fs
    .readdirSync(path.join(root, "docs"), { recursive: true, encoding: "utf8" })
    .filter((f) => f.endsWith(".md"))
    .map((f) => path.join("docs", f))
    .sort();
  return ["README.md", ...docs];
}

const describeBroken = (b: BrokenLink) => `${b.file}:${b.line} (${b.target}): ${b.reason}`;

describe("documentation: README.md and docs/", () => {
  const files = documentation(ROOT);

  it("every relative link leads to a file, and every #anchor to a heading of it", () => {
    expect(brokenLinks(ROOT, files).map(describeBroken)).to.deep.equal([]);
  });

  it("README.md is a front page of at most 250 lines; the manual lives in docs/", () => {
    const lines = lineCount(fs.readFileSync(path.join(ROOT, "README.md"), "utf8"));
    expect(lines, `README.md has ${lines} lines: move a section to docs/`).to.be.at.most(
      README_MAX_LINES,
    );
  });

  it("the README links every page of docs/", () => {
    const readme = fs.readFileSync(path.join(ROOT, "README.md"), "utf8");
    const linked = new Set(
      markdownLinks(readme).map(({ target }) => path.normalize(target.replace(/#.*$/, ""))),
    );
    const pages = files.filter((f) => f.startsWith("docs" + path.sep));
    expect(pages.length, "docs pages").to.be.above(0);
    expect(pages.filter((page) => !linked.has(page))).to.deep.equal([]);
  });
});

describe("documentation: the link checker", () => {
  let root: string;

  before(() => {
    root = fs.mkdtempSync(path.join(os.tmpdir(), "links-"));
    fs.mkdirSync(path.join(root, "docs"));
    fs.writeFileSync(
      path.join(root, "docs", "guide.md"),
      "# Guide\n\n## Setting up: `npm start`\n\n## Usage\n\n## Usage\n\n```sh\n# not a heading\n```\n",
    );
    fs.writeFileSync(path.join(root, "notes.txt"), "one\ntwo\n");
    fs.writeFileSync(
      path.join(root, "README.md"),
      [
        "# Front page",
        "",
        "[guide](docs/guide.md), [a heading](docs/guide.md#setting-up-npm-start),",
        "[the second Usage](docs/guide.md#usage-1), [a folder](docs/), [here](#front-page),",
        "[a line](notes.txt#L2), [a site](https://example.com/nowhere.md), ![img](docs/guide.md)",
        "[missing file](docs/missing.md) and [missing",
        "heading](docs/guide.md#no-such-heading), [code's comment](docs/guide.md#not-a-heading),",
        "[no third Usage](docs/guide.md#usage-2), [not here](#nowhere), [out](../elsewhere.md),",
        "[absolute](/docs/guide.md), [past the end](notes.txt#L3), [dir anchor](docs/#guide)",
        "",
        "`[in a code span](nowhere.md)` <!-- [in a comment](nowhere.md) -->",
        "",
        "```md",
        "[in a code block](nowhere.md)",
        "```",
        "",
        "[ref]: docs/gone.md",
        "",
      ].join("\n"),
    );
  });

  after(() => fs.rmSync(root, { recursive: true, force: true }));

  it("reports each link that leads nowhere, with its line and why, and nothing else", () => {
    const broken = brokenLinks(root, ["README.md", path.join("docs", "guide.md")]);
    expect(broken.map((b) => `${b.line} ${b.target}`)).to.deep.equal([
      "6 docs/missing.md",
      "6 docs/guide.md#no-such-heading",
      "7 docs/guide.md#not-a-heading",
      "8 docs/guide.md#usage-2",
      "8 #nowhere",
      "8 ../elsewhere.md",
      "9 /docs/guide.md",
      "9 notes.txt#L3",
      "9 docs/#guide",
      "17 docs/gone.md",
    ]);
    expect(broken[0]!.reason).to.equal(`${path.join("docs", "missing.md")} does not exist`);
    expect(broken[1]!.reason).to.equal(
      `no heading of ${path.join("docs", "guide.md")} has the anchor #no-such-heading`,
    );
  });

  it("counts the README's lines as an editor does, so 251 lines fail the front-page rule", () => {
    const long = "line\n".repeat(README_MAX_LINES + 1);
    expect(lineCount(long)).to.equal(README_MAX_LINES + 1);
    expect(lineCount("line\n".repeat(README_MAX_LINES))).to.equal(README_MAX_LINES);
    expect(lineCount("a\nb")).to.equal(2);
  });

  it("makes GitHub's heading anchors", () => {
    const cases: [string, string][] = [
      [
        "The tutorial's operation endpoint: POST /DynamoDBManager",
        "the-tutorials-operation-endpoint-post-dynamodbmanager",
      ],
      ["CI/CD: the workflows", "cicd-the-workflows"],
      ["@pulumi/awsx is left out", "pulumiawsx-is-left-out"],
      [
        "Idempotency-Key: writes a client can safely retry",
        "idempotency-key-writes-a-client-can-safely-retry",
      ],
      ["snake_case stays", "snake_case-stays"],
      ["Über → café", "über--café"],
      ["Emoji 🚀 go", "emoji--go"],
    ];
    for (const [text, slug] of cases) expect(githubSlug(text), text).to.equal(slug);
    expect([
      ...headingAnchors(
        "# Title\n## `code` *and* _emphasis_ [link](x.md)\n## Title\n## Title\n### Title 1\n",
      ),
    ]).to.deep.equal(["title", "code-and-emphasis-link", "title-1", "title-2", "title-1-1"]);
  });
});
