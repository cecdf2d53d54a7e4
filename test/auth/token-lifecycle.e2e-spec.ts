import { type ExecutionContext, Injectable, UseGuards } from '@nestjs/common';
import {
  ConnectedSocket,
  MessageBody,
  SubscribeMessage,
  WebSocketGateway,
  WebSocketServer,
} from '@nestjs/websockets';
import type { Server, Socket } from 'socket.io';
import { Public, RealtimeGateway, WsJwtGuard, WsUser } from '../../lib/index.js';
import { TestApp } from '../kit/app.js';
import { ask, once } from '../kit/events.js';
import { nowSeconds } from '../kit/jwt-forge.js';
import { signToken, TEST_SECRET } from '../kit/tokens.js';

@RealtimeGateway({ namespace: '/live' })
class LiveGateway {
  @WebSocketServer() server!: Server;

  @SubscribeMessage('join')
  async join(@MessageBody() body: { room: string }, @ConnectedSocket() socket: Socket) {
    await socket.join(body.room);
    return { ok: true };
  }

  @SubscribeMessage('shout')
  shout(@MessageBody() body: { room: string }) {
    this.server.to(body.room).emit('shouted', body.room);
    return { ok: true };
  }

  @SubscribeMessage('me')
  me(@WsUser('sub') sub: string, @WsUser('plan') plan: string) {
    return { sub, plan };
  }

  @Public()
  @SubscribeMessage('ping')
  ping() {
    return 'pong';
  }
}

/** A subclass that overrides canActivate: its override must run on every message. */
const audited: string[] = [];
@Injectable()
class AuditedJwtGuard extends WsJwtGuard {
  override canActivate(context: ExecutionContext): boolean {
    audited.push(context.getHandler().name);
    return super.canActivate(context);
  }
}

@WebSocketGateway({ namespace: '/audited' })
@UseGuards(AuditedJwtGuard)
class AuditedGateway {
  @SubscribeMessage('me')
  me(@WsUser('sub') sub: string) {
    return { sub };
  }
}

/**
 * A token that expires `seconds` from now (JWT `exp` has one-second resolution, so 2 s leaves at
 * least 1 s for a handshake on a loaded CI machine).
 */
const expiring = (sub: string, seconds: number, extra: Record<string, unknown> = {}) =>
  signToken({ sub, exp: nowSeconds() + seconds, ...extra });

describe('token expiry and in-band refresh on live sockets', () => {
  let app: TestApp;
  beforeAll(async () => {
    app = await TestApp.start({
      // A grace long enough for the in-grace request to be answered on a loaded CI box.
      realtime: { auth: { secret: TEST_SECRET, expiryGraceMs: 1500 } },
      providers: [LiveGateway, AuditedGateway],
    });
  });
  afterAll(() => app.close());

  it('emits auth:expired at exp, then disconnects after the grace period', async () => {
    const client = await app.connect('/live', { auth: { token: expiring('e1', 2) } });
    const expired = await once<Record<string, unknown>>(client, 'auth:expired', 4000);
    expect(expired).toMatchObject({ status: 'error', code: 'TOKEN_EXPIRED', graceMs: 1500 });
    const at = Date.now();
    // During the grace period, WsJwtGuard answers handlers with TOKEN_EXPIRED.
    await expect(ask(client, 'me')).resolves.toMatchObject({ code: 'TOKEN_EXPIRED', event: 'me' });
    // ... except on @Public() handlers.
    await expect(ask(client, 'ping')).resolves.toBe('pong');
    const exception = once<Record<string, unknown>>(client, 'exception', 5000);
    await expect(once(client, 'disconnect', 5000)).resolves.toBe('io server disconnect');
    await expect(exception).resolves.toMatchObject({ code: 'TOKEN_EXPIRED' });
    expect(Date.now() - at).toBeGreaterThanOrEqual(1000);
  });

  it('runs the canActivate of a WsJwtGuard subclass on every message', async () => {
    audited.length = 0;
    const client = await app.connect('/audited', { auth: { token: expiring('s1', 3600) } });
    await expect(ask(client, 'me')).resolves.toEqual({ sub: 's1' });
    await expect(ask(client, 'me')).resolves.toEqual({ sub: 's1' });
    expect(audited).toEqual(['me', 'me']);
  });

  it('a refresh before expiry keeps the socket, its rooms and replaces the user', async () => {
    const client = await app.connect('/live', {
      auth: { token: expiring('r1', 2, { plan: 'free' }) },
    });
    await ask(client, 'join', { room: 'team' });
    const fresh = expiring('r1', 3600, { plan: 'pro' });
    const answer = await ask<{ ok: boolean; exp: number }>(client, 'auth:refresh', {
      token: fresh,
    });
    expect(answer.ok).toBe(true);
    expect(answer.exp).toBeGreaterThan(nowSeconds() + 3000);
    await expect(ask(client, 'me')).resolves.toEqual({ sub: 'r1', plan: 'pro' });
    // Past the old expiry plus the grace period: still connected and still in its room.
    const disconnected = recordEvent(client, 'disconnect');
    const expired = recordEvent(client, 'auth:expired');
    await waitUntil(nowSeconds() + 3);
    await new Promise((r) => setTimeout(r, 1000));
    expect(disconnected()).toBe(false);
    expect(expired()).toBe(false);
    const shouted = once(client, 'shouted');
    await ask(client, 'shout', { room: 'team' });
    await expect(shouted).resolves.toBe('team');
  });

  it("refuses a refresh with another user's token", async () => {
    const client = await app.connect('/live', { auth: { token: expiring('alice', 3600) } });
    const answer = await ask(client, 'auth:refresh', { token: expiring('mallory', 3600) });
    expect(answer).toMatchObject({ status: 'error', code: 'FORBIDDEN', event: 'auth:refresh' });
    await expect(ask(client, 'me')).resolves.toMatchObject({ sub: 'alice' });
  });

  it('refuses a refresh with an invalid or expired token, and a missing one', async () => {
    const client = await app.connect('/live', { auth: { token: expiring('bob', 3600) } });
    await expect(ask(client, 'auth:refresh', { token: 'junk' })).resolves.toMatchObject({
      code: 'UNAUTHORIZED',
    });
    await expect(
      ask(client, 'auth:refresh', { token: expiring('bob', -10) }),
    ).resolves.toMatchObject({
      code: 'TOKEN_EXPIRED',
    });
    await expect(ask(client, 'auth:refresh', {})).resolves.toMatchObject({ code: 'BAD_REQUEST' });
    await expect(ask(client, 'me')).resolves.toMatchObject({ sub: 'bob' });
  });

  it('a refresh after auth:expired, within the grace period, saves the socket', async () => {
    const client = await app.connect('/live', { auth: { token: expiring('late', 2) } });
    await once(client, 'auth:expired', 4000);
    await expect(ask(client, 'auth:refresh', expiring('late', 3600))).resolves.toMatchObject({
      ok: true,
    });
    const disconnected = recordEvent(client, 'disconnect');
    await new Promise((r) => setTimeout(r, 1800)); // past the 1.5 s grace
    expect(disconnected()).toBe(false);
    await expect(ask(client, 'me')).resolves.toMatchObject({ sub: 'late' });
  });
});

/** Records whether an event happened; used where the test must prove an absence. */
function recordEvent(client: { once: (e: string, f: () => void) => unknown }, event: string) {
  let seen = false;
  client.once(event, () => (seen = true));
  return () => seen;
}

async function waitUntil(epochSeconds: number) {
  const ms = epochSeconds * 1000 - Date.now();
  if (ms > 0) await new Promise((r) => setTimeout(r, ms));
}
