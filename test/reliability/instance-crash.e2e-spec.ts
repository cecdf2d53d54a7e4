import { join } from 'node:path';
import { ask, eventually, once } from '../kit/events.js';
import { AppInstance, startAll } from '../kit/instance.js';
import { deletePrefix, REDIS_URL, uniquePrefix } from '../kit/redis.js';
import { signToken, TEST_SECRET } from '../kit/tokens.js';

const fixture = join(import.meta.dirname, '..', 'fixtures', 'emitter-app.ts');

describe('an instance killed with SIGKILL under traffic', () => {
  const keyPrefix = uniquePrefix('crash');
  const realtime = {
    auth: { secret: TEST_SECRET },
    redis: { url: REDIS_URL, keyPrefix },
    presence: { heartbeatIntervalMs: 500, ttlMs: 1500 },
  };
  let a: AppInstance;
  let b: AppInstance;
  let c: AppInstance;

  beforeAll(async () => {
    [a, b, c] = await startAll([1, 2, 3].map(() => AppInstance.start({ realtime, fixture })));
  }, 30_000);
  afterAll(async () => {
    await Promise.all([a?.stop(), b?.stop(), c?.stop()]);
    await deletePrefix(keyPrefix);
  });

  it('the others keep serving and presence converges, each offline announced once', async () => {
    const as = (i: AppInstance, sub: string) =>
      i.connect('/app', { auth: { token: signToken({ sub }) } });
    const sender = await as(a, 'sender');
    const receiver = await as(c, 'receiver');
    const watcher = await as(a, 'watcher');
    await ask(receiver, 'join', { room: 'traffic' });
    const victims = await Promise.all(['v1', 'v2', 'v3'].map((v) => as(b, v)));
    await Promise.all(victims.map((v) => ask(v, 'join', { room: 'traffic' })));
    await eventually(async () => (await ask<number>(watcher, 'count_online')) === 6, {
      what: 'six online',
    });

    const offline: string[] = [];
    watcher.on('presence:offline', (p: { userId: string }) => offline.push(p.userId));
    let received = 0;
    receiver.on('tick', () => received++);
    let sending = true;
    const traffic = (async () => {
      let n = 0;
      while (sending) {
        await ask(sender, 'emit', { to: { room: 'traffic' }, event: 'tick', data: n++ });
        await new Promise((r) => setTimeout(r, 60)); // under the default 20 events/s limit
      }
    })();

    await eventually(() => received >= 10, { what: 'traffic before the crash' });
    const killedAt = Date.now();
    await b.signal('SIGKILL');
    const receivedAtKill = received;

    // A and C keep serving each other.
    await eventually(() => received >= receivedAtKill + 20, { what: 'traffic after the crash' });
    // B's users leave for the survivors within ttl + one sweep interval (+ slack for load).
    await eventually(() => offline.length >= 3, {
      timeoutMs: 8000,
      what: "the victims' offline events",
    });
    const convergedIn = Date.now() - killedAt;
    sending = false;
    await traffic;
    expect(offline.sort()).toEqual(['v1', 'v2', 'v3']);
    expect(convergedIn).toBeLessThan(1500 + 500 + 4000);
    await expect(ask(watcher, 'count_online')).resolves.toBe(3);
    // No duplicate announcements arrive later.
    const late = once(watcher, 'presence:offline', 1200).then(
      () => true,
      () => false,
    );
    await expect(late).resolves.toBe(false);
    expect(a.alive && c.alive).toBe(true);
  }, 30_000);
});
