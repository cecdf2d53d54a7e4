import { Redis } from 'ioredis';
import { MemoryPresenceStore } from '../../lib/presence/memory-presence.store.js';
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

/** Without cluster mode CLUSTER KEYSLOT is refused; the hash tag is what decides the slot. */
function keySlotTag(key: string): string {
  const open = key.indexOf('{');
  const close = key.indexOf('}', open + 1);
  return close > open + 1 ? key.slice(open + 1, close) : key;
}

describe('RedisPresenceStore after Redis lost its script cache', () => {
  // SCRIPT FLUSH changes the server for everyone: a private redis-server, stopped by pid.
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
    const at = (socketId: string) => ({
      socketId,
      userId: 'u1',
      instanceId: 'i1',
      namespace: '/',
      connectedAt: 1,
      state: null,
      info: {},
    });
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
});
