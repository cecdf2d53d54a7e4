import type { INestApplicationContext } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import type { Socket } from 'socket.io-client';
import { RealtimeEmitter, RealtimeModule } from '../../lib/index.js';
import { ask } from '../kit/events.js';
import type { AppInstance } from '../kit/instance.js';
import { deletePrefix, REDIS_URL, uniquePrefix } from '../kit/redis.js';
import { SseClient } from '../kit/sse.js';
import { demoLogin, startSample, startSampleCluster } from './sample-instance.js';

interface Answer {
  status: string;
  code?: string;
  message?: string;
  details?: Array<{ field: string }>;
  history?: Array<{ text: string }>;
}

describe('the sample over HTTP and Socket.IO, on two instances (A and B) sharing Redis', () => {
  const keyPrefix = uniquePrefix('sample-sse');
  let a: AppInstance;
  let b: AppInstance;
  let worker: INestApplicationContext | undefined;
  const streams: SseClient[] = [];
  const tokens: Record<string, string> = {};
  const connect = (instance: AppInstance, namespace: string, name: string): Promise<Socket> =>
    instance.connect(namespace, { auth: { token: tokens[name] } });
  const get = (instance: AppInstance, path: string, name?: string) =>
    fetch(`${instance.url}${path}`, {
      headers: name ? { authorization: `Bearer ${tokens[name]}` } : {},
    });

  beforeAll(async () => {
    [a, b] = await startSampleCluster(keyPrefix);
    for (const name of ['alice', 'bob', 'carol']) tokens[name] = await demoLogin(a, name);
  }, 30_000);
  afterAll(async () => {
    streams.forEach((s) => s.close());
    await Promise.all([a?.stop(), b?.stop(), worker?.close()]);
    await deletePrefix(keyPrefix);
  });

  it('streams notifications emitted on the other instance and by a worker (SSE)', async () => {
    const stream = await SseClient.open(`${a.url}/notifications/stream`, {
      authorization: `Bearer ${tokens.bob}`,
    });
    streams.push(stream);
    expect(stream.status).toBe(200);

    // alice, on instance B, sends bob a direct message; B's service notifies bob.
    const alice = await connect(b, '/chat', 'alice');
    await expect(ask(alice, 'direct_message', { to: 'bob', text: 'psst' })).resolves.toMatchObject({
      status: 'ok',
    });
    const fromB = await stream.nextOf('notification');
    expect(JSON.parse(fromB.data)).toMatchObject({
      kind: 'direct_message',
      title: 'Message from alice',
      body: 'psst',
    });

    // A worker (no Socket.IO server) on the same Redis and key prefix.
    worker = await NestFactory.createApplicationContext(
      RealtimeModule.forRoot({ redis: { url: REDIS_URL, keyPrefix } }),
      { logger: false },
    );
    worker
      .get(RealtimeEmitter)
      .toUser('bob')
      .namespace('/notifications')
      .emit('notification', { kind: 'job', title: 'Export ready' });
    const fromWorker = await stream.nextOf('notification');
    expect(JSON.parse(fromWorker.data)).toEqual({ kind: 'job', title: 'Export ready' });
  });

  it('refuses unauthenticated HTTP requests with 401', async () => {
    for (const path of ['/notifications/stream', '/rooms', '/rooms/general/messages']) {
      const response = await get(a, path);
      expect(response.status).toBe(401);
      expect(await response.json()).toMatchObject({ status: 'error', code: 'UNAUTHORIZED' });
    }
    const forged = await fetch(`${a.url}/notifications/stream`, {
      headers: { authorization: `Bearer ${tokens.bob.slice(0, -2)}xx` },
    });
    expect(forged.status).toBe(401);
  });

  it('keeps room history in Redis for every instance, over Socket.IO and HTTP', async () => {
    const alice = await connect(b, '/chat', 'alice');
    await expect(ask<Answer>(alice, 'join_room', { roomId: 'random' })).resolves.toMatchObject({
      status: 'ok',
    });
    const sent = await ask<Answer>(alice, 'send_message', { roomId: 'random', text: 'kept' });
    expect(sent.status).toBe('ok');

    const history = await get(a, '/rooms/random/messages', 'bob');
    expect(history.status).toBe(200);
    const body = (await history.json()) as { messages: Array<{ text: string; user: unknown }> };
    expect(body.messages.map((m) => m.text)).toEqual(['kept']);
    expect(body.messages[0].user).toEqual({ id: 'alice', name: 'alice' });

    const bob = await connect(a, '/chat', 'bob');
    const joined = await ask<Answer>(bob, 'join_room', { roomId: 'random' });
    expect(joined.history?.map((m) => m.text)).toEqual(['kept']);
  });

  it('admits members only to private rooms, and validates messages', async () => {
    const carol = await connect(a, '/chat', 'carol');
    await expect(ask(carol, 'join_room', { roomId: 'team' })).resolves.toMatchObject({
      status: 'error',
      code: 'FORBIDDEN',
    });
    expect((await get(a, '/rooms/team/messages', 'carol')).status).toBe(403);
    expect((await get(a, '/rooms/team/messages', 'bob')).status).toBe(200);
    await expect(ask(carol, 'send_message', { roomId: 'team', text: 'hi' })).resolves.toMatchObject(
      { status: 'error', code: 'FORBIDDEN' },
    );
    const tooLong = await ask<Answer>(carol, 'send_message', {
      roomId: 'general',
      text: 'x'.repeat(1001),
    });
    expect(tooLong).toMatchObject({ status: 'error', code: 'VALIDATION_FAILED' });
    expect(tooLong.details?.map((d) => d.field)).toEqual(['text']);
  });
});

describe('the sample outside demo mode', () => {
  it('has no demo login, and will not start without JWT_SECRET', async () => {
    const [noSecret, production] = await Promise.all([
      startSample('no-secret', { SAMPLE_DEMO: '', JWT_SECRET: '', REDIS_URL: '' }).then(
        async (started) => {
          await started.stop();
          return new Error('started without JWT_SECRET');
        },
        (error: Error) => error,
      ),
      startSample('prod', { SAMPLE_DEMO: '', REDIS_URL: '' }),
    ]);
    try {
      expect(noSecret.message).toContain('JWT_SECRET is required');
      const login = await fetch(`${production.url}/auth/demo-login`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ name: 'mallory' }),
      });
      expect(login.status).toBe(404);
    } finally {
      await production.stop();
    }
  }, 30_000);
});
