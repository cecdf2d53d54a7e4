import { RealtimeConfigError } from './realtime-config.error.js';

/** Checks one value; returns what was expected when the value is wrong, or undefined when it is fine. */
type Check = (value: unknown, path: string) => string | undefined;
type Shape = { [key: string]: Check };

const ALGORITHMS = [
  'HS256',
  'HS384',
  'HS512',
  'RS256',
  'RS384',
  'RS512',
  'PS256',
  'PS384',
  'PS512',
  'ES256',
  'ES384',
  'ES512',
  'EdDSA',
];

const isPlainObject = (v: unknown): v is Record<string, unknown> =>
  typeof v === 'object' && v !== null && !Array.isArray(v) && !Buffer.isBuffer(v);

const str: Check = (v) =>
  typeof v === 'string' && v.length > 0 ? undefined : 'a non-empty string';
const bool: Check = (v) => (typeof v === 'boolean' ? undefined : 'a boolean');
const fn: Check = (v) => (typeof v === 'function' ? undefined : 'a function');
const key: Check = (v) =>
  (typeof v === 'string' && v.length > 0) || Buffer.isBuffer(v)
    ? undefined
    : 'a non-empty string or Buffer';
const positiveInt: Check = (v) =>
  Number.isInteger(v) && (v as number) > 0 ? undefined : 'a positive integer';
const nonNegative: Check = (v) =>
  typeof v === 'number' && Number.isFinite(v) && v >= 0 ? undefined : 'a number >= 0';
const strOrFalse: Check = (v) => (v === false ? undefined : str(v, ''));
const oneOf =
  (...allowed: unknown[]): Check =>
  (v) =>
    allowed.includes(v) ? undefined : `one of ${allowed.map((a) => JSON.stringify(a)).join(', ')}`;
const arrayOf =
  (item: Check, what: string): Check =>
  (v, path) => {
    if (!Array.isArray(v)) return `an array of ${what}`;
    for (let i = 0; i < v.length; i++) {
      const problem = item(v[i], `${path}[${i}]`);
      if (problem) return `an array of ${what} (item ${i} is not ${problem})`;
    }
    return undefined;
  };
const strOrStrArray: Check = (v, path) =>
  typeof v === 'string' ? str(v, path) : arrayOf(str, 'strings')(v, path);
const strOrRegExp: Check = (v) =>
  (typeof v === 'string' && v.length > 0) || v instanceof RegExp
    ? undefined
    : 'a non-empty string or RegExp';
const anyObject: Check = (v) => (typeof v === 'object' && v !== null ? undefined : 'an object');
const redisUrl: Check = (v) => {
  if (typeof v !== 'string') return 'a redis:// or rediss:// URL string';
  try {
    const url = new URL(v);
    if (url.protocol !== 'redis:' && url.protocol !== 'rediss:')
      return 'a redis:// or rediss:// URL';
    if (url.port && !(Number(url.port) > 0)) return 'a URL with a valid port';
    return url.hostname ? undefined : 'a URL with a host';
  } catch {
    return 'a parseable redis:// or rediss:// URL';
  }
};
const algorithms: Check = (v) => {
  if (!Array.isArray(v) || v.length === 0) return `a non-empty array of ${ALGORITHMS.join(', ')}`;
  for (const alg of v) {
    if (typeof alg === 'string' && alg.toLowerCase() === 'none') {
      return `algorithms without 'none' (unsigned tokens are never accepted)`;
    }
    if (!ALGORITHMS.includes(alg as string)) {
      return `algorithms from ${ALGORITHMS.join(', ')} (got ${JSON.stringify(alg)})`;
    }
  }
  return undefined;
};
/** A nested group: `false` (when allowed) or an object whose keys are all known and valid. */
const group =
  (shape: Shape, allowFalse = false): Check =>
  (v, path) => {
    if (allowFalse && v === false) return undefined;
    if (!isPlainObject(v)) return allowFalse ? 'an object or false' : 'an object';
    walk(v, shape, path);
    return undefined;
  };

const corsShape: Shape = {
  origin: (v) =>
    typeof v === 'string' ||
    typeof v === 'boolean' ||
    typeof v === 'function' ||
    v instanceof RegExp ||
    Array.isArray(v)
      ? undefined
      : 'a string, boolean, RegExp, array or function',
  methods: strOrStrArray,
  allowedHeaders: strOrStrArray,
  exposedHeaders: strOrStrArray,
  credentials: bool,
  maxAge: nonNegative,
  preflightContinue: bool,
  optionsSuccessStatus: positiveInt,
};

const asyncApiServerShape: Shape = {
  host: (v) =>
    typeof v === 'string' && v.length > 0 && !v.includes('://') && !v.includes('/')
      ? undefined
      : "a host with an optional port, without scheme or path (e.g. 'chat.example.com')",
  protocol: (v) =>
    typeof v === 'string' && /^[a-z][a-z0-9+.-]*$/.test(v)
      ? undefined
      : "a protocol name such as 'wss', 'ws', 'https' or 'http'",
  pathname: (v) =>
    typeof v === 'string' && v.startsWith('/') ? undefined : "a path starting with '/'",
  description: str,
};

const SCHEMA: Shape = {
  auth: group(
    {
      secret: key,
      previousSecrets: arrayOf(key, 'secrets'),
      publicKey: key,
      jwksUri: (v) => {
        if (typeof v !== 'string') return 'an http(s) URL string';
        try {
          return /^https?:$/.test(new URL(v).protocol) ? undefined : 'an http(s) URL';
        } catch {
          return 'a parseable http(s) URL';
        }
      },
      jwksCacheMaxAgeMs: positiveInt,
      jwksCooldownMs: nonNegative,
      algorithms,
      issuer: strOrStrArray,
      audience: strOrStrArray,
      clockTolerance: nonNegative,
      tokenSources: group({ auth: bool, header: bool, cookie: strOrFalse, query: strOrFalse }),
      userIdField: str,
      validateUser: fn,
      publicNamespaces: arrayOf(strOrRegExp, 'namespace names or RegExps'),
      expiryGraceMs: nonNegative,
    },
    true,
  ),
  redis: group({
    url: redisUrl,
    options: anyObject,
    client: (v) =>
      typeof v === 'object' &&
      v !== null &&
      typeof (v as { duplicate?: unknown }).duplicate === 'function'
        ? undefined
        : 'an ioredis Redis or Cluster instance',
    cluster: group({
      nodes: (v) =>
        Array.isArray(v) && v.length > 0 ? undefined : 'a non-empty array of cluster nodes',
      options: anyObject,
    }),
    mode: oneOf('pubsub', 'sharded', 'streams'),
    keyPrefix: str,
    requestsTimeout: positiveInt,
  }),
  presence: group(
    {
      enabled: bool,
      scope: oneOf('namespace', 'rooms', 'none'),
      publicUserFields: arrayOf(str, 'field names'),
      heartbeatIntervalMs: positiveInt,
      ttlMs: positiveInt,
      roomPresence: arrayOf(strOrRegExp, 'room names or RegExps'),
      maxStateBytes: positiveInt,
    },
    true,
  ),
  server: group({
    cors: group(corsShape),
    path: (v) =>
      typeof v === 'string' && v.startsWith('/') ? undefined : "a path starting with '/'",
    transports: arrayOf(oneOf('websocket', 'polling', 'webtransport'), 'transport names'),
    pingInterval: positiveInt,
    pingTimeout: positiveInt,
    maxHttpBufferSize: positiveInt,
    connectTimeout: positiveInt,
    shutdownTimeoutMs: nonNegative,
    connectionStateRecovery: (v, path) =>
      v === false ? undefined : group({ maxDisconnectionDuration: positiveInt })(v, path),
  }),
  throttle: group(
    {
      limit: positiveInt,
      burst: positiveInt,
      maxViolations: nonNegative,
      perUser: (v, path) => (v === false ? undefined : positiveInt(v, path)),
    },
    true,
  ),
  limits: group({
    maxConnectionsPerUser: nonNegative,
    maxBufferedBytes: positiveInt,
    maxEventBytes: positiveInt,
    handshakesPerIp: (v, path) =>
      v === false ? undefined : group({ limit: positiveInt, windowMs: positiveInt })(v, path),
  }),
  canJoin: fn,
  userRoomPrefix: str,
  emitter: group({
    namespaces: (v) =>
      Array.isArray(v) && v.length > 0 && v.every((n) => typeof n === 'string' && n.length > 0)
        ? undefined
        : "a non-empty array of namespace names (for example ['/chat'])",
  }),
  asyncapi: group(
    {
      enabled: bool,
      path: (v) =>
        typeof v === 'string' && /^(\/[A-Za-z0-9._~-]+)+$/.test(v) && !/\.(json|ya?ml)$/.test(v)
          ? undefined
          : "a path like '/asyncapi' (starting with '/', no trailing '/', no .json or .yaml: those are added)",
      title: str,
      version: str,
      description: str,
      servers: (v, path) => {
        if (!isPlainObject(v)) return 'an object of server name to { host, protocol }';
        for (const [name, server] of Object.entries(v)) {
          if (!/^[A-Za-z0-9_.-]+$/.test(name)) {
            return `server names of letters, digits, '_', '.', '-' (got ${JSON.stringify(name)})`;
          }
          if (!isPlainObject(server)) {
            throw new RealtimeConfigError(
              `${path}.${name}`,
              `expected an object { host, protocol }, got ${describe(server)}`,
            );
          }
          walk(server, asyncApiServerShape, `${path}.${name}`);
          if (server.host === undefined || server.protocol === undefined) {
            throw new RealtimeConfigError(
              `${path}.${name}`,
              'expected both host and protocol, e.g. { host: "chat.example.com", protocol: "wss" }',
            );
          }
        }
        return undefined;
      },
    },
    true,
  ),
  metrics: group({
    enabled: bool,
    prefix: (v) =>
      typeof v === 'string' && /^[a-zA-Z_:][a-zA-Z0-9_:]*$/.test(v)
        ? undefined
        : 'a Prometheus metric name prefix ([a-zA-Z_:][a-zA-Z0-9_:]*)',
    registry: (v) =>
      typeof v === 'object' &&
      v !== null &&
      typeof (v as { registerMetric?: unknown }).registerMetric === 'function'
        ? undefined
        : 'a prom-client Registry',
  }),
  admin: group(
    {
      enabled: bool,
      auth: (v, path) =>
        v === false
          ? '{ username, password } (the operator console is never open without a login)'
          : group({
              username: str,
              // Checked after the shapes, by a rule that never repeats the value in its message.
              password: () => undefined,
            })(v, path),
      readonly: bool,
      namespace: (v) =>
        typeof v === 'string' && v.startsWith('/') && v.length > 1
          ? undefined
          : "a namespace name other than '/' (for example '/admin')",
      path: (v) =>
        v === false || (typeof v === 'string' && /^(\/[A-Za-z0-9._~-]+)+\/?$/.test(v))
          ? undefined
          : "a path like '/realtime-admin' (letters, digits, '.', '_', '~', '-' between slashes) or false",
      serverId: str,
      mode: oneOf('development', 'production'),
    },
    true,
  ),
};

function walk(value: Record<string, unknown>, shape: Shape, prefix: string): void {
  for (const [name, child] of Object.entries(value)) {
    const path = prefix ? `${prefix}.${name}` : name;
    const check = shape[name];
    if (!check) {
      const known = Object.keys(shape).join(', ');
      throw new RealtimeConfigError(path, `unknown option; expected one of: ${known}`);
    }
    if (child === undefined) continue;
    const problem = check(child, path);
    if (problem) throw new RealtimeConfigError(path, `expected ${problem}, got ${describe(child)}`);
  }
}

function describe(v: unknown): string {
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'an array';
  if (typeof v === 'string') return JSON.stringify(v.length > 40 ? `${v.slice(0, 40)}…` : v);
  if (typeof v === 'object') return 'an object';
  return `${typeof v} ${String(v)}`;
}

/** Throws a RealtimeConfigError naming the first bad option. Cross-field rules come after shapes. */
export function validateRealtimeOptions(options: unknown): void {
  if (options === undefined) return;
  if (!isPlainObject(options)) {
    throw new RealtimeConfigError('(root)', `expected an options object, got ${describe(options)}`);
  }
  walk(options, SCHEMA, '');

  const auth = options.auth as Record<string, unknown> | false | undefined;
  if (auth) {
    const sources = ['secret', 'publicKey', 'jwksUri'].filter((k) => auth[k] !== undefined);
    if (sources.length !== 1) {
      throw new RealtimeConfigError(
        'auth',
        `expected exactly one of auth.secret, auth.publicKey or auth.jwksUri, got ${sources.length ? sources.join(' and ') : 'none'}`,
      );
    }
    const algs = auth.algorithms as string[] | undefined;
    if (algs) {
      const hmac = algs.filter((a) => a.startsWith('HS'));
      if (auth.secret !== undefined && hmac.length !== algs.length) {
        throw new RealtimeConfigError(
          'auth.algorithms',
          'expected only HS256/HS384/HS512 with auth.secret (asymmetric algorithms need auth.publicKey or auth.jwksUri)',
        );
      }
      if (auth.secret === undefined && hmac.length > 0) {
        throw new RealtimeConfigError(
          'auth.algorithms',
          'expected no HS* algorithm with a public key or JWKS (that would allow HS/RS key confusion)',
        );
      }
    }
    if (auth.previousSecrets !== undefined && auth.secret === undefined) {
      throw new RealtimeConfigError(
        'auth.previousSecrets',
        'expected only together with auth.secret',
      );
    }
  }

  const cors = (options.server as Record<string, Record<string, unknown>> | undefined)?.cors;
  if (cors && cors.credentials === true && (cors.origin === '*' || cors.origin === true)) {
    throw new RealtimeConfigError(
      'server.cors.origin',
      "expected an explicit origin (string, list, RegExp or function) when credentials is true; browsers refuse '*' with credentials",
    );
  }

  const redis = options.redis as Record<string, unknown> | undefined;
  if (redis) {
    const sources = ['url', 'client', 'cluster'].filter((k) => redis[k] !== undefined);
    if (sources.length > 1) {
      throw new RealtimeConfigError(
        'redis',
        `expected one of redis.url, redis.client or redis.cluster, got ${sources.join(' and ')}`,
      );
    }
    if (sources.length === 0 && redis.options === undefined) {
      throw new RealtimeConfigError(
        'redis',
        'expected redis.url, redis.options, redis.client or redis.cluster',
      );
    }
  }

  const asyncapi = options.asyncapi as Record<string, unknown> | false | undefined;
  if (asyncapi && typeof asyncapi.path === 'string') {
    const socketPath = (options.server as { path?: string } | undefined)?.path ?? '/socket.io';
    const docPath = asyncapi.path;
    if (docPath === socketPath || docPath.startsWith(`${socketPath}/`)) {
      throw new RealtimeConfigError(
        'asyncapi.path',
        `expected a path outside Socket.IO's endpoint (server.path ${JSON.stringify(socketPath)}), got ${JSON.stringify(docPath)}`,
      );
    }
  }

  const presence = options.presence as Record<string, number> | false | undefined;
  if (presence && presence.ttlMs !== undefined) {
    const interval = presence.heartbeatIntervalMs ?? 5000;
    if (presence.ttlMs <= interval) {
      throw new RealtimeConfigError(
        'presence.ttlMs',
        `expected more than presence.heartbeatIntervalMs (${interval}), got ${presence.ttlMs}`,
      );
    }
  }

  validateAdmin(options);
}

/** A bcrypt hash as bcryptjs (which @socket.io/admin-ui compares with) reads it. */
const BCRYPT_HASH = /^\$2[aby]\$(0[4-9]|[12]\d|3[01])\$[./A-Za-z0-9]{53}$/;

/** The operator console: never open, its password a hash, its page outside Socket.IO's path. */
function validateAdmin(options: Record<string, unknown>): void {
  const admin = options.admin as Record<string, unknown> | false | undefined;
  if (!admin || admin.enabled === false) return;
  const auth = admin.auth as Record<string, unknown> | undefined;
  if (auth === undefined) {
    throw new RealtimeConfigError(
      'admin.auth',
      'expected { username, password } when the operator console is enabled: it is never open without a login',
    );
  }
  if (auth.username === undefined) {
    throw new RealtimeConfigError('admin.auth.username', 'expected a non-empty string');
  }
  const password = auth.password;
  if (typeof password !== 'string' || !BCRYPT_HASH.test(password)) {
    // The value is never shown: it may be the password itself.
    throw new RealtimeConfigError(
      'admin.auth.password',
      `expected a bcrypt hash of the password ($2a$, $2b$ or $2y$, 60 characters), ${password === undefined ? 'got nothing' : 'got something else (the value is not shown)'}; make one with: node -e "console.log(require('bcryptjs').hashSync(process.argv[1], 12))" 'the password'`,
    );
  }
  if (typeof admin.path === 'string') {
    const socketPath = (
      (options.server as { path?: string } | undefined)?.path ?? '/socket.io'
    ).replace(/\/+$/, '');
    const page = admin.path.replace(/\/+$/, '');
    if (page === socketPath || page.startsWith(`${socketPath}/`)) {
      throw new RealtimeConfigError(
        'admin.path',
        `expected a path outside Socket.IO's endpoint (server.path ${JSON.stringify(socketPath)}), got ${JSON.stringify(admin.path)}`,
      );
    }
  }
}
