/**
 * Finds the relative links in Markdown files that lead nowhere: a missing file or directory, a
 * path outside the repository, or a `#anchor` that no heading of the target produces. Anchors
 * follow GitHub's heading ids, which are github-slugger's: lowercase, drop punctuation and
 * symbols, each space becomes `-`, and a repeated slug gets `-1`, `-2`, ...
 * (https://github.com/Flet/github-slugger, `index.js` and `script/generate-regex.mjs`).
 *
 * Only what this repository's Markdown uses is parsed: ATX headings (Prettier writes no others),
 * inline links and images, and reference definitions. Code blocks, code spans and HTML comments
 * are skipped, as GitHub renders no links there.
 */
import * as fs from "node:fs";
import * as path from "node:path";

export interface BrokenLink {
  /** The Markdown file, relative to the root. */
  readonly file: string;
  readonly line: number;
  readonly target: string;
  /** What is wrong, in words the writer can act on. */
  readonly reason: string;
}

/**
 * The Unicode general categories github-slugger removes: other numbers, punctuation but the
 * connector `_`, symbols, controls, format and private-use characters, unassigned code points,
 * and separators. Alphabetic characters among them, the space and `-` are kept.
 */
const SLUG_REMOVED =
  /[\p{No}\p{Pd}\p{Ps}\p{Pe}\p{Pi}\p{Pf}\p{Po}\p{S}\p{Cc}\p{Cf}\p{Co}\p{Cn}\p{Z}]/gu;
const ALPHABETIC = /\p{Alphabetic}/u;

/** GitHub's slug of a heading's rendered text, before duplicates are numbered. */
export function githubSlug(text: string): string {
  return text
    .toLowerCase()
    .replace(SLUG_REMOVED, (c) => (c === " " || c === "-" || ALPHABETIC.test(c) ? c : ""))
    .replace(/ /g, "-");
}

/** Replaces each match with spaces (newlines kept), so offsets and line numbers stay true. */
function blank(text: string, pattern: RegExp): string {
  return text.replace(pattern, (m) => m.replace(/[^\n]/g, " "));
}

const FENCE = /^ {0,3}(`{3,}|~{3,})/;

/** The document with fenced code blocks, HTML comments and code spans blanked out. */
function proseOnly(markdown: string): string {
  const lines = markdown.split("\n");
  let fence: string | undefined;
  const kept = lines.map((line) => {
    const open = FENCE.exec(line)?.[1];
    if (fence === undefined) {
      if (open === undefined) return line;
      fence = open;
      return "";
    }
    // A fence closes with at least as many of the same character, and nothing else on the line.
    if (open && open[0] === fence[0] && open.length >= fence.length && line.trim() === open) {
      fence = undefined;
    }
    return "";
  });
  let text = kept.join("\n");
  text = blank(text, /<!--[\s\S]*?-->/g);
  // A code span opens and closes with backtick runs of the same length.
  text = blank(text, /(`+)(?!`)[\s\S]*?(?<!`)\1(?!`)/g);
  return text;
}

/** The rendered text of a heading's Markdown: code spans' content, links' text, no emphasis. */
function headingText(markdown: string): string {
  const parts = markdown.split(/(`+)([\s\S]*?)\1/);
  let out = "";
  // split with two groups yields [text, ticks, code, text, ticks, code, ..., text].
  for (let i = 0; i < parts.length; i += 3) {
    const prose = (parts[i] ?? "")
      .replace(/<!--[\s\S]*?-->/g, "")
      .replace(/<[^>]+>/g, "")
      .replace(/!?\[([^\]]*)\]\([^)]*\)/g, "$1")
      .replace(/\\(.)/g, "$1")
      .replace(/\*+/g, "")
      .replace(/(^|[^\p{L}\p{N}])_+|_+(?=[^\p{L}\p{N}]|$)/gu, "$1");
    out += prose + (parts[i + 2] ?? "");
  }
  return out.trim();
}

/** Every anchor the headings of a Markdown document produce on GitHub. */
export function headingAnchors(markdown: string): Set<string> {
  const counts = new Map<string, number>();
  const anchors = new Set<string>();
  let fence: string | undefined;
  for (const line of markdown.split("\n")) {
    const open = FENCE.exec(line)?.[1];
    if (fence !== undefined) {
      if (open && open[0] === fence[0] && open.length >= fence.length && line.trim() === open) {
        fence = undefined;
      }
      continue;
    }
    if (open !== undefined) {
      fence = open;
      continue;
    }
    const heading = /^ {0,3}#{1,6}(?:[ \t]+(.*?))?(?:[ \t]+#+)?[ \t]*$/.exec(line);
    if (!heading) continue;
    const base = githubSlug(headingText(heading[1] ?? ""));
    // github-slugger: the first use is bare, then base-1, base-2, ..., skipping taken slugs.
    let slug = base;
    while (anchors.has(slug)) {
      const n = (counts.get(base) ?? 0) + 1;
      counts.set(base, n);
      slug = `${base}-${n}`;
    }
    anchors.add(slug);
  }
  return anchors;
}

export interface Link {
  readonly line: number;
  readonly target: string;
}

/** The destinations of the inline links, images and reference definitions, with their lines. */
export function markdownLinks(markdown: string): Link[] {
  const text = proseOnly(markdown);
  const lineAt = (offset: number) => text.slice(0, offset).split("\n").length;
  const links: Link[] = [];
  const inline = /!?\[[^\]]*\]\(\s*(<[^>\n]*>|[^\s)]+)(?:\s+(?:"[^"]*"|'[^']*'))?\s*\)/g;
  for (const m of text.matchAll(inline)) {
    links.push({ line: lineAt(m.index), target: m[1]!.replace(/^<|>$/g, "") });
  }
  const definition = /^ {0,3}\[[^\]]+\]:[ \t]*(<[^>\n]*>|\S+)/gm;
  for (const m of text.matchAll(definition)) {
    links.push({ line: lineAt(m.index), target: m[1]!.replace(/^<|>$/g, "") });
  }
  return links.sort((a, b) => a.line - b.line);
}

/** Why `target`, linked from `file`, leads nowhere; undefined when it resolves. */
function problem(root: string, file: string, target: string): string | undefined {
  // A scheme (https:, mailto:) or a protocol-relative URL leaves the repository: not checked.
  if (/^[a-z][a-z0-9+.-]*:/i.test(target) || target.startsWith("//")) return undefined;
  const hash = target.indexOf("#");
  let pathPart: string;
  let anchor: string;
  try {
    pathPart = decodeURIComponent((hash < 0 ? target : target.slice(0, hash)).replace(/\?.*$/, ""));
    anchor = hash < 0 ? "" : decodeURIComponent(target.slice(hash + 1));
  } catch {
    return "a malformed percent-escape";
  }
  if (pathPart.startsWith("/")) {
    return "an absolute path: GitHub resolves it against the site, not the repository; use a relative link";
  }
  const resolved = pathPart
    ? path.resolve(path.dirname(path.join(root, file)), pathPart)
    : path.join(root, file);
  const relative = path.relative(root, resolved);
  if (relative.startsWith("..") || path.isAbsolute(relative)) return "it leaves the repository";
  if (!fs.existsSync(resolved)) return `${relative} does not exist`;
  if (!anchor) return undefined;
  if (fs.statSync(resolved).isDirectory()) {
    return `an anchor on a directory (${relative}/): link to a file in it`;
  }
  const content = fs.readFileSync(resolved, "utf8");
  if (/\.(md|markdown)$/i.test(resolved)) {
    if (headingAnchors(content).has(anchor)) return undefined;
    return `no heading of ${relative} has the anchor #${anchor}`;
  }
  // GitHub's line anchors on other files: #L12 or #L12-L20.
  const lines = /^L(\d+)(?:-L(\d+))?$/.exec(anchor);
  const count = lineCount(content);
  if (lines && Number(lines[1]) <= count && Number(lines[2] ?? lines[1]) <= count) return undefined;
  return `#${anchor} is not a line of ${relative} (${count} lines)`;
}

/** The links of the given Markdown files (relative to `root`) that lead nowhere. */
export function brokenLinks(root: string, files: readonly string[]): BrokenLink[] {
  const broken: BrokenLink[] = [];
  for (const file of files) {
    for (const { line, target } of markdownLinks(fs.readFileSync(path.join(root, file), "utf8"))) {
      const reason = problem(root, file, target);
      if (reason) broken.push({ file, line, target, reason });
    }
  }
  return broken;
}

/** The number of lines of a text file, as an editor shows them (a final newline ends the last). */
export function lineCount(text: string): number {
  return text === "" ? 0 : text.replace(/\n$/, "").split("\n").length;
}
