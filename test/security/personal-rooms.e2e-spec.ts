// No socket ever enters another user's personal room, whichever API joins it: a gateway written
// the way tutorials write it (`client.join(dto.roomId)`) must not let alice read bob's messages.
import {
  ConnectedSocket,
  MessageBody,
  SubscribeMessage,
  WebSocketGateway,
  WebSocketServer,
} from '@nestjs/websockets';
import { captureLogs } from '../kit/logs.js';
import type { Namespace, Socket } from 'socket.io';
import type { Socket as ClientSocket } from 'socket.io-client';
import { RealtimeEmitter, RealtimeGateway, RealtimeRooms } from '../../lib/index.js';
import { TestApp } from '../kit/app.js';
import { ask, eventually, once } from '../kit/events.js';
import { AppInstance, startAll } from '../kit/instance.js';
import { deletePrefix, REDIS_URL, uniquePrefix } from '../kit/redis.js';
import { signToken, TEST_SECRET } from '../kit/tokens.js';

/** Exactly as the tutorials write it: no check, no await. */
@WebSocketGateway({ namespace: '/tutorial' })
class TutorialGateway {
  @WebSocketServer() server!: Namespace;

  @SubscribeMessage('join_room')
  joinRoom(@MessageBody() dto: { roomId: string | string[] }, @ConnectedSocket() client: Socket) {
    client.join(dto.roomId);
    return { joined: dto.roomId };
  }

  @SubscribeMessage('pull_in')
  pullIn(@MessageBody() dto: { socketId: string; room: string }) {
    this.server.in(dto.socketId).socketsJoin(dto.room);
    return { ok: true };
  }

  @SubscribeMessage('rooms')
  rooms(@ConnectedSocket() client: Socket) {
    return [...client.rooms].filter((room) => room !== client.id).sort();
  }

  @SubscribeMessage('id')
  id(@ConnectedSocket() client: Socket) {
    return client.id;
  }
}

@RealtimeGateway({ namespace: '/library' })
class LibraryGateway {
  constructor(private readonly rooms: RealtimeRooms) {}

  @SubscribeMessage('join_room')
  async joinRoom(@MessageBody() dto: { roomId: string }, @ConnectedSocket() client: Socket) {
    await client.join(dto.roomId);
    return { joined: dto.roomId };
  }

  @SubscribeMessage('rooms_join')
  async roomsJoin(@MessageBody() dto: { roomId: string }, @ConnectedSocket() client: Socket) {
    await this.rooms.join(client, dto.roomId);
    return { joined: dto.roomId };
  }
}

const { logger, lines } = captureLogs();

/**
 * Sends `secret` to bob, then `marker` to alice. Bob must get the secret; when alice's marker
 * arrives (delivery to her is in order), the secret must not have reached her before it.
 */
async function expectNoLeak(
  send: (event: string, to: string, data: string) => Promise<unknown>,
  alice: ClientSocket,
  bob: ClientSocket,
): Promise<void> {
  const leaked: unknown[] = [];
  alice.on('dm', (data: unknown) => leaked.push(data));
  const toBob = once(bob, 'dm');
  const marker = once(alice, 'marker');
  await send('dm', 'bob', 'for bob only');
  await send('marker', 'alice', 'done');
  await expect(toBob).resolves.toBe('for bob only');
  await expect(marker).resolves.toBe('done');
  expect(leaked).toEqual([]);
  alice.off('dm');
}

describe('personal rooms on one instance', () => {
  let app: TestApp;
  beforeAll(async () => {
    app = await TestApp.start({
      realtime: { auth: { secret: TEST_SECRET } },
      providers: [TutorialGateway, LibraryGateway],
      logger,
    });
  });
  afterAll(() => app.close());
  beforeEach(() => (lines.length = 0));

  const toUser = (event: string, user: string, data: string) => {
    app.get(RealtimeEmitter).toUser(user).emit(event, data);
    return Promise.resolve();
  };

  it("a plain client.join of another user's room is refused FORBIDDEN on the ack, logged, and leaks nothing", async () => {
    const alice = await app.connectAs('alice', '/tutorial');
    const bob = await app.connectAs('bob', '/tutorial');
    await expect(ask(alice, 'join_room', { roomId: 'user:bob' })).resolves.toMatchObject({
      status: 'error',
      code: 'FORBIDDEN',
      message: expect.stringContaining('user:bob'),
    });
    await expect(ask(alice, 'rooms', {})).resolves.toEqual(['user:alice']);
    await expectNoLeak(toUser, alice, bob);
    expect(lines.join('\n')).toMatch(
      /warn .*user "alice".*"user:bob".*another user's personal room/,
    );
  });

  it('a gateway on Nest’s own filter also gets the refusal as an `exception` event with the code', async () => {
    const alice = await app.connectAs('alice', '/tutorial');
    const exception = once<{ code: string }>(alice, 'exception');
    alice.emit('join_room', { roomId: 'user:bob' });
    await expect(exception).resolves.toMatchObject({ status: 'error', code: 'FORBIDDEN' });
  });

  it("in a list of rooms, the other rooms are joined and the other user's is not", async () => {
    const alice = await app.connectAs('alice', '/tutorial');
    await expect(
      ask(alice, 'join_room', { roomId: ['lobby', 'user:bob', 'user:alice'] }),
    ).resolves.toMatchObject({ code: 'FORBIDDEN' });
    await expect(ask(alice, 'rooms', {})).resolves.toEqual(['lobby', 'user:alice']);
  });

  it('joining one’s own personal room and ordinary rooms still works', async () => {
    const alice = await app.connectAs('alice', '/tutorial');
    await expect(ask(alice, 'join_room', { roomId: 'user:alice' })).resolves.toEqual({
      joined: 'user:alice',
    });
    await expect(ask(alice, 'join_room', { roomId: 'general' })).resolves.toEqual({
      joined: 'general',
    });
  });

  it('an awaited join in a @RealtimeGateway and RealtimeRooms.join are refused the same way', async () => {
    const alice = await app.connectAs('alice', '/library');
    const bob = await app.connectAs('bob', '/library');
    for (const event of ['join_room', 'rooms_join']) {
      await expect(ask(alice, event, { roomId: 'user:bob' })).resolves.toMatchObject({
        code: 'FORBIDDEN',
        event,
      });
    }
    await expectNoLeak(toUser, alice, bob);
  });

  it('server.in(socket).socketsJoin() of another user’s room leaves the socket out, with a warning', async () => {
    const alice = await app.connectAs('alice', '/tutorial');
    const bob = await app.connectAs('bob', '/tutorial');
    const aliceId = await ask<string>(alice, 'id', {});
    await expect(ask(bob, 'pull_in', { socketId: aliceId, room: 'user:bob' })).resolves.toEqual({
      ok: true,
    });
    await expect(ask(alice, 'rooms', {})).resolves.toEqual(['user:alice']);
    await expectNoLeak(toUser, alice, bob);
    expect(lines.join('\n')).toMatch(/warn .*"user:bob".*socketsJoin/);
  });
});

describe('personal rooms across two instances', () => {
  const keyPrefix = uniquePrefix('personal-rooms');
  let a: AppInstance;
  let b: AppInstance;
  const as = (instance: AppInstance, sub: string) =>
    instance.connect('/cluster', { auth: { token: signToken({ sub }) } });

  beforeAll(async () => {
    const realtime = { auth: { secret: TEST_SECRET }, redis: { url: REDIS_URL, keyPrefix } };
    [a, b] = await startAll([AppInstance.start({ realtime }), AppInstance.start({ realtime })]);
  }, 30_000);
  afterAll(async () => {
    await Promise.all([a?.stop(), b?.stop()]);
    await deletePrefix(keyPrefix);
  });

  it('neither a join on alice’s instance nor a socketsJoin from bob’s lets alice into user:bob', async () => {
    const alice = await as(a, 'alice');
    const bob = await as(b, 'bob');
    // The fixture's gateway awaits a plain socket.join(body.room).
    await expect(ask(alice, 'join', { room: 'user:bob' })).resolves.toMatchObject({
      code: 'FORBIDDEN',
    });
    const { id: aliceId } = await ask<{ id: string }>(alice, 'whoami', {});
    await expect(ask(bob, 'sockets_join', { from: aliceId, to: 'user:bob' })).resolves.toEqual({
      ok: true,
    });
    // The remote join has been applied (or refused) once a later one from bob has arrived.
    await ask(bob, 'sockets_join', { from: aliceId, to: 'after' });
    const rooms = await eventually(
      async () => {
        const now = await ask<string[]>(alice, 'rooms', {});
        return now.includes('after') && now;
      },
      { what: "alice's socket in the room 'after'" },
    );
    expect(rooms).toEqual(['after', 'user:alice']);
    const send = (event: string, to: string, data: string) =>
      ask(bob, 'broadcast', { room: `user:${to}`, event, data });
    await expectNoLeak(send, alice, bob);
    expect(a.output).toMatch(/"user:bob".*socketsJoin/);
    expect(a.output).not.toMatch(/Unhandled|Uncaught/);
  });
});
