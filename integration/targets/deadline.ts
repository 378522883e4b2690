/**
 * Deadlines for pulumi commands run through the Automation API: past its deadline a command is
 * interrupted, then interrupted again, so a hang ends with a clear error instead of a mocha
 * timeout that leaves containers and temporary directories behind.
 */

/**
 * What the Automation API's `signal` option needs: something that calls its "abort" listeners.
 * Unlike an AbortSignal it can fire twice, which is what Pulumi wants: the first interrupt cancels
 * the operation cleanly, the second ends the process at once.
 */
export class Interrupter {
  private readonly listeners: (() => void)[] = [];
  interrupts = 0;
  addEventListener(type: string, listener: () => void): void {
    if (type === "abort") this.listeners.push(listener);
  }
  removeEventListener(): void {}
  interrupt(): void {
    this.interrupts++;
    for (const listener of this.listeners) listener();
  }
  /** Typed as the option wants it; the Automation API only adds an "abort" listener. */
  get signal(): AbortSignal {
    return this as unknown as AbortSignal;
  }
}

export class DeadlineError extends Error {}

/**
 * Runs `operation` (a pulumi command) for at most `ms`. When that passes, it interrupts the pulumi
 * process, waits up to `graceMs` for it to exit, interrupts it again (Pulumi then exits at once),
 * waits once more, and throws a DeadlineError saying what happened. The operation's own failure
 * is rethrown as it is.
 */
export async function withDeadline<T>(
  what: string,
  ms: number,
  graceMs: number,
  operation: (signal: AbortSignal) => Promise<T>,
): Promise<T> {
  const interrupter = new Interrupter();
  const running = operation(interrupter.signal);
  const settled = running.then(
    () => true,
    () => true,
  );
  let timer: NodeJS.Timeout | undefined;
  const sleep = (t: number) =>
    new Promise<false>((resolve) => {
      timer = setTimeout(() => resolve(false), t);
    });
  try {
    if (await Promise.race([settled, sleep(ms)])) return await running;
    for (let i = 0; i < 2; i++) {
      interrupter.interrupt();
      clearTimeout(timer);
      if (await Promise.race([settled, sleep(graceMs)])) {
        throw new DeadlineError(
          `${what} did not finish in ${Math.round(ms / 1000)} s; the pulumi process was interrupted ` +
            `${interrupter.interrupts === 1 ? "and stopped" : "twice and stopped"}`,
        );
      }
    }
    throw new DeadlineError(
      `${what} did not finish in ${Math.round(ms / 1000)} s, and the pulumi process did not exit ` +
        `within ${Math.round((2 * graceMs) / 1000)} s of two interrupts`,
    );
  } finally {
    clearTimeout(timer);
  }
}
