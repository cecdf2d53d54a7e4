import { join } from 'node:path';
import { NestFactory } from '@nestjs/core';
import type { Socket } from 'socket.io-client';
import { RealtimeEmitter, RealtimeModule, type RealtimeModuleOptions } from '../../lib/index.js';
import { ask, once } from '../kit/events.js';
import { AppInstance } from '../kit/instance.js';
import { deletePrefix, REDIS_URL, uniquePrefix } from '../kit/redis.js';
import { signToken, TEST_SECRET } from '../kit/tokens.js';

const fixture = join(import.meta.dirname, '..', 'fixtures', 'emitter-app.ts');

/** Resolves true if `event` arrives within `ms`, false otherwise (for "must not arrive"). */
function arrives(socket: Socket, event: string, ms = 400): Promise<boolean> {
  return once(socket, event, ms).then(
    () => true,
    () => false,
  );
}

describe('RealtimeEmitter across instances', () => {
  const keyPrefix = uniquePrefix('emitter');
  const realtime: RealtimeModuleOptions = {
    auth: { secret: TEST_SECRET },
    redis: { url: REDIS_URL, keyPrefix },
    canJoin: undefined,
  };
  let a: AppInstance;
  let b: AppInstance;
  const as = (instance: AppInstance, sub: string) =>
    instance.connect('/app', { auth: { token: signToken({ sub }) } });

  beforeAll(async () => {
    [a, b] = await Promise.all([
      AppInstance.start({ realtime, fixture }),
      AppInstance.start({ realtime, fixture }),
    ]);
  }, 30_000);
  afterAll(async () => {
    await Promise.all([a?.stop(), b?.stop()]);
    await deletePrefix(keyPrefix);
  });

  it('toUser reaches every socket of the user on every instance, and nobody else', async () => {
    const [phone, laptop, other] = await Promise.all([
      as(a, 'carol'),
      as(b, 'carol'),
      as(b, 'dave'),
    ]);
    const got = Promise.all([once(phone, 'note'), once(laptop, 'note')]);
    const leaked = arrives(other, 'note');
    await ask(other, 'emit', { to: { user: 'carol' }, event: 'note', data: { n: 1 } });
    await expect(got).resolves.toEqual([{ n: 1 }, { n: 1 }]);
    await expect(leaked).resolves.toBe(false);
  });

  it("except leaves out a room (here a user's personal room)", async () => {
    const [x, y] = await Promise.all([as(a, 'xavier'), as(b, 'yara')]);
    await Promise.all([ask(x, 'join', { room: 'ops' }), ask(y, 'join', { room: 'ops' })]);
    const toY = once(y, 'alert');
    const toX = arrives(x, 'alert');
    await ask(y, 'emit', {
      to: { room: 'ops' },
      except: ['user:xavier'],
      event: 'alert',
      data: 'fire',
    });
    await expect(toY).resolves.toBe('fire');
    await expect(toX).resolves.toBe(false);
  });

  it('emitWithAck collects the answers of clients on both instances', async () => {
    const [p, q] = await Promise.all([as(a, 'pam'), as(b, 'quinn')]);
    await Promise.all([ask(p, 'join', { room: 'poll' }), ask(q, 'join', { room: 'poll' })]);
    p.on('question', (_q: string, ack: (a: string) => void) => ack('pam says pong'));
    q.on('question', (_q: string, ack: (a: string) => void) => ack('quinn says pong'));
    const answers = await ask<string[]>(p, 'ask_all', { room: 'poll' });
    expect([...answers].sort()).toEqual(['pam says pong', 'quinn says pong']);
  });

  it('works from a process without a Socket.IO server (a worker) through Redis', async () => {
    const client = await as(b, 'wendy');
    const worker = await NestFactory.createApplicationContext(
      RealtimeModule.forRoot({ redis: { url: REDIS_URL, keyPrefix } }),
      {
        logger: false,
      },
    );
    try {
      const note = once(client, 'job_done');
      worker.get(RealtimeEmitter).toUser('wendy').namespace('/app').emit('job_done', { id: 7 });
      await expect(note).resolves.toEqual({ id: 7 });
      await expect(worker.get(RealtimeEmitter).toAll().emitWithAck('x')).rejects.toThrow(
        'needs a Socket.IO server in this process',
      );
    } finally {
      await worker.close();
    }
  });
});

describe('RealtimeEmitter without a server and without Redis', () => {
  it('says why it cannot send', async () => {
    const context = await NestFactory.createApplicationContext(RealtimeModule.forRoot({}), {
      logger: false,
    });
    try {
      expect(() => context.get(RealtimeEmitter).toUser('u').emit('e')).toThrow(
        'this process serves no Socket.IO server and RealtimeModule has no redis option',
      );
    } finally {
      await context.close();
    }
  });
});
