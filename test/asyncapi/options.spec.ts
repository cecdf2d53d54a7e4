import { Test } from '@nestjs/testing';
import {
  RealtimeConfigError,
  RealtimeModule,
  type RealtimeModuleOptions,
} from '../../lib/index.js';
import { resolveRealtimeOptions } from '../../lib/options/options.defaults.js';

/** The error resolving these options throws (what the module's factory does at boot). */
function problemOf(options: unknown): RealtimeConfigError {
  try {
    resolveRealtimeOptions(options as RealtimeModuleOptions);
  } catch (error) {
    return error as RealtimeConfigError;
  }
  throw new Error('expected these options to be refused');
}

describe('the asyncapi option', () => {
  it('is off by default, with the documented defaults', () => {
    const defaults = {
      enabled: false,
      path: '/asyncapi',
      title: 'Realtime API',
      version: '1.0.0',
      description: undefined,
      servers: {},
    };
    expect(resolveRealtimeOptions({}).asyncapi).toEqual(defaults);
    expect(resolveRealtimeOptions({ asyncapi: false }).asyncapi).toEqual(defaults);
    expect(resolveRealtimeOptions({ asyncapi: { title: 'Chat' } }).asyncapi).toMatchObject({
      enabled: false,
      title: 'Chat',
    });
  });

  it('keeps what is given', () => {
    const servers = {
      production: { host: 'chat.example.com:443', protocol: 'wss', pathname: '/rt' },
    };
    expect(
      resolveRealtimeOptions({
        asyncapi: {
          enabled: true,
          path: '/docs/events',
          version: '2.0.0',
          description: 'Hi',
          servers,
        },
      }).asyncapi,
    ).toEqual({
      enabled: true,
      path: '/docs/events',
      title: 'Realtime API',
      version: '2.0.0',
      description: 'Hi',
      servers,
    });
  });

  const cases: Array<[string, unknown, string, RegExp]> = [
    ['not an object', 'yes', 'asyncapi', /expected an object or false, got "yes"/],
    [
      'unknown key',
      { enable: true },
      'asyncapi.enable',
      /unknown option; expected one of: enabled, path/,
    ],
    ['enabled not a boolean', { enabled: 'true' }, 'asyncapi.enabled', /expected a boolean/],
    [
      'path without a slash',
      { path: 'asyncapi' },
      'asyncapi.path',
      /expected a path like '\/asyncapi'/,
    ],
    ['path with a trailing slash', { path: '/docs/' }, 'asyncapi.path', /no trailing '\/'/],
    ['path with an extension', { path: '/asyncapi.json' }, 'asyncapi.path', /no \.json or \.yaml/],
    ['empty title', { title: '' }, 'asyncapi.title', /expected a non-empty string, got ""/],
    [
      'version not a string',
      { version: 1 },
      'asyncapi.version',
      /expected a non-empty string, got number 1/,
    ],
    [
      'servers not an object',
      { servers: ['a'] },
      'asyncapi.servers',
      /expected an object of server name to \{ host, protocol \}/,
    ],
    [
      'server name with a space',
      { servers: { 'my server': { host: 'a', protocol: 'ws' } } },
      'asyncapi.servers',
      /server names of letters, digits/,
    ],
    [
      'server not an object',
      { servers: { prod: 'wss://a' } },
      'asyncapi.servers.prod',
      /expected an object \{ host, protocol \}, got "wss:\/\/a"/,
    ],
    [
      'host with a scheme',
      { servers: { prod: { host: 'wss://a.example', protocol: 'wss' } } },
      'asyncapi.servers.prod.host',
      /without scheme or path/,
    ],
    [
      'bad protocol',
      { servers: { prod: { host: 'a.example', protocol: 'WSS!' } } },
      'asyncapi.servers.prod.protocol',
      /a protocol name such as 'wss'/,
    ],
    [
      'no protocol',
      { servers: { prod: { host: 'a.example' } } },
      'asyncapi.servers.prod',
      /expected both host and protocol/,
    ],
    [
      'unknown server key',
      { servers: { prod: { host: 'a', protocol: 'ws', url: 'x' } } },
      'asyncapi.servers.prod.url',
      /unknown option; expected one of: host, protocol, pathname, description/,
    ],
    [
      'pathname without a slash',
      { servers: { prod: { host: 'a', protocol: 'ws', pathname: 'rt' } } },
      'asyncapi.servers.prod.pathname',
      /a path starting with '\/'/,
    ],
  ];

  it.each(cases)('refuses %s, naming the option', (_name, asyncapi, path, message) => {
    const error = problemOf({ asyncapi });
    expect(error).toBeInstanceOf(RealtimeConfigError);
    expect(error.optionPath).toBe(path);
    expect(error.message).toMatch(message);
  });

  it("refuses a path inside Socket.IO's endpoint", () => {
    const error = problemOf({ server: { path: '/ws' }, asyncapi: { path: '/ws/asyncapi' } });
    expect(error.optionPath).toBe('asyncapi.path');
    expect(error.message).toMatch(/outside Socket\.IO's endpoint \(server\.path "\/ws"\)/);
    expect(problemOf({ asyncapi: { path: '/socket.io' } }).optionPath).toBe('asyncapi.path');
  });

  it('stops the app at boot', async () => {
    const boot = Test.createTestingModule({
      imports: [
        RealtimeModule.forRootAsync({
          useFactory: () =>
            ({ asyncapi: { enabled: true, path: 'docs' } }) as RealtimeModuleOptions,
        }),
      ],
    }).compile();
    await expect(boot).rejects.toThrow(
      /Invalid RealtimeModule option "asyncapi\.path": expected a path like '\/asyncapi'/,
    );
  });
});
