/**
 * A pulumi command that never finishes on its own: like the CLI, it exits on the
 * `exitOnInterrupt`-th interrupt (never, when 0), and records each interrupt in `events`.
 * For the tests of the deadlines (integration/targets/deadline.ts) and of the LocalStack target.
 */
export const hangingCommand =
  (exitOnInterrupt: number, events: string[], what: string) =>
  (signal: AbortSignal): Promise<never> =>
    new Promise((_, reject) => {
      let n = 0;
      signal.addEventListener("abort", () => {
        n++;
        events.push(`${what}: interrupt ${n}`);
        if (n === exitOnInterrupt) reject(new Error(`${what} cancelled`));
      });
    });
