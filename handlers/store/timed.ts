/**
 * A store that reports how long each call took, for the request's DynamoDBTime metric. It wraps
 * the real store (items or idempotency records) in the adapter, so the core stays free of clocks;
 * failed calls count too.
 */

/** An object whose every member is an async call, like `Store` and `RecordStore`. */
type Calls<T> = { [K in keyof T]: (...args: never[]) => Promise<unknown> };

export function timed<T extends Calls<T>>(store: T, record: (ms: number) => void): T {
  const wrapped: Record<string, unknown> = {};
  for (const [name, call] of Object.entries(store) as [string, (...a: unknown[]) => unknown][]) {
    wrapped[name] = async (...args: unknown[]) => {
      const started = performance.now();
      try {
        return await call(...args);
      } finally {
        record(performance.now() - started);
      }
    };
  }
  return wrapped as T;
}
