import { Logger } from '@nestjs/common';

/** Logs a recurring error at most once per interval, with how many were suppressed in between. */
export class ThrottledLogger {
  private readonly last = new Map<string, { at: number; suppressed: number }>();

  constructor(
    private readonly logger: Logger,
    private readonly intervalMs = 10_000,
  ) {}

  error(key: string, message: string): void {
    this.log('error', key, message);
  }

  warn(key: string, message: string): void {
    this.log('warn', key, message);
  }

  private log(level: 'error' | 'warn', key: string, message: string): void {
    const now = Date.now();
    const entry = this.last.get(key);
    if (entry && now - entry.at < this.intervalMs) {
      entry.suppressed++;
      return;
    }
    const suffix = entry?.suppressed ? ` (${entry.suppressed} similar messages suppressed)` : '';
    this.last.set(key, { at: now, suppressed: 0 });
    this.logger[level](`${message}${suffix}`);
  }
}
