/**
 * The Table component on its own, for what a recorded resource cannot show: resource options
 * (protect, retainOnDelete) and the IAM resources it hands to the function.
 */
import * as pulumi from "@pulumi/pulumi";
import { expect } from "chai";
import { MockCloud } from "../local/program";
import { ENV } from "../contract/env";
import { CrudFunction } from "./function";
import { Table } from "./table";

const unwrap = <T>(o: pulumi.Output<T>) => new Promise<T>((resolve) => o.apply(resolve));

describe("Table component", () => {
  beforeEach(async () => {
    await pulumi.runtime.setMocks(new MockCloud("us-east-1"), "lambda-apigateway", "unit", false);
  });

  for (const production of [true, false]) {
    it(`${production ? "protects and retains" : "neither protects nor retains"} the table when production is ${production}`, () => {
      let seen: pulumi.CustomResourceOptions | undefined;
      new Table("t", { production, transform: { table: (_args, opts) => void (seen = opts) } });
      expect(seen?.protect).to.equal(production);
      expect(seen?.retainOnDelete).to.equal(production);
    });
  }

  it("declares the Idempotency-Key records table unless told not to", async () => {
    const keyed = new Table("keyed", { name: "orders" });
    expect(keyed.records, "records by default").to.not.equal(undefined);
    expect(await unwrap(keyed.records!.name)).to.equal("orders-idempotency");
    expect(keyed.nodes.records).to.not.equal(undefined);

    const plain = new Table("unkeyed", { idempotencyRecords: false });
    expect(plain.records).to.equal(undefined);
    expect(plain.nodes.records).to.equal(undefined);
  });

  it("a function on a table without records is told of none (keyed writes then get 400)", async () => {
    const variables = (table: Table) =>
      new Promise<Record<string, unknown>>((resolve) => {
        new CrudFunction(`fn-${Math.random().toString(36).slice(2)}`, {
          table,
          transform: {
            function: (args) =>
              void pulumi.output(args.environment).apply((e) => resolve(e?.variables ?? {})),
          },
        });
      });
    const without = await variables(new Table("bare", { idempotencyRecords: false }));
    expect(without).to.not.have.property(ENV.idempotencyTableName);
    const withRecords = await variables(new Table("keyed-fn", { name: "orders" }));
    expect(withRecords[ENV.idempotencyTableName]).to.equal("orders-idempotency");
  });

  it("protects and retains the records table like the items in production", () => {
    let seen: pulumi.CustomResourceOptions | undefined;
    new Table("p", { production: true, transform: { records: (_a, opts) => void (seen = opts) } });
    expect(seen?.protect).to.equal(true);
    expect(seen?.retainOnDelete).to.equal(true);
  });

  it("grants the function its indexes only when the table has some", async () => {
    const plain = new Table("plain");
    const arn = await unwrap(plain.arn);
    expect(await unwrap(plain.iamResources)).to.deep.equal([arn]);

    const indexed = new Table("indexed", {
      transform: {
        table: {
          globalSecondaryIndexes: [{ name: "byOwner", hashKey: "owner", projectionType: "ALL" }],
        },
      },
    });
    const indexedArn = await unwrap(indexed.arn);
    expect(await unwrap(indexed.iamResources)).to.deep.equal([indexedArn, `${indexedArn}/index/*`]);
  });
});
