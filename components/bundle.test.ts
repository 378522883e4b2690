import * as fs from "node:fs";
import * as path from "node:path";
import { pathToFileURL } from "node:url";
import { expect } from "chai";
import { bundleHandler, sourceMapOf } from "./bundle";

const BUILD = path.resolve(__dirname, "..", ".build");

describe("bundleHandler", function () {
  this.timeout(60_000);

  it("bundles handlers/crud.ts into a loadable index.mjs, its source maps kept out of it", async () => {
    const b = bundleHandler({ name: "test-bundle-crud" });
    expect(b.dir).to.equal(path.join(BUILD, "test-bundle-crud"));
    expect(b.handler).to.equal("index.handler");
    expect(b.files).to.include(b.entryFile);
    expect(
      b.files.filter((f) => f.endsWith(".map")),
      "nothing deployed is a map",
    ).to.deep.equal([]);
    for (const file of b.files) {
      expect(fs.existsSync(sourceMapOf(b, file)), `map of ${file}`).to.equal(true);
      const code = fs.readFileSync(path.join(b.dir, file), "utf8");
      expect(code, `${file} names no map Node would look for`).not.to.include("sourceMappingURL");
    }
    expect(sourceMapOf(b, b.entryFile)).to.equal(path.join(`${b.dir}.maps`, "index.mjs.map"));
    const sizes = b.files.map((f) => fs.statSync(path.join(b.dir, f)).size);
    expect(b.bytes).to.equal(sizes.reduce((a, n) => a + n, 0));
    expect(fs.readdirSync(b.dir), "no package.json: .mjs is ESM by itself").to.not.include(
      "package.json",
    );
    const mod = await import(pathToFileURL(path.join(b.dir, b.entryFile)).href);
    expect(mod.handler).to.be.a("function");
  });

  it("splits the SDK's lazily imported code into chunks and still loads as ESM", async () => {
    const fixtures = path.join(BUILD, "fixtures");
    fs.mkdirSync(fixtures, { recursive: true });
    const entry = path.join(fixtures, "sdk-entry.ts");
    fs.writeFileSync(
      entry,
      [
        'import { DynamoDBClient } from "@aws-sdk/client-dynamodb";',
        'import { DynamoDBDocumentClient, GetCommand } from "@aws-sdk/lib-dynamodb";',
        "const db = DynamoDBDocumentClient.from(new DynamoDBClient({}));",
        'export const handler = () => db.send(new GetCommand({ TableName: "t", Key: { id: "x" } }));',
      ].join("\n"),
    );
    const b = bundleHandler({ name: "test-bundle-sdk", entry });
    const chunks = b.files.filter((f) => f.startsWith("chunks/") && f.endsWith(".mjs"));
    expect(chunks.length, "chunks for dynamically imported SDK code").to.be.greaterThan(0);
    const index = fs.readFileSync(path.join(b.dir, b.entryFile), "utf8");
    expect(index.split("\n").length, "minified").to.be.lessThan(50);
    const mod = await import(pathToFileURL(path.join(b.dir, b.entryFile)).href);
    expect(mod.handler).to.be.a("function");
  });

  it("builds a lazily imported *.vendor.ts as one file that loads no chunk of its own", async () => {
    const b = bundleHandler({ name: "test-bundle-crud" });
    const vendor = "chunks/sdk.vendor.mjs";
    expect(b.files).to.include(vendor);
    const store = b.files.filter((f) => /^chunks\/store-.*\.mjs$/.test(f));
    expect(store).to.have.length(1);
    const storeCode = fs.readFileSync(path.join(b.dir, store[0]!), "utf8");
    expect(storeCode, "the store imports the SDK from the vendor file").to.include(
      'from"./sdk.vendor.mjs"',
    );
    // Static imports of files: the first request would load each of them with the vendor file.
    const code = fs.readFileSync(path.join(b.dir, vendor), "utf8");
    const staticFiles = [...code.matchAll(/(?:^|[;}])import[^"()]*?"(\.[^"]+)"/g)].map((m) => m[1]);
    expect(staticFiles).to.deep.equal([]);
    expect(fs.existsSync(sourceMapOf(b, vendor)), "its map").to.equal(true);
    // Linking the store checks that the vendor file exports every name the stores import.
    const stores = await import(pathToFileURL(path.join(b.dir, store[0]!)).href);
    expect(stores.createRecordStore).to.be.a("function");
  });

  it("refuses a vendor module the entry imports statically, which index.mjs could not reach", () => {
    const fixtures = path.join(BUILD, "fixtures");
    fs.mkdirSync(fixtures, { recursive: true });
    fs.writeFileSync(
      path.join(fixtures, "x.vendor.ts"),
      'export { NumberValue } from "@aws-sdk/lib-dynamodb";\n',
    );
    const entry = path.join(fixtures, "static-vendor.ts");
    fs.writeFileSync(
      entry,
      'import { NumberValue } from "./x.vendor";\nexport const handler = () => NumberValue.from("1");\n',
    );
    expect(() => bundleHandler({ name: "test-bundle-static-vendor", entry })).to.throw(
      /imports a \*\.vendor\.ts module statically from the entry/,
    );
  });

  it("names the missing entry and what to do", () => {
    expect(() =>
      bundleHandler({ name: "test-bundle-missing", entry: "handlers/nope.ts" }),
    ).to.throw(/handlers\/nope\.ts does not exist: create it/);
  });

  after(() => {
    for (const name of [
      "test-bundle-crud",
      "test-bundle-sdk",
      "test-bundle-static-vendor",
      "fixtures",
    ]) {
      fs.rmSync(path.join(BUILD, name), { recursive: true, force: true });
      fs.rmSync(path.join(BUILD, `${name}.maps`), { recursive: true, force: true });
    }
  });
});
