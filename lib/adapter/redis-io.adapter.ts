import { type INestApplicationContext, Logger } from '@nestjs/common';
import { ModulesContainer } from '@nestjs/core';
import { IoAdapter } from '@nestjs/platform-socket.io';
import { createAdapter, createShardedAdapter } from '@socket.io/redis-adapter';
import { createAdapter as createStreamsAdapter } from '@socket.io/redis-streams-adapter';
import type { Namespace, Server, ServerOptions } from 'socket.io';
import { protectGatewayHooks } from '../gateway/gateway-hooks.js';
import { REALTIME_OPTIONS } from '../core/internal.constants.js';
import { within } from '../core/within.js';
import type { ResolvedRealtimeOptions } from '../options/options.defaults.js';
import { joinBroadcastFrames } from './broadcast-frames.js';
import { ConnectionRecovery } from './connection-recovery.js';
import { GatewayPipelines } from '../gateway/handler-pipeline.js';
import { bindMessageHandlers } from '../gateway/message-binding.js';
import { loadNestWsInternals, type NestWsInternals } from '../internals/nest-internals.js';
import { NamespaceHooks } from '../connection/namespace-hooks.js';
import { originGuard, transportCors } from '../connection/origin-guard.js';
import { type RealtimeAdapterHealth, RealtimeHealth } from '../health/realtime-health.js';
import { RedisConnectionFactory } from '../redis/redis-connection.factory.js';
import { confirmSubscribedJoins } from './sharded-joins.js';

export type { RealtimeAdapterHealth } from '../health/realtime-health.js';

type AdapterFactory = Parameters<Server['adapter']>[0];

/** How long close() waits for clients' disconnect packets to be written. */
const GOODBYE_TIMEOUT_MS = 2000;
/** How long boot waits for Redis before starting degraded (local delivery only). */
const READY_TIMEOUT_MS = 5000;

/**
 * Nest's IoAdapter with the module's server options, the handshake authenticator on every
 * namespace, and (when `redis` is configured) a Redis adapter that survives outages.
 * Create it with `createRedisIoAdapter(app)`.
 */
export class RedisIoAdapter extends IoAdapter {
  private readonly log = new Logger('RealtimeAdapter');
  private readonly options: ResolvedRealtimeOptions;
  private readonly hooks: NamespaceHooks;
  private readonly connections: RedisConnectionFactory;
  private readonly recovery: ConnectionRecovery;
  private adapterFactory?: AdapterFactory;
  private hooksProtected = false;
  /** Nest's context classes, once loaded (null: not loadable, Nest's own pipeline runs). */
  private nestInternals?: NestWsInternals | null;
  private readonly internalsLoaded: Promise<void>;
  private pipelines?: GatewayPipelines | null;

  constructor(private readonly app: INestApplicationContext) {
    super(app);
    try {
      this.options = app.get<ResolvedRealtimeOptions>(REALTIME_OPTIONS, { strict: false });
      this.hooks = app.get(NamespaceHooks, { strict: false });
      this.connections = app.get(RedisConnectionFactory, { strict: false });
    } catch {
      throw new Error(
        'RedisIoAdapter needs RealtimeModule: import RealtimeModule.forRoot() (or forRootAsync()) in your AppModule',
      );
    }
    this.recovery = new ConnectionRecovery(this.hooks);
    app.get(RealtimeHealth, { strict: false }).attach(() => this.health);
    this.internalsLoaded = loadNestWsInternals().then((nest) => {
      this.nestInternals = nest;
    });
  }

  /** Opens the Redis clients (waiting up to 5 s for them) and builds the Socket.IO adapter. */
  async connectToRedis(): Promise<void> {
    await this.internalsLoaded;
    const redis = this.options.redis;
    if (!redis || !this.connections.enabled) {
      this.log.log('No Redis configured: running as a single instance (in-memory adapter)');
      return;
    }
    const prefix = redis.keyPrefix;
    if (redis.mode === 'streams') {
      // Fails fast while Redis is down: a broadcast awaits its XADD before delivering locally.
      // The adapter's own copies (stream reader, subscriber) come from the same factory.
      const client = this.connections.createDuplicable('streams', 'publisher');
      this.adapterFactory = createStreamsAdapter(client as never, {
        streamName: `${prefix}:stream`,
        sessionKeyPrefix: `${prefix}:session:`,
        channelPrefix: `${prefix}:io`,
      }) as AdapterFactory;
    } else {
      const pub = this.connections.create('pub', 'publisher');
      const sub = this.connections.create('sub', 'subscriber');
      const connections = this.connections;
      this.adapterFactory =
        redis.mode === 'sharded'
          ? confirmSubscribedJoins(
              createShardedAdapter(pub, sub, { channelPrefix: `${prefix}:io` }),
              sub,
              () => connections.health === 'connected',
            )
          : (createAdapter(pub, sub, {
              key: `${prefix}:io`,
              requestsTimeout: redis.requestsTimeout,
            }) as AdapterFactory);
    }
    // The clients belong to the module's RedisConnectionFactory, which closes them at shutdown.
    await this.connections.waitUntilReady(READY_TIMEOUT_MS);
    this.log.log(`Redis adapter ready (${redis.mode} mode, key prefix "${prefix}")`);
  }

  get health(): RealtimeAdapterHealth {
    if (!this.connections.enabled) return { status: 'memory', mode: 'memory' };
    return {
      status: this.connections.health,
      mode: this.options.redis ? this.options.redis.mode : 'memory',
    };
  }

  override create(
    port: number,
    options?: Parameters<IoAdapter['create']>[1],
  ): ReturnType<IoAdapter['create']> {
    if (!this.hooksProtected) {
      // Nest binds gateway hooks right after this call; wrap them first.
      protectGatewayHooks(this.app.get(ModulesContainer));
      this.hooksProtected = true;
    }
    return super.create(port, options);
  }

  // The public signatures below take their Socket.IO types from IoAdapter's own, never from the
  // library's `socket.io` import: an app where @nestjs/platform-socket.io pins another socket.io
  // version than the app's (two copies) still type-checks these declarations (skipLibCheck off).
  override createIOServer(
    ...[port, options]: Parameters<IoAdapter['createIOServer']>
  ): ReturnType<IoAdapter['createIOServer']> {
    const nestServer = super.createIOServer(
      port,
      this.serverOptions(options as Partial<ServerOptions>) as typeof options,
    );
    const server = nestServer as unknown as Server;
    if (this.adapterFactory) server.adapter(this.adapterFactory);
    joinBroadcastFrames(server);
    this.recovery.watch(server);
    this.hooks.installServer(server);
    return nestServer;
  }

  /**
   * Says goodbye before closing: Socket.IO's close() drops sockets without a DISCONNECT packet
   * (clients see "transport close" and reconnect elsewhere blindly); this sends one first.
   */
  override async close(target: Parameters<IoAdapter['close']>[0]): Promise<void> {
    // Nest hands over servers and, for namespaced gateways, namespaces.
    const server = target as unknown as Server | Namespace;
    const namespaces = '_nsps' in server ? [...server._nsps.values()] : [server];
    const connections = new Set(
      namespaces.flatMap((nsp) => [...nsp.sockets.values()].map((s) => s.conn)),
    );
    for (const nsp of namespaces) nsp.local.disconnectSockets(true);
    // Wait (bounded) until the goodbyes are written: a SIGTERM exit right after would lose them.
    const closed = [...connections].map((conn) =>
      conn.readyState === 'closed'
        ? undefined
        : new Promise<void>((resolve) => conn.once('close', () => resolve())),
    );
    await within(Promise.all(closed), GOODBYE_TIMEOUT_MS);
    await super.close(target);
  }

  /** One shared listener per event instead of an rxjs pipeline per handler per socket. */
  override bindMessageHandlers(
    ...[socket, handlers]: Parameters<IoAdapter['bindMessageHandlers']>
  ) {
    bindMessageHandlers(socket, handlers, this, this.logger, this.gatewayPipelines());
  }

  /**
   * Built at the first connection, when every gateway is connected. Needs Nest's container (an
   * application's `container` field, present in Nest 11 and 12).
   */
  private gatewayPipelines(): GatewayPipelines | undefined {
    if (this.pipelines === undefined && this.nestInternals !== undefined) {
      const container = (this.app as unknown as { container?: { applicationConfig?: unknown } })
        .container;
      this.pipelines =
        this.nestInternals && container
          ? new GatewayPipelines(
              this.nestInternals,
              this.app.get(ModulesContainer),
              container,
              this.log,
            )
          : null;
      if (!this.pipelines) {
        this.log.warn(
          "Nest's WebSocket context classes did not load: gateways use Nest's own pipeline",
        );
      }
    }
    return this.pipelines ?? undefined;
  }

  /**
   * Module options first, then what a gateway decorator sets; recovery always re-runs middleware,
   * and the Origin of every handshake is checked against `cors.origin` (same origin without it).
   */
  private serverOptions(gateway: Partial<ServerOptions> = {}): Partial<ServerOptions> {
    const { connectionStateRecovery, shutdownTimeoutMs: _drain, ...server } = this.options.server;
    const merged: Partial<ServerOptions> = { ...server, ...gateway } as Partial<ServerOptions>;
    const recovery = gateway.connectionStateRecovery ?? (connectionStateRecovery || undefined);
    if (recovery) merged.connectionStateRecovery = { ...recovery, skipMiddlewares: false };
    else delete merged.connectionStateRecovery;
    merged.allowRequest = originGuard(merged.cors, merged.allowRequest);
    merged.cors = transportCors(merged.cors);
    return merged;
  }
}

/** `app.useWebSocketAdapter(await createRedisIoAdapter(app))`: the one line main.ts needs. */
export async function createRedisIoAdapter(app: INestApplicationContext): Promise<RedisIoAdapter> {
  const adapter = new RedisIoAdapter(app);
  await adapter.connectToRedis();
  return adapter;
}
