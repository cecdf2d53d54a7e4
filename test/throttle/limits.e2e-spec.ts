import type { EventEmitter } from 'node:events';
import { join } from 'node:path';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import type { Socket } from 'socket.io-client';
import { NamespaceHooks } from '../../lib/connection/namespace-hooks.js';
import { RealtimeEmitter } from '../../lib/index.js';
import { TestApp } from '../kit/app.js';
import { ask, connected, eventually, once, refused } from '../kit/events.js';
import { AppInstance } from '../kit/instance.js';
import { deletePrefix, REDIS_URL, uniquePrefix } from '../kit/redis.js';
import { signToken, TEST_SECRET } from '../kit/tokens.js';
import { LimitsGateway } from './fixtures.js';

setFlagsFromString('--expose-gc');
const gc = runInNewContext('gc') as () => void;
const as = (sub: string) => ({ auth: { token: signToken({ sub }) } });

describe('connections per user', () => {
  it('refuses the connection over the limit with RATE_LIMITED, and accepts again after one closes', async () => {
    const app = await TestApp.start({
      realtime: { auth: { secret: TEST_SECRET }, limits: { maxConnectionsPerUser: 2 } },
      providers: [LimitsGateway],
    });
    try {
      const first = await app.connect('/limits', as('max'));
      await app.connect('/limits', as('max'));
      const err = await refused(app.client('/limits', as('max')));
      expect(err.message).toBe('RATE_LIMITED');
      expect(err.data).toMatchObject({
        code: 'RATE_LIMITED',
        message: expect.stringContaining('at most 2'),
      });
      await app.connect('/limits', as('someone-else'));
      first.disconnect();
      await eventually(() => app.connect('/limits', as('max')).then(() => true), {
        timeoutMs: 3000,
        what: 'a slot to free up',
      });
    } finally {
      await app.close();
    }
  });

  it('counts connections on every instance when Redis is configured', async () => {
    const keyPrefix = uniquePrefix('conn-limit');
    const realtime = {
      auth: { secret: TEST_SECRET },
      redis: { url: REDIS_URL, keyPrefix },
      limits: { maxConnectionsPerUser: 2 },
    };
    const fixture = join(import.meta.dirname, '..', 'fixtures', 'emitter-app.ts');
    const [a, b] = await Promise.all([
      AppInstance.start({ realtime, fixture }),
      AppInstance.start({ realtime, fixture }),
    ]);
    try {
      await a.connect('/app', as('roamer'));
      await b.connect('/app', as('roamer'));
      // Presence tracking lands just after the connect; the third attempt is refused once both count.
      const err = await eventually(
        async () => {
          const socket = a.client('/app', as('roamer'));
          try {
            await ask(await connected(socket), 'join', { room: 'x' });
            socket.disconnect();
            return false;
          } catch (error) {
            return error as Error;
          }
        },
        { timeoutMs: 3000, what: 'the third connection to be refused' },
      );
      expect(err.message).toBe('RATE_LIMITED');
    } finally {
      await Promise.all([a.stop(), b.stop()]);
      await deletePrefix(keyPrefix);
    }
  }, 30_000);
});

describe('slow clients', () => {
  // The monitor wraps engine.io's sendPacket when the connection opens; a connection whose
  // sendPacket someone else replaced before (a listener ahead of the library's) gets a
  // packetCreate listener instead.
  it.each([
    ['wrapping sendPacket', false],
    ['with a packetCreate listener', true],
  ])(
    'disconnects a client that stops reading, and the server heap stays bounded (%s)',
    async (_, patched) => {
      const app = await TestApp.start({
        realtime: {
          auth: { secret: TEST_SECRET },
          limits: { maxBufferedBytes: 256 * 1024 },
          presence: false,
        },
        providers: [LimitsGateway],
      });
      try {
        const server = app.get(NamespaceHooks).servers[0];
        if (patched) {
          server.engine.prependListener(
            'connection',
            (conn: { sendPacket: (...args: unknown[]) => void }) => {
              const send = conn.sendPacket;
              conn.sendPacket = function (...args: unknown[]) {
                send.apply(this, args);
              };
            },
          );
        }
        const slow = await app.connect('/limits', as('sloth'));
        const healthy = await app.connect('/limits', as('hare'));
        const nsp = server.of('/limits');
        expect(nsp.sockets.size).toBe(2);
        const conn = [...nsp.sockets.values()][0].conn as unknown as EventEmitter;
        expect(conn.listenerCount('packetCreate')).toBe(patched ? 1 : 0);
        // Stop reading: the TCP receive window fills and the server's queue for this client grows.
        (
          slow.io.engine.transport as unknown as { ws: { _socket: { pause(): void } } }
        ).ws._socket.pause();

        gc();
        const before = process.memoryUsage().heapUsed;
        const emitter = app.get(RealtimeEmitter).namespace('/limits');
        const blob = 'x'.repeat(64 * 1024);
        for (let i = 0; i < 400; i++) emitter.toUser('sloth').emit('blob', blob, i); // 25 MiB
        await eventually(() => nsp.sockets.size === 1, {
          timeoutMs: 5000,
          what: 'the slow client to be dropped',
        });
        gc();
        const grown = process.memoryUsage().heapUsed - before;
        // Without the limit the whole 25 MiB would sit in the server's write buffer.
        expect(grown).toBeLessThan(10 * 1024 * 1024);
        await expect(ask(healthy, 'echo', 'fine')).resolves.toBe('fine');
      } finally {
        await app.close();
      }
    },
  );
});

describe('payload limits', () => {
  let app: TestApp;
  let client: Socket;
  beforeAll(async () => {
    app = await TestApp.start({
      realtime: {
        auth: { secret: TEST_SECRET },
        server: { maxHttpBufferSize: 300_000 },
        limits: { maxEventBytes: 10_000 },
      },
      providers: [LimitsGateway],
    });
    client = await app.connect('/limits', as('writer'));
  });
  afterAll(() => app.close());

  it('answers a validated payload over maxEventBytes with PAYLOAD_TOO_LARGE and keeps the connection', async () => {
    await expect(ask(client, 'note', { text: 'y'.repeat(20_000) })).resolves.toMatchObject({
      status: 'error',
      code: 'PAYLOAD_TOO_LARGE',
      event: 'note',
    });
    await expect(ask(client, 'note', { text: 'short' })).resolves.toEqual({ length: 5 });
  });

  it('closes only the connection of a message over maxHttpBufferSize; others are served', async () => {
    const big = await app.connect('/limits', as('big'));
    const closed = once(big, 'disconnect');
    big.emit('echo', 'z'.repeat(400_000));
    await expect(closed).resolves.toBe('transport close');
    await expect(ask(client, 'echo', 'ok')).resolves.toBe('ok');
  });
});
