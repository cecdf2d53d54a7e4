import { join } from 'node:path';
import { Redis } from 'ioredis';
import { ask } from '../kit/events.js';
import { AppInstance } from '../kit/instance.js';
import { deletePrefix, REDIS_URL, uniquePrefix } from '../kit/redis.js';
import { signToken, TEST_SECRET } from '../kit/tokens.js';

const fixture = join(import.meta.dirname, '..', 'fixtures', 'emitter-app.ts');

describe('per-user rate limit across instances (Redis)', () => {
  const keyPrefix = uniquePrefix('per-user');
  let a: AppInstance;
  let b: AppInstance;

  beforeAll(async () => {
    const realtime = {
      auth: { secret: TEST_SECRET },
      redis: { url: REDIS_URL, keyPrefix },
      // Per socket generous, per user 4 events/s across every socket on every instance.
      throttle: { limit: 1000, burst: 1000, perUser: 4 },
    };
    [a, b] = await Promise.all([
      AppInstance.start({ realtime, fixture }),
      AppInstance.start({ realtime, fixture }),
    ]);
  }, 30_000);

  afterAll(async () => {
    await Promise.all([a?.stop(), b?.stop()]);
    await deletePrefix(keyPrefix);
  });

  it("counts a user's events on both instances together", async () => {
    const auth = { auth: { token: signToken({ sub: 'chatty' }) } };
    const [onA, onB] = await Promise.all([a.connect('/app', auth), b.connect('/app', auth)]);
    const answers = await Promise.all(
      Array.from({ length: 40 }, (_, i) => ask<unknown>(i % 2 ? onA : onB, 'echo', i)),
    );
    const limited = answers.filter(
      (x) =>
        typeof x === 'object' && x !== null && (x as { code?: string }).code === 'RATE_LIMITED',
    );
    const served = answers.length - limited.length;
    // One shared one-second window (two if the burst straddles a boundary): 4 to 8 served.
    // Two per-process counters would serve 8 to 16.
    expect(served).toBeGreaterThanOrEqual(4);
    expect(served).toBeLessThanOrEqual(8);
    // The shared counter lives in Redis under the module's prefix.
    const redis = new Redis(REDIS_URL);
    try {
      const keys: string[] = [];
      let cursor = '0';
      do {
        const [next, found] = await redis.scan(
          cursor,
          'MATCH',
          `${keyPrefix}:throttle:{chatty}:*`,
          'COUNT',
          1000,
        );
        cursor = next;
        keys.push(...found);
      } while (cursor !== '0');
      expect(keys.length).toBeGreaterThan(0);
    } finally {
      redis.disconnect();
    }
    expect(limited[0]).toMatchObject({ status: 'error', code: 'RATE_LIMITED', event: 'echo' });
    // Another user is not affected.
    const other = await a.connect('/app', { auth: { token: signToken({ sub: 'quiet' }) } });
    await expect(ask(other, 'echo', 'hi')).resolves.toBe('hi');
  });
});
