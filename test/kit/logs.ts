import type { LoggerService } from '@nestjs/common';

/** A Nest logger that keeps every line as `<level> <message>`, for asserting what was logged. */
export function captureLogs(): { logger: LoggerService; lines: string[] } {
  const lines: string[] = [];
  const capture = (level: string) => (message: unknown) =>
    lines.push(`${level} ${message instanceof Error ? message.message : String(message)}`);
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
