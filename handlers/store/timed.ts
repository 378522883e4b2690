/**
 * A Store that reports how long each call took, for the request's DynamoDBTime metric. It wraps
 * the real store in the adapter, so the core stays free of clocks; failed calls count too.
 */
import type { Store } from "../core/store";

export function timedStore(store: Store, record: (ms: number) => void): Store {
  const timed =
    <P, R>(call: (params: P) => Promise<R>) =>
    async (params: P): Promise<R> => {
      const started = performance.now();
      try {
        return await call(params);
      } finally {
        record(performance.now() - started);
      }
    };
  return {
    put: timed((p) => store.put(p)),
    get: timed((p) => store.get(p)),
    update: timed((p) => store.update(p)),
    delete: timed((p) => store.delete(p)),
    scan: timed((p) => store.scan(p)),
  };
}
