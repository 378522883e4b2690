/**
 * The README's tutorial requests as data: each `curl` command of its "The tutorial's requests"
 * section, read the way curl reads it (`-X`, `-H`, `-d`; `-d` alone means POST with
 * `Content-Type: application/x-www-form-urlencoded`), with the answer the README promises in the
 * comment after it (`# 201, ETag: "1", Location: /test/items/42  {...}`). Tests send them through
 * other tools (a validating proxy, a generated client), so the README's requests stay the ones
 * that are checked.
 *
 * Only the shell the README uses is read: words, single and double quotes, backslash line
 * continuations and `#` comments.
 */
import * as fs from "node:fs";
import * as path from "node:path";

export const README = path.resolve(__dirname, "..", "README.md");

/** The section whose `sh` blocks hold the requests. */
const SECTION = "## The tutorial's requests";

/** What curl sends for `-d` without a Content-Type of the command's own. */
export const CURL_DATA_CONTENT_TYPE = "application/x-www-form-urlencoded";

export interface ReadmeRequest {
  /** Line of the command in README.md, for messages. */
  line: number;
  method: string;
  /** Below the stage (`$API`), with the query: `/items?limit=1`. */
  path: string;
  /** As curl sends them, names lower-cased. */
  headers: Record<string, string>;
  body?: string;
  expected: {
    status: number;
    /** Headers the comment names, e.g. `etag: "1"`. */
    headers: Record<string, string>;
    /** The body the comment shows, where `...` stands for any text; undefined when none is shown. */
    body?: string;
  };
}

interface Token {
  word?: string;
  comment?: string;
  /** A line break outside quotes, not continued with `\`. */
  end?: boolean;
  line: number;
}

function tokenize(text: string, firstLine: number): Token[] {
  const tokens: Token[] = [];
  let line = firstLine;
  let i = 0;
  while (i < text.length) {
    const c = text[i]!;
    if (c === "\\" && text[i + 1] === "\n") {
      i += 2;
      line++;
      continue;
    }
    if (c === "\n") {
      tokens.push({ end: true, line });
      i++;
      line++;
      continue;
    }
    if (c === " " || c === "\t") {
      i++;
      continue;
    }
    if (c === "#") {
      const stop = text.indexOf("\n", i);
      const end = stop === -1 ? text.length : stop;
      tokens.push({ comment: text.slice(i + 1, end).trim(), line });
      i = end;
      continue;
    }
    const start = line;
    let word = "";
    while (i < text.length && !/[\s]/.test(text[i]!)) {
      const q = text[i]!;
      if (q === "'" || q === '"') {
        const close = text.indexOf(q, i + 1);
        if (close === -1) throw new Error(`README.md:${line}: unclosed ${q}`);
        const quoted = text.slice(i + 1, close);
        line += quoted.split("\n").length - 1;
        word += quoted;
        i = close + 1;
      } else if (q === "\\" && text[i + 1] === "\n") {
        break;
      } else {
        word += q;
        i++;
      }
    }
    tokens.push({ word, line: start });
  }
  return tokens;
}

/** `200 {}`, `201, ETag: "1", Location: /test/items/42  {...}`, `400 {...}`. */
function parseExpectation(comment: string): ReadmeRequest["expected"] | undefined {
  const m = /^(\d{3})\b,?\s*(.*)$/.exec(comment);
  if (!m) return undefined;
  let rest = m[2]!;
  const headers: Record<string, string> = {};
  // Headers come first, `Name: value` separated by ", "; the body starts at { [ or ".
  for (;;) {
    const h = /^([A-Za-z][A-Za-z-]*): ("[^"]*"|[^\s,]+)(?:,\s*|\s{2,}|\s*$)/.exec(rest);
    if (!h) break;
    headers[h[1]!.toLowerCase()] = h[2]!;
    rest = rest.slice(h[0].length);
  }
  const body = rest.trim();
  return { status: Number(m[1]), headers, ...(body ? { body } : {}) };
}

/** The requests of README.md (or of `text`), in order. */
export function readmeRequests(text = fs.readFileSync(README, "utf8")): ReadmeRequest[] {
  const lines = text.split("\n");
  const start = lines.findIndex((l) => l.trim() === SECTION);
  if (start === -1) throw new Error(`README.md has no "${SECTION}" section`);
  const requests: ReadmeRequest[] = [];
  let inBlock = false;
  let block: string[] = [];
  let blockLine = 0;
  for (let n = start + 1; n < lines.length && !lines[n]!.startsWith("## "); n++) {
    const l = lines[n]!;
    if (!inBlock && /^```sh\s*$/.test(l)) {
      inBlock = true;
      block = [];
      blockLine = n + 2;
    } else if (inBlock && /^```\s*$/.test(l)) {
      inBlock = false;
      requests.push(...commandsOf(tokenize(block.join("\n"), blockLine)));
    } else if (inBlock) {
      block.push(l);
    }
  }
  return requests;
}

function commandsOf(tokens: Token[]): ReadmeRequest[] {
  const out: ReadmeRequest[] = [];
  let current: ReadmeRequest | undefined;
  let words: Token[] = [];
  const finishCommand = () => {
    if (words[0]?.word === "curl") current = curlRequest(words);
    words = [];
  };
  for (const token of tokens) {
    if (token.word !== undefined) {
      words.push(token);
      continue;
    }
    if (words.length) finishCommand();
    if (token.comment !== undefined && current) {
      const expected = parseExpectation(token.comment);
      if (expected) {
        out.push({ ...current, expected });
        current = undefined;
      }
    }
  }
  if (words.length) finishCommand();
  return out;
}

function curlRequest(words: Token[]): ReadmeRequest {
  const line = words[0]!.line;
  let method: string | undefined;
  let url: string | undefined;
  let body: string | undefined;
  const headers: Record<string, string> = {};
  for (let i = 1; i < words.length; i++) {
    const w = words[i]!.word!;
    const value = () => {
      const next = words[++i]?.word;
      if (next === undefined) throw new Error(`README.md:${line}: ${w} without a value`);
      return next;
    };
    if (w === "-X") method = value();
    else if (w === "-H") {
      const [name, ...v] = value().split(":");
      headers[name!.trim().toLowerCase()] = v.join(":").trim();
    } else if (w === "-d") body = value();
    else if (w.startsWith("$API")) url = w;
    else
      throw new Error(
        `README.md:${line}: curl option ${w} is not read by testing/readme-requests.ts`,
      );
  }
  if (!url) throw new Error(`README.md:${line}: curl without a $API URL`);
  if (body !== undefined && headers["content-type"] === undefined) {
    headers["content-type"] = CURL_DATA_CONTENT_TYPE;
  }
  return {
    line,
    method: method ?? (body === undefined ? "GET" : "POST"),
    path: url.slice("$API".length),
    headers,
    ...(body === undefined ? {} : { body }),
    expected: { status: 0, headers: {} },
  };
}

/** Whether `actual` is the text the README shows, `...` standing for any text. */
export function matchesShown(actual: string, shown: string): boolean {
  const pattern = shown
    .split("...")
    .map((part) => part.replace(/[.*+?^${}()|[\]\\]/g, "\\$&"))
    .join("[\\s\\S]*");
  return new RegExp(`^${pattern}$`).test(actual);
}
