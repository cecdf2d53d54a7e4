import { Redis } from 'ioredis';
import { MemoryPresenceStore } from '../../lib/presence/memory-presence.store.js';
import type { StoredConnection } from '../../lib/presence/presence.store.js';
import { RedisPresenceStore } from '../../lib/presence/redis-presence.store.js';
import { deletePrefix, REDIS_URL, RedisServer, uniquePrefix } from '../kit/redis.js';
import { presenceStoreContract, type StoreUnderTest } from './presence-store.contract.js';

describe('MemoryPresenceStore', () => {
  presenceStoreContract(async (): Promise<StoreUnderTest> => {
    const store = new MemoryPresenceStore();
    const internals = store as unknown as Record<string, Map<string, Map<string, unknown>>>;
    return {
      store,
      residue: async () =>
        ['users', 'rooms', 'roomCounts'].reduce((n, name) => n + internals[name].size, 0) +
        [...internals.instances.values()].reduce((n, index) => n + index.size, 0),
      cleanup: async () => store.close(),
    };
  });
});

describe('RedisPresenceStore', () => {
  let redis: Redis;
  beforeAll(() => {
    redis = new Redis(REDIS_URL);
  });
  afterAll(async () => {
    await redis.quit();
  });

  presenceStoreContract(async (): Promise<StoreUnderTest> => {
    const prefix = uniquePrefix('presence-store');
    const base = `{${prefix}:presence}`;
    const store = new RedisPresenceStore(redis, prefix);
    return {
      store,
      // Heartbeats expire on their own and the instance set holds ids only.
      residue: async () =>
        (await redis.keys(`${base}*`)).filter((k) => !/:hb:|:instances$/.test(k)).length,
      cleanup: async () => {
        await store.close();
        await deletePrefix(base);
      },
    };
  });

  it('keeps every key in one hash slot (Redis Cluster)', async () => {
    const prefix = uniquePrefix('presence-slot');
    const base = `{${prefix}:presence}`;
    const store = new RedisPresenceStore(redis, prefix);
    await store.heartbeat('i1', 60_000);
    await store.connect(
      {
        socketId: 's1',
        userId: 'u1',
        instanceId: 'i1',
        namespace: '/a:b',
        connectedAt: 1,
        state: null,
        info: {},
      },
      ['room {x}'],
    );
    await store.setState('u1', 's1', { a: 1 });
    const keys = await redis.keys(`${base}*`);
    expect(keys.length).toBeGreaterThanOrEqual(8);
    const slots = new Set(
      await Promise.all(
        keys.map((k) => redis.call('CLUSTER', 'KEYSLOT', k).catch(() => keySlotTag(k))),
      ),
    );
    expect(slots.size).toBe(1);
    await deletePrefix(base);
  });
});

/** A stored connection of instance i1 on the main namespace. */
function connectionOf(socketId: string, userId: string): StoredConnection {
  return {
    socketId,
    userId,
    instanceId: 'i1',
    namespace: '/',
    connectedAt: 1,
    state: null,
    info: {},
  };
}

/** Without cluster mode CLUSTER KEYSLOT is refused; the hash tag is what decides the slot. */
function keySlotTag(key: string): string {
  const open = key.indexOf('{');
  const close = key.indexOf('}', open + 1);
  return close > open + 1 ? key.slice(open + 1, close) : key;
}

describe('RedisPresenceStore on a redis-server of its own', () => {
  // SCRIPT FLUSH and INFO commandstats concern the whole server: a private one, stopped by pid.
  let server: RedisServer;
  let redis: Redis;
  beforeAll(async () => {
    server = await RedisServer.start();
    redis = new Redis(server.url);
  });
  afterAll(async () => {
    await redis.quit();
    await server.stop();
  });

  it('re-sends the batch with its script (NOSCRIPT) and keeps the order of changes', async () => {
    const store = new RedisPresenceStore(redis, 'noscript');
    const at = (socketId: string) => connectionOf(socketId, 'u1');
    expect((await store.connect(at('s1'), ['r'])).online).toBe(true);
    for (let round = 0; round < 3; round++) {
      await redis.script('FLUSH');
      const [connected, joined, removed] = await Promise.all([
        store.connect(at(`s${round + 2}`), []),
        store.join('u1', `s${round + 2}`, '/', 'r'),
        store.disconnect('u1', `s${round + 2}`),
      ]);
      expect(connected).toEqual({ online: false, joinedRooms: [] });
      expect(joined).toBe(false); // the user already had a connection in the room
      expect(removed).toMatchObject({ offline: false, rooms: ['r'], leftRooms: [] });
    }
    expect((await store.disconnect('u1', 's1'))?.offline).toBe(true);
    expect(await store.countOnline()).toBe(0);
  });

  /** A connection of a user of its own: every connect is a user coming online. */
  const alone = (socketId: string) => connectionOf(socketId, `u-${socketId}`);
  /** Script calls (EVALSHA and EVAL, NOSCRIPT refusals included) since the last reset. */
  const scriptCalls = async () => {
    const stats = await redis.info('commandstats');
    return [...stats.matchAll(/cmdstat_(?:evalsha|eval):calls=(\d+)/g)].reduce(
      (n, m) => n + Number(m[1]),
      0,
    );
  };

  it('sends the changes of one turn as one call of at most 256 operations', async () => {
    const store = new RedisPresenceStore(redis, 'storm');
    await redis.config('RESETSTAT');
    const results = await Promise.all(
      Array.from({ length: 600 }, (_, i) => store.connect(alone(`a${i}`), [])),
    );
    expect(results.every((r) => r.online)).toBe(true);
    expect(await store.countOnline()).toBe(600);
    // 256 + 256 + 88, and the first EVALSHA once more as EVAL (a fresh server: NOSCRIPT).
    expect(await scriptCalls()).toBeLessThanOrEqual(4);
  });

  it('sends a steady stream of changes at most once per 4 ms', async () => {
    const store = new RedisPresenceStore(redis, 'stream');
    await redis.config('RESETSTAT');
    const started = performance.now();
    const pending: Array<Promise<unknown>> = [];
    // One change per event-loop turn, as sockets arriving one by one, for at least 20 ms.
    for (let i = 0; i < 1000 || performance.now() - started < 20; i++) {
      pending.push(store.connect(alone(`b${i}`), []));
      await new Promise((resolve) => setImmediate(resolve));
    }
    await Promise.all(pending);
    const elapsed = performance.now() - started;
    expect(await store.countOnline()).toBe(pending.length);
    // A call per Redis round trip would be hundreds here; +2: the first call and the NOSCRIPT retry.
    expect(await scriptCalls()).toBeLessThanOrEqual(Math.floor(elapsed / 4) + 2);
  });
});
