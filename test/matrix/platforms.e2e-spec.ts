import type { AbstractHttpAdapter } from '@nestjs/core';
import { ExpressAdapter } from '@nestjs/platform-express';
import { FastifyAdapter } from '@nestjs/platform-fastify';
import { MessageBody, SubscribeMessage } from '@nestjs/websockets';
import { IsString, MaxLength } from 'class-validator';
import { RealtimeGateway, WsUser } from '../../lib/index.js';
import {
  ask,
  RealtimeTestApp,
  refused,
  TEST_JWT_SECRET,
  waitForEvent,
} from '../../lib/testing/index.js';

class SayDto {
  @IsString()
  @MaxLength(10)
  text!: string;
}

@RealtimeGateway({ namespace: '/matrix' })
class MatrixGateway {
  @SubscribeMessage('say')
  say(@MessageBody() body: SayDto, @WsUser('sub') userId: string) {
    return { said: body.text, userId };
  }
}

/** Events of the typed clients below. */
interface ServerEvents {
  'presence:online': (payload: { userId: string; name?: string }) => void;
}
interface ClientEvents {
  say: (body: { text: unknown }, ack: (answer: unknown) => void) => void;
}

const PLATFORMS: Array<[string, () => AbstractHttpAdapter]> = [
  ['express', () => new ExpressAdapter()],
  ['fastify', () => new FastifyAdapter()],
];

describe.each(PLATFORMS)('core cases on @nestjs/platform-%s', (platform, httpAdapter) => {
  let app: RealtimeTestApp;

  beforeAll(async () => {
    app = await RealtimeTestApp.start({
      realtime: { auth: { secret: TEST_JWT_SECRET }, presence: { publicUserFields: ['name'] } },
      providers: [MatrixGateway],
      httpAdapter: httpAdapter(),
      logger: false,
    });
  });

  afterAll(() => app?.close());

  it('runs on the platform it was given', () => {
    const name = app.app.getHttpAdapter().getType();
    expect(name).toBe(platform);
  });

  it('refuses a handshake without a token or with a bad one, with the error shape', async () => {
    const missing = await refused(app.client('/matrix'));
    expect(missing.message).toBe('UNAUTHORIZED');
    expect(missing.data).toMatchObject({ status: 'error', code: 'UNAUTHORIZED' });
    const forged = await refused(
      app.client('/matrix', {
        auth: { token: app.token('x', { secret: 'another-secret-32-bytes-long!!!!!' }) },
      }),
    );
    expect(forged.message).toBe('UNAUTHORIZED');
  });

  it('accepts a signed token and answers an ack round trip', async () => {
    const alice = await app.connectAs<ServerEvents, ClientEvents>('alice', '/matrix');
    await expect(ask(alice, 'say', { text: 'hi' })).resolves.toEqual({
      said: 'hi',
      userId: 'alice',
    });
  });

  it('answers a validation failure with the error contract on the ack', async () => {
    const bob = await app.connectAs('bob', '/matrix');
    await expect(ask(bob, 'say', { text: 'far too long a text' })).resolves.toEqual({
      status: 'error',
      code: 'VALIDATION_FAILED',
      message: expect.any(String),
      event: 'say',
      details: [{ field: 'text', constraints: { maxLength: expect.any(String) } }],
    });
    await expect(ask(bob, 'say', { text: 'ok', extra: 1 })).resolves.toMatchObject({
      code: 'VALIDATION_FAILED',
    });
  });

  it('announces presence:online for a user’s first connection', async () => {
    const watcher = await app.connectAs<ServerEvents, ClientEvents>('watcher', '/matrix');
    const online = waitForEvent<{ userId: string; name?: string }>(watcher, 'presence:online');
    await app.connectAs({ sub: 'carol', name: 'Carol', role: 'secret' }, '/matrix');
    await expect(online).resolves.toEqual({ userId: 'carol', name: 'Carol' });
  });
});
