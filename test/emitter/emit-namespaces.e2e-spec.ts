// An emit addressed to a user reaches that user's sockets wherever the app serves them, unless the
// caller narrows it with .namespace(); a call that can reach no namespace is never silent.
import { Controller, type MessageEvent, Query, Sse } from '@nestjs/common';
import { captureLogs } from '../kit/logs.js';
import { NestFactory } from '@nestjs/core';
import type { Observable } from 'rxjs';
import type { Socket } from 'socket.io-client';
import {
  RealtimeConfigError,
  RealtimeEmitter,
  RealtimeGateway,
  RealtimeModule,
  type RealtimeModuleOptions,
  UserEventStream,
} from '../../lib/index.js';
import { TestApp } from '../kit/app.js';
import { once } from '../kit/events.js';
import { deletePrefix, REDIS_URL, uniquePrefix } from '../kit/redis.js';
import { SseClient } from '../kit/sse.js';
import { TEST_SECRET } from '../kit/tokens.js';

@RealtimeGateway({ namespace: '/chat' })
class ChatGateway {}

@RealtimeGateway({ namespace: 'notifications' })
class NotificationsGateway {}

@Controller()
class StreamController {
  constructor(private readonly events: UserEventStream) {}

  @Sse('stream')
  stream(@Query('user') user: string, @Query('ns') ns: string): Observable<MessageEvent> {
    return this.events.stream(user, { namespace: ns });
  }
}

const { logger, lines } = captureLogs();

/** Collects `event` on a socket until `marker` arrives (delivery to one socket is in order). */
async function receivedBefore(socket: Socket, event: string, marker: Promise<unknown>) {
  const got: unknown[] = [];
  const listener = (data: unknown) => got.push(data);
  socket.on(event, listener);
  await marker;
  socket.off(event, listener);
  return got;
}

describe('RealtimeEmitter namespaces in an app with namespaced gateways', () => {
  let app: TestApp;
  const streams: SseClient[] = [];
  const emitter = () => app.get(RealtimeEmitter);

  beforeAll(async () => {
    app = await TestApp.start({
      realtime: { auth: { secret: TEST_SECRET } },
      providers: [ChatGateway, NotificationsGateway],
      controllers: [StreamController],
      logger,
    });
  });
  afterEach(() => streams.splice(0).forEach((s) => s.close()));
  afterAll(() => app.close());

  it('toUser without .namespace() reaches a user connected only to a gateway namespace', async () => {
    const bob = await app.connectAs('bob', '/chat');
    const got = once(bob, 'hello');
    emitter().toUser('bob').emit('hello', { n: 1 });
    await expect(got).resolves.toEqual({ n: 1 });
  });

  it('reaches every socket of the user on every gateway namespace, once each', async () => {
    const chat = await app.connectAs('carol', '/chat');
    const notes = await app.connectAs('carol', '/notifications');
    const onChat = receivedBefore(chat, 'ping', once(chat, 'end'));
    const onNotes = receivedBefore(notes, 'ping', once(notes, 'end'));
    emitter().toUser('carol').emit('ping', 1);
    emitter().toUser('carol').emit('end');
    await expect(onChat).resolves.toEqual([1]);
    await expect(onNotes).resolves.toEqual([1]);
  });

  it('.namespace() narrows to one namespace', async () => {
    const chat = await app.connectAs('dora', '/chat');
    const notes = await app.connectAs('dora', '/notifications');
    const onChat = receivedBefore(chat, 'only', once(chat, 'end'));
    const onNotes = receivedBefore(notes, 'only', once(notes, 'end'));
    emitter().toUser('dora').namespace('notifications').emit('only', 'n');
    emitter().toUser('dora').emit('end');
    await expect(onChat).resolves.toEqual([]);
    await expect(onNotes).resolves.toEqual(['n']);
  });

  it('an emit to a namespace no gateway serves is logged, naming it', async () => {
    lines.length = 0;
    emitter().toUser('bob').namespace('/typo').emit('lost');
    expect(lines.join('\n')).toMatch(
      /warn Emitting to namespace "\/typo", which no gateway of this app serves/,
    );
  });

  it('an SSE stream filtered to a namespace gets an emit without .namespace() once', async () => {
    const stream = await SseClient.open(`${app.url}/stream?user=erin&ns=/notifications`, {});
    streams.push(stream);
    emitter().toUser('erin').emit('note', 1);
    emitter().toUser('erin').namespace('/chat').emit('note', 'chat only');
    emitter().toUser('erin').emit('note', 2);
    expect(await stream.next()).toEqual({ event: 'note', data: '1' });
    expect(await stream.next()).toEqual({ event: 'note', data: '2' });
  });
});

@RealtimeGateway({ namespace: /^\/org-\d+$/ })
class OrgGateway {}

describe('RealtimeEmitter namespaces with dynamic gateway namespaces only', () => {
  it('are never guessed: .namespace() names the child, and an emit without it says so', async () => {
    const app = await TestApp.start({
      realtime: { auth: { secret: TEST_SECRET } },
      providers: [OrgGateway],
      logger,
    });
    try {
      lines.length = 0;
      const hank = await app.connectAs('hank', '/org-7');
      const got = once(hank, 'hello');
      app.get(RealtimeEmitter).toUser('hank').namespace('/org-7').emit('hello', 'org');
      await expect(got).resolves.toBe('org');
      expect(lines.join('\n')).not.toMatch(/no gateway of this app serves/);
      app.get(RealtimeEmitter).toUser('hank').emit('hello', 'root');
      expect(lines.join('\n')).toMatch(/dynamic namespaces only.*\.namespace\(\)/);
    } finally {
      await app.close();
    }
  });
});

describe('RealtimeEmitter namespaces in a worker', () => {
  const keyPrefix = uniquePrefix('emit-ns');
  const redis = { url: REDIS_URL, keyPrefix };
  let app: TestApp;
  beforeAll(async () => {
    app = await TestApp.start({
      realtime: { auth: { secret: TEST_SECRET }, redis },
      providers: [ChatGateway],
    });
  });
  afterAll(async () => {
    await app.close();
    await deletePrefix(keyPrefix);
  });

  const worker = (options: RealtimeModuleOptions) =>
    NestFactory.createApplicationContext(RealtimeModule.forRoot({ redis, ...options }), {
      logger: false,
      abortOnError: false,
    });

  it('without gateways or emitter.namespaces, an emit without .namespace() throws and says what to set', async () => {
    const context = await worker({});
    try {
      expect(() => context.get(RealtimeEmitter).toUser('gus').emit('job')).toThrow(
        /does not know which namespaces your clients use.*emitter\.namespaces/,
      );
    } finally {
      await context.close();
    }
  });

  it('with emitter.namespaces, reaches the user on the serving instance', async () => {
    const gus = await app.connectAs('gus', '/chat');
    const context = await worker({ emitter: { namespaces: ['chat'] } });
    try {
      const got = once(gus, 'job');
      context.get(RealtimeEmitter).toUser('gus').emit('job', { id: 1 });
      await expect(got).resolves.toEqual({ id: 1 });
    } finally {
      await context.close();
    }
  });

  it('refuses an empty emitter.namespaces at boot', async () => {
    await expect(worker({ emitter: { namespaces: [] } })).rejects.toThrow(RealtimeConfigError);
  });
});
