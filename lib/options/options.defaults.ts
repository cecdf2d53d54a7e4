import { hostname } from 'node:os';
import { Logger } from '@nestjs/common';
import type {
  RealtimeAdminAuth,
  RealtimeAdminOptions,
  RealtimeAsyncApiServer,
  RealtimeAuthOptions,
  RealtimeCanJoin,
  RealtimeMetricsRegistry,
  RealtimeModuleOptions,
  RealtimePresenceOptions,
  RealtimeRedisOptions,
  RealtimeServerOptions,
  RealtimeThrottleOptions,
  RealtimeTokenSources,
} from './realtime-options.interface.js';
import { validateRealtimeOptions } from './options.validator.js';
import { normalizeNamespace } from '../core/namespace.js';

type Filled<T, K extends keyof T = never> = Required<Omit<T, K>> & Pick<T, K>;

export type ResolvedAuthOptions = Filled<
  RealtimeAuthOptions,
  'secret' | 'publicKey' | 'jwksUri' | 'issuer' | 'audience' | 'validateUser'
> & { tokenSources: Required<RealtimeTokenSources> };
export type ResolvedRedisOptions = Filled<RealtimeRedisOptions, 'url' | 'client' | 'cluster'>;
export type ResolvedPresenceOptions = Required<RealtimePresenceOptions>;
export type ResolvedServerOptions = Filled<RealtimeServerOptions, 'cors'>;
export type ResolvedThrottleOptions = Required<RealtimeThrottleOptions>;
export interface ResolvedLimitsOptions {
  maxConnectionsPerUser: number;
  maxBufferedBytes: number;
  maxEventBytes: number;
  handshakesPerIp: { limit: number; windowMs: number } | false;
}

/** Options after validation, with every default filled in. The one place defaults live. */
export interface ResolvedRealtimeOptions {
  auth: ResolvedAuthOptions | false;
  redis: ResolvedRedisOptions | false;
  presence: ResolvedPresenceOptions;
  server: ResolvedServerOptions;
  throttle: ResolvedThrottleOptions | false;
  limits: ResolvedLimitsOptions;
  canJoin?: RealtimeCanJoin;
  userRoomPrefix: string;
  metrics: ResolvedMetricsOptions;
  /** The operator console; false when off. */
  admin: ResolvedAdminOptions | false;
  emitter: { namespaces?: string[] };
  asyncapi: ResolvedAsyncApiOptions;
}

export interface ResolvedAsyncApiOptions {
  enabled: boolean;
  path: string;
  title: string;
  version: string;
  /** undefined: the builder writes a short guide to connecting. */
  description?: string;
  servers: Record<string, RealtimeAsyncApiServer>;
}

export interface ResolvedAdminOptions {
  auth: RealtimeAdminAuth;
  readonly: boolean;
  namespace: string;
  path: string | false;
  serverId: string;
  mode: 'development' | 'production';
}

export interface ResolvedMetricsOptions {
  enabled: boolean;
  prefix: string;
  /** undefined: prom-client's global register. */
  registry?: RealtimeMetricsRegistry;
}

/** RFC 7518 §3.2: an HS256 key must be at least as long as the hash output (256 bits). */
const MIN_HMAC_SECRET_BYTES = 32;

export function resolveRealtimeOptions(raw: RealtimeModuleOptions = {}): ResolvedRealtimeOptions {
  validateRealtimeOptions(raw);
  const auth = raw.auth;
  if (auth) warnWeakSecrets(auth);
  const presence = raw.presence === false ? { enabled: false } : (raw.presence ?? {});
  const asyncapi = raw.asyncapi || {};
  return {
    auth: auth
      ? {
          ...auth,
          previousSecrets: auth.previousSecrets ?? [],
          jwksCacheMaxAgeMs: auth.jwksCacheMaxAgeMs ?? 600_000,
          jwksCooldownMs: auth.jwksCooldownMs ?? 1000,
          algorithms: auth.algorithms ?? (auth.secret !== undefined ? ['HS256'] : ['RS256']),
          clockTolerance: auth.clockTolerance ?? 0,
          tokenSources: {
            auth: true,
            header: true,
            cookie: false,
            query: false,
            ...stripUndefined(auth.tokenSources),
          },
          userIdField: auth.userIdField ?? 'sub',
          publicNamespaces: auth.publicNamespaces ?? [],
          expiryGraceMs: auth.expiryGraceMs ?? 25_000,
        }
      : false,
    redis: raw.redis
      ? {
          ...raw.redis,
          options: raw.redis.options ?? {},
          mode: raw.redis.mode ?? 'pubsub',
          keyPrefix: raw.redis.keyPrefix ?? 'realtime',
          requestsTimeout: raw.redis.requestsTimeout ?? 5000,
        }
      : false,
    presence: {
      enabled: presence.enabled ?? true,
      scope: presence.scope ?? 'namespace',
      publicUserFields: presence.publicUserFields ?? [],
      heartbeatIntervalMs: presence.heartbeatIntervalMs ?? 5000,
      ttlMs: presence.ttlMs ?? 15_000,
      roomPresence: presence.roomPresence ?? [],
      maxStateBytes: presence.maxStateBytes ?? 1024,
    },
    server: {
      ...raw.server,
      path: raw.server?.path ?? '/socket.io',
      transports: raw.server?.transports ?? ['websocket', 'polling'],
      pingInterval: raw.server?.pingInterval ?? 25_000,
      pingTimeout: raw.server?.pingTimeout ?? 20_000,
      maxHttpBufferSize: raw.server?.maxHttpBufferSize ?? 1_000_000,
      connectTimeout: raw.server?.connectTimeout ?? 10_000,
      shutdownTimeoutMs: raw.server?.shutdownTimeoutMs ?? 10_000,
      connectionStateRecovery: raw.server?.connectionStateRecovery ?? false,
    },
    throttle:
      raw.throttle === false
        ? false
        : {
            limit: raw.throttle?.limit ?? 20,
            burst: raw.throttle?.burst ?? 40,
            maxViolations: raw.throttle?.maxViolations ?? 50,
            perUser: raw.throttle?.perUser ?? false,
          },
    limits: {
      maxConnectionsPerUser: raw.limits?.maxConnectionsPerUser ?? 100,
      maxBufferedBytes: raw.limits?.maxBufferedBytes ?? 1024 * 1024,
      maxEventBytes: raw.limits?.maxEventBytes ?? 64 * 1024,
      handshakesPerIp: raw.limits?.handshakesPerIp
        ? { windowMs: 10_000, ...raw.limits.handshakesPerIp }
        : false,
    },
    canJoin: raw.canJoin,
    userRoomPrefix: raw.userRoomPrefix ?? 'user:',
    metrics: {
      enabled: raw.metrics?.enabled ?? false,
      prefix: raw.metrics?.prefix ?? 'realtime_',
      registry: raw.metrics?.registry,
    },
    admin: resolveAdmin(raw.admin),
    emitter: {
      namespaces: raw.emitter?.namespaces?.map(normalizeNamespace),
    },
    asyncapi: {
      enabled: asyncapi.enabled ?? false,
      path: asyncapi.path ?? '/asyncapi',
      title: asyncapi.title ?? 'Realtime API',
      version: asyncapi.version ?? '1.0.0',
      description: asyncapi.description,
      servers: asyncapi.servers ?? {},
    },
  };
}

function resolveAdmin(
  admin: RealtimeAdminOptions | false | undefined,
): ResolvedAdminOptions | false {
  if (!admin || admin.enabled === false) return false;
  const path = admin.path ?? '/realtime-admin';
  return {
    auth: { username: admin.auth.username, password: admin.auth.password },
    readonly: admin.readonly ?? true,
    namespace: admin.namespace ?? '/admin',
    // One form of a path: no trailing slash ('/ops/' and '/ops' serve the same page).
    path: path === false ? false : path.replace(/\/+$/, ''),
    serverId: admin.serverId ?? `${hostname()}#${process.pid}`,
    mode: admin.mode ?? 'development',
  };
}

/** A short HMAC secret works but can be brute-forced offline from any token: say so at boot. */
function warnWeakSecrets(auth: RealtimeAuthOptions): void {
  const secrets: Array<[string, string | Buffer]> = [];
  if (auth.secret !== undefined) secrets.push(['auth.secret', auth.secret]);
  auth.previousSecrets?.forEach((s, i) => secrets.push([`auth.previousSecrets[${i}]`, s]));
  for (const [path, secret] of secrets) {
    const bytes = typeof secret === 'string' ? Buffer.byteLength(secret, 'utf8') : secret.length;
    if (bytes >= MIN_HMAC_SECRET_BYTES) continue;
    new Logger('RealtimeModule').warn(
      `Option "${path}" is ${bytes} bytes long; HMAC secrets need at least ${MIN_HMAC_SECRET_BYTES} random bytes (RFC 7518 section 3.2), or tokens signed with it can be forged by guessing it. Generate one with: node -e "console.log(require('node:crypto').randomBytes(32).toString('base64url'))"`,
    );
  }
}

function stripUndefined<T extends object>(value: T | undefined): Partial<T> {
  return Object.fromEntries(
    Object.entries(value ?? {}).filter(([, v]) => v !== undefined),
  ) as Partial<T>;
}
