import {
  Inject,
  Injectable,
  Logger,
  type OnApplicationShutdown,
  type OnModuleDestroy,
  type OnModuleInit,
} from '@nestjs/common';
import { HttpAdapterHost } from '@nestjs/core';
import type { Server } from 'socket.io';
import { NamespaceHooks } from '../connection/namespace-hooks.js';
import { RedisConnections } from '../redis/redis-connections.js';
import { REALTIME_OPTIONS } from '../core/internal.constants.js';
import type { ResolvedRealtimeOptions } from '../options/options.defaults.js';
import { adminHandshakeGuard } from './admin-handshake.js';
import { instrumentServer } from './admin-instrument.js';
import { serveAdminPage } from './admin-page.js';
import { socketRedactor } from './admin-redaction.js';
import { AdminSessions } from './admin-sessions.js';
import { loadAdminUi } from './admin-ui-package.js';
import { LoginAttempts } from './login-attempts.js';

/**
 * The operator console (`admin` option): Socket.IO's admin UI on the app's Socket.IO server(s)
 * and its page on the app's HTTP server. Set up in onModuleInit: Nest has created the gateways'
 * servers and namespaces by then, and still takes routes (before its not-found handler).
 */
@Injectable()
export class AdminConsole implements OnModuleInit, OnModuleDestroy, OnApplicationShutdown {
  private readonly logger = new Logger('RealtimeAdmin');
  private connections?: RedisConnections;
  private closed = false;

  constructor(
    @Inject(REALTIME_OPTIONS) private readonly options: ResolvedRealtimeOptions,
    private readonly hooks: NamespaceHooks,
    private readonly adapterHost: HttpAdapterHost,
  ) {}

  async onModuleInit(): Promise<void> {
    const admin = this.options.admin;
    if (!admin) return;
    const ui = await loadAdminUi();
    const servers = this.hooks.servers;
    if (servers.length === 0) {
      this.logger.warn(
        'The operator console (admin) is enabled but there is no Socket.IO server to watch: it needs a gateway served by the library adapter (app.useWebSocketAdapter(await createRedisIoAdapter(app)))',
      );
      return;
    }
    const redis = this.options.redis;
    if (redis) this.connections = new RedisConnections(redis);
    const sessions = new AdminSessions(
      this.connections?.create('admin', 'publisher'),
      redis ? redis.keyPrefix : undefined,
    );
    const auth = this.options.auth;
    const context = {
      ui,
      options: admin,
      hooks: this.hooks,
      sessions,
      guard: adminHandshakeGuard(sessions, new LoginAttempts(), this.hooks.signals),
      redact: socketRedactor(auth ? auth.tokenSources.query : false),
      logger: this.logger,
      closed: () => this.closed,
    };
    try {
      for (const server of servers) instrumentServer(server, context);
    } catch (error) {
      await this.connections?.closeAll();
      throw error;
    }

    const http = this.adapterHost.httpAdapter;
    if (admin.path && http) {
      await serveAdminPage(http, {
        path: admin.path,
        uiDirectory: ui.uiDirectory,
        namespace: admin.namespace,
        socketPath: servers[0].path(),
        websocketOnly: !transportsOf(servers[0]).includes('polling'),
      });
    }
    this.logger.log(
      `Operator console on namespace ${admin.namespace} (${admin.readonly ? 'read-only' : 'with actions'}, ${admin.mode} mode, server id ${admin.serverId})${admin.path && http ? `, page at ${admin.path}/` : ''}`,
    );
  }

  onModuleDestroy(): void {
    this.closed = true;
  }

  async onApplicationShutdown(): Promise<void> {
    await this.connections?.closeAll();
  }
}

function transportsOf(server: Server): string[] {
  const engine = (server as unknown as { engine?: { opts?: { transports?: string[] } } }).engine;
  return engine?.opts?.transports ?? ['polling', 'websocket'];
}
