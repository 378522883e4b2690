import { expect } from "chai";
import * as esbuild from "esbuild";
import { decodeVlq, SourceLookup } from "./sourcemap";

describe("bench source maps", () => {
  it("decodes base64 VLQ", () => {
    expect(decodeVlq("AAAA")).to.deep.equal([0, 0, 0, 0]);
    expect(decodeVlq("AACA")).to.deep.equal([0, 0, 1, 0]);
    expect(decodeVlq("D")).to.deep.equal([-1]);
    expect(decodeVlq("gB")).to.deep.equal([16]);
    expect(decodeVlq("2HwcrxB")).to.deep.equal([123, 456, -789]);
    expect(() => decodeVlq("!")).to.throw(/invalid/);
  });

  it("finds the source of a generated position", () => {
    // Line 0: col 0 → a.js, col 10 → b.js; line 1: nothing; line 2: col 4 → a.js.
    const lookup = new SourceLookup(["a.js", "b.js"], "AAAA,UCAA;;IDAA");
    expect(lookup.sourceAt(0, 0)).to.equal("a.js");
    expect(lookup.sourceAt(0, 9)).to.equal("a.js");
    expect(lookup.sourceAt(0, 10)).to.equal("b.js");
    expect(lookup.sourceAt(0, 500)).to.equal("b.js");
    expect(lookup.sourceAt(1, 0)).to.equal(undefined);
    expect(lookup.sourceAt(2, 3)).to.equal(undefined);
    expect(lookup.sourceAt(2, 4)).to.equal("a.js");
    expect(lookup.sourceAt(9, 0)).to.equal(undefined);
  });

  it("counts generated characters per source", () => {
    const lookup = new SourceLookup(["a.js", "b.js"], "AAAA,UCAA;;IDAA");
    const code = "0123456789abcdefghij\nxx\n    yyyy";
    expect(Object.fromEntries(lookup.charsBySource(code))).to.deep.equal({
      "a.js": 14,
      "b.js": 10,
    });
  });

  it("agrees with a real esbuild bundle", async () => {
    const out = await esbuild.build({
      stdin: {
        contents:
          'import { one } from "./one"; import { two } from "./two"; console.log(one(), two());',
        resolveDir: "/virtual",
        sourcefile: "entry.js",
      },
      bundle: true,
      minify: true,
      sourcemap: "external",
      write: false,
      outfile: "/virtual/out.js",
      plugins: [
        {
          name: "virtual",
          setup(build) {
            build.onResolve({ filter: /^\.\/(one|two)$/ }, (a) => ({
              path: `/virtual/${a.path.slice(2)}.js`,
            }));
            build.onLoad({ filter: /\/virtual\/(one|two)\.js$/ }, (a) => ({
              contents: a.path.endsWith("one.js")
                ? "export function one() { return Math.random() + 1; }"
                : "export function two() { return Math.random() + 2; }",
            }));
          },
        },
      ],
    });
    const js = out.outputFiles.find((f) => f.path.endsWith(".js"))!.text;
    const map = out.outputFiles.find((f) => f.path.endsWith(".map"))!.text;
    const lookup = SourceLookup.fromJson(map);
    const lines = js.split("\n");
    const find = (needle: string) => {
      const line = lines.findIndex((l) => l.includes(needle));
      return lookup.sourceAt(line, (lines[line] as string).indexOf(needle));
    };
    expect(find("+1")).to.match(/one\.js$/);
    expect(find("+2")).to.match(/two\.js$/);
  });
});
