import { Injectable, Module } from '@nestjs/common';
import { Test } from '@nestjs/testing';
import { SubscribeMessage } from '@nestjs/websockets';
import {
  PresenceRegistry,
  RealtimeEmitter,
  RealtimeGateway,
  RealtimeModule,
  WsUser,
} from '../../lib/index.js';
import {
  ask,
  eventually,
  RealtimeTestApp,
  RealtimeTestCluster,
  refused,
  TEST_JWT_SECRET,
  waitForEvent,
} from '../../lib/testing/index.js';
import { REDIS_URL, deletePrefix, uniquePrefix } from '../kit/redis.js';

@Injectable()
class Greeter {
  greet(userId: string) {
    return `hello ${userId}`;
  }
}

@RealtimeGateway({ namespace: '/kit' })
class KitGateway {
  constructor(private readonly greeter: Greeter) {}

  @SubscribeMessage('greet')
  greet(@WsUser('sub') userId: string) {
    return { text: this.greeter.greet(userId) };
  }
}

/** A host app's module, as the README shows it. */
@Module({
  imports: [RealtimeModule.forRoot({ auth: { secret: TEST_JWT_SECRET } })],
  providers: [Greeter, KitGateway],
})
class HostModule {}

interface KitEvents {
  notice: (payload: { text: string }) => void;
}

describe('the testing kit (nestjs-realtime/testing)', () => {
  it('boots a host module, signs tokens with its secret and connects typed clients', async () => {
    const app = await RealtimeTestApp.start({ module: HostModule, logger: false });
    try {
      const alice = await app.connectAs<KitEvents>('alice', '/kit');
      await expect(ask(alice, 'greet')).resolves.toEqual({ text: 'hello alice' });
      const refusal = await refused(app.client('/kit'));
      expect(refusal.message).toBe('UNAUTHORIZED');
      await expect(waitForEvent(alice, 'notice', 50)).rejects.toThrow(
        'timed out after 50 ms waiting for "notice"',
      );
    } finally {
      await app.close();
    }
  });

  it('boots a TestingModule with an overridden provider', async () => {
    const testingModule = await Test.createTestingModule({ imports: [HostModule] })
      .overrideProvider(Greeter)
      .useValue({ greet: (id: string) => `hi ${id} (stub)` })
      .compile();
    const app = await RealtimeTestApp.start({ testingModule, logger: false });
    try {
      const bob = await app.connectAs('bob', '/kit');
      await expect(ask(bob, 'greet')).resolves.toEqual({ text: 'hi bob (stub)' });
    } finally {
      await app.close();
    }
  });

  describe('two instances against one Redis', () => {
    const keyPrefix = uniquePrefix('kit-cluster');
    let cluster: RealtimeTestCluster;

    beforeAll(async () => {
      cluster = await RealtimeTestCluster.start({
        instances: 2,
        realtime: { auth: { secret: TEST_JWT_SECRET }, redis: { url: REDIS_URL, keyPrefix } },
        providers: [Greeter, KitGateway],
        logger: false,
      });
    });

    afterAll(async () => {
      await cluster?.close();
      await deletePrefix(keyPrefix);
    });

    it('delivers an emit from one instance to a user connected to the other', async () => {
      const [a, b] = cluster.apps;
      const carol = await b.connectAs<KitEvents>('carol', '/kit');
      const notice = waitForEvent<{ text: string }>(carol, 'notice');
      a.get(RealtimeEmitter).toUser('carol').namespace('/kit').emit('notice', { text: 'from a' });
      await expect(notice).resolves.toEqual({ text: 'from a' });
    });

    it('shares presence between the instances', async () => {
      await cluster.at(1).connectAs('dave', '/kit');
      await eventually(() => cluster.at(0).get(PresenceRegistry).isOnline('dave'), {
        what: 'dave online on instance 0',
      });
    });

    it('needs Redis for a cluster', async () => {
      await expect(RealtimeTestCluster.start({ realtime: {} })).rejects.toThrow(
        'Invalid RealtimeModule option "redis"',
      );
    });
  });
});
