import { Redis } from 'ioredis';
import type { Socket } from 'socket.io-client';
import { ask, eventually, once } from '../kit/events.js';
import { AppInstance, startAll } from '../kit/instance.js';
import { uniquePrefix } from '../kit/redis.js';
import { RedisCluster } from '../kit/redis-cluster.js';

describe('sharded mode on a local three-master Redis Cluster', () => {
  let cluster: RedisCluster;
  let instances: AppInstance[] = [];
  let clients: Socket[] = [];
  const keyPrefix = uniquePrefix('cluster');

  beforeAll(async () => {
    cluster = await RedisCluster.start(3);
    const realtime = {
      redis: { cluster: { nodes: cluster.nodes }, mode: 'sharded' as const, keyPrefix },
    };
    instances = await startAll([0, 1, 2].map(() => AppInstance.start({ realtime })));
  }, 60_000);

  afterAll(async () => {
    await Promise.all(instances.map((i) => i.stop()));
    await cluster?.stop();
  });

  beforeEach(async () => {
    clients = await Promise.all(instances.map((i) => i.connect()));
  });

  afterEach(() => {
    for (const c of clients) c.disconnect();
    for (const i of instances) {
      expect(i.output).not.toMatch(/Unhandled|Uncaught/);
      // e.g. no client error from sharded subscribers opened where nothing subscribes
      expect(i.output).not.toMatch(/RealtimeRedis/);
    }
  });

  it('reports a connected sharded adapter', async () => {
    for (const c of clients) {
      await expect(ask(c, 'health')).resolves.toEqual({ status: 'connected', mode: 'sharded' });
    }
  });

  it('delivers room broadcasts across instances, whichever shard a room hashes to', async () => {
    // enough rooms that their dynamic channels land on every master
    const rooms = Array.from({ length: 12 }, (_, i) => `room-${i}`);
    await Promise.all(clients.flatMap((c) => rooms.map((room) => ask(c, 'join', { room }))));
    const nodes = cluster.ports.map((port) => new Redis({ port, host: '127.0.0.1' }));
    try {
      // The sharded adapter does not await a new room's SSUBSCRIBE; the library's join does, so
      // once the joins are answered every instance has subscribed to every room's channel.
      const subscribers = async () => {
        const counts = new Map<string, number>();
        for (const node of nodes) {
          const channels = (await node.call(
            'PUBSUB',
            'SHARDCHANNELS',
            `${keyPrefix}*`,
          )) as string[];
          if (channels.length === 0) continue;
          const reply = (await node.call('PUBSUB', 'SHARDNUMSUB', ...channels)) as unknown[];
          for (let i = 0; i < reply.length; i += 2)
            counts.set(String(reply[i]), Number(reply[i + 1]));
        }
        return rooms.every((room) =>
          [...counts].some(([channel, n]) => channel.endsWith(`#${room}#`) && n === clients.length),
        );
      };
      await expect(subscribers()).resolves.toBe(true);

      for (const [i, room] of rooms.entries()) {
        const sender = clients[i % clients.length];
        const received = clients.map((c) => once(c, `news:${room}`));
        await ask(sender, 'broadcast', { room, event: `news:${room}`, data: room });
        await expect(Promise.all(received)).resolves.toEqual(clients.map(() => room));
      }

      // the rooms' channels really are spread over the shards
      const perNode = await Promise.all(
        nodes.map((n) => n.call('PUBSUB', 'SHARDCHANNELS', `${keyPrefix}*`) as Promise<string[]>),
      );
      expect(perNode.filter((channels) => channels.length > 0).length).toBe(3);
    } finally {
      for (const n of nodes) n.disconnect();
    }
  });

  it('runs fetchSockets, serverSideEmit, socketsJoin and disconnectSockets across instances', async () => {
    const [first, ...others] = clients;
    await Promise.all(clients.map((c) => ask(c, 'join', { room: 'all' })));
    await expect(ask(first, 'fetch_sockets', { room: 'all' })).resolves.toEqual(
      clients.map((c) => c.id).sort(),
    );

    await Promise.all(others.map((c) => ask(c, 'join', { room: 'ssemit' })));
    const pings = others.map((c) => once<{ data: unknown }>(c, 'server_side_ping'));
    await ask(first, 'server_side_emit', { data: 'hi' });
    await expect(Promise.all(pings)).resolves.toEqual(others.map(() => expect.anything()));

    await ask(first, 'sockets_join', { from: 'all', to: 'joined' });
    for (const c of clients) {
      await eventually(async () => (await ask<string[]>(c, 'rooms')).includes('joined'), {
        what: 'socketsJoin to reach every instance',
      });
    }

    await Promise.all(others.map((c) => ask(c, 'join', { room: 'kick' })));
    const reasons = others.map((c) => once<string>(c, 'disconnect'));
    await ask(first, 'disconnect_sockets', { room: 'kick' });
    await expect(Promise.all(reasons)).resolves.toEqual(others.map(() => 'io server disconnect'));
  });
});
