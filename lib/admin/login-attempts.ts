/** Password attempts allowed per client address and window. */
export const LOGIN_ATTEMPTS_PER_WINDOW = 10;
export const LOGIN_WINDOW_MS = 60_000;

/**
 * Counts the console's password attempts per client address in fixed windows: each attempt costs
 * a bcrypt comparison (tens of milliseconds of CPU by design), so a flood of guesses would both
 * search the password and load the instance. A login with a session id is not counted.
 */
export class LoginAttempts {
  private readonly counts = new Map<string, number>();
  private windowEndsAt = 0;

  constructor(
    private readonly limit = LOGIN_ATTEMPTS_PER_WINDOW,
    private readonly windowMs = LOGIN_WINDOW_MS,
  ) {}

  /** Counts one attempt; false once the address has used up its attempts of this window. */
  take(address: string): boolean {
    const now = Date.now();
    if (now >= this.windowEndsAt) {
      this.counts.clear();
      this.windowEndsAt = now + this.windowMs;
    }
    const used = this.counts.get(address) ?? 0;
    if (used >= this.limit) return false;
    this.counts.set(address, used + 1);
    return true;
  }
}
