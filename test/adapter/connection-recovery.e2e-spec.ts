import {
  ConnectedSocket,
  MessageBody,
  SubscribeMessage,
  WebSocketGateway,
} from '@nestjs/websockets';
import type { Socket as ServerSocket } from 'socket.io';
import type { Socket } from 'socket.io-client';
import { RoomsGateway } from '../fixtures/rooms-gateway.js';
import { TestApp } from '../kit/app.js';
import { ask, connected, eventually, once, refused } from '../kit/events.js';
import { AppInstance, startAll } from '../kit/instance.js';
import { deletePrefix, REDIS_URL, uniquePrefix } from '../kit/redis.js';
import { signToken, TEST_SECRET } from '../kit/tokens.js';

const recovery = { connectionStateRecovery: { maxDisconnectionDuration: 60_000 } };

/** What both set-ups offer: a client factory on the receiving app and a sender on another. */
interface Setup {
  client(token: string): Socket;
  sender(): Promise<Socket>;
}

/** A token that expires at the start of the next second but one (`exp` has a 1 s resolution). */
function shortLivedToken(sub: string): { token: string; expiresAt: number } {
  const exp = Math.floor(Date.now() / 1000) + 2;
  return { token: signToken({ sub, exp }), expiresAt: exp * 1000 };
}

/**
 * Gives the client an offset (recovery resumes from the last packet a client received), closes
 * its transport as a network drop would, and waits until the server has seen the disconnect.
 */
async function drop(client: Socket, sender: Socket, room: string): Promise<void> {
  const warm = once(client, 'warm-up');
  await ask(sender, 'broadcast', { room, event: 'warm-up', data: 0 });
  await warm;
  const id = client.id;
  const gone = once<string>(client, 'disconnect');
  client.io.engine.close();
  await expect(gone).resolves.toBe('forced close');
  await eventually(
    async () => !(await ask<string[]>(sender, 'fetch_sockets', { room })).includes(id!),
    { what: 'the server to see the disconnect' },
  );
}

/** Events the client received while not connected (it emits them once it connects). */
function receiveBuffer(client: Socket): unknown[] {
  return (client as unknown as { receiveBuffer: unknown[] }).receiveBuffer;
}

/** Opens the dropped client again (manually: a reconnection delay would be a fixed sleep). */
function reopen(client: Socket): Socket {
  return client.connect();
}

function recoveryContract(setup: () => Setup) {
  it('recovers a briefly disconnected socket with the room messages it missed', async () => {
    const { client, sender } = setup();
    const c = client(signToken({ sub: 'alice' }));
    await connected(c);
    const s = await sender();
    await Promise.all([ask(c, 'join', { room: 'news' }), ask(s, 'join', { room: 'news' })]);
    const firstId = c.id;

    await drop(c, s, 'news');
    const missed: number[] = [];
    c.on('missed', (n: number) => missed.push(n));
    // the sender is in the room too: its copy of the last one means every entry is written
    const last = once(s, 'missed');
    for (const n of [1, 2, 3])
      await ask(s, 'broadcast', { room: 'news', event: 'missed', data: n });
    await last;

    await connected(reopen(c));
    expect(c.recovered).toBe(true);
    expect(c.id).toBe(firstId);
    await eventually(() => missed.length === 3, { what: 'the missed messages' });
    expect(missed).toEqual([1, 2, 3]);
    // the restored socket is still in its rooms, and authenticated again
    await expect(ask(c, 'rooms')).resolves.toEqual(['news', 'user:alice']);
    const live = once(c, 'live');
    await ask(s, 'broadcast', { room: 'news', event: 'live', data: 'after' });
    await expect(live).resolves.toBe('after');
  });

  it('re-checks the token on recovery: one that expired while disconnected is refused', async () => {
    const { client, sender } = setup();
    const { token, expiresAt } = shortLivedToken('bob');
    const c = client(token);
    await connected(c);
    const s = await sender();
    await ask(c, 'join', { room: 'expiring' });
    await ask(s, 'join', { room: 'expiring' });

    await drop(c, s, 'expiring');
    const sent = once(s, 'secret');
    await ask(s, 'broadcast', { room: 'expiring', event: 'secret', data: 'for bob' });
    await sent;
    // the token's expiry is a point in time; there is no event to wait for
    await eventually(() => Date.now() > expiresAt + 50, { timeoutMs: 5000, intervalMs: 50 });
    const err = await refused(reopen(c));
    expect(err.message).toBe('TOKEN_EXPIRED');
    expect(err.data).toMatchObject({ status: 'error', code: 'TOKEN_EXPIRED' });
    expect(c.connected).toBe(false);
    // nothing was written to the refused client (Socket.IO alone sends the missed packets first)
    expect(receiveBuffer(c)).toEqual([]);
    await expect(ask(s, 'fetch_sockets', { room: 'expiring' })).resolves.toEqual([s.id]);
  });

  it('re-checks the token on recovery: a socket with a new valid token is restored as that user', async () => {
    const { client, sender } = setup();
    const c = client(signToken({ sub: 'carol', role: 'old' }));
    await connected(c);
    const s = await sender();
    await ask(c, 'join', { room: 'renewed' });
    await drop(c, s, 'renewed');
    c.auth = { token: signToken({ sub: 'carol', role: 'new' }) };
    await connected(reopen(c));
    expect(c.recovered).toBe(true);
    const me = await ask<{ data: { user: { role: string } } }>(c, 'whoami');
    expect(me.data.user.role).toBe('new');
  });

  it('refuses to restore a session to a token of another user', async () => {
    const { client, sender } = setup();
    const c = client(signToken({ sub: 'dave' }));
    await connected(c);
    const s = await sender();
    await ask(c, 'join', { room: 'private-dave' });
    await drop(c, s, 'private-dave');
    // a packet written before the refusal would sit in the client's buffer until it connects
    let leaked = false;
    c.on('secret', () => (leaked = true));
    const sent = once(s, 'secret');
    await ask(s, 'join', { room: 'private-dave' });
    await ask(s, 'broadcast', { room: 'private-dave', event: 'secret', data: 'for dave' });
    await sent;
    c.auth = { token: signToken({ sub: 'mallory' }) };
    const err = await refused(reopen(c));
    expect(err.message).toBe('FORBIDDEN');
    expect(receiveBuffer(c)).toEqual([]);
    // the session is gone: the next attempt is an ordinary fresh connection
    await connected(reopen(c));
    expect(c.recovered).toBe(false);
    await expect(ask(c, 'rooms')).resolves.toEqual(['user:mallory']);
    // dave's rooms and missed messages never reached mallory, not even before the refusal
    expect(leaked).toBe(false);
  });
}

describe('connection state recovery in streams mode (two instances on Redis)', () => {
  const keyPrefix = uniquePrefix('recovery');
  let a: AppInstance;
  let b: AppInstance;

  beforeAll(async () => {
    const realtime = {
      redis: { url: REDIS_URL, mode: 'streams' as const, keyPrefix },
      auth: { secret: TEST_SECRET },
      server: recovery,
      presence: false as const,
    };
    [a, b] = await startAll([AppInstance.start({ realtime }), AppInstance.start({ realtime })]);
  }, 60_000);

  afterAll(async () => {
    await Promise.all([a?.stop(), b?.stop()]);
    await deletePrefix(keyPrefix);
  });

  afterEach(() => {
    for (const i of [a, b]) expect(i.output).not.toMatch(/Unhandled|Uncaught/);
  });

  recoveryContract(() => ({
    client: (token) => a.client('/cluster', { auth: { token } }),
    sender: () => b.connect('/cluster', { auth: { token: signToken({ sub: 'sender' }) } }),
  }));
});

@WebSocketGateway({ namespace: '/cluster' })
class RecoveryGateway extends RoomsGateway {
  @SubscribeMessage('fetch_sockets')
  async fetchSockets(@MessageBody() body: { room: string }) {
    return (await this.server.in(body.room).fetchSockets()).map((s) => s.id).sort();
  }

  @SubscribeMessage('rooms')
  rooms(@ConnectedSocket() socket: ServerSocket) {
    return [...socket.rooms].filter((room) => room !== socket.id).sort();
  }

  @SubscribeMessage('whoami')
  whoami(@ConnectedSocket() socket: ServerSocket) {
    return { id: socket.id, recovered: socket.recovered, data: socket.data };
  }
}

describe('connection state recovery with the in-memory adapter', () => {
  let app: TestApp;

  beforeAll(async () => {
    app = await TestApp.start({
      realtime: { auth: { secret: TEST_SECRET }, server: recovery, presence: false },
      providers: [RecoveryGateway],
    });
  });

  afterAll(() => app?.close());

  recoveryContract(() => ({
    client: (token) => app.client('/cluster', { auth: { token } }),
    sender: () => app.connect('/cluster', { auth: { token: signToken({ sub: 'sender' }) } }),
  }));
});
