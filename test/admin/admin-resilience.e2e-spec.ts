// The console on a cluster where one instance does not answer: admin-ui lists every instance's
// sockets when a console connects, and a listing that fails must not end the instance.
import { Redis } from 'ioredis';
import { connected, eventually, once } from '../kit/events.js';
import { AppInstance } from '../kit/instance.js';
import { deletePrefix, REDIS_URL, uniquePrefix } from '../kit/redis.js';
import { signToken, TEST_SECRET } from '../kit/tokens.js';
import { ADMIN_AUTH, consoleClient, type ServerStats } from './console-kit.js';

describe('the operator console when an instance does not answer', () => {
  const keyPrefix = uniquePrefix('admin-silent');
  let instance: AppInstance;
  /** Counts as an instance of the cluster (subscribed to the requests channel), never answers. */
  let silent: Redis;

  beforeAll(async () => {
    instance = await AppInstance.start({
      realtime: {
        auth: { secret: TEST_SECRET },
        redis: { url: REDIS_URL, keyPrefix, requestsTimeout: 500 },
        admin: { auth: ADMIN_AUTH },
      },
    });
    silent = new Redis(REDIS_URL);
    await silent.subscribe(`${keyPrefix}:io-request#/cluster#`);
  });

  afterAll(async () => {
    silent?.disconnect();
    await instance?.stop();
    await deletePrefix(keyPrefix);
  });

  it('logs the failed listing and goes on: the console stays connected, the instance up', async () => {
    await instance.connect('/cluster', { auth: { token: signToken({ sub: 'alice' }) } });
    const admin = consoleClient(instance.url);
    let listed = false;
    admin.on('all_sockets', () => (listed = true));
    const config = once(admin, 'config');
    await connected(admin);
    await config;
    // The listing waits requestsTimeout for the silent instance, then fails; nothing announces it
    // but the log line.
    await eventually(
      () => instance.output.includes('could not list the sockets of every instance'),
      {
        what: 'the warning about the failed listing',
      },
    );
    expect(listed).toBe(false);
    const stats = await once<ServerStats>(admin, 'server_stats', 5000);
    expect(stats.pid).toBe(instance.pid);
    expect(admin.connected).toBe(true);
    expect(instance.alive).toBe(true);
    expect(instance.output).not.toMatch(/Unhandled|Uncaught/);
    admin.disconnect();
  });
});
