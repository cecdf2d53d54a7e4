import { Injectable } from '@nestjs/common';
import {
  ConnectedSocket,
  MessageBody,
  type OnGatewayInit,
  SubscribeMessage,
} from '@nestjs/websockets';
import type { Namespace, Socket as ServerSocket } from 'socket.io';
import type { Socket } from 'socket.io-client';
import {
  PresenceRegistry,
  type PresenceTransition,
  RealtimeGateway,
  type RealtimeModuleOptions,
} from '../../lib/index.js';
import { MemoryPresenceStore } from '../../lib/presence/memory-presence.store.js';
import { TestApp } from '../kit/app.js';
import { ask, once } from '../kit/events.js';
import { deletePrefix, REDIS_URL, uniquePrefix } from '../kit/redis.js';
import { signToken, TEST_SECRET } from '../kit/tokens.js';

@Injectable()
@RealtimeGateway({ namespace: '/chat' })
class ChatGateway {
  constructor(private readonly registry: PresenceRegistry) {}

  @SubscribeMessage('join')
  async join(@MessageBody() room: string, @ConnectedSocket() socket: ServerSocket) {
    await socket.join(room);
    return true;
  }

  @SubscribeMessage('state')
  state(@MessageBody() state: Record<string, unknown>, @ConnectedSocket() socket: ServerSocket) {
    return this.registry.setState(socket, state);
  }
}

/** An app middleware (after the library's checks) that holds the handshakes of user "held". */
@Injectable()
@RealtimeGateway({ namespace: '/gated' })
class GatedGateway implements OnGatewayInit {
  static held: Array<() => void> = [];
  static onHold?: () => void;

  afterInit(nsp: Namespace): void {
    nsp.use((socket, next) => {
      if ((socket.data as { user?: { sub?: string } }).user?.sub !== 'held') return next();
      GatedGateway.held.push(() => next());
      GatedGateway.onHold?.();
    });
  }
}

const auth = { secret: TEST_SECRET };
const token = (sub: string, extra: Record<string, unknown> = {}) =>
  signToken({ sub, email: `${sub}@example.com`, role: 'admin', ...extra });

describe('PresenceRegistry in one app', () => {
  let app: TestApp | undefined;
  afterEach(async () => {
    await app?.close();
    app = undefined;
  });

  const start = (realtime: RealtimeModuleOptions) =>
    TestApp.start({ realtime, providers: [ChatGateway] }).then((started) => (app = started));
  const connect = (sub: string, ns = '/chat') => app!.connect(ns, { auth: { token: token(sub) } });

  it('uses the memory store without Redis and tracks every namespace', async () => {
    await start({ auth, presence: { publicUserFields: ['email'] } });
    const registry = app!.get(PresenceRegistry);
    expect((registry as unknown as { store: unknown }).store).toBeInstanceOf(MemoryPresenceStore);
    const transitions: PresenceTransition[] = [];
    registry.onTransition((t) => transitions.push(t));

    const watcher = await connect('watcher');
    const onRoot = await connect('ann', '/');
    // The root namespace's connection was the first: the event went to '/', not '/chat'.
    await expect(once(watcher, 'presence:online', 300)).rejects.toThrow();
    const onChat = await connect('ann');
    expect(await registry.isOnline('ann')).toBe(true);
    const conns = await registry.getConnections('ann');
    expect(conns.map((c) => c.namespace).sort()).toEqual(['/', '/chat']);
    expect(conns[0]).toEqual({
      socketId: expect.any(String),
      userId: 'ann',
      instanceId: registry.instanceId,
      namespace: expect.any(String),
      connectedAt: expect.any(Number),
      state: null,
    });
    expect(await registry.countOnline()).toBe(2);
    expect(await registry.listOnline({ limit: 1 })).toEqual({ userIds: ['ann'], cursor: 'ann' });
    expect(await registry.listOnline({ cursor: 'ann' })).toEqual({
      userIds: ['watcher'],
      cursor: null,
    });

    const offline = once<Record<string, unknown>>(watcher, 'presence:offline');
    onRoot.disconnect();
    onChat.disconnect();
    // Only the id and the configured public field: no role, no exp/iat, no token.
    expect(await offline).toEqual({ userId: 'ann', email: 'ann@example.com' });
    expect(transitions.filter((t) => t.userId === 'ann').map((t) => [t.type, t.cause])).toEqual([
      ['online', 'connect'],
      ['offline', 'disconnect'],
    ]);
    watcher.disconnect();
    await waitFor(async () => (await registry.countOnline()) === 0);
    // Bounded memory: nothing is left of connections that are gone.
    const internals = (registry as unknown as { store: Record<string, Map<string, unknown>> })
      .store;
    for (const name of ['users', 'rooms', 'roomCounts']) expect(internals[name].size).toBe(0);
    const own = registry as unknown as { admitted: Map<string, unknown>; leaving: Set<string> };
    expect([own.admitted.size, own.leaving.size]).toEqual([0, 0]);
  });

  it('scope "rooms" tells only the rooms the user shares; "none" tells nobody', async () => {
    await start({ auth, presence: { scope: 'rooms' } });
    const inRoom = await connect('in-room');
    const outside = await connect('outside');
    await ask(inRoom, 'join', 'team');
    const ann = await connect('ann');
    await ask(ann, 'join', 'team');
    const heard = once(inRoom, 'presence:offline');
    const notHeard = once(outside, 'presence:offline', 300).catch(() => 'nothing');
    ann.disconnect();
    expect(await heard).toEqual({ userId: 'ann' });
    expect(await notHeard).toBe('nothing');
  });

  it('scope "none" emits nothing to clients but still reports transitions server-side', async () => {
    await start({ auth, presence: { scope: 'none' } });
    const transitions: PresenceTransition[] = [];
    app!.get(PresenceRegistry).transitions$.subscribe((t) => transitions.push(t));
    const watcher = await connect('watcher');
    const nothing = once(watcher, 'presence:online', 300).catch(() => 'nothing');
    await connect('ann');
    expect(await nothing).toBe('nothing');
    expect(transitions.map((t) => `${t.type}:${t.userId}`)).toEqual([
      'online:watcher',
      'online:ann',
    ]);
  });

  it('tracks nothing when presence is disabled, and ignores anonymous sockets', async () => {
    await start({ auth, presence: false });
    const registry = app!.get(PresenceRegistry);
    await connect('ann');
    expect(await registry.isOnline('ann')).toBe(false);
    expect(await registry.countOnline()).toBe(0);
    await app!.close();
    await start({ auth: { ...auth, publicNamespaces: ['/chat'] } });
    await app!.connect('/chat');
    expect(await app!.get(PresenceRegistry).countOnline()).toBe(0);
  });

  it('refuses state above maxStateBytes with a clear error', async () => {
    await start({ auth, presence: { maxStateBytes: 64 } });
    const ann: Socket = await connect('ann');
    expect(await ask(ann, 'state', { status: 'away' })).toBe(true);
    const error = once<{ code: string; message: string }>(ann, 'exception');
    ann.emit('state', { blob: 'x'.repeat(100) });
    expect(await error).toMatchObject({
      code: 'PAYLOAD_TOO_LARGE',
      message: expect.stringContaining('presence.maxStateBytes allows 64'),
    });
    const registry = app!.get(PresenceRegistry);
    await expect(registry.setState('ann', { status: 'busy' })).resolves.toBe(true);
    expect((await registry.getConnections('ann'))[0].state).toEqual({ status: 'busy' });
    await expect(registry.setState('nobody', { a: 1 })).resolves.toBe(false);
  });
});

describe('PresenceRegistry on Redis in one app', () => {
  const keyPrefix = uniquePrefix('presence-registry');
  afterAll(() => deletePrefix(`{${keyPrefix}`));

  it('app.close() removes the instance entries at once and announces the offline transitions', async () => {
    const realtime = { auth, redis: { url: REDIS_URL, keyPrefix } };
    const observer = await TestApp.start({ realtime, providers: [ChatGateway] });
    const leaving = await TestApp.start({ realtime, providers: [ChatGateway] });
    try {
      const watcher = await observer.connect('/chat', { auth: { token: token('watcher') } });
      const online = onceFor(watcher, 'presence:online', 'bob');
      await leaving.connect('/chat', { auth: { token: token('bob') } });
      expect(await online).toEqual({ userId: 'bob' });
      const registry = observer.get(PresenceRegistry);
      expect(await registry.isOnline('bob')).toBe(true);
      const offline = once(watcher, 'presence:offline');
      await leaving.close();
      // Gone at once, not after the heartbeat TTL (15 s by default).
      expect(await registry.isOnline('bob')).toBe(false);
      expect(await offline).toEqual({ userId: 'bob' });
    } finally {
      await leaving.close().catch(() => undefined);
      await observer.close();
    }
  });
});

describe('PresenceRegistry: sockets stored at the handshake that never connect', () => {
  const keyPrefix = uniquePrefix('presence-admission');
  afterAll(() => deletePrefix(`{${keyPrefix}`));

  it('removes them when the client leaves first, announcing only what they hid', async () => {
    const app = await TestApp.start({
      realtime: { auth, redis: { url: REDIS_URL, keyPrefix } },
      providers: [GatedGateway],
    });
    try {
      const registry = app.get(PresenceRegistry);
      const transitions: string[] = [];
      registry.onTransition((t) => transitions.push(`${t.type}:${t.userId}`));
      // The user is online through a socket on '/', then opens one on '/gated' that the app holds.
      const first = await app.connect('/', { auth: { token: token('held') } });
      await waitFor(async () => transitions.includes('online:held'));
      const hold = new Promise<void>((resolve) => (GatedGateway.onHold = resolve));
      const gated = app.client('/gated', { auth: { token: token('held') } });
      gated.connect();
      await hold; // the library's checks ran: the gated socket is stored, not connected
      expect(await registry.countConnections('held')).toBe(2);
      // The '/' socket goes: the user stays online through the gated entry, so no offline yet.
      first.disconnect();
      await waitFor(async () => (await registry.countConnections('held')) === 1);
      expect(transitions).toEqual(['online:held']);
      // The client gives up before the app lets it in: Socket.IO emits nothing for that socket.
      gated.disconnect();
      await waitFor(async () => !(await registry.isOnline('held')));
      for (const release of GatedGateway.held.splice(0)) release();
      await waitFor(async () => transitions.length === 2);
      expect(transitions).toEqual(['online:held', 'offline:held']);
      expect(await registry.getConnections('held')).toEqual([]);
    } finally {
      GatedGateway.onHold = undefined;
      await app.close();
    }
  });
});

/** The first `event` about `userId` (a client also hears its own transitions). */
function onceFor(socket: Socket, event: string, userId: string): Promise<unknown> {
  return new Promise((resolve) => {
    const handler = (payload: { userId: string }) => {
      if (payload.userId !== userId) return;
      socket.off(event, handler);
      resolve(payload);
    };
    socket.on(event, handler);
  });
}

async function waitFor(check: () => Promise<boolean>, timeoutMs = 3000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await new Promise((r) => setTimeout(r, 10));
  }
}
