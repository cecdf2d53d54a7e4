import { join } from 'node:path';
import { Redis } from 'ioredis';
import { ask, once } from '../kit/events.js';
import { AppInstance } from '../kit/instance.js';
import { RedisServer, uniquePrefix } from '../kit/redis.js';
import { signToken, TEST_SECRET } from '../kit/tokens.js';

const fixture = join(import.meta.dirname, '..', 'fixtures', 'emitter-app.ts');

describe('graceful shutdown (SIGTERM with shutdown hooks)', () => {
  // Its own Redis: the test compares the server's client count before and after, which other
  // test files running at the same time would change on the shared one.
  let server: RedisServer;
  beforeAll(async () => {
    server = await RedisServer.start();
  });
  afterAll(() => server?.stop());

  it('answers acks already started, says goodbye, removes presence at once and exits promptly', async () => {
    const realtime = {
      auth: { secret: TEST_SECRET },
      redis: { url: server.url, keyPrefix: uniquePrefix('shutdown') },
      presence: { heartbeatIntervalMs: 5000, ttlMs: 60_000 },
    };
    const [leaving, staying] = await Promise.all([
      AppInstance.start({ realtime, fixture }),
      AppInstance.start({ realtime, fixture }),
    ]);
    const redis = new Redis(server.url);
    try {
      const watcher = await staying.connect('/app', {
        auth: { token: signToken({ sub: 'watcher' }) },
      });
      const online = once(watcher, 'presence:online');
      const client = await leaving.connect('/app', {
        auth: { token: signToken({ sub: 'leaver' }) },
      });
      await online;
      const clients = Number(
        await redis.info('clients').then((i) => /connected_clients:(\d+)/.exec(i)![1]),
      );

      // An ack in flight when the signal arrives.
      const slow = ask(client, 'slow', { ms: 800 });
      await new Promise((r) => setTimeout(r, 100)); // let the event reach the handler
      const disconnected = once<string>(client, 'disconnect', 10_000);
      const offline = once<{ userId: string }>(watcher, 'presence:offline', 10_000);
      const signalledAt = Date.now();
      const stopped = leaving.signal('SIGTERM');

      await expect(slow).resolves.toEqual({ done: true });
      await expect(offline).resolves.toEqual({ userId: 'leaver' }); // long before the 60 s TTL
      await expect(disconnected).resolves.toBe('io server disconnect');
      await stopped;
      expect(Date.now() - signalledAt).toBeLessThan(10_000);
      // Nest re-raises the signal once app.close() has finished: an orderly exit, not a crash.
      expect(leaving.exit).toEqual({ code: null, signal: 'SIGTERM' });
      expect(leaving.output).not.toMatch(/Unhandled|ERROR/);
      // Its Redis clients are gone.
      const after = Number(
        await redis.info('clients').then((i) => /connected_clients:(\d+)/.exec(i)![1]),
      );
      expect(after).toBeLessThan(clients);
      // The survivor keeps serving.
      await expect(ask(watcher, 'echo', 'still')).resolves.toBe('still');
    } finally {
      redis.disconnect();
      await Promise.all([leaving.stop(), staying.stop()]);
    }
  }, 30_000);

  it('does not wait for the unanswered acks of sockets that have gone', async () => {
    const app = await AppInstance.start({
      fixture,
      realtime: {
        auth: { secret: TEST_SECRET },
        redis: { url: server.url, keyPrefix: uniquePrefix('shutdown-gone') },
        // Long enough that waiting for the gone socket's ack would show.
        server: { shutdownTimeoutMs: 20_000 },
      },
    });
    try {
      const watcher = await app.connect('/app', { auth: { token: signToken({ sub: 'watcher' }) } });
      /**
       * A socket that asks for an ack its handler will not answer before shutdown, then leaves.
       * The echo after it, answered, shows the event has reached its handler (a socket's events
       * run in order); presence:offline, that the server has seen it go.
       */
      const leaveWithOpenAck = async (sub: string) => {
        const socket = await app.connect('/app', { auth: { token: signToken({ sub }) } });
        socket.emit('slow', { ms: 60_000 }, () => undefined);
        await expect(ask(socket, 'echo', 'after')).resolves.toBe('after');
        const offline = once<{ userId: string }>(watcher, 'presence:offline', 10_000);
        socket.disconnect();
        await expect(offline).resolves.toEqual({ userId: sub });
      };
      await leaveWithOpenAck('leaver');
      // A second one, released after the first already carries the mark.
      await leaveWithOpenAck('second');

      const signalledAt = Date.now();
      await app.signal('SIGTERM');
      expect(Date.now() - signalledAt).toBeLessThan(10_000);
      expect(app.exit).toEqual({ code: null, signal: 'SIGTERM' });
      expect(app.output).not.toMatch(/unanswered/);
    } finally {
      await app.stop();
    }
  }, 30_000);
});
