import type { Socket } from 'socket.io-client';
import { join } from 'node:path';
import { ask, once } from '../kit/events.js';
import { AppInstance, startAll } from '../kit/instance.js';
import { deletePrefix, REDIS_URL, uniquePrefix } from '../kit/redis.js';
import { signToken, TEST_SECRET } from '../kit/tokens.js';
import { decided, PresenceWatcher } from './presence.watcher.js';

const fixture = join(import.meta.dirname, '..', 'fixtures', 'presence-app.ts');
const NS = '/presence';
const HEARTBEAT_MS = 500;
const TTL_MS = 1500;

describe('presence when an instance dies or shuts down', () => {
  const keyPrefix = uniquePrefix('presence-crash');
  const realtime = {
    auth: { secret: TEST_SECRET },
    redis: { url: REDIS_URL, keyPrefix },
    presence: { heartbeatIntervalMs: HEARTBEAT_MS, ttlMs: TTL_MS },
  };
  let a: AppInstance;
  let b: AppInstance;
  let controls: Socket[];
  let watcher: PresenceWatcher;

  const as = (instance: AppInstance, sub: string) =>
    instance.connect(NS, { auth: { token: signToken({ sub }) } });
  const started: AppInstance[] = [];
  const start = async () => {
    const instance = await AppInstance.start({ realtime: realtime as never, fixture });
    started.push(instance);
    return instance;
  };

  beforeAll(async () => {
    [a, b] = await startAll([start(), start()]);
    controls = await Promise.all([as(a, 'control-a'), as(b, 'control-b')]);
    watcher = new PresenceWatcher(await as(b, 'watcher'));
  }, 30_000);

  afterAll(async () => {
    await Promise.all(started.map((i) => i.stop()));
    await deletePrefix(`{${keyPrefix}`);
  });

  it('SIGKILL: its users go offline for the survivors within ttl + one sweep, exactly once', async () => {
    const doomed = await start();
    const lonely = await Promise.all(['k1', 'k2', 'k3'].map((u) => as(doomed, u)));
    const shared = await as(doomed, 'kept');
    const keptElsewhere = await as(a, 'kept');
    for (const u of ['k1', 'k2', 'k3', 'kept']) await watcher.until(u, (n) => n.online === 1);
    // k1..k3, kept, the two controls and the watcher
    expect(await ask(controls[0], 'count_online')).toBe(7);
    expect(lonely.length + Number(shared.connected)).toBe(4);

    // Killed with its clients still connected (stop() would close them first).
    const killedAt = Date.now();
    process.kill(doomed.pid, 'SIGKILL');
    for (const u of ['k1', 'k2', 'k3']) {
      await watcher.until(u, (n) => n.offline === 1, TTL_MS + 3 * HEARTBEAT_MS);
    }
    const elapsed = Date.now() - killedAt;
    // Heartbeat expiry (<= ttl after the kill) plus the next sweep tick, with scheduling slack.
    expect(elapsed).toBeLessThan(TTL_MS + HEARTBEAT_MS + 400);

    // Both survivors sweep every tick; wait two more ticks, then check nobody announced twice.
    await watcher.until('k1', () => false, 2 * HEARTBEAT_MS).catch(() => undefined);
    await watcher.drain(controls);
    for (const u of ['k1', 'k2', 'k3']) {
      expect(watcher.count(u)).toMatchObject({ online: 1, offline: 1 });
      expect((await decided(controls, u)).offline).toBe(1);
      expect(await ask(controls[1], 'is_online', { userId: u })).toBe(false);
    }
    // A user still connected to a survivor stays online, with only that connection.
    expect(watcher.count('kept').offline).toBe(0);
    const kept = await ask<Array<{ instanceId: string }>>(controls[0], 'connections', {
      userId: 'kept',
    });
    expect(kept).toHaveLength(1);
    keptElsewhere.disconnect();
    await watcher.until('kept', (n) => n.offline === 1);
  }, 20_000);

  it('SIGTERM: a graceful shutdown removes its entries at once and announces offline', async () => {
    const leaving = await start();
    const g1 = await as(leaving, 'g1');
    await watcher.until('g1', (n) => n.online === 1);
    const ownOffline = once(g1, 'presence:offline', TTL_MS);
    const stoppedAt = Date.now();
    // SIGTERM with the client still connected: the shutdown hook, not the disconnect, removes it.
    process.kill(leaving.pid, 'SIGTERM');
    await watcher.until('g1', (n) => n.offline === 1, TTL_MS);
    // Announced by the instance itself on its way out (its own client still heard it), well
    // before any heartbeat could expire.
    expect(Date.now() - stoppedAt).toBeLessThan(TTL_MS);
    await expect(ownOffline).resolves.toEqual({ userId: 'g1' });
    expect(await ask(controls[0], 'is_online', { userId: 'g1' })).toBe(false);
    expect(await ask(controls[0], 'count_online')).toBe(3); // the two controls and the watcher
    await watcher.drain(controls);
    expect(watcher.count('g1')).toMatchObject({ online: 1, offline: 1 });
  }, 20_000);
});
