import { ask, eventually } from '../kit/events.js';
import { AppInstance, startAll } from '../kit/instance.js';
import { RedisServer } from '../kit/redis.js';

/**
 * Redis is killed (SIGKILL) while one instance broadcasts to a room that has a member on each
 * instance. Pub/sub mode is at-most-once across instances: what was published while Redis was
 * down is lost for the other instance, and the test counts it. Local delivery loses nothing.
 */
describe('Redis killed under traffic (pubsub mode)', () => {
  let redis: RedisServer;
  let a: AppInstance;
  let b: AppInstance;

  beforeAll(async () => {
    redis = await RedisServer.start();
    const realtime = { redis: { url: redis.url, keyPrefix: 'killed' }, throttle: false as const };
    [a, b] = await startAll([AppInstance.start({ realtime }), AppInstance.start({ realtime })]);
  }, 30_000);

  afterAll(async () => {
    await Promise.all([a?.stop(), b?.stop()]);
    await redis?.stop();
  });

  it('keeps serving locally, resumes across instances, and reports what pub/sub lost', async () => {
    const sender = await a.connect();
    const local = await a.connect();
    const remote = await b.connect();
    await Promise.all([local, remote].map((s) => ask(s, 'join', { room: 'feed' })));
    const seenLocal = new Set<number>();
    const seenRemote = new Set<number>();
    local.on('n', (n: number) => seenLocal.add(n));
    remote.on('n', (n: number) => seenRemote.add(n));

    let n = 0;
    const send = async (count: number) => {
      for (let i = 0; i < count; i++) {
        await ask(sender, 'broadcast', { room: 'feed', event: 'n', data: n++ });
        await new Promise((r) => setTimeout(r, 10));
      }
    };
    await send(30);
    await eventually(() => seenRemote.size === 30, { what: 'remote delivery before the outage' });

    await redis.stop('SIGKILL');
    const outageStart = n;
    await send(50); // Redis down: local delivery must go on
    const outageEnd = n;
    await redis.restart();
    // Cross-instance delivery resumes by itself (ioredis reconnects and re-subscribes).
    await eventually(
      async () => {
        await send(1);
        return seenRemote.has(n - 1);
      },
      { timeoutMs: 20_000, intervalMs: 200, what: 'cross-instance delivery after Redis is back' },
    );
    await send(30);
    await eventually(() => seenRemote.has(n - 1) && seenLocal.has(n - 1), {
      what: 'the last message',
    });

    const total = n;
    const lostLocal = total - seenLocal.size;
    const lostRemote = total - seenRemote.size;
    const lostDuringOutage = [...Array(outageEnd - outageStart).keys()]
      .map((i) => i + outageStart)
      .filter((i) => !seenRemote.has(i)).length;
    console.log(
      `redis killed: ${total} broadcasts; local lost ${lostLocal}; other instance lost ${lostRemote} ` +
        `(${lostDuringOutage} of the ${outageEnd - outageStart} sent while Redis was down): pub/sub is at-most-once`,
    );
    expect(lostLocal).toBe(0);
    // Every loss on the other instance falls in the outage and the reconnect that follows it.
    expect(seenRemote.has(outageStart - 1)).toBe(true);
    expect([...Array(30).keys()].every((i) => seenRemote.has(total - 1 - i))).toBe(true);
    expect(lostDuringOutage).toBeGreaterThan(0);
    for (const instance of [a, b]) {
      expect(instance.alive).toBe(true);
      expect(instance.output).not.toMatch(/Unhandled|uncaught/i);
    }
  }, 60_000);
});
