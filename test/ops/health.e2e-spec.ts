import { Controller, Get } from '@nestjs/common';
import { HealthCheck, HealthCheckService, TerminusModule } from '@nestjs/terminus';
import { WebSocketGateway } from '@nestjs/websockets';
import { RealtimeHealthIndicator } from '../../lib/index.js';
import { connected, eventually } from '../kit/events.js';
import { TestApp } from '../kit/app.js';
import { RedisServer, uniquePrefix } from '../kit/redis.js';

/** What a host app writes: terminus' HealthCheckService with the library's indicator. */
@Controller()
class HealthController {
  constructor(
    private readonly health: HealthCheckService,
    private readonly realtime: RealtimeHealthIndicator,
  ) {}

  @Get('health')
  @HealthCheck()
  check() {
    return this.health.check([() => this.realtime.isHealthy('realtime')]);
  }
}

/** Socket.IO is served only when the app has a gateway. */
@WebSocketGateway()
class RootGateway {}

async function getHealth(app: TestApp): Promise<{ status: number; body: any }> {
  const response = await fetch(`${app.url}/health`);
  return { status: response.status, body: await response.json() };
}

describe('the terminus health indicator on a real /health endpoint', () => {
  it('is up in memory mode and counts the live connections', async () => {
    const app = await TestApp.start({
      imports: [TerminusModule],
      controllers: [HealthController],
      providers: [RootGateway],
    });
    try {
      await Promise.all([app.connect(), app.connect()]);
      const { status, body } = await getHealth(app);
      expect(status).toBe(200);
      expect(body.status).toBe('ok');
      expect(body.info.realtime).toEqual({
        status: 'up',
        adapter: 'memory',
        mode: 'memory',
        connections: 2,
      });
    } finally {
      await app.close();
    }
  });

  describe('with Redis', () => {
    let redis: RedisServer;
    let app: TestApp;

    beforeAll(async () => {
      redis = await RedisServer.start();
      app = await TestApp.start({
        realtime: {
          redis: { url: redis.url, keyPrefix: uniquePrefix('health') },
          presence: { heartbeatIntervalMs: 200, ttlMs: 1000 },
        },
        imports: [TerminusModule],
        controllers: [HealthController],
        providers: [RootGateway],
      });
    }, 30_000);

    afterAll(async () => {
      await app?.close();
      await redis?.stop();
    });

    it('is up while Redis answers, down (503) while it is unreachable, and up again after', async () => {
      await connected(app.client());
      const up = await eventually(async () => {
        const health = await getHealth(app);
        return health.body.info?.realtime?.presenceHeartbeat?.ageMs !== null && health;
      });
      expect(up.status).toBe(200);
      expect(up.body.info.realtime).toMatchObject({
        status: 'up',
        adapter: 'connected',
        mode: 'pubsub',
        connections: 1,
        presenceHeartbeat: { maxAgeMs: 1000, fresh: true },
      });

      await redis.stop();
      const down = await eventually(async () => {
        const health = await getHealth(app);
        return health.status === 503 && health;
      });
      expect(down.body.status).toBe('error');
      expect(down.body.error.realtime).toMatchObject({
        status: 'down',
        adapter: 'degraded',
        connections: 1,
      });
      expect(down.body.error.realtime.reasons).toContain(
        'Redis is unreachable: serving this instance locally only',
      );
      // The presence heartbeat cannot reach Redis either: after its TTL it is reported stale.
      const stale = await eventually(async () => {
        const health = await getHealth(app);
        return health.body.error?.realtime?.presenceHeartbeat?.fresh === false && health;
      });
      expect(stale.status).toBe(503);

      await redis.restart();
      const back = await eventually(
        async () => {
          const health = await getHealth(app);
          return health.status === 200 && health;
        },
        { timeoutMs: 15_000 },
      );
      expect(back.body.info.realtime).toMatchObject({ status: 'up', adapter: 'connected' });
    }, 40_000);
  });
});
