import { expect } from "chai";
import { packageOf, staticClosure, staticImports } from "./bundle-size";

describe("bench bundle sizes", () => {
  it("finds static imports in minified ESM and skips dynamic ones", () => {
    const code =
      'import{a as b}from"./chunks/chunk-A.mjs";import"./chunks/side-B.mjs";' +
      'import{createRequire}from"node:module";const x=()=>import("./chunks/lazy-C.mjs");';
    expect(staticImports(code)).to.deep.equal(["./chunks/chunk-A.mjs", "./chunks/side-B.mjs"]);
  });

  it("follows static imports transitively, relative to each file, once each", () => {
    const files: Record<string, string> = {
      "index.mjs": 'import{a}from"./chunks/a.mjs";const l=()=>import("./chunks/lazy.mjs");',
      "chunks/a.mjs": 'import{b}from"./b.mjs";import{a2}from"../chunks/a.mjs";',
      "chunks/b.mjs": "export const b=1;",
      "chunks/lazy.mjs": 'import{b}from"./b.mjs";',
    };
    expect(staticClosure("index.mjs", (f) => files[f] as string)).to.deep.equal([
      "chunks/a.mjs",
      "chunks/b.mjs",
      "index.mjs",
    ]);
  });

  it("names the package of a bundled source", () => {
    expect(packageOf("../../node_modules/@smithy/core/dist-es/index.js")).to.equal("@smithy/core");
    expect(packageOf("../../node_modules/tslib/tslib.es6.mjs")).to.equal("tslib");
    expect(packageOf("../../node_modules/a/node_modules/@b/c/x.js")).to.equal("@b/c");
    expect(packageOf("../../handlers/crud.ts")).to.equal("(our code)");
  });
});
