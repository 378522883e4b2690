import { expect } from "chai";
import type { RecordStore, Store } from "../core/store";
import { timed } from "./timed";

const after = <T>(ms: number, value: T) =>
  new Promise<T>((resolve) => setTimeout(() => resolve(value), ms));

describe("timed stores", () => {
  // A store whose every call takes a known time; `delete` fails after its wait.
  const slow: Store = {
    put: () => after(30, {}),
    get: () => after(30, { Item: { id: "a" } }),
    update: () => after(30, {}),
    delete: () => after(30, null).then(() => Promise.reject(new Error("boom"))),
    scan: () => after(30, { Items: [], Count: 0 }),
  };

  it("reports each call's duration, failed calls included, and passes results and errors through", async () => {
    const seen: number[] = [];
    const store = timed(slow, (ms) => seen.push(ms));
    expect(await store.get({ Key: { id: "a" } })).to.deep.equal({ Item: { id: "a" } });
    await store.put({ Item: { id: "a" } });
    let error: unknown;
    await store.delete({ Key: { id: "a" } }).catch((err) => (error = err));
    expect((error as Error).message).to.equal("boom");
    expect(seen).to.have.length(3);
    // setTimeout waits at least its delay (minus timer granularity).
    for (const ms of seen) expect(ms).to.be.at.least(29);
  });

  it("wraps every method of the Store", async () => {
    const calls: string[] = [];
    const store = timed(slow, () => calls.push("timed"));
    await Promise.all([
      store.update({ Key: { id: "a" } }),
      store.scan({}),
      store.get({ Key: { id: "a" } }),
      store.put({ Item: { id: "a" } }),
      store.delete({ Key: { id: "a" } }).catch(() => undefined),
    ]);
    expect(calls).to.have.length(5);
  });

  it("wraps every call of the idempotency record store too", async () => {
    const calls: string[] = [];
    const records: RecordStore = {
      putRecord: () => after(5, undefined),
      deleteRecord: () => after(5, undefined),
      transact: () => after(5, undefined),
    };
    const timedRecords = timed(records, () => calls.push("timed"));
    await timedRecords.putRecord({ Item: { key: "k" } });
    await timedRecords.deleteRecord({ Key: { key: "k" } });
    await timedRecords.transact([]);
    expect(calls).to.have.length(3);
  });
});
