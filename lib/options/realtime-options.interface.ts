import type { Cluster, ClusterNode, ClusterOptions, Redis, RedisOptions } from 'ioredis';
import type { ServerOptions } from 'socket.io';

/** JWT algorithms the library accepts. `none` is never accepted. */
export type RealtimeJwtAlgorithm =
  | 'HS256'
  | 'HS384'
  | 'HS512'
  | 'RS256'
  | 'RS384'
  | 'RS512'
  | 'PS256'
  | 'PS384'
  | 'PS512'
  | 'ES256'
  | 'ES384'
  | 'ES512'
  | 'EdDSA';

/** What the authenticator sees of the handshake; handed to `validateUser`. */
export interface RealtimeHandshake {
  namespace: string;
  headers: Record<string, string | string[] | undefined>;
  address: string;
  auth: Record<string, unknown>;
  query: Record<string, unknown>;
}

/** A verified JWT payload. */
export interface RealtimeJwtPayload {
  sub?: string | number;
  exp?: number;
  iat?: number;
  nbf?: number;
  iss?: string;
  aud?: string | string[];
  [claim: string]: unknown;
}

export interface RealtimeTokenSources {
  /** Read `handshake.auth.token`. @default true */
  auth?: boolean;
  /** Read the `Authorization: Bearer <token>` header. @default true */
  header?: boolean;
  /** Read this cookie, or `false` to ignore cookies. @default false */
  cookie?: string | false;
  /** Read this query parameter, or `false`. Off by default: URLs end up in access logs. @default false */
  query?: string | false;
}

export interface RealtimeAuthOptions {
  /** HMAC secret (HS256/384/512). One of `secret`, `publicKey`, `jwksUri` is required. */
  secret?: string | Buffer;
  /** Older HMAC secrets still accepted, so a secret can be rotated without logging everyone out. @default [] */
  previousSecrets?: Array<string | Buffer>;
  /** PEM public key for RS*, PS*, ES* or EdDSA tokens. */
  publicKey?: string | Buffer;
  /** A JWKS endpoint; keys are cached and re-fetched on an unknown `kid`. */
  jwksUri?: string;
  /** How long fetched JWKS keys are trusted, in ms. @default 600000 */
  jwksCacheMaxAgeMs?: number;
  /** Least time between two JWKS fetches triggered by unknown `kid`s, in ms. @default 1000 */
  jwksCooldownMs?: number;
  /** Accepted algorithms. @default ['HS256'] with `secret`, ['RS256'] with `publicKey` or `jwksUri` */
  algorithms?: RealtimeJwtAlgorithm[];
  /** Required `iss` claim. @default undefined (not checked) */
  issuer?: string | string[];
  /** Required `aud` claim. @default undefined (not checked) */
  audience?: string | string[];
  /** Seconds of clock skew tolerated for `exp` and `nbf`. @default 0 */
  clockTolerance?: number;
  /** Where the token is read from, in this order. @default { auth: true, header: true, cookie: false, query: false } */
  tokenSources?: RealtimeTokenSources;
  /** Claim (or field of the validated user) that holds the user id. @default 'sub' */
  userIdField?: string;
  /**
   * Maps a verified payload to the app's user; return null (or throw) to reject the handshake.
   * @default the payload itself
   */
  validateUser?: (payload: RealtimeJwtPayload, handshake: RealtimeHandshake) => unknown;
  /** Namespaces that accept anonymous sockets (a valid token is still verified when sent). @default [] */
  publicNamespaces?: Array<string | RegExp>;
  /** Grace period between `auth:expired` and the disconnect of a socket whose token expired, in ms. @default 25000 */
  expiryGraceMs?: number;
}

export type RealtimeRedisMode = 'pubsub' | 'sharded' | 'streams';

export interface RealtimeRedisOptions {
  /** `redis://` or `rediss://` URL. */
  url?: string;
  /** ioredis options, merged over the URL (TLS, password, etc. pass through). @default {} */
  options?: RedisOptions;
  /** An existing ioredis client (or Cluster); the library duplicates it and never closes yours. */
  client?: Redis | Cluster;
  /** Redis Cluster start-up nodes. */
  cluster?: { nodes: ClusterNode[]; options?: ClusterOptions };
  /** Adapter mode: classic pub/sub, Redis 7 sharded pub/sub, or streams (connection state recovery). @default 'pubsub' */
  mode?: RealtimeRedisMode;
  /** Prefix of every key and channel the library uses. @default 'realtime' */
  keyPrefix?: string;
  /** Timeout of cross-instance requests such as `fetchSockets`, in ms. @default 5000 */
  requestsTimeout?: number;
}

export type RealtimePresenceScope = 'namespace' | 'rooms' | 'none';

export interface RealtimePresenceOptions {
  /** Track presence at all. @default true */
  enabled?: boolean;
  /** Who receives `presence:online`/`offline`/`state`. @default 'namespace' */
  scope?: RealtimePresenceScope;
  /** User fields copied into presence payloads (the id is always there). @default [] */
  publicUserFields?: string[];
  /** How often an instance refreshes its heartbeat, in ms. @default 5000 */
  heartbeatIntervalMs?: number;
  /** After this many ms without a heartbeat an instance's entries are removed. @default 15000 */
  ttlMs?: number;
  /** Rooms whose members receive `presence:state` then `presence:diff`. @default [] */
  roomPresence?: Array<string | RegExp>;
  /** Largest app-set state per connection, in bytes of JSON. @default 1024 */
  maxStateBytes?: number;
}

export type RealtimeCorsOptions = NonNullable<ServerOptions['cors']>;

export interface RealtimeServerOptions {
  /**
   * Socket.IO CORS options (app.enableCors() does not cover Socket.IO). `origin` is also checked on
   * WebSocket handshakes. @default undefined (same origin only)
   */
  cors?: RealtimeCorsOptions;
  /** Socket.IO endpoint path. @default '/socket.io' */
  path?: string;
  /** Allowed transports. @default ['websocket', 'polling'] */
  transports?: Array<'websocket' | 'polling' | 'webtransport'>;
  /** Ping interval, in ms. @default 25000 */
  pingInterval?: number;
  /** Ping timeout, in ms. @default 20000 */
  pingTimeout?: number;
  /** Largest incoming message, in bytes. @default 1000000 */
  maxHttpBufferSize?: number;
  /** Time a client has to join a namespace after the transport handshake, in ms. @default 10000 */
  connectTimeout?: number;
  /** How long shutdown waits for acks of events already being handled, in ms. @default 10000 */
  shutdownTimeoutMs?: number;
  /** Socket.IO connection state recovery; middleware (authentication) always re-runs on recovery. @default false */
  connectionStateRecovery?: false | { maxDisconnectionDuration?: number };
}

export interface RealtimeThrottleOptions {
  /** Events per second allowed per socket (token bucket refill rate). @default 20 */
  limit?: number;
  /** Bucket size: events allowed in a burst. @default 40 */
  burst?: number;
  /** Violations after which the socket is disconnected; 0 never disconnects. @default 50 */
  maxViolations?: number;
  /**
   * Events per second per user across all instances and sockets (Redis; per process without it),
   * or `false`. @default false
   */
  perUser?: number | false;
}

export interface RealtimeLimitsOptions {
  /** Live connections (sockets) per user, across instances when Redis is configured; 0 = unlimited. @default 100 */
  maxConnectionsPerUser?: number;
  /** Outgoing bytes queued for one client before it is disconnected as too slow. @default 1048576 */
  maxBufferedBytes?: number;
  /** Largest payload of one event for validated handlers (PAYLOAD_TOO_LARGE, connection kept). @default 65536 */
  maxEventBytes?: number;
  /**
   * Handshakes per client IP per window, or `false`. Off by default: behind a proxy every client
   * shares one address. @default false
   */
  handshakesPerIp?: { limit: number; windowMs?: number } | false;
}

/** A prom-client `Registry` (structural, so the options type does not need prom-client installed). */
export interface RealtimeMetricsRegistry {
  registerMetric(metric: never): void;
  getSingleMetric(name: string): unknown;
  removeSingleMetric(name: string): void;
  metrics(): Promise<string>;
  readonly contentType: string;
}

export interface RealtimeMetricsOptions {
  /** Collect Prometheus metrics through prom-client (an optional peer dependency to install). @default false */
  enabled?: boolean;
  /** Prefix of every metric name. @default 'realtime_' */
  prefix?: string;
  /** The prom-client Registry to register in. @default prom-client's global `register` */
  registry?: RealtimeMetricsRegistry;
}

/** The operator console's login. */
export interface RealtimeAdminAuth {
  username: string;
  /**
   * A bcrypt hash of the password (`$2a$`, `$2b$` or `$2y$`), never the password itself; make one
   * with `node -e "console.log(require('bcryptjs').hashSync(process.argv[1], 12))" 'the password'`.
   */
  password: string;
}

/** Socket.IO's admin UI (`@socket.io/admin-ui`, an optional peer dependency to install). */
export interface RealtimeAdminOptions {
  /** Turn the console on (set `admin` to switch it on). @default true */
  enabled?: boolean;
  /** The console's login, required: the console is never open without one. */
  auth: RealtimeAdminAuth;
  /**
   * Offer no action (disconnect, join, leave, emit): the console only shows. `false` lets an
   * operator disconnect sockets and move them between rooms on every instance. @default true
   */
  readonly?: boolean;
  /** The Socket.IO namespace the console connects to (no JWT: its own login). @default '/admin' */
  namespace?: string;
  /**
   * Where the console's page is served on the app's HTTP server (outside any global prefix), or
   * `false` to serve no page. @default '/realtime-admin'
   */
  path?: string | false;
  /** This instance's name in the console's list of servers. @default `<hostname>#<pid>` */
  serverId?: string;
  /**
   * `'development'` lists every socket (with its user id), room and event; every connection,
   * room change and event is then also broadcast to the console's namespace (through Redis when
   * configured). `'production'` sends only each instance's counts and aggregated events.
   * @default 'development'
   */
  mode?: 'development' | 'production';
}

export interface RealtimeEmitterOptions {
  /**
   * Where `RealtimeEmitter` sends when the caller does not narrow it with `.namespace()`.
   * Set it in a worker (a process without gateways), or to keep some namespaces out.
   * @default every namespace the app's gateways declare ('/' for a gateway without one)
   */
  namespaces?: string[];
}

/** A server of the AsyncAPI document (where clients connect). */
export interface RealtimeAsyncApiServer {
  /** Host and optional port, e.g. `chat.example.com` or `localhost:3000` (no scheme). */
  host: string;
  /** e.g. `wss`, `ws`, `https`, `http`. */
  protocol: string;
  /** A path under the host, when the app is served under one. */
  pathname?: string;
  description?: string;
}

export interface RealtimeAsyncApiOptions {
  /**
   * Serve the document (`<path>.json`, `<path>.yaml`) and its HTML page (`<path>`) on the app's
   * HTTP server. `buildAsyncApiDocument()` and `writeAsyncApiDocument()` work either way.
   * @default false
   */
  enabled?: boolean;
  /** Where the page is served; the document is at `<path>.json` and `<path>.yaml`. @default '/asyncapi' */
  path?: string;
  /** The document's `info.title`. @default 'Realtime API' */
  title?: string;
  /** The document's `info.version` (your API's version). @default '1.0.0' */
  version?: string;
  /** The document's `info.description` (Markdown). @default a short guide to connecting */
  description?: string;
  /** Where clients connect, by a name of your choice (e.g. `production`). @default {} */
  servers?: Record<string, RealtimeAsyncApiServer>;
}

/** Decides whether a socket's user may join a room (see `RealtimeRooms.join`). */
export type RealtimeCanJoin = (
  user: unknown,
  room: string,
  namespace: string,
) => boolean | Promise<boolean>;

export interface RealtimeModuleOptions {
  /** Handshake JWT authentication; `false` accepts anonymous sockets everywhere. @default false */
  auth?: RealtimeAuthOptions | false;
  /** Redis for scaling and presence; without it everything runs in one process in memory. @default undefined */
  redis?: RealtimeRedisOptions;
  /** Presence tracking; `false` turns it off. @default { enabled: true } */
  presence?: RealtimePresenceOptions | false;
  /** Socket.IO server options applied to every server the adapter creates. @default {} */
  server?: RealtimeServerOptions;
  /** Rate limits of incoming events; `false` turns them off. @default { limit: 20, burst: 40 } */
  throttle?: RealtimeThrottleOptions | false;
  /** Connection, payload and slow-client limits. @default see RealtimeLimitsOptions */
  limits?: RealtimeLimitsOptions;
  /** Room authorization for `RealtimeRooms.join`. @default every join allowed */
  canJoin?: RealtimeCanJoin;
  /** Prefix of every user's personal room (`user:<id>`). @default 'user:' */
  userRoomPrefix?: string;
  /** Prometheus metrics through prom-client; off unless `enabled: true`. @default { enabled: false } */
  metrics?: RealtimeMetricsOptions;
  /**
   * Socket.IO's admin UI on every instance, behind its own login, read-only by default, its
   * page served by the app. @default undefined (off)
   */
  admin?: RealtimeAdminOptions | false;
  /** Where emits go by default. @default every namespace the app's gateways declare */
  emitter?: RealtimeEmitterOptions;
  /**
   * The AsyncAPI 3.0 document of the app's gateways: its info and servers, and whether it is
   * served with an HTML page. @default { enabled: false }
   */
  asyncapi?: RealtimeAsyncApiOptions | false;
}
