import {
  Controller,
  ForbiddenException,
  Get,
  type MessageEvent,
  Query,
  Sse,
  UseGuards,
} from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import type { INestApplicationContext } from '@nestjs/common';
import type { Observable } from 'rxjs';
import {
  HttpIdentity,
  HttpUser,
  Public,
  RealtimeEmitter,
  RealtimeGateway,
  RealtimeHttpGuard,
  RealtimeModule,
  type RealtimeModuleOptions,
  type SocketIdentity,
  UserEventStream,
} from '../../lib/index.js';
import { TestApp } from '../kit/app.js';
import { nowSeconds } from '../kit/jwt-forge.js';
import { deletePrefix, REDIS_URL, uniquePrefix } from '../kit/redis.js';
import { SseClient } from '../kit/sse.js';
import { signToken, TEST_SECRET } from '../kit/tokens.js';

@RealtimeGateway({ namespace: '/notifications' })
class NotificationsGateway {}

@Controller()
class StreamController {
  constructor(private readonly events: UserEventStream) {}

  @Sse('stream')
  @UseGuards(RealtimeHttpGuard)
  stream(
    @HttpIdentity() identity: SocketIdentity,
    @Query('ns') ns?: string,
    @Query('events') events?: string,
  ): Observable<MessageEvent> {
    return this.events.stream(identity.userId, {
      namespace: ns,
      events: events ? events.split(',') : undefined,
      expiresAt: identity.expiresAt,
    });
  }

  @Get('me')
  @UseGuards(RealtimeHttpGuard)
  me(@HttpUser() user: unknown, @HttpUser('role') role: unknown, @HttpIdentity() id: unknown) {
    return { user, role, identity: id };
  }

  @Get('open')
  @Public()
  @UseGuards(RealtimeHttpGuard)
  open() {
    return { ok: true };
  }
}

const bearer = (sub: string, payload: Record<string, unknown> = {}) => ({
  authorization: `Bearer ${signToken({ sub, ...payload })}`,
});

function start(realtime: RealtimeModuleOptions): Promise<TestApp> {
  return TestApp.start({
    realtime,
    controllers: [StreamController],
    providers: [NotificationsGateway],
  });
}

describe('UserEventStream and RealtimeHttpGuard in one process', () => {
  let app: TestApp;
  const streams: SseClient[] = [];
  const open = async (path: string, headers: Record<string, string>) => {
    const client = await SseClient.open(`${app.url}${path}`, headers);
    streams.push(client);
    return client;
  };
  const emitter = () => app.get(RealtimeEmitter);

  beforeAll(async () => {
    app = await start({
      auth: {
        secret: TEST_SECRET,
        tokenSources: { query: 'access_token' },
        validateUser: (payload) => {
          if (payload.sub === 'banned') throw new ForbiddenException('banned user');
          return { ...payload, role: 'member' };
        },
      },
    });
  });
  afterEach(() => streams.splice(0).forEach((s) => s.close()));
  afterAll(() => app.close());

  it("streams the user's toUser emits as named events with JSON data, and nobody else's", async () => {
    const ann = await open('/stream', bearer('ann'));
    expect(ann.status).toBe(200);
    expect(ann.response.headers.get('content-type')).toContain('text/event-stream');
    emitter().toUser('bob').namespace('/notifications').emit('notification', { n: 0 });
    emitter().toUser('ann').namespace('/notifications').emit('notification', { n: 1 });
    emitter().toUser('ann', 'bob').emit('pair', 'a', 2);
    expect(await ann.next()).toEqual({ event: 'notification', data: '{"n":1}' });
    expect(await ann.next()).toEqual({ event: 'pair', data: '["a",2]' });
  });

  it('filters by namespace and event, and leaves out exceptUser', async () => {
    const ann = await open('/stream?ns=/notifications&events=wanted', bearer('ann'));
    emitter().toUser('ann').namespace('/chat').emit('wanted', 'wrong namespace');
    emitter().toUser('ann').namespace('/notifications').emit('other', 'wrong event');
    emitter().toUser('ann').exceptUser('ann').namespace('/notifications').emit('wanted', 'except');
    emitter().toRoom('lobby').namespace('/notifications').emit('wanted', 'a room, not a user');
    emitter().toUser('ann').namespace('/notifications').emit('wanted', 'yes');
    expect(await ann.next()).toEqual({ event: 'wanted', data: '"yes"' });
  });

  it('ends the stream with auth:expired when the token expires', async () => {
    const token = signToken({ sub: 'short', exp: nowSeconds() + 1 });
    const stream = await open('/stream', { authorization: `Bearer ${token}` });
    // The token expires within a second; the budget covers a loaded CI machine (the storm test
    // may run beside this one).
    const last = await stream.next(10_000);
    expect(last.event).toBe('auth:expired');
    expect(JSON.parse(last.data)).toMatchObject({ code: 'TOKEN_EXPIRED' });
    await expect(stream.next(300)).rejects.toThrow('timed out');
  });

  it('refuses requests without a valid token with 401 and the error shape', async () => {
    const missing = await fetch(`${app.url}/stream`);
    expect(missing.status).toBe(401);
    expect(await missing.json()).toEqual({
      status: 'error',
      code: 'UNAUTHORIZED',
      message: 'Authentication token is missing',
    });
    const forged = await fetch(`${app.url}/stream`, {
      headers: { authorization: `Bearer ${signToken({ sub: 'x' }, { secret: 'another-secret' })}` },
    });
    expect(forged.status).toBe(401);
    expect(await forged.json()).toMatchObject({ code: 'UNAUTHORIZED' });
    const expired = await fetch(`${app.url}/me`, {
      headers: bearer('x', { exp: nowSeconds() - 10 }),
    });
    expect(expired.status).toBe(401);
    expect(await expired.json()).toMatchObject({ code: 'TOKEN_EXPIRED' });
  });

  it('maps the user with validateUser (403 when it refuses) and reads the configured sources', async () => {
    const banned = await fetch(`${app.url}/me`, { headers: bearer('banned') });
    expect(banned.status).toBe(403);
    expect(await banned.json()).toMatchObject({ code: 'FORBIDDEN', message: 'banned user' });

    const viaQuery = await fetch(`${app.url}/me?access_token=${signToken({ sub: 'q' })}`);
    expect(viaQuery.status).toBe(200);
    const body = (await viaQuery.json()) as {
      role: string;
      user: Record<string, unknown>;
      identity: { userId: string; expiresAt?: number };
    };
    expect(body.role).toBe('member');
    expect(body.user).toMatchObject({ sub: 'q', role: 'member' });
    expect(body.identity).toMatchObject({ userId: 'q' });
    expect(typeof body.identity.expiresAt).toBe('number');

    const open = await fetch(`${app.url}/open`);
    expect(open.status).toBe(200);
  });
});

describe('UserEventStream across instances (Redis)', () => {
  const keyPrefix = uniquePrefix('sse');
  const realtime: RealtimeModuleOptions = {
    auth: { secret: TEST_SECRET },
    redis: { url: REDIS_URL, keyPrefix },
  };
  let a: TestApp;
  let b: TestApp;
  let worker: INestApplicationContext | undefined;
  let stream: SseClient | undefined;

  beforeAll(async () => {
    [a, b] = await Promise.all([start(realtime), start(realtime)]);
  });
  afterAll(async () => {
    stream?.close();
    await Promise.all([a?.close(), b?.close(), worker?.close()]);
    await deletePrefix(keyPrefix);
  });

  it('delivers emits made on another instance and from a worker, exactly once', async () => {
    stream = await SseClient.open(`${a.url}/stream?ns=/notifications`, bearer('dana'));
    const fromB = b.get(RealtimeEmitter).toUser('dana').namespace('/notifications');
    // The stream is open once A has subscribed: the first relayed event proves the path.
    fromB.exceptUser('dana').emit('notification', 'left out');
    fromB.emit('notification', { from: 'b' });
    expect(await stream.next()).toEqual({ event: 'notification', data: '{"from":"b"}' });

    worker = await NestFactory.createApplicationContext(
      RealtimeModule.forRoot({ redis: { url: REDIS_URL, keyPrefix } }),
      { logger: false },
    );
    worker.get(RealtimeEmitter).toUser('dana').namespace('/notifications').emit('notification', {
      from: 'worker',
    });
    expect(await stream.next()).toEqual({ event: 'notification', data: '{"from":"worker"}' });

    a.get(RealtimeEmitter).toUser('dana').namespace('/notifications').emit('notification', 'a');
    expect(await stream.next()).toEqual({ event: 'notification', data: '"a"' });
    // Nothing is delivered twice (local delivery plus the relay would be a duplicate).
    await expect(stream.next(300)).rejects.toThrow('timed out');
  });
});
