import { Redis } from 'ioredis';
import { io, type Socket } from 'socket.io-client';
import type { RealtimeAdapterHealth, RealtimeRedisMode } from '../../lib/index.js';
import { ask, connected, eventually, once } from '../kit/events.js';
import { AppInstance } from '../kit/instance.js';
import { RedisServer, uniquePrefix } from '../kit/redis.js';

/** Lines of an instance's output that match `pattern`. */
const lines = (instance: AppInstance, pattern: RegExp) =>
  instance.output.split('\n').filter((line) => pattern.test(line));

/** Resolves true when `socket` receives `event` with `data` within `timeoutMs`, false otherwise. */
function receives(socket: Socket, event: string, data: unknown, timeoutMs: number) {
  return new Promise<boolean>((resolve) => {
    const handler = (payload: unknown) => {
      if (JSON.stringify(payload) !== JSON.stringify(data)) return;
      done(true);
    };
    const timer = setTimeout(() => done(false), timeoutMs);
    const done = (value: boolean) => {
      clearTimeout(timer);
      socket.off(event, handler);
      resolve(value);
    };
    socket.on(event, handler);
  });
}

describe.each<RealtimeRedisMode>(['pubsub', 'sharded', 'streams'])(
  'a Redis outage in %s mode',
  (mode) => {
    let redis: RedisServer;
    let a: AppInstance;
    let b: AppInstance;
    const keyPrefix = uniquePrefix(`outage-${mode}`);

    beforeAll(async () => {
      redis = await RedisServer.start();
      // presence off: this file is about the adapter (presence has its own outage tests)
      const realtime = { redis: { url: redis.url, mode, keyPrefix }, presence: false as const };
      [a, b] = await Promise.all([
        AppInstance.start({ realtime }),
        AppInstance.start({ realtime }),
      ]);
    }, 60_000);

    afterAll(async () => {
      await Promise.all([a?.stop(), b?.stop()]);
      await redis?.stop();
    });

    it('keeps the apps up and serving locally, then resumes cross-instance delivery on its own', async () => {
      const [a1, a2, b1] = await Promise.all([a.connect(), a.connect(), b.connect()]);
      await Promise.all([a1, a2, b1].map((c) => ask(c, 'join', { room: 'room' })));
      await expect(ask(a1, 'health')).resolves.toEqual({ status: 'connected', mode });
      const before = once(b1, 'msg');
      await ask(a1, 'broadcast', { room: 'room', event: 'msg', data: 'before' });
      await expect(before).resolves.toBe('before');

      // --- Redis goes away ---
      await redis.stop();
      for (const c of [a1, b1]) {
        await eventually(
          async () => (await ask<RealtimeAdapterHealth>(c, 'health')).status === 'degraded',
          { what: 'health to report degraded' },
        );
      }
      await expect(ask(b1, 'health')).resolves.toEqual({ status: 'degraded', mode });

      // local delivery on A continues, packet after packet
      const local: number[] = [];
      a2.on('local', (n: number) => local.push(n));
      const last = once(a2, 'local', 5000);
      for (let n = 0; n < 30; n++) {
        await ask(a1, 'broadcast', { room: 'room', event: 'local', data: n });
      }
      await eventually(() => local.length === 30, { timeoutMs: 5000, what: '30 local packets' });
      await last;
      expect(local).toEqual([...Array(30).keys()]);

      // every cross-instance primitive fails soft while Redis is down
      await ask(a1, 'server_side_emit', { data: 'down' });
      await ask(a1, 'sockets_join', { from: 'room', to: 'other' });
      await ask(a1, 'disconnect_sockets', { room: 'nobody' });
      await ask(a1, 'fetch_sockets', { room: 'room' });

      expect(a.alive && b.alive).toBe(true);
      for (const instance of [a, b]) {
        expect(instance.output).not.toMatch(/Unhandled|Uncaught/);
        // 30 broadcasts and several reconnect attempts: each error is logged at most once per interval
        expect(lines(instance, /Redis \S+ failed/).length).toBeLessThanOrEqual(2);
        const roles = lines(instance, /Redis \S+ client error/).map(
          (l) => /Redis (\S+) client error/.exec(l)![1],
        );
        expect(roles.length).toBe(new Set(roles).size);
      }

      // --- Redis comes back on the same port; the apps are not restarted ---
      await redis.restart();
      // Each instance's subscriber reconnects on its own backoff (up to 3 s) and resubscribes,
      // so one direction may resume a little after the other (seen under CI load).
      let seq = 0;
      const resumes = (from: Socket, to: Socket, what: string) =>
        eventually(
          async () => {
            const data = `after-${++seq}`;
            const got = receives(to, 'msg', data, 300);
            await ask(from, 'broadcast', { room: 'room', event: 'msg', data });
            return got;
          },
          { timeoutMs: 15_000, intervalMs: 0, what },
        );
      await resumes(a1, b1, 'cross-instance delivery to resume');
      await resumes(b1, a1, 'delivery from B to A to resume');
      for (const c of [a1, b1]) {
        await eventually(
          async () => (await ask<RealtimeAdapterHealth>(c, 'health')).status === 'connected',
          { what: 'health to report connected again' },
        );
      }
      await expect(ask(b1, 'health')).resolves.toEqual({ status: 'connected', mode });
      await expect(ask(a1, 'fetch_sockets', { room: 'room' })).resolves.toEqual(
        [a1.id, a2.id, b1.id].sort(),
      );

      // the subscriber clients re-subscribed on the new (empty) server
      const check = new Redis(redis.url);
      try {
        const channels =
          mode === 'sharded'
            ? ((await check.call('PUBSUB', 'SHARDCHANNELS', `${keyPrefix}*`)) as string[])
            : await check.pubsub('CHANNELS', `${keyPrefix}*`);
        expect(channels.length).toBeGreaterThan(0);
        if (mode === 'pubsub') expect(Number(await check.pubsub('NUMPAT'))).toBeGreaterThan(0);
      } finally {
        check.disconnect();
      }
      expect(a.alive && b.alive).toBe(true);
      for (const instance of [a, b]) expect(instance.output).not.toMatch(/Unhandled|Uncaught/);
    }, 45_000);

    it('shuts down cleanly while Redis is down', async () => {
      // b1 is not one of b's own clients, which stop() would disconnect first
      const b1 = await connected(
        io(`${b.url}/cluster`, { transports: ['websocket'], forceNew: true, reconnection: false }),
      );
      const a1 = await a.connect();
      await Promise.all([a1, b1].map((c) => ask(c, 'join', { room: 'bye' })));
      await redis.stop();
      await eventually(
        async () => (await ask<RealtimeAdapterHealth>(a1, 'health')).status === 'degraded',
        { what: 'health to report degraded' },
      );
      const disconnected = once<string>(b1, 'disconnect');
      const stopped = b.stop();
      await expect(disconnected).resolves.toBe('io server disconnect'); // a clean goodbye
      await stopped;
      // SIGTERM: Nest closes the app, then re-raises the signal; 70 is the fixture's crash code
      expect(b.exit).toEqual({ code: null, signal: 'SIGTERM' });
      expect(b.output).not.toMatch(/Unhandled|Uncaught/);
      expect(a.alive).toBe(true);
    });
  },
);
