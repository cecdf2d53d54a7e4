import type { RedisClient } from '../redis/redis-connections.js';
import type { AdminUiStore } from './admin-ui-package.js';

/** How long a console login lasts (the UI reconnects with its session id, not the password). */
export const ADMIN_SESSION_TTL_MS = 24 * 60 * 60 * 1000;

/** admin-ui's session ids: 8 random bytes in hex. */
const SESSION_ID = /^[0-9a-f]{16}$/;

/**
 * The console's login sessions. With Redis they are shared by every instance, so the UI that
 * reconnects through a load balancer to another instance (or after a restart) stays logged in;
 * without it they live in this process. A session is never found when Redis cannot answer: the
 * operator logs in again, and nothing waits for an outage.
 */
export class AdminSessions implements AdminUiStore {
  private readonly local = new Map<string, number>();

  constructor(
    private readonly redis?: RedisClient,
    private readonly keyPrefix = 'realtime',
  ) {}

  async doesSessionExist(sessionId: string): Promise<boolean> {
    if (typeof sessionId !== 'string' || !SESSION_ID.test(sessionId)) return false;
    if (!this.redis) {
      const expiresAt = this.local.get(sessionId);
      return expiresAt !== undefined && expiresAt > Date.now();
    }
    try {
      return (await this.redis.exists(this.key(sessionId))) === 1;
    } catch {
      return false;
    }
  }

  saveSession(sessionId: string): void {
    if (!this.redis) {
      const now = Date.now();
      for (const [id, expiresAt] of this.local) if (expiresAt <= now) this.local.delete(id);
      this.local.set(sessionId, now + ADMIN_SESSION_TTL_MS);
      return;
    }
    // A failure (Redis down) is logged by the client; the login still works on this connection.
    this.redis.set(this.key(sessionId), '1', 'PX', ADMIN_SESSION_TTL_MS).catch(() => undefined);
  }

  private key(sessionId: string): string {
    return `${this.keyPrefix}:admin:session:${sessionId}`;
  }
}
