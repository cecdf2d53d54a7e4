import type { LoggerService } from '@nestjs/common';

/** A Nest logger that keeps every line as `<level> <message>`, for asserting what was logged. */
export function captureLogs(): { logger: LoggerService; lines: string[] } {
  const lines: string[] = [];
  // Every argument (Nest passes the context last), and an Error's stack: a test can assert that
  // nothing secret reached any part of a line.
  const capture =
    (level: string) =>
    (message: unknown, ...rest: unknown[]) =>
      lines.push(
        `${level} ${[message, ...rest].map((m) => (m instanceof Error ? `${m.message} ${m.stack}` : String(m))).join(' ')}`,
      );
  const logger = {
    log: capture('log'),
    error: capture('error'),
    warn: capture('warn'),
    debug: capture('debug'),
    verbose: capture('verbose'),
    fatal: capture('fatal'),
  };
  return { logger, lines };
}
