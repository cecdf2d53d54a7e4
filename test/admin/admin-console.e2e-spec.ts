// The operator console (`admin` option) in one app, on Express and Fastify: admin-ui's page served
// by the app, its login, what it lists, and that the library's namespaces keep their rules.
import type { AbstractHttpAdapter } from '@nestjs/core';
import { ExpressAdapter } from '@nestjs/platform-express';
import { FastifyAdapter } from '@nestjs/platform-fastify';
import {
  ConnectedSocket,
  MessageBody,
  SubscribeMessage,
  WebSocketGateway,
} from '@nestjs/websockets';
import type { Socket as ServerSocket } from 'socket.io';
import { Manager } from 'socket.io-client';
import { RealtimeGateway } from '../../lib/index.js';
import { TEST_JWT_SECRET } from '../../lib/testing/index.js';
import { RoomsGateway } from '../fixtures/rooms-gateway.js';
import { TestApp } from '../kit/app.js';
import { ask, connected, eventually, once, refused } from '../kit/events.js';
import {
  ADMIN_AUTH,
  ADMIN_PASSWORD,
  ADMIN_USERNAME,
  type ConsoleSocket,
  consoleClient,
} from './console-kit.js';

@RealtimeGateway({ namespace: '/chat' })
class ChatGateway {
  @SubscribeMessage('say')
  say(@MessageBody() body: { text: string }) {
    return { said: body.text };
  }

  @SubscribeMessage('rooms')
  rooms(@ConnectedSocket() socket: ServerSocket) {
    return [...socket.rooms].filter((room) => room !== socket.id);
  }
}

const PLATFORMS: Array<[string, () => AbstractHttpAdapter]> = [
  ['express', () => new ExpressAdapter()],
  ['fastify', () => new FastifyAdapter()],
];

describe.each(PLATFORMS)('the operator console on @nestjs/platform-%s', (_platform, http) => {
  let app: TestApp;

  beforeAll(async () => {
    app = await TestApp.start({
      realtime: { auth: { secret: TEST_JWT_SECRET }, admin: { auth: ADMIN_AUTH } },
      providers: [ChatGateway],
      httpAdapter: http(),
    });
  });
  afterAll(() => app?.close());

  it("serves admin-ui's own page under /realtime-admin: no CDN, its files, this server filled in", async () => {
    for (const url of [`${app.url}/realtime-admin/`, `${app.url}/realtime-admin`]) {
      const page = await fetch(url);
      expect({ url, status: page.status }).toEqual({ url, status: 200 });
      expect(page.headers.get('content-type')).toMatch(/^text\/html/);
      expect(page.headers.get('content-security-policy')).toContain("connect-src 'self'");
      expect(page.headers.get('x-frame-options')).toBe('DENY');
      const html = await page.text();
      expect(html).toContain('<title>Socket.IO Admin UI</title>');
      expect(html).toContain('<base href="/realtime-admin/">');
      expect(html).not.toMatch(/https?:\/\//);
      // The settings script runs before the app's scripts.
      expect(html.indexOf('<script src="nestjs-realtime-console.js">')).toBeLessThan(
        html.indexOf('<script src="js/'),
      );
    }
    const html = await (await fetch(`${app.url}/realtime-admin/`)).text();
    const assets = [...html.matchAll(/(?:href|src)="([^"]+\.(?:js|css|png))"/g)].map((m) => m[1]);
    expect(assets.length).toBeGreaterThanOrEqual(5);
    for (const asset of assets) {
      const response = await fetch(`${app.url}/realtime-admin/${asset}`);
      expect({ asset, status: response.status }).toEqual({ asset, status: 200 });
      const type = asset.endsWith('.js') ? /^text\/javascript/ : /^(text\/css|image\/png)/;
      expect(response.headers.get('content-type')).toMatch(type);
      expect((await response.arrayBuffer()).byteLength).toBeGreaterThan(0);
    }
    const settings = await (
      await fetch(`${app.url}/realtime-admin/nestjs-realtime-console.js`)
    ).text();
    expect(settings).toContain('"namespace":"/admin"');
    expect(settings).toContain('"path":"/socket.io"');
    expect((await fetch(`${app.url}/realtime-admin/nope.js`)).status).toBe(404);
  });

  it('logs in with the username and password (no JWT) and lists the sockets with their user ids', async () => {
    const alice = await app.connectAs('alice', '/chat');
    const admin = consoleClient(app.url);
    const config = once<{ supportedFeatures: string[] }>(admin, 'config');
    const sockets = once<ConsoleSocket[]>(admin, 'all_sockets');
    const session = once<string>(admin, 'session');
    await connected(admin);
    expect(await session).toMatch(/^[0-9a-f]{16}$/);
    // Read-only by default: no action is offered.
    expect((await config).supportedFeatures.sort()).toEqual(['AGGREGATED_EVENTS', 'ALL_EVENTS']);
    const listed = (await sockets).find((s) => s.id === alice.id);
    expect(listed).toMatchObject({ nsp: '/chat', data: { identity: { userId: 'alice' } } });
    expect(listed?.rooms).toContain('user:alice');

    // A socket that connects now is announced, with its user id.
    const announced = once<ConsoleSocket>(admin, 'socket_connected');
    const bob = await app.connectAs('bob', '/chat');
    expect(await announced).toMatchObject({ id: bob.id, data: { identity: { userId: 'bob' } } });
    admin.disconnect();
  });

  it('refuses a wrong password or username, malformed credentials, and a console without any', async () => {
    const wrong = await refused(
      consoleClient(app.url, { username: ADMIN_USERNAME, password: 'x' }),
    );
    expect(wrong.message).toBe('invalid credentials');
    const stranger = await refused(
      consoleClient(app.url, { username: 'root', password: ADMIN_PASSWORD }),
    );
    expect(stranger.message).toBe('invalid credentials');
    // admin-ui's bcrypt comparison would throw (unhandled) on a non-string password.
    const malformed = await refused(
      consoleClient(app.url, { username: ADMIN_USERNAME, password: 12 }),
    );
    expect(malformed.message).toBe('invalid credentials');
    expect(malformed.data).toMatchObject({ status: 'error', code: 'UNAUTHORIZED' });
    // What the page sends when it opens: refused without a message, so it shows its login form.
    const nothing = await refused(consoleClient(app.url, {}));
    expect(nothing.message).toBe('');
    expect(nothing.data).toMatchObject({ code: 'UNAUTHORIZED' });
    const unknownSession = await refused(consoleClient(app.url, { sessionId: '0123456789abcdef' }));
    expect(unknownSession.data).toMatchObject({ code: 'UNAUTHORIZED' });
    // The JWT of an app user is no login to the console.
    const user = await refused(consoleClient(app.url, { token: app.token('alice') }));
    expect(user.data).toMatchObject({ code: 'UNAUTHORIZED' });
  });

  it('logs back in with the session id it was given, without the password', async () => {
    const first = consoleClient(app.url);
    const session = once<string>(first, 'session');
    await connected(first);
    const sessionId = await session;
    first.disconnect();
    const again = consoleClient(app.url, { sessionId });
    const sockets = once<ConsoleSocket[]>(again, 'all_sockets');
    await connected(again);
    expect(Array.isArray(await sockets)).toBe(true);
    again.disconnect();
  });

  it('is read-only: an action sent anyway is ignored', async () => {
    // One connection for both sockets: the server reads the console's packet first.
    const manager = new Manager(app.url, { transports: ['websocket'], reconnection: false });
    const admin = manager.socket('/admin', {
      auth: { username: ADMIN_USERNAME, password: ADMIN_PASSWORD },
    });
    const carol = manager.socket('/chat', { auth: { token: app.token('carol') } });
    await Promise.all([connected(admin), connected(carol)]);
    admin.emit('_disconnect', '/chat', true, carol.id);
    admin.emit('join', '/chat', 'ops-room', carol.id);
    await expect(ask(carol, 'say', { text: 'still here' })).resolves.toEqual({
      said: 'still here',
    });
    expect(carol.connected).toBe(true);
    await expect(ask(carol, 'rooms')).resolves.toEqual(['user:carol']);
    admin.disconnect();
    carol.disconnect();
  });

  it("does not show the sockets' credentials: Authorization header, cookies, auth:refresh", async () => {
    const admin = consoleClient(app.url);
    await connected(admin);
    const announced = once<ConsoleSocket>(admin, 'socket_connected');
    const dave = app.client('/chat', {
      extraHeaders: { authorization: `Bearer ${app.token('dave')}`, cookie: 'session=secret' },
    });
    await connected(dave);
    const shown = await announced;
    expect(shown.data.identity).toEqual({ userId: 'dave', expiresAt: expect.any(Number) });
    expect(shown.handshake.headers.authorization).toBe('[redacted]');
    expect(shown.handshake.headers.cookie).toBe('[redacted]');
    const listing = consoleClient(app.url);
    const sockets = once<ConsoleSocket[]>(listing, 'all_sockets');
    await connected(listing);
    const listed = (await sockets).find((s) => s.id === dave.id);
    expect(listed?.handshake.headers.authorization).toBe('[redacted]');
    expect(JSON.stringify(await sockets)).not.toContain(app.token('dave').split('.')[2]);

    // The event feed shows dave's events, but not the token of an in-band refresh.
    const feed = new Promise<unknown[]>((resolve) =>
      admin.on('event_received', (_nsp: string, id: string, event: unknown[]) => {
        if (id === dave.id) resolve(event);
      }),
    );
    await expect(ask(dave, 'auth:refresh', { token: app.token('dave') })).resolves.toMatchObject({
      ok: true,
    });
    await expect(feed).resolves.toEqual(['auth:refresh', '[redacted]']);
    admin.disconnect();
    listing.disconnect();
  });

  it('leaves the gateway namespaces as they are: a JWT needed, unhandled events answered NOT_FOUND', async () => {
    const anonymous = await refused(app.client('/chat'));
    expect(anonymous.message).toBe('UNAUTHORIZED');
    // admin-ui listens to every socket's events (onAny) for its event feed: that is no handler.
    const erin = await app.connectAs('erin', '/chat');
    await expect(ask(erin, 'no_such_event', {})).resolves.toMatchObject({
      status: 'error',
      code: 'NOT_FOUND',
    });
    await expect(ask(erin, 'say', { text: 'hi' })).resolves.toEqual({ said: 'hi' });
  });
});

describe('the operator console with actions (readonly: false)', () => {
  let app: TestApp;
  beforeAll(async () => {
    app = await TestApp.start({
      realtime: {
        auth: { secret: TEST_JWT_SECRET },
        admin: { auth: ADMIN_AUTH, readonly: false, namespace: '/ops', path: '/ops-console' },
      },
      providers: [ChatGateway],
    });
  });
  afterAll(() => app?.close());

  it('offers the actions, and a disconnect sent by the console disconnects the socket', async () => {
    const admin = consoleClient(app.url, undefined, '/ops');
    const config = once<{ supportedFeatures: string[] }>(admin, 'config');
    await connected(admin);
    expect((await config).supportedFeatures).toEqual(
      expect.arrayContaining(['DISCONNECT', 'JOIN', 'LEAVE', 'EMIT']),
    );
    const frank = await app.connectAs('frank', '/chat');
    const gone = once<string>(frank, 'disconnect');
    admin.emit('_disconnect', '/chat', false, frank.id);
    await expect(gone).resolves.toBe('io server disconnect');
    admin.disconnect();
  });

  it('serves the page and its settings under the paths it was given', async () => {
    const settings = await (
      await fetch(`${app.url}/ops-console/nestjs-realtime-console.js`)
    ).text();
    expect(settings).toContain('"namespace":"/ops"');
    expect((await fetch(`${app.url}/realtime-admin/`)).status).toBe(404);
  });
});

@WebSocketGateway({ namespace: '/rooms' })
class RecoveringGateway extends RoomsGateway {
  @SubscribeMessage('fetch_sockets')
  async fetchSockets(@MessageBody() body: { room: string }) {
    return (await this.server.in(body.room).fetchSockets()).map((s) => s.id);
  }
}

describe('the operator console with connection state recovery', () => {
  let app: TestApp;
  beforeAll(async () => {
    app = await TestApp.start({
      realtime: {
        auth: { secret: TEST_JWT_SECRET },
        server: { connectionStateRecovery: { maxDisconnectionDuration: 60_000 } },
        admin: { auth: ADMIN_AUTH },
      },
      providers: [RecoveringGateway],
    });
  });
  afterAll(() => app?.close());

  // admin-ui (development mode) gives each socket a new socket.data as it connects; the packets a
  // recovered socket missed are held there by the library until its handshake passed.
  it('a recovered socket still gets the messages it missed', async () => {
    const client = app.client('/rooms', { auth: { token: app.token('gina') } });
    await connected(client);
    const sender = await app.connectAs('sender', '/rooms');
    await Promise.all([
      ask(client, 'join', { room: 'news' }),
      ask(sender, 'join', { room: 'news' }),
    ]);
    // An offset to resume from, then a network drop the server has seen.
    const warm = once(client, 'warm-up');
    await ask(sender, 'broadcast', { room: 'news', event: 'warm-up', data: 0 });
    await warm;
    const id = client.id;
    const gone = once<string>(client, 'disconnect');
    client.io.engine.close();
    await gone;
    await eventually(
      async () => !(await ask<string[]>(sender, 'fetch_sockets', { room: 'news' })).includes(id!),
      { what: 'the server to see the disconnect' },
    );
    const missed: number[] = [];
    client.on('missed', (n: number) => missed.push(n));
    const last = once(sender, 'missed');
    for (const n of [1, 2])
      await ask(sender, 'broadcast', { room: 'news', event: 'missed', data: n });
    await last;

    await connected(client.connect());
    expect(client.recovered).toBe(true);
    await eventually(() => missed.length === 2, { what: 'the missed messages' });
    expect(missed).toEqual([1, 2]);
  });
});
