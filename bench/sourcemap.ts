/**
 * Just enough of Source Map v3 to tell which original file a position in the minified bundle came
 * from, so a profile of the bundle can be reported by package like the unbundled baseline's.
 */

const BASE64 = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
const DIGIT = new Map([...BASE64].map((c, i) => [c, i]));

/** Decodes one segment's Base64 VLQ fields. */
export function decodeVlq(segment: string): number[] {
  const values: number[] = [];
  let value = 0;
  let shift = 0;
  for (const char of segment) {
    const digit = DIGIT.get(char);
    if (digit === undefined) throw new Error(`invalid base64 VLQ character "${char}"`);
    value += (digit & 31) * 2 ** shift;
    if (digit & 32) {
      shift += 5;
    } else {
      values.push(value & 1 ? -Math.floor(value / 2) : Math.floor(value / 2));
      value = 0;
      shift = 0;
    }
  }
  return values;
}

interface RawSourceMap {
  sources: string[];
  mappings: string;
}

/** A lookup from generated (line, column), both 0-based, to the original source's path. */
export class SourceLookup {
  // Per generated line: generated columns ascending, and the source index at each.
  private readonly lines: { columns: number[]; sources: number[] }[] = [];

  constructor(
    readonly sources: readonly string[],
    mappings: string,
  ) {
    let source = 0;
    for (const line of mappings.split(";")) {
      const columns: number[] = [];
      const sourcesAt: number[] = [];
      let column = 0; // generated column resets each line; the rest carry over
      for (const segment of line.split(",")) {
        if (!segment) continue;
        const [dCol = 0, dSource] = decodeVlq(segment);
        column += dCol;
        if (dSource === undefined) continue; // a segment with no source
        source += dSource;
        columns.push(column);
        sourcesAt.push(source);
      }
      this.lines.push({ columns, sources: sourcesAt });
    }
  }

  static fromJson(json: string): SourceLookup {
    const map = JSON.parse(json) as RawSourceMap;
    return new SourceLookup(map.sources, map.mappings);
  }

  /** The source of the last mapping at or before (line, column), or undefined. */
  sourceAt(line: number, column: number): string | undefined {
    const entry = this.lines[line];
    if (!entry || entry.columns.length === 0) return undefined;
    let lo = 0;
    let hi = entry.columns.length - 1;
    if ((entry.columns[0] as number) > column) return undefined;
    while (lo < hi) {
      const mid = (lo + hi + 1) >> 1;
      if ((entry.columns[mid] as number) <= column) lo = mid;
      else hi = mid - 1;
    }
    return this.sources[entry.sources[lo] as number];
  }

  /**
   * Generated characters per original source, given the generated code: each mapping owns the
   * text up to the next mapping on its line. Text before a line's first mapping is unattributed.
   */
  charsBySource(code: string): Map<string, number> {
    const out = new Map<string, number>();
    code.split("\n").forEach((text, line) => {
      const entry = this.lines[line];
      if (!entry) return;
      entry.columns.forEach((start, i) => {
        const end = entry.columns[i + 1] ?? text.length;
        const source = this.sources[entry.sources[i] as number] ?? "(unknown)";
        out.set(source, (out.get(source) ?? 0) + Math.max(0, end - start));
      });
    });
    return out;
  }
}
