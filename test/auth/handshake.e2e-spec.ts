import { generateKeyPairSync } from 'node:crypto';
import { ForbiddenException } from '@nestjs/common';
import { Test } from '@nestjs/testing';
import {
  ConnectedSocket,
  type OnGatewayConnection,
  SubscribeMessage,
  WebSocketGateway,
} from '@nestjs/websockets';
import type { Socket } from 'socket.io';
import {
  createRedisIoAdapter,
  Public,
  RealtimeGateway,
  RealtimeModule,
  type RealtimeModuleOptions,
  WsUser,
} from '../../lib/index.js';
import { TestApp } from '../kit/app.js';
import { ask, once, refused } from '../kit/events.js';
import { hmacToken, nowSeconds, unsignedToken } from '../kit/jwt-forge.js';
import { signToken, TEST_SECRET } from '../kit/tokens.js';

const reached: Record<string, number> = {};
const count = (name: string) => (reached[name] = (reached[name] ?? 0) + 1);

@RealtimeGateway({ namespace: '/a' })
class GatewayA implements OnGatewayConnection {
  handleConnection() {
    count('a');
  }

  @SubscribeMessage('whoami')
  whoami(@WsUser() user: Record<string, unknown>, @WsUser('sub') sub: string) {
    return { sub, name: user.name };
  }

  @SubscribeMessage('rooms')
  rooms(@ConnectedSocket() socket: Socket) {
    return [...socket.rooms].filter((r) => r !== socket.id);
  }
}

@WebSocketGateway({ namespace: '/b' })
class GatewayB implements OnGatewayConnection {
  handleConnection() {
    count('b');
  }
}

@WebSocketGateway({ namespace: /^\/dyn-\w+$/ })
class DynamicGateway implements OnGatewayConnection {
  handleConnection() {
    count('dyn');
  }
}

@RealtimeGateway({ namespace: '/open' })
class OpenGateway implements OnGatewayConnection {
  handleConnection() {
    count('open');
  }

  @SubscribeMessage('hello')
  hello(@WsUser('sub') sub: string | undefined) {
    return { sub: sub ?? null };
  }

  @Public()
  @SubscribeMessage('public_hello')
  publicHello() {
    return 'hi';
  }
}

const gateways = [GatewayA, GatewayB, DynamicGateway, OpenGateway];
const { publicKey, privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
const publicPem = publicKey.export({ type: 'spki', format: 'pem' }).toString();

describe('handshake authentication (HS256)', () => {
  let app: TestApp;
  const options: RealtimeModuleOptions = {
    auth: {
      secret: TEST_SECRET,
      issuer: 'tests',
      audience: 'realtime',
      tokenSources: { cookie: 'rt_token', query: false },
      publicNamespaces: ['/open'],
      validateUser: (payload) => {
        if (payload.sub === 'banned') throw new ForbiddenException('banned user');
        if (payload.sub === 'ghost') return null;
        return { sub: payload.sub, name: `User ${String(payload.sub)}` };
      },
    },
  };
  const good = (claims: Record<string, unknown> = {}, opts = {}) =>
    signToken({ sub: 'u1', ...claims }, { issuer: 'tests', audience: 'realtime', ...opts });

  beforeAll(async () => {
    app = await TestApp.start({ realtime: options, providers: gateways });
  });
  afterAll(() => app.close());
  beforeEach(() => Object.keys(reached).forEach((k) => delete reached[k]));

  const rejections: Array<[string, string, () => string | undefined]> = [
    ['a missing token', 'UNAUTHORIZED', () => undefined],
    ['a malformed token', 'UNAUTHORIZED', () => 'not-a-jwt'],
    [
      'a wrong signature',
      'UNAUTHORIZED',
      () =>
        signToken(
          { sub: 'u1' },
          { secret: 'another-secret-of-32-bytes-or-more!!', issuer: 'tests', audience: 'realtime' },
        ),
    ],
    [
      'alg: none',
      'UNAUTHORIZED',
      () => unsignedToken({ sub: 'u1', iss: 'tests', aud: 'realtime', exp: nowSeconds() + 60 }),
    ],
    ['an expired token', 'TOKEN_EXPIRED', () => good({}, { expiresIn: -10 })],
    ['a token not yet valid (nbf)', 'UNAUTHORIZED', () => good({ nbf: nowSeconds() + 600 })],
    ['a wrong issuer', 'UNAUTHORIZED', () => good({}, { issuer: 'someone-else' })],
    ['a wrong audience', 'UNAUTHORIZED', () => good({}, { audience: 'other-app' })],
    ['validateUser returning null', 'UNAUTHORIZED', () => good({ sub: 'ghost' })],
    ['validateUser throwing Forbidden', 'FORBIDDEN', () => good({ sub: 'banned' })],
    [
      'a token without a user id',
      'UNAUTHORIZED',
      () => signToken({ name: 'x' }, { issuer: 'tests', audience: 'realtime' }),
    ],
  ];

  it.each(rejections)(
    'refuses %s with connect_error %s and never reaches a gateway',
    async (_n, code, token) => {
      for (const ns of ['/a', '/b', '/dyn-room1']) {
        const t = token();
        const err = await refused(app.client(ns, t ? { auth: { token: t } } : {}));
        expect(err.message).toBe(code);
        expect(err.data).toMatchObject({ status: 'error', code });
        expect(typeof err.data?.message).toBe('string');
        expect(JSON.stringify(err.data)).not.toContain(t ?? '\u0000');
      }
      expect(reached).toEqual({});
    },
  );

  it('accepts a valid token on every namespace, including dynamic ones', async () => {
    for (const ns of ['/a', '/b', '/dyn-room1', '/dyn-other']) {
      await app.connect(ns, { auth: { token: good() } });
    }
    expect(reached).toEqual({ a: 1, b: 1, dyn: 2 });
  });

  it('puts the validated user on socket.data and @WsUser()', async () => {
    const client = await app.connect('/a', { auth: { token: good({ sub: 'u42' }) } });
    await expect(ask(client, 'whoami')).resolves.toEqual({ sub: 'u42', name: 'User u42' });
  });

  it('joins every authenticated socket to its personal room', async () => {
    const client = await app.connect('/a', { auth: { token: good({ sub: 'u7' }) } });
    await expect(ask(client, 'rooms')).resolves.toEqual(['user:u7']);
  });

  it('reads the token from the Authorization header', async () => {
    const client = await app.connect('/a', {
      extraHeaders: { authorization: `Bearer ${good({ sub: 'h' })}` },
    });
    await expect(ask(client, 'whoami')).resolves.toMatchObject({ sub: 'h' });
  });

  it('reads the token from the named cookie', async () => {
    const client = await app.connect('/a', {
      extraHeaders: { cookie: `other=1; rt_token=${good({ sub: 'c' })}` },
    });
    await expect(ask(client, 'whoami')).resolves.toMatchObject({ sub: 'c' });
  });

  it('ignores the query string unless enabled', async () => {
    const err = await refused(app.client('/a', { query: { token: good() } }));
    expect(err.message).toBe('UNAUTHORIZED');
  });

  it('lets anonymous sockets into public namespaces only, and still verifies tokens sent there', async () => {
    const anonymous = await app.connect('/open');
    await expect(ask(anonymous, 'hello')).resolves.toEqual({ sub: null });
    await expect(ask(anonymous, 'public_hello')).resolves.toBe('hi');
    const known = await app.connect('/open', { auth: { token: good({ sub: 'o1' }) } });
    await expect(ask(known, 'hello')).resolves.toEqual({ sub: 'o1' });
    const bad = await refused(app.client('/open', { auth: { token: 'garbage' } }));
    expect(bad.message).toBe('UNAUTHORIZED');
    expect(reached).toEqual({ open: 2 });
  });

  it('keeps serving others after a burst of rejected handshakes', async () => {
    await Promise.all(
      Array.from({ length: 50 }, () => refused(app.client('/a', { auth: { token: 'x' } }))),
    );
    const client = await app.connect('/a', { auth: { token: good() } });
    await expect(ask(client, 'whoami')).resolves.toMatchObject({ sub: 'u1' });
  });
});

describe('token sources: query when enabled', () => {
  it('reads the named query parameter', async () => {
    const app = await TestApp.start({
      realtime: {
        auth: { secret: TEST_SECRET, tokenSources: { query: 'access_token', auth: false } },
      },
      providers: [GatewayA],
    });
    try {
      const client = await app.connect('/a', { query: { access_token: signToken({ sub: 'q' }) } });
      await expect(ask(client, 'whoami')).resolves.toMatchObject({ sub: 'q' });
      // auth payload source switched off: a token there is not read.
      const err = await refused(app.client('/a', { auth: { token: signToken({ sub: 'q' }) } }));
      expect(err.message).toBe('UNAUTHORIZED');
    } finally {
      await app.close();
    }
  });
});

describe('asymmetric keys (RS256)', () => {
  let app: TestApp;
  beforeAll(async () => {
    app = await TestApp.start({
      realtime: { auth: { publicKey: publicPem } },
      providers: [GatewayA],
    });
  });
  afterAll(() => app.close());

  it('accepts an RS256 token', async () => {
    const token = signToken({ sub: 'rsa' }, {
      algorithm: 'RS256',
      privateKey,
      secret: undefined,
    } as never);
    const client = await app.connect('/a', { auth: { token } });
    await expect(ask(client, 'whoami')).resolves.toMatchObject({ sub: 'rsa' });
  });

  it('refuses HS/RS confusion: an HS256 token signed with the public key', async () => {
    const token = hmacToken({ sub: 'attacker', exp: nowSeconds() + 60 }, publicPem);
    const err = await refused(app.client('/a', { auth: { token } }));
    expect(err.message).toBe('UNAUTHORIZED');
  });
});

describe('HMAC secret rotation', () => {
  it('accepts tokens signed with a previous secret', async () => {
    const previous = 'previous-secret-still-32-bytes-long!';
    const app = await TestApp.start({
      realtime: { auth: { secret: TEST_SECRET, previousSecrets: [previous] } },
      providers: [GatewayA],
    });
    try {
      const old = await app.connect('/a', {
        auth: { token: signToken({ sub: 'old' }, { secret: previous }) },
      });
      await expect(ask(old, 'whoami')).resolves.toMatchObject({ sub: 'old' });
      const current = await app.connect('/a', { auth: { token: signToken({ sub: 'new' }) } });
      await expect(ask(current, 'whoami')).resolves.toMatchObject({ sub: 'new' });
      const unknown = await refused(
        app.client('/a', {
          auth: {
            token: signToken({ sub: 'x' }, { secret: 'never-configured-secret-32-bytes!!' }),
          },
        }),
      );
      expect(unknown.message).toBe('UNAUTHORIZED');
    } finally {
      await app.close();
    }
  });
});

describe('no silent hole', () => {
  it('refuses to start when auth is configured but the adapter line is missing', async () => {
    const ref = await Test.createTestingModule({
      imports: [RealtimeModule.forRoot({ auth: { secret: TEST_SECRET } })],
      providers: [GatewayB],
    }).compile();
    const app = ref.createNestApplication({ logger: false });
    await expect(app.listen(0, '127.0.0.1')).rejects.toThrow(
      'app.useWebSocketAdapter(await createRedisIoAdapter(app))',
    );
    await app.close();
  });

  it('starts without the adapter line when auth is off', async () => {
    const app = await TestApp.start({ realtime: {}, providers: [GatewayB], adapter: false });
    await app.connect('/b');
    await app.close();
  });

  it('a gateway with the library adapter and auth off accepts anonymous sockets', async () => {
    const ref = await Test.createTestingModule({
      imports: [RealtimeModule.forRoot({})],
      providers: [GatewayA],
    }).compile();
    const nest = ref.createNestApplication({ logger: false });
    nest.useWebSocketAdapter(await createRedisIoAdapter(nest));
    await nest.listen(0, '127.0.0.1');
    const { port } = nest.getHttpServer().address();
    const { io } = await import('socket.io-client');
    const client = io(`http://127.0.0.1:${port}/a`, {
      transports: ['websocket'],
      reconnection: false,
    });
    await once(client, 'connect');
    // Anonymous: no personal room, and the guard lets it through because auth is off.
    await expect(client.timeout(2000).emitWithAck('rooms')).resolves.toEqual([]);
    client.disconnect();
    await nest.close();
  });
});

describe('logging of refused handshakes', () => {
  it('logs the reason at debug level, never the token', async () => {
    const lines: string[] = [];
    const record = (level: string) => (message: unknown, context?: unknown) =>
      lines.push(`${level} ${String(context ?? '')} ${String(message)}`);
    const logger = {
      log: record('log'),
      error: record('error'),
      warn: record('warn'),
      debug: record('debug'),
      verbose: record('verbose'),
    };
    const app = await TestApp.start({
      realtime: { auth: { secret: TEST_SECRET } },
      providers: [GatewayB],
      logger,
    });
    try {
      const token = signToken({ sub: 'u' }, { secret: 'a-wrong-secret-but-long-enough-to-use' });
      await refused(app.client('/b', { auth: { token } }));
      const refusal = lines.find((l) => l.includes('Handshake refused'));
      expect(refusal).toMatch(/^debug RealtimeAuth Handshake refused on \/b: UNAUTHORIZED/);
      expect(lines.join('\n')).not.toContain(token);
      expect(lines.join('\n')).not.toContain(token.split('.')[2]);
    } finally {
      await app.close();
    }
  });
});
