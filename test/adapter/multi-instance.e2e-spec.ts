import type { Socket } from 'socket.io-client';
import { ask, eventually, once } from '../kit/events.js';
import { AppInstance } from '../kit/instance.js';
import { RedisServer, uniquePrefix } from '../kit/redis.js';

describe.each([2, 3])('%i instances in separate processes on one private Redis', (count) => {
  let redis: RedisServer;
  let instances: AppInstance[] = [];
  let clients: Socket[] = [];

  beforeAll(async () => {
    redis = await RedisServer.start();
    const realtime = { redis: { url: redis.url, keyPrefix: uniquePrefix('multi') } };
    instances = await Promise.all(
      Array.from({ length: count }, () => AppInstance.start({ realtime })),
    );
  }, 60_000);

  afterAll(async () => {
    await Promise.all(instances.map((i) => i.stop()));
    await redis?.stop();
  });

  beforeEach(async () => {
    clients = await Promise.all(instances.map((i) => i.connect()));
  });

  afterEach(() => {
    for (const c of clients) c.disconnect();
    for (const i of instances) expect(i.output).not.toMatch(/Unhandled|Uncaught/);
  });

  const first = 0;
  const others = () => clients.slice(1);

  it('a room broadcast from the first instance reaches clients on every other one', async () => {
    await Promise.all(clients.map((c) => ask(c, 'join', { room: 'lobby' })));
    const received = clients.map((c) => once(c, 'news'));
    await ask(clients[first], 'broadcast', { room: 'lobby', event: 'news', data: { n: 1 } });
    await expect(Promise.all(received)).resolves.toEqual(clients.map(() => ({ n: 1 })));
  });

  it('a broadcast to a room reaches only its members, wherever they are', async () => {
    const [member, ...rest] = others();
    await ask(member, 'join', { room: 'members' });
    const got = once(member, 'only');
    let leaked = false;
    for (const c of [clients[first], ...rest]) c.on('only', () => (leaked = true));
    await ask(clients[first], 'broadcast', { room: 'members', event: 'only', data: 1 });
    await got;
    // the member got it; a round trip through every other instance shows nothing else is pending
    await Promise.all([clients[first], ...rest].map((c) => ask(c, 'rooms')));
    expect(leaked).toBe(false);
  });

  it('fetchSockets returns the sockets of a room on every instance', async () => {
    await Promise.all(clients.map((c) => ask(c, 'join', { room: 'fetched' })));
    const ids = await ask<string[]>(clients[first], 'fetch_sockets', { room: 'fetched' });
    expect(ids).toEqual(clients.map((c) => c.id).sort());
  });

  it('serverSideEmit reaches every other instance (and not the sender)', async () => {
    await Promise.all(clients.map((c) => ask(c, 'join', { room: 'ssemit' })));
    const pings = others().map((c) => once<{ data: unknown; pid: number }>(c, 'server_side_ping'));
    let selfPinged = false;
    clients[first].on('server_side_ping', () => (selfPinged = true));
    await ask(clients[first], 'server_side_emit', { data: 'hello' });
    const got = await Promise.all(pings);
    expect(got.map((p) => p.data)).toEqual(others().map(() => 'hello'));
    expect(got.map((p) => p.pid).sort()).toEqual(
      instances
        .slice(1)
        .map((i) => i.pid)
        .sort(),
    );
    expect(selfPinged).toBe(false);
  });

  it('socketsJoin makes the sockets of a room join another room on every instance', async () => {
    await Promise.all(clients.map((c) => ask(c, 'join', { room: 'from' })));
    await ask(clients[first], 'sockets_join', { from: 'from', to: 'to' });
    for (const c of clients) {
      await eventually(async () => (await ask<string[]>(c, 'rooms')).includes('to'), {
        timeoutMs: 5000,
        what: `${c.id} to join "to"`,
      });
    }
    const received = clients.map((c) => once(c, 'joined'));
    await ask(clients[first], 'broadcast', { room: 'to', event: 'joined', data: true });
    await Promise.all(received);
  });

  it('disconnectSockets disconnects the sockets of a room on every instance', async () => {
    await Promise.all(others().map((c) => ask(c, 'join', { room: 'kick' })));
    const reasons = others().map((c) => once<string>(c, 'disconnect'));
    await ask(clients[first], 'disconnect_sockets', { room: 'kick' });
    await expect(Promise.all(reasons)).resolves.toEqual(others().map(() => 'io server disconnect'));
    expect(clients[first].connected).toBe(true);
  });
});
