// Presence micro-benchmark against a real Redis (REDIS_URL, default 127.0.0.1:6379):
// isOnline latency (one round trip) and getRoomMembers for a 10,000-member room.
// Run: node --import ./sample/register.mjs bench/presence.ts
import { randomUUID } from 'node:crypto';
import { Redis } from 'ioredis';
import { RedisPresenceStore } from '../lib/presence/redis-presence.store.js';

const url = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';
const members = Number(process.env.MEMBERS ?? 10_000);
const redis = new Redis(url);
const prefix = `rt-bench:${randomUUID().slice(0, 8)}`;
const store = new RedisPresenceStore(redis, prefix);

const ms = (start: bigint) => Number(process.hrtime.bigint() - start) / 1e6;
const percentile = (xs: number[], p: number) =>
  [...xs].sort((a, b) => a - b)[Math.floor((xs.length - 1) * p)];

try {
  let start = process.hrtime.bigint();
  const batch = 500;
  for (let i = 0; i < members; i += batch) {
    await Promise.all(
      Array.from({ length: Math.min(batch, members - i) }, (_, j) =>
        store.connect(
          {
            socketId: `s${i + j}`,
            userId: `u${i + j}`,
            instanceId: 'bench',
            namespace: '/',
            connectedAt: Date.now(),
            state: null,
            info: { name: `User ${i + j}` },
          },
          ['big-room'],
        ),
      ),
    );
  }
  const connectMs = ms(start);
  console.log(
    `connect+join: ${members} in ${connectMs.toFixed(0)} ms (${((connectMs * 1000) / members).toFixed(0)} µs each, pipelined)`,
  );

  const online: number[] = [];
  for (let i = 0; i < 1000; i++) {
    start = process.hrtime.bigint();
    await store.isOnline(`u${i}`);
    online.push(ms(start));
  }
  console.log(
    `isOnline: p50 ${percentile(online, 0.5).toFixed(3)} ms, p99 ${percentile(online, 0.99).toFixed(3)} ms (sequential, one EXISTS each)`,
  );

  const room: number[] = [];
  for (let i = 0; i < 20; i++) {
    start = process.hrtime.bigint();
    const connections = await store.getRoomConnections('/', 'big-room');
    // The registry's grouping by user, included in the measurement.
    const byUser = new Map<string, unknown[]>();
    for (const c of connections)
      (byUser.get(c.userId) ?? byUser.set(c.userId, []).get(c.userId)!).push(c);
    if (byUser.size !== members) throw new Error(`expected ${members}, got ${byUser.size}`);
    room.push(ms(start));
  }
  console.log(
    `getRoomMembers(${members}): p50 ${percentile(room, 0.5).toFixed(1)} ms, max ${Math.max(...room).toFixed(1)} ms`,
  );

  start = process.hrtime.bigint();
  let removed = 0;
  for (;;) {
    const batchRemoved = await store.removeInstance('bench', 500);
    removed += batchRemoved.length;
    if (batchRemoved.length < 500) break;
  }
  console.log(
    `removeInstance: ${removed} connections in ${ms(start).toFixed(0)} ms (batches of 500)`,
  );
} finally {
  let cursor = '0';
  do {
    const [next, keys] = await redis.scan(cursor, 'MATCH', `{${prefix}*`, 'COUNT', 1000);
    cursor = next;
    if (keys.length) await redis.del(...keys);
  } while (cursor !== '0');
  await redis.quit();
}
