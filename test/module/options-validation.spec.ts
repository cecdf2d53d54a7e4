import { Test } from '@nestjs/testing';
import {
  RealtimeConfigError,
  RealtimeModule,
  type RealtimeModuleOptions,
} from '../../lib/index.js';
import { resolveRealtimeOptions } from '../../lib/options/options.defaults.js';

/** Boots a module with the options; resolves with the error that stopped it. */
async function bootError(options: unknown): Promise<Error> {
  try {
    // forRootAsync hands the factory's value through untouched, whatever its type.
    const ref = await Test.createTestingModule({
      imports: [
        RealtimeModule.forRootAsync({ useFactory: () => options as RealtimeModuleOptions }),
      ],
    }).compile();
    await ref.close();
  } catch (error) {
    return error as Error;
  }
  throw new Error('expected the module to refuse these options');
}

describe('RealtimeModule options validation (at boot)', () => {
  const cases: Array<[string, unknown, string, RegExp]> = [
    [
      'unknown top-level key',
      { redsi: {} },
      'redsi',
      /unknown option; expected one of: auth, redis/,
    ],
    ['unknown nested key', { auth: { secret: 's', secrt: 'x' } }, 'auth.secrt', /unknown option/],
    [
      'wrong type',
      { server: { pingInterval: '25000' } },
      'server.pingInterval',
      /expected a positive integer, got "25000"/,
    ],
    [
      'algorithms with none',
      { auth: { secret: 's', algorithms: ['HS256', 'none'] } },
      'auth.algorithms',
      /'none'/,
    ],
    [
      'unknown algorithm',
      { auth: { secret: 's', algorithms: ['HS999'] } },
      'auth.algorithms',
      /HS999/,
    ],
    [
      'negative TTL',
      { presence: { ttlMs: -1 } },
      'presence.ttlMs',
      /positive integer, got number -1/,
    ],
    [
      'ttl not above heartbeat',
      { presence: { ttlMs: 3000, heartbeatIntervalMs: 5000 } },
      'presence.ttlMs',
      /more than presence.heartbeatIntervalMs/,
    ],
    ['unparseable Redis URL', { redis: { url: 'not a url' } }, 'redis.url', /parseable redis/],
    [
      'Redis URL with wrong scheme',
      { redis: { url: 'http://localhost:6379' } },
      'redis.url',
      /redis:\/\/ or rediss:\/\//,
    ],
    [
      'cors * with credentials',
      { server: { cors: { origin: '*', credentials: true } } },
      'server.cors.origin',
      /explicit origin/,
    ],
    [
      'two key sources',
      { auth: { secret: 's', publicKey: 'k' } },
      'auth',
      /exactly one of auth.secret/,
    ],
    ['no key source', { auth: { algorithms: ['HS256'] } }, 'auth', /got none/],
    [
      'HS algorithm with a public key',
      { auth: { publicKey: 'k', algorithms: ['RS256', 'HS256'] } },
      'auth.algorithms',
      /key confusion/,
    ],
    [
      'bad redis mode',
      { redis: { url: 'redis://127.0.0.1', mode: 'cluster' } },
      'redis.mode',
      /"pubsub", "sharded", "streams"/,
    ],
    [
      'bad transport',
      { server: { transports: ['carrier-pigeon'] } },
      'server.transports',
      /transport names/,
    ],
    ['path without slash', { server: { path: 'socket' } }, 'server.path', /starting with '\/'/],
    [
      'validateUser not a function',
      { auth: { secret: 's', validateUser: 'yes' } },
      'auth.validateUser',
      /a function/,
    ],
    [
      'negative clock tolerance',
      { auth: { secret: 's', clockTolerance: -5 } },
      'auth.clockTolerance',
      /number >= 0/,
    ],
    ['non-object options', 'secret', '(root)', /an options object/],
    ['bad jwksUri', { auth: { jwksUri: 'ftp://x' } }, 'auth.jwksUri', /http\(s\) URL/],
    ['negative throttle limit', { throttle: { limit: -1 } }, 'throttle.limit', /positive integer/],
  ];

  it.each(cases)('%s stops the app and names the option', async (_name, options, path, message) => {
    const error = await bootError(options);
    expect(error).toBeInstanceOf(RealtimeConfigError);
    expect((error as RealtimeConfigError).optionPath).toBe(path);
    expect(error.message).toContain(`"${path}"`);
    expect(error.message).toMatch(message);
  });

  it('forRoot() refuses bad options the same way', async () => {
    await expect(
      Test.createTestingModule({
        imports: [RealtimeModule.forRoot({ server: { pingTimeout: 0 } })],
      }).compile(),
    ).rejects.toThrow(
      'Invalid RealtimeModule option "server.pingTimeout": expected a positive integer',
    );
  });

  it('fills every default in one place', () => {
    const resolved = resolveRealtimeOptions({ auth: { secret: 's' } });
    expect(resolved.auth).toMatchObject({
      algorithms: ['HS256'],
      clockTolerance: 0,
      userIdField: 'sub',
      expiryGraceMs: 25_000,
      tokenSources: { auth: true, header: true, cookie: false, query: false },
    });
    expect(resolved.redis).toBe(false);
    expect(resolved.presence).toMatchObject({
      enabled: true,
      heartbeatIntervalMs: 5000,
      ttlMs: 15_000,
    });
    expect(resolved.server).toMatchObject({
      path: '/socket.io',
      pingInterval: 25_000,
      pingTimeout: 20_000,
      maxHttpBufferSize: 1_000_000,
      connectionStateRecovery: false,
    });
    expect(resolved.throttle).toEqual({ limit: 20, burst: 40, maxViolations: 50, perUser: false });
    expect(resolved.limits).toEqual({
      maxConnectionsPerUser: 100,
      maxBufferedBytes: 1024 * 1024,
      maxEventBytes: 64 * 1024,
      handshakesPerIp: false,
    });
  });

  it('defaults asymmetric keys to RS256 and keeps explicit values', () => {
    const resolved = resolveRealtimeOptions({
      auth: { publicKey: 'pem', clockTolerance: 5, tokenSources: { query: 'token' } },
      redis: { url: 'redis://127.0.0.1:6379', mode: 'streams' },
    });
    expect(resolved.auth && resolved.auth.algorithms).toEqual(['RS256']);
    expect(resolved.auth && resolved.auth.tokenSources).toEqual({
      auth: true,
      header: true,
      cookie: false,
      query: 'token',
    });
    expect(resolved.redis).toMatchObject({
      mode: 'streams',
      keyPrefix: 'realtime',
      requestsTimeout: 5000,
    });
  });

  it('accepts presence: false and throttle: false', () => {
    const resolved = resolveRealtimeOptions({ presence: false, throttle: false });
    expect(resolved.presence.enabled).toBe(false);
    expect(resolved.throttle).toBe(false);
  });
});
