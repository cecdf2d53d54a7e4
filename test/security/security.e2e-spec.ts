import { ConnectedSocket, MessageBody, SubscribeMessage } from '@nestjs/websockets';
import { captureLogs } from '../kit/logs.js';
import type { Socket } from 'socket.io';
import { RealtimeGateway, RealtimeRooms, type RealtimeModuleOptions } from '../../lib/index.js';
import { TestApp } from '../kit/app.js';
import { ask, once, refused } from '../kit/events.js';
import { hmacToken, nowSeconds, unsignedToken } from '../kit/jwt-forge.js';
import { signToken, TEST_SECRET } from '../kit/tokens.js';

@RealtimeGateway({ namespace: '/secure' })
class SecureGateway {
  constructor(private readonly rooms: RealtimeRooms) {}

  @SubscribeMessage('whoami')
  whoami(@ConnectedSocket() socket: Socket) {
    return { user: socket.data.user ?? null, identity: socket.data.identity ?? null };
  }

  @SubscribeMessage('join')
  async join(@MessageBody() body: { room: string }, @ConnectedSocket() socket: Socket) {
    await this.rooms.join(socket, body.room);
    return { ok: true };
  }
}

@RealtimeGateway({ namespace: '/lobby' })
class LobbyGateway {
  @SubscribeMessage('whoami')
  whoami(@ConnectedSocket() socket: Socket) {
    return { user: socket.data.user ?? null };
  }
}

const { logger, lines } = captureLogs();

describe('security', () => {
  describe('Origin checks (cross-site WebSocket hijacking)', () => {
    it('refuses a handshake from an Origin outside the allowlist, on websocket and polling, with a reason', async () => {
      lines.length = 0;
      const app = await TestApp.start({
        realtime: { server: { cors: { origin: ['https://app.example'], credentials: true } } },
        providers: [LobbyGateway],
        logger,
      });
      try {
        for (const transports of [['websocket'], ['polling']]) {
          const evil = await refused(
            app.client('/lobby', { transports, extraHeaders: { origin: 'https://evil.example' } }),
          );
          expect(evil.message).toBe('FORBIDDEN');
          expect(evil.data).toEqual({
            status: 'error',
            code: 'FORBIDDEN',
            message: 'Origin https://evil.example is not allowed to connect to this server',
          });
          await app.connect('/lobby', {
            transports,
            extraHeaders: { origin: 'https://app.example' },
          });
        }
        expect(lines.join('\n')).toMatch(
          /warn Refused a handshake on \/lobby from Origin "https:\/\/evil\.example".*server\.cors\.origin/,
        );
      } finally {
        await app.close();
      }
    });

    it('runs nothing for a refused Origin, even with a valid token in its cookie (no CSWSH)', async () => {
      const seen: string[] = [];
      @RealtimeGateway({ namespace: '/cookies' })
      class CookieGateway {
        handleConnection(socket: Socket) {
          seen.push(`connected ${String(socket.data.identity?.userId)}`);
        }

        @SubscribeMessage('whoami')
        whoami(@ConnectedSocket() socket: Socket) {
          seen.push('whoami');
          return socket.data.identity;
        }
      }
      const app = await TestApp.start({
        realtime: {
          auth: { secret: TEST_SECRET, tokenSources: { cookie: 'session' } },
          server: { cors: { origin: 'https://app.example', credentials: true } },
        },
        providers: [CookieGateway],
      });
      try {
        const cookie = `session=${signToken({ sub: 'victim' })}`;
        for (const transports of [['websocket'], ['polling']]) {
          const client = app.client('/cookies', {
            transports,
            extraHeaders: { origin: 'https://evil.example', cookie },
          });
          client.emit('whoami');
          await expect(refused(client)).resolves.toMatchObject({ message: 'FORBIDDEN' });
        }
        const victim = await app.connect('/cookies', {
          extraHeaders: { origin: 'https://app.example', cookie },
        });
        await expect(ask(victim, 'whoami', {})).resolves.toMatchObject({ userId: 'victim' });
        expect(seen).toEqual(['connected victim', 'whoami']);
      } finally {
        await app.close();
      }
    });

    it('defaults to same origin only, never *', async () => {
      const app = await TestApp.start({ realtime: {}, providers: [LobbyGateway] });
      try {
        const host = new URL(app.url).host;
        for (const transports of [['websocket'], ['polling']]) {
          await expect(
            refused(
              app.client('/lobby', {
                transports,
                extraHeaders: { origin: 'https://evil.example' },
              }),
            ),
          ).resolves.toMatchObject({ message: 'FORBIDDEN' });
        }
        await app.connect('/lobby', { extraHeaders: { origin: `http://${host}` } });
        // Non-browser clients send no Origin: not a CSWSH vector, allowed.
        await app.connect('/lobby');
        const polling = await fetch(`${app.url}/socket.io/?EIO=4&transport=polling`, {
          headers: { origin: 'https://evil.example' },
        });
        expect(polling.headers.get('access-control-allow-origin')).not.toBe('*');
      } finally {
        await app.close();
      }
    });
  });

  describe('identity', () => {
    let app: TestApp;
    const options: RealtimeModuleOptions = {
      auth: { secret: TEST_SECRET, publicNamespaces: ['/lobby'] },
      presence: { publicUserFields: ['name'] },
    };
    beforeAll(async () => {
      lines.length = 0;
      app = await TestApp.start({
        realtime: options,
        providers: [SecureGateway, LobbyGateway],
        logger,
      });
    });
    afterAll(() => app.close());

    it('socket.data.user comes from the verified token only, never from what the client sends', async () => {
      const token = signToken({ sub: 'bob', name: 'Bob' });
      const client = await app.connect('/secure', {
        auth: { token, user: { sub: 'admin', role: 'root' }, identity: { userId: 'admin' } },
        query: { user: 'admin', userId: 'admin' },
        extraHeaders: { 'x-user': 'admin' },
      });
      const me = await ask<{ user: { sub: string }; identity: { userId: string } }>(
        client,
        'whoami',
      );
      expect(me.user.sub).toBe('bob');
      expect(me.identity.userId).toBe('bob');
      // Events cannot change it either, whatever their payload.
      client.emit('whoami', { data: { user: { sub: 'admin' } } });
      await expect(ask(client, 'whoami', { user: 'admin' })).resolves.toMatchObject({
        user: { sub: 'bob' },
      });
      const anonymous = await app.connect('/lobby', { auth: { user: { sub: 'admin' } } });
      await expect(ask(anonymous, 'whoami')).resolves.toEqual({ user: null });
    });

    it('refuses alg none and HS/RS confusion', async () => {
      const none = await refused(
        app.client('/secure', {
          auth: { token: unsignedToken({ sub: 'x', exp: nowSeconds() + 60 }) },
        }),
      );
      expect(none.message).toBe('UNAUTHORIZED');
      const forged = await refused(
        app.client('/secure', {
          auth: { token: hmacToken({ sub: 'x', exp: nowSeconds() + 60 }, 'guess') },
        }),
      );
      expect(forged.message).toBe('UNAUTHORIZED');
    });

    it("a client cannot join another user's personal room", async () => {
      const client = await app.connect('/secure', { auth: { token: signToken({ sub: 'eve' }) } });
      await expect(ask(client, 'join', { room: 'user:bob' })).resolves.toMatchObject({
        code: 'FORBIDDEN',
      });
    });

    it('presence events carry only the public fields', async () => {
      const watcher = await app.connect('/secure', {
        auth: { token: signToken({ sub: 'watcher' }) },
      });
      const online = once<Record<string, unknown>>(watcher, 'presence:online');
      await app.connect('/secure', {
        auth: {
          token: signToken({ sub: 'carl', name: 'Carl', email: 'carl@example.com', role: 'admin' }),
        },
      });
      await expect(online).resolves.toEqual({ userId: 'carl', name: 'Carl' });
    });

    it('never writes a token into the logs', async () => {
      const tokens = [
        signToken({ sub: 'late' }, { expiresIn: -5 }),
        signToken({ sub: 'x' }, { secret: 'wrong-secret-wrong-secret-wrong-secret' }),
        'garbage.Zm9vYmFyYmF6cXV4.c2lnbmF0dXJlLXRoYXQtbXVzdC1ub3QtbGVhaw',
      ];
      for (const token of tokens) await refused(app.client('/secure', { auth: { token } }));
      const client = await app.connect('/secure', {
        auth: { token: signToken({ sub: 'refresher' }) },
      });
      const badRefresh = signToken({ sub: 'someone-else' });
      await ask(client, 'auth:refresh', { token: badRefresh });
      const text = lines.join('\n');
      expect(lines.length).toBeGreaterThan(0);
      for (const token of [...tokens, badRefresh]) {
        expect(text).not.toContain(token);
        const signature = token.split('.')[2];
        if (signature) expect(text).not.toContain(signature);
      }
    });
  });
});
