import { AppInstance } from '../kit/instance.js';
import { ask, once } from '../kit/events.js';
import { deletePrefix, REDIS_URL, uniquePrefix } from '../kit/redis.js';

describe('two instances in separate processes on one Redis', () => {
  const keyPrefix = uniquePrefix('multi');
  let a: AppInstance;
  let b: AppInstance;

  beforeAll(async () => {
    const realtime = { redis: { url: REDIS_URL, keyPrefix } };
    [a, b] = await Promise.all([AppInstance.start({ realtime }), AppInstance.start({ realtime })]);
  }, 30_000);

  afterAll(async () => {
    await Promise.all([a?.stop(), b?.stop()]);
    await deletePrefix(keyPrefix);
  });

  it('a room broadcast from A reaches a client on B', async () => {
    const onA = await a.connect();
    const onB = await b.connect();
    await ask(onB, 'join', { room: 'lobby' });
    const received = once(onB, 'news');
    await ask(onA, 'broadcast', { room: 'lobby', event: 'news', data: { n: 1 } });
    await expect(received).resolves.toEqual({ n: 1 });
  });
});
