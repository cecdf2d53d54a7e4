import type { PresenceStore, StoredConnection } from '../../lib/presence/presence.store.js';

export interface StoreUnderTest {
  store: PresenceStore;
  /** How many structures (keys / map entries) are left beside heartbeats: 0 once all are gone. */
  residue(): Promise<number>;
  cleanup(): Promise<void>;
}

let seq = 0;
export function conn(
  userId: string,
  instanceId = 'i1',
  namespace = '/',
  info: Record<string, unknown> = {},
): StoredConnection {
  return {
    socketId: `s${++seq}-${Math.random().toString(36).slice(2, 8)}`,
    userId,
    instanceId,
    namespace,
    connectedAt: Date.now(),
    state: null,
    info,
  };
}

async function until<T>(probe: () => Promise<T>, ok: (v: T) => boolean, ms = 3000): Promise<T> {
  const deadline = Date.now() + ms;
  for (;;) {
    const value = await probe();
    if (ok(value) || Date.now() > deadline) return value;
    await new Promise((r) => setTimeout(r, 10));
  }
}

/** One contract, run against MemoryPresenceStore and RedisPresenceStore. */
export function presenceStoreContract(start: () => Promise<StoreUnderTest>): void {
  let t: StoreUnderTest;
  let store: PresenceStore;

  beforeEach(async () => {
    t = await start();
    store = t.store;
  });
  afterEach(async () => {
    await t.cleanup();
  });

  it('refuses a connection over maxConnections in the same step, storing nothing', async () => {
    const [a, b, c] = [conn('capped'), conn('capped', 'i2'), conn('capped')];
    expect((await store.connect(a, [], 2)).online).toBe(true);
    expect(await store.connect(b, [], 2)).toEqual({ online: false, joinedRooms: [] });
    expect(await store.connect(c, ['r'], 2)).toEqual({
      refused: true,
      online: false,
      joinedRooms: [],
    });
    expect(await store.countConnections('capped')).toBe(2);
    expect(await store.getRoomConnections('/', 'r')).toEqual([]);
    // A socket already stored is not refused again (idempotent), and 0 means no limit.
    expect((await store.connect(a, [], 2)).refused).toBeUndefined();
    expect((await store.connect(c, [], 0)).refused).toBeUndefined();
    expect(await store.countConnections('capped')).toBe(3);
    for (const x of [a, b, c]) await store.disconnect('capped', x.socketId);
    expect(await t.residue()).toBe(0);
  });

  it('applies changes issued together in the order they were issued', async () => {
    const a = conn('ordered');
    const [connected, joined, left, removed, again] = await Promise.all([
      store.connect(a, ['r1']),
      store.join('ordered', a.socketId, '/', 'r2'),
      store.leave('ordered', a.socketId, '/', 'r1'),
      store.disconnect('ordered', a.socketId),
      store.disconnect('ordered', a.socketId),
    ]);
    expect(connected).toEqual({ online: true, joinedRooms: ['r1'] });
    expect([joined, left]).toEqual([true, true]);
    expect(removed).toMatchObject({ offline: true, rooms: ['r2'], leftRooms: ['r2'] });
    expect(again).toBeNull();
    expect(await t.residue()).toBe(0);
  });

  it('reads its own writes: a query sees every change issued before it', async () => {
    const a = conn('reader');
    void store.connect(a, []);
    void store.join('reader', a.socketId, '/', 'seen');
    expect((await store.getRoomConnections('/', 'seen')).map((c) => c.socketId)).toEqual([
      a.socketId,
    ]);
    void store.leave('reader', a.socketId, '/', 'seen');
    expect(await store.getRoomConnections('/', 'seen')).toEqual([]);
    void store.disconnect('reader', a.socketId);
    expect(await store.isOnline('reader')).toBe(false);
    expect(await t.residue()).toBe(0);
  });

  it('lets exactly maxConnections of racing connects of one user in', async () => {
    const racers = Array.from({ length: 20 }, (_, i) => conn('crowd', `i${i % 3}`));
    const results = await Promise.all(racers.map((c) => store.connect(c, [], 5)));
    expect(results.filter((r) => !r.refused)).toHaveLength(5);
    expect(results.filter((r) => r.online)).toHaveLength(1);
    expect(await store.countConnections('crowd')).toBe(5);
    for (const x of racers) await store.disconnect('crowd', x.socketId);
    expect(await t.residue()).toBe(0);
  });

  it('reports online on the first connection and offline on the last', async () => {
    const a = conn('u1');
    const b = conn('u1', 'i2');
    expect(await store.connect(a, [])).toEqual({ online: true, joinedRooms: [] });
    expect(await store.connect(b, [])).toEqual({ online: false, joinedRooms: [] });
    expect(await store.isOnline('u1')).toBe(true);
    expect(await store.countOnline()).toBe(1);
    expect(await store.countConnections('u1')).toBe(2);
    expect(await store.countConnections('nobody')).toBe(0);
    const connections = await store.getConnections('u1');
    expect(connections.map((c) => c.socketId).sort()).toEqual([a.socketId, b.socketId].sort());
    expect(connections.find((c) => c.socketId === b.socketId)).toMatchObject({
      instanceId: 'i2',
      namespace: '/',
      connectedAt: b.connectedAt,
      state: null,
    });

    expect((await store.disconnect('u1', a.socketId))?.offline).toBe(false);
    expect(await store.isOnline('u1')).toBe(true);
    expect(await store.countConnections('u1')).toBe(1);
    const last = await store.disconnect('u1', b.socketId);
    expect(last).toMatchObject({ offline: true, connection: { socketId: b.socketId } });
    expect(await store.isOnline('u1')).toBe(false);
    expect(await store.countOnline()).toBe(0);
    expect(await t.residue()).toBe(0);
  });

  it('is idempotent: a repeated connect is no transition, a repeated disconnect is null', async () => {
    const a = conn('u1');
    await store.connect(a, []);
    expect((await store.connect(a, [])).online).toBe(false);
    expect(await store.getConnections('u1')).toHaveLength(1);
    expect(await store.disconnect('u1', a.socketId)).not.toBeNull();
    expect(await store.disconnect('u1', a.socketId)).toBeNull();
    expect(await store.disconnect('nobody', 'nothing')).toBeNull();
  });

  it('decides concurrent connects and disconnects of one user exactly once', async () => {
    const connections = Array.from({ length: 40 }, (_, i) => conn('racer', `i${i % 3}`));
    const connects = await Promise.all(connections.map((c) => store.connect(c, ['r'])));
    expect(connects.filter((r) => r.online)).toHaveLength(1);
    expect(connects.filter((r) => r.joinedRooms.length > 0)).toHaveLength(1);
    const removed = await Promise.all(
      connections.map((c) => store.disconnect('racer', c.socketId)),
    );
    expect(removed.filter((r) => r?.offline)).toHaveLength(1);
    expect(removed.filter((r) => r?.leftRooms.includes('r'))).toHaveLength(1);
    expect(await store.isOnline('racer')).toBe(false);
    expect(await t.residue()).toBe(0);
  });

  it('tracks rooms per namespace, deduplicating users', async () => {
    const a = conn('u1', 'i1', '/chat', { name: 'Ann' });
    const b = conn('u1', 'i2', '/chat', { name: 'Ann' });
    const c = conn('u2', 'i1', '/chat');
    const other = conn('u3', 'i1', '/other');
    expect((await store.connect(a, ['lobby'])).joinedRooms).toEqual(['lobby']);
    expect(await store.join('u1', b.socketId, '/chat', 'lobby')).toBe(false); // not connected yet
    await store.connect(b, []);
    expect(await store.join('u1', b.socketId, '/chat', 'lobby')).toBe(false); // u1 already in
    expect(await store.join('u1', b.socketId, '/chat', 'lobby')).toBe(false); // repeated
    await store.connect(c, []);
    expect(await store.join('u2', c.socketId, '/chat', 'lobby')).toBe(true);
    await store.connect(other, ['lobby']);

    const inLobby = await store.getRoomConnections('/chat', 'lobby');
    expect(inLobby.map((x) => x.socketId).sort()).toEqual(
      [a.socketId, b.socketId, c.socketId].sort(),
    );
    expect(inLobby.find((x) => x.socketId === a.socketId)?.info).toEqual({ name: 'Ann' });
    expect(await store.getRoomConnections('/other', 'lobby')).toHaveLength(1);
    expect(await store.getRoomConnections('/chat', 'nowhere')).toEqual([]);

    expect(await store.leave('u1', a.socketId, '/chat', 'lobby')).toBe(false); // b still in
    expect(await store.leave('u1', a.socketId, '/chat', 'lobby')).toBe(false); // not in any more
    const removed = await store.disconnect('u1', b.socketId);
    expect(removed).toMatchObject({ offline: false, rooms: ['lobby'], leftRooms: ['lobby'] });
    expect(await store.leave('u2', c.socketId, '/chat', 'lobby')).toBe(true);
    expect(await store.getRoomConnections('/chat', 'lobby')).toEqual([]);
    for (const x of [a, c, other]) await store.disconnect(x.userId, x.socketId);
    expect(await t.residue()).toBe(0);
  });

  it('sets the state of one connection or of every connection of a user', async () => {
    const a = conn('u1');
    const b = conn('u1');
    await store.connect(a, ['room']);
    await store.connect(b, []);
    const one = await store.setState('u1', a.socketId, { status: 'away', n: 0.1 + 0.2 });
    expect(one).toHaveLength(1);
    expect(one[0]).toMatchObject({
      connection: { socketId: a.socketId, state: { status: 'away', n: 0.1 + 0.2 } },
      rooms: ['room'],
    });
    const byId = async () =>
      Object.fromEntries((await store.getConnections('u1')).map((c) => [c.socketId, c.state]));
    expect(await byId()).toEqual({
      [a.socketId]: { status: 'away', n: 0.1 + 0.2 },
      [b.socketId]: null,
    });
    expect((await store.getRoomConnections('/', 'room'))[0].state).toEqual({
      status: 'away',
      n: 0.1 + 0.2,
    });
    expect(await store.setState('u1', null, { status: 'busy' })).toHaveLength(2);
    expect(await byId()).toEqual({
      [a.socketId]: { status: 'busy' },
      [b.socketId]: { status: 'busy' },
    });
    await store.setState('u1', b.socketId, null);
    expect((await byId())[b.socketId]).toBeNull();
    expect(await store.setState('u1', 'unknown', { x: 1 })).toEqual([]);
    expect(await store.setState('nobody', null, { x: 1 })).toEqual([]);
    await store.disconnect('u1', a.socketId);
    await store.disconnect('u1', b.socketId);
    expect(await t.residue()).toBe(0);
  });

  it('pages through online users with a cursor', async () => {
    const users = Array.from({ length: 25 }, (_, i) => `user-${String(i).padStart(2, '0')}`);
    for (const u of users) await store.connect(conn(u), []);
    await store.connect(conn('user-03'), []); // a second connection is not a second user
    const seen: string[] = [];
    let cursor: string | undefined;
    let pages = 0;
    do {
      const page = await store.listOnline(cursor, 10);
      seen.push(...page.userIds);
      cursor = page.cursor ?? undefined;
      pages++;
    } while (cursor);
    expect(pages).toBe(3);
    expect(seen).toEqual(users);
    expect(await store.countOnline()).toBe(25);
  });

  it('sweeps an instance whose heartbeat expired, each transition exactly once', async () => {
    // 'dead' stays alive through the setup (a loaded CI box can take more than 50 ms for it),
    // then its heartbeat is renewed with a short TTL and left to expire.
    await store.heartbeat('dead', 60_000);
    await store.heartbeat('alive', 60_000);
    const onlyDead = conn('only-dead', 'dead', '/', { name: 'D' });
    const both = conn('both', 'dead');
    const bothAlive = conn('both', 'alive');
    const extra = Array.from({ length: 7 }, (_, i) => conn(`extra-${i}`, 'dead'));
    for (const c of [onlyDead, both, bothAlive, ...extra]) await store.connect(c, ['room']);

    expect(await store.sweep('alive', 100)).toEqual([]); // heartbeat still alive
    await store.heartbeat('dead', 1);
    await until(
      () => store.heartbeat('probe', 60_000).then(() => store.sweep('alive', 0)),
      () => true,
    );
    // Two survivors sweep at once, in small batches: every connection is removed exactly once.
    const swept = await until(
      async () => {
        const all = [];
        for (;;) {
          const [x, y] = await Promise.all([store.sweep('alive', 3), store.sweep('probe', 3)]);
          all.push(...x, ...y);
          if (x.length === 0 && y.length === 0) return all;
        }
      },
      (all) => all.length > 0,
    );
    expect(swept.map((r) => r.connection.socketId).sort()).toEqual(
      [onlyDead, both, ...extra].map((c) => c.socketId).sort(),
    );
    const offline = swept.filter((r) => r.offline).map((r) => r.connection.userId);
    expect(offline.sort()).toEqual(['only-dead', ...extra.map((c) => c.userId)].sort());
    expect(swept.find((r) => r.connection.userId === 'only-dead')).toMatchObject({
      connection: { info: { name: 'D' }, namespace: '/' },
      rooms: ['room'],
      leftRooms: ['room'],
    });
    expect(await store.isOnline('both')).toBe(true);
    expect(await store.instanceSockets('dead')).toEqual([]);
    expect(await store.sweep('alive', 100)).toEqual([]);
    expect((await store.getRoomConnections('/', 'room')).map((c) => c.socketId)).toEqual([
      bothAlive.socketId,
    ]);
  });

  it('removes an instance on shutdown in batches and forgets its heartbeat', async () => {
    await store.heartbeat('leaving', 60_000);
    const connections = Array.from({ length: 5 }, (_, i) => conn(`u${i}`, 'leaving'));
    for (const c of connections) await store.connect(c, []);
    expect((await store.instanceSockets('leaving')).map((s) => s.socketId).sort()).toEqual(
      connections.map((c) => c.socketId).sort(),
    );
    const batches = [];
    for (;;) {
      const removed = await store.removeInstance('leaving', 2);
      batches.push(removed.length);
      if (removed.length < 2) break;
    }
    expect(batches).toEqual([2, 2, 1]);
    expect(await store.countOnline()).toBe(0);
    expect(await store.heartbeat('leaving', 60_000)).toBe(false);
    await store.removeInstance('leaving', 10);
    expect(await t.residue()).toBe(0);
  });
}
