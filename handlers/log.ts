/**
 * Structured JSON logs, one line per entry, each with the request id and the cold-start flag
 * (the habit of Powertools' Logger, without its weight at cold start). Callers pass metadata
 * only: no request or item payloads.
 */
const LEVELS = { DEBUG: 10, INFO: 20, WARN: 30, ERROR: 40 } as const;
export type Level = keyof typeof LEVELS;

function threshold(): number {
  // Lambda sets AWS_LAMBDA_LOG_LEVEL from the function's logging config.
  const name = (process.env["AWS_LAMBDA_LOG_LEVEL"] ?? "INFO").toUpperCase();
  return Object.hasOwn(LEVELS, name) ? LEVELS[name as Level] : LEVELS.INFO;
}

export interface Logger {
  log(level: Level, message: string, fields?: Record<string, unknown>): void;
}

export function createLogger(base: Record<string, unknown>): Logger {
  const min = threshold();
  return {
    log(level, message, fields = {}) {
      if (LEVELS[level] < min) return;
      process.stdout.write(
        `${JSON.stringify({ timestamp: new Date().toISOString(), level, message, ...base, ...fields })}\n`,
      );
    },
  };
}
