import type { LoggerService } from '@nestjs/common';
import { SubscribeMessage, WebSocketGateway } from '@nestjs/websockets';
import { Redis } from 'ioredis';
import {
  RealtimeHealth,
  type RealtimeModuleOptions,
  type RealtimeRedisMode,
} from '../../lib/index.js';
import { RoomsGateway } from '../fixtures/rooms-gateway.js';
import { TestApp } from '../kit/app.js';
import { ask, eventually, once } from '../kit/events.js';
import { RedisServer, uniquePrefix } from '../kit/redis.js';
import { TcpProxy } from '../kit/tcp-proxy.js';
import { TEST_SECRET } from '../kit/tokens.js';

@WebSocketGateway({ namespace: '/life' })
class LifeGateway extends RoomsGateway {
  /** Answered without Redis. */
  @SubscribeMessage('ping')
  ping() {
    return 'pong';
  }
}

/** A logger that keeps what it is given. */
class CapturingLogger implements LoggerService {
  readonly lines: Array<{ level: string; message: string; context?: string }> = [];
  log = (message: unknown, context?: string) => this.add('log', message, context);
  error = (message: unknown, _trace?: string, context?: string) =>
    this.add('error', message, context);
  warn = (message: unknown, context?: string) => this.add('warn', message, context);
  debug = (message: unknown, context?: string) => this.add('debug', message, context);
  verbose = (message: unknown, context?: string) => this.add('verbose', message, context);
  private add(level: string, message: unknown, context?: string) {
    this.lines.push({ level, message: String(message), context });
  }
}

/** The connections a Redis server has, other than the one asking. */
async function otherClients(redis: Redis): Promise<string[]> {
  const list = (await redis.client('LIST')) as string;
  const me = await redis.client('ID');
  return list
    .split('\n')
    .filter(Boolean)
    .filter((line) => !line.startsWith(`id=${me} `));
}

describe('RedisIoAdapter lifecycle', () => {
  let redis: RedisServer;
  let probe: Redis;

  beforeAll(async () => {
    redis = await RedisServer.start();
    probe = new Redis(redis.url);
  });

  afterAll(async () => {
    probe?.disconnect();
    await redis?.stop();
  });

  describe('without Redis options', () => {
    it('logs once at boot that the app runs as a single instance, and reports memory health', async () => {
      const logger = new CapturingLogger();
      const app = await TestApp.start({ providers: [LifeGateway], logger });
      try {
        const single = logger.lines.filter((l) => /single instance/i.test(l.message));
        expect(single).toHaveLength(1);
        expect(single[0]).toMatchObject({ level: 'log', context: 'RealtimeAdapter' });
        expect(app.get(RealtimeHealth).check()).toEqual({ status: 'memory', mode: 'memory' });
        // and the in-memory adapter serves rooms
        const c = await app.connect('/life');
        await ask(c, 'join', { room: 'r' });
        const got = once(c, 'hi');
        await ask(c, 'broadcast', { room: 'r', event: 'hi', data: 1 });
        await expect(got).resolves.toBe(1);
      } finally {
        await app.close();
      }
    });

    it('does not say so when Redis is configured', async () => {
      const logger = new CapturingLogger();
      const app = await TestApp.start({
        realtime: { redis: { url: redis.url, keyPrefix: uniquePrefix('log') }, presence: false },
        providers: [LifeGateway],
        logger,
      });
      await app.close();
      expect(logger.lines.filter((l) => /single instance/i.test(l.message))).toHaveLength(0);
    });
  });

  describe.each<RealtimeRedisMode>(['pubsub', 'sharded', 'streams'])(
    'graceful shutdown in %s mode',
    (mode) => {
      it('app.close() disconnects clients, closes the server and every Redis client it opened', async () => {
        const realtime: RealtimeModuleOptions = {
          redis: { url: redis.url, mode, keyPrefix: uniquePrefix(`close-${mode}`) },
        };
        const app = await TestApp.start({ realtime, providers: [LifeGateway] });
        expect(app.get(RealtimeHealth).check()).toEqual({ status: 'connected', mode });
        const c = await app.connect('/life');
        await ask(c, 'join', { room: 'r' });
        expect((await otherClients(probe)).length).toBeGreaterThan(0);

        const disconnected = once<string>(c, 'disconnect');
        await app.app.close();
        await expect(disconnected).resolves.toBe('io server disconnect'); // a clean goodbye
        // the HTTP server no longer accepts connections
        await expect(fetch(`${app.url}/socket.io/?EIO=4&transport=polling`)).rejects.toThrow();
        // no client of the app is left on Redis (a closed socket leaves the list a moment later)
        await eventually(async () => (await otherClients(probe)).length === 0, {
          timeoutMs: 2000,
          what: 'every Redis client to be closed',
        });
      });
    },
  );

  describe('with an existing ioredis client (redis.client)', () => {
    it('uses duplicates of it, and closes those but never the app client', async () => {
      const appClient = new Redis(redis.url, { connectionName: 'host-app' });
      try {
        const appClientId = `id=${await appClient.client('ID')} `;
        const app = await TestApp.start({
          realtime: { redis: { client: appClient, keyPrefix: uniquePrefix('client') } },
          providers: [LifeGateway],
        });
        expect(app.get(RealtimeHealth).check()).toEqual({ status: 'connected', mode: 'pubsub' });
        const library = (await otherClients(probe)).filter((l) => !l.startsWith(appClientId));
        // the adapter's own connections (publisher, subscriber) at least, besides the app's
        expect(library.length).toBeGreaterThanOrEqual(2);
        // they are duplicates: the app client's settings (here its connection name) carry over
        expect(library.every((l) => / name=host-app /.test(l))).toBe(true);

        const c = await app.connect('/life');
        await ask(c, 'join', { room: 'r' });
        const got = once(c, 'hi');
        await ask(c, 'broadcast', { room: 'r', event: 'hi', data: 'via redis' });
        await expect(got).resolves.toBe('via redis');

        await app.close();
        expect(appClient.status).toBe('ready');
        await expect(appClient.ping()).resolves.toBe('PONG');
        await eventually(async () => (await otherClients(probe)).length === 1, {
          timeoutMs: 2000,
          what: "the library's duplicates to be closed",
        });
        expect((await otherClients(probe))[0].startsWith(appClientId)).toBe(true);
      } finally {
        appClient.disconnect();
      }
    });

    it('connects even when the app client is lazy (lazyConnect) and not yet connected', async () => {
      const appClient = new Redis(redis.url, { lazyConnect: true });
      const app = await TestApp.start({
        realtime: { redis: { client: appClient, keyPrefix: uniquePrefix('lazy') } },
        providers: [LifeGateway],
      });
      try {
        expect(app.get(RealtimeHealth).check().status).toBe('connected');
        expect(appClient.status).toBe('wait');
      } finally {
        await app.close();
      }
      expect(appClient.status).toBe('wait');
    });
  });

  // Sharded pub/sub subscribes per room, and @socket.io/redis-adapter does not await that SSUBSCRIBE.
  describe('sharded mode: a join stands once Redis has confirmed the room subscription', () => {
    const sharded = (url: string, keyPrefix: string): RealtimeModuleOptions => ({
      redis: { url, mode: 'sharded', keyPrefix },
      presence: false,
    });

    it('holds the join until Redis answers the SSUBSCRIBE, while other messages are answered', async () => {
      const proxy = await TcpProxy.start(redis.port);
      const app = await TestApp.start({
        realtime: sharded(proxy.url, uniquePrefix('sharded-join')),
        providers: [LifeGateway],
      });
      try {
        expect(app.get(RealtimeHealth).check()).toEqual({ status: 'connected', mode: 'sharded' });
        const client = await app.connect('/life');

        proxy.hold();
        let joined = false;
        const join = ask(client, 'join', { room: 'fresh' }).then((answer) => {
          joined = true;
          return answer;
        });
        // Sent after the join and answered without Redis: the join is still waiting for Redis.
        await expect(ask(client, 'ping')).resolves.toBe('pong');
        expect(joined).toBe(false);
        proxy.release();
        await expect(join).resolves.toEqual({ ok: true });

        // A room that already exists here needs no subscription: answered while Redis is held.
        proxy.hold();
        const second = await app.connect('/life');
        await expect(ask(second, 'join', { room: 'fresh' })).resolves.toEqual({ ok: true });
        proxy.release();
      } finally {
        await app.close();
        await proxy.close();
      }
    });

    it('tells a client it is connected once its personal room is subscribed', async () => {
      const proxy = await TcpProxy.start(redis.port);
      const app = await TestApp.start({
        realtime: {
          ...sharded(proxy.url, uniquePrefix('sharded-user')),
          auth: { secret: TEST_SECRET },
        },
        providers: [LifeGateway],
      });
      try {
        const alice = await app.connectAs('alice', '/life');
        proxy.hold();
        let connected = false;
        const bob = app.connectAs('bob', '/life').then((socket) => {
          connected = true;
          return socket;
        });
        // The SSUBSCRIBE of bob's room has gone out, and a round trip of alice's has come back.
        await proxy.sent(`#/life#${app.options.userRoomPrefix}bob#`);
        await expect(ask(alice, 'ping')).resolves.toBe('pong');
        expect(connected).toBe(false);
        proxy.release();
        await expect(bob).resolves.toMatchObject({ connected: true });
      } finally {
        await app.close();
        await proxy.close();
      }
    });

    it("delivers another instance's broadcast sent right after the join is answered", async () => {
      const keyPrefix = uniquePrefix('sharded-join-cross');
      const app = await TestApp.start({
        realtime: sharded(redis.url, keyPrefix),
        providers: [LifeGateway],
      });
      const other = await TestApp.start({
        realtime: sharded(redis.url, keyPrefix),
        providers: [LifeGateway],
      });
      try {
        const publisher = await other.connect('/life');
        for (let i = 0; i < 20; i++) {
          const member = await app.connect('/life');
          const room = `room-${i}`;
          await ask(member, 'join', { room });
          const news = once(member, 'news');
          await ask(publisher, 'broadcast', { room, event: 'news', data: i });
          await expect(news).resolves.toBe(i);
          member.disconnect();
        }
      } finally {
        await app.close();
        await other.close();
      }
    });
  });
});
