import type { Socket } from 'socket.io-client';
import { join } from 'node:path';
import { ask, eventually, once } from '../kit/events.js';
import { AppInstance } from '../kit/instance.js';
import { deletePrefix, REDIS_URL, uniquePrefix } from '../kit/redis.js';
import { signToken, TEST_SECRET } from '../kit/tokens.js';
import { decided, PresenceWatcher } from './presence.watcher.js';

const fixture = join(import.meta.dirname, '..', 'fixtures', 'presence-app.ts');
const NS = '/presence';

describe('presence across three instances in separate processes', () => {
  const keyPrefix = uniquePrefix('presence-cluster');
  let a: AppInstance;
  let b: AppInstance;
  let c: AppInstance;
  let controls: Socket[];
  let watcher: PresenceWatcher;

  const as = (instance: AppInstance, sub: string, extra: Record<string, unknown> = {}) =>
    instance.connect(NS, { auth: { token: signToken({ sub, name: `N-${sub}`, ...extra }) } });

  beforeAll(async () => {
    const realtime = {
      auth: { secret: TEST_SECRET },
      redis: { url: REDIS_URL, keyPrefix },
      presence: {
        publicUserFields: ['name'],
        heartbeatIntervalMs: 500,
        ttlMs: 1500,
        roomPresence: ['game:*'],
      },
    };
    [a, b, c] = await Promise.all(
      [1, 2, 3].map(() => AppInstance.start({ realtime: realtime as never, fixture })),
    );
    controls = await Promise.all([a, b, c].map((i, n) => as(i, `control-${n}`)));
    watcher = new PresenceWatcher(await as(c, 'watcher'));
  }, 30_000);

  afterAll(async () => {
    await Promise.all([a?.stop(), b?.stop(), c?.stop()]);
    await deletePrefix(`{${keyPrefix}`);
  });

  it('two sockets of one user on two instances: one online, then one offline after both close', async () => {
    const first = await as(a, 'ann');
    await watcher.until('ann', (n) => n.online === 1);
    const second = await as(b, 'ann');
    // Tracking completes just after the client's connect (one Redis round trip on B): poll.
    const conns = await eventually(
      async () => {
        const list = await ask<Array<{ instanceId: string }>>(controls[2], 'connections', {
          userId: 'ann',
        });
        return list.length === 2 && list;
      },
      { timeoutMs: 3000, intervalMs: 20, what: "ann's second connection to be tracked" },
    );
    expect(conns).toHaveLength(2);
    expect(new Set(conns.map((x) => x.instanceId)).size).toBe(2);
    first.disconnect();
    second.disconnect();
    await watcher.until('ann', (n) => n.offline === 1);
    await watcher.drain(controls);
    expect(watcher.count('ann')).toMatchObject({ online: 1, offline: 1 });
    expect(await decided(controls, 'ann')).toMatchObject({ online: 1, offline: 1 });
    expect(await ask(controls[1], 'is_online', { userId: 'ann' })).toBe(false);
    // Only the id and the public fields: never the token, the claims or the whole payload.
    const payloads = watcher.payloads.filter((p) => p.payload.userId === 'ann');
    for (const { payload } of payloads) expect(payload).toEqual({ userId: 'ann', name: 'N-ann' });
  });

  it('100 rounds of racing connects and disconnects end consistent, transitions paired', async () => {
    const token = signToken({ sub: 'racer', name: 'R' });
    for (let round = 0; round < 100; round++) {
      const sockets = await Promise.all([a, b].map((i) => i.connect(NS, { auth: { token } })));
      // Sometimes close one right away, so that connects and disconnects interleave too.
      if (round % 3 === 0) sockets[round % 2].disconnect();
      for (const s of sockets) s.disconnect();
    }
    await watcher.until('racer', (n) => n.online > 0 && n.online === n.offline, 10_000);
    // Every disconnect has reached the store once the user is offline everywhere.
    const deadline = Date.now() + 5000;
    while ((await ask(controls[2], 'is_online', { userId: 'racer' })) && Date.now() < deadline) {
      await once(watcher.socket, 'presence:offline', 2000).catch(() => undefined);
    }
    await watcher.drain(controls);
    const cluster = await decided(controls, 'racer');
    expect(cluster.online).toBeGreaterThanOrEqual(1);
    expect(cluster.online).toBe(cluster.offline);
    expect(watcher.count('racer')).toMatchObject({
      online: cluster.online,
      offline: cluster.offline,
    });
    expect(await ask(controls[0], 'is_online', { userId: 'racer' })).toBe(false);
    expect(await ask(controls[1], 'connections', { userId: 'racer' })).toEqual([]);
  }, 30_000);

  it('getRoomMembers sees members of every instance, deduplicated, with their states', async () => {
    const onA = await as(a, 'rita');
    const onB = await as(b, 'rita');
    const sam = await as(c, 'sam');
    for (const s of [onA, onB, sam]) await ask(s, 'join', { room: 'lobby' });
    expect(await ask(onA, 'set_state', { state: { status: 'away' } })).toEqual({ ok: true });
    type Member = { userId: string; info: unknown; connections: Array<{ state: unknown }> };
    const query = () => ask<Member[]>(controls[0], 'room_members', { room: 'lobby' });
    // Joins reach Redis in each instance's next presence batch (at most 4 ms after the last
    // one), and a query waits only for its own instance's: another instance's join shows up
    // a few ms after its ack. Asked again until all three connections are there.
    const members = await eventually(
      async () => {
        const found = await query();
        return found.flatMap((m) => m.connections).length >= 3 && found;
      },
      { timeoutMs: 5000, intervalMs: 10, what: 'all three connections in the room' },
    );
    const byUser = Object.fromEntries(members.map((m) => [m.userId, m]));
    expect(Object.keys(byUser).sort()).toEqual(['rita', 'sam']);
    expect(byUser.rita.info).toEqual({ name: 'N-rita' });
    expect(byUser.rita.connections.map((x) => x.state)).toEqual(
      expect.arrayContaining([{ status: 'away' }, null]),
    );
    await ask(onB, 'leave', { room: 'lobby' });
    const after = await ask<Array<{ userId: string; connections: unknown[] }>>(
      controls[1],
      'room_members',
      { room: 'lobby' },
    );
    expect(after.find((m) => m.userId === 'rita')?.connections).toHaveLength(1);
    for (const s of [onA, onB, sam]) s.disconnect();
  });

  it('state updates reach the namespace once, and oversized state is refused', async () => {
    const sock = await as(a, 'stan');
    await watcher.until('stan', (n) => n.online === 1);
    const update = once<Record<string, unknown>>(watcher.socket, 'presence:state');
    expect(await ask(sock, 'set_state', { state: { status: 'busy' } })).toEqual({ ok: true });
    expect(await update).toEqual({ userId: 'stan', name: 'N-stan', state: { status: 'busy' } });
    const conns = await ask<Array<{ state: unknown }>>(controls[2], 'connections', {
      userId: 'stan',
    });
    expect(conns[0].state).toEqual({ status: 'busy' });
    const big = await ask<{ error: string; message: string }>(sock, 'set_state', {
      state: { blob: 'x'.repeat(2000) },
    });
    expect(big.error).toBe('PAYLOAD_TOO_LARGE');
    expect(big.message).toMatch(/presence\.maxStateBytes/);
    await watcher.drain(controls);
    expect(watcher.count('stan').state).toBe(1);
    sock.disconnect();
  });

  it('room presence: a joining client gets a snapshot, then diffs of joins and leaves', async () => {
    const p1 = await as(a, 'pia');
    const p2 = await as(b, 'paul');
    const diffs: Array<Record<string, unknown>> = [];
    p1.on('presence:diff', (d: Record<string, unknown>) => diffs.push(d));
    const diffAbout = (userId: string, kind: 'joins' | 'leaves') =>
      until(() =>
        diffs.find((d) => (d[kind] as Array<{ userId: string }>).some((m) => m.userId === userId)),
      );

    const snapshot = once<{ room: string; members: Array<{ userId: string }> }>(
      p1,
      'presence:state',
    );
    await ask(p1, 'join', { room: 'game:1' });
    expect(await snapshot).toEqual({
      room: 'game:1',
      members: [{ userId: 'pia', name: 'N-pia', states: [null] }],
    });
    const snapshot2 = once<{ members: Array<{ userId: string }> }>(p2, 'presence:state');
    await ask(p2, 'join', { room: 'game:1' });
    expect((await snapshot2).members.map((m) => m.userId).sort()).toEqual(['paul', 'pia']);
    expect(await diffAbout('paul', 'joins')).toEqual({
      room: 'game:1',
      joins: [{ userId: 'paul', name: 'N-paul', states: [null] }],
      leaves: [],
      updates: [],
    });
    p2.disconnect();
    expect(await diffAbout('paul', 'leaves')).toEqual({
      room: 'game:1',
      joins: [],
      leaves: [{ userId: 'paul', name: 'N-paul' }],
      updates: [],
    });
    // A room without room presence gets no snapshot.
    const none = once(p1, 'presence:state', 300).catch(() => 'none');
    await ask(p1, 'join', { room: 'plain' });
    expect(await none).toBe('none');
    p1.disconnect();
  });
});

/** Resolves with the first truthy value of `probe`, checked as events arrive. */
async function until<T>(probe: () => T | undefined, timeoutMs = 5000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = probe();
    if (value) return value;
    if (Date.now() > deadline) throw new Error('timed out');
    await new Promise((r) => setTimeout(r, 5));
  }
}
