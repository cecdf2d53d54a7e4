import { Inject, Injectable, type OnApplicationShutdown, type OnModuleInit } from '@nestjs/common';
import type { Socket } from 'socket.io';
import { NamespaceHooks } from '../connection/namespace-hooks.js';
import { identityOf } from '../auth/socket-identity.js';
import { RealtimeErrorCode } from '../errors/error-codes.js';
import { RealtimeException } from '../errors/realtime.exception.js';
import { tooManyConnections } from '../errors/too-many-connections.js';
import { REALTIME_OPTIONS } from '../core/internal.constants.js';
import type {
  ResolvedLimitsOptions,
  ResolvedRealtimeOptions,
} from '../options/options.defaults.js';
import { PresenceRegistry } from '../presence/presence.registry.js';

/** The user a socket was counted for in this process (presence off). */
const COUNTED = Symbol('realtime:counted-user');
type CountedSocket = Socket & { [COUNTED]?: string };

/**
 * Handshake limits: attempts per client IP (before authentication, so floods cost no token
 * verification) and live connections per user (after it). With presence on, the presence
 * registry enforces the per-user limit (cluster-wide with Redis) in the same atomic step that
 * registers the connection; with presence off, this process counts its own connections.
 */
@Injectable()
export class ConnectionLimits implements OnModuleInit, OnApplicationShutdown {
  private readonly limits: ResolvedLimitsOptions;
  private readonly ipWindows = new Map<string, { start: number; count: number }>();
  private readonly localCounts = new Map<string, number>();
  private pruneTimer?: NodeJS.Timeout;

  constructor(
    @Inject(REALTIME_OPTIONS) options: ResolvedRealtimeOptions,
    private readonly hooks: NamespaceHooks,
    private readonly presence: PresenceRegistry,
  ) {
    this.limits = options.limits;
  }

  onModuleInit(): void {
    const perIp = this.limits.handshakesPerIp;
    if (perIp) {
      this.hooks.onHandshake('before', (socket) => this.checkIp(socket, perIp));
      // Forget finished windows so the map holds only recently seen addresses.
      this.pruneTimer = setInterval(() => {
        const now = Date.now();
        for (const [ip, w] of this.ipWindows)
          if (now - w.start >= perIp.windowMs) this.ipWindows.delete(ip);
      }, perIp.windowMs);
      this.pruneTimer.unref();
    }
    if (this.limits.maxConnectionsPerUser > 0 && !this.presence.enabled) {
      this.hooks.onHandshake('after', (socket) => this.checkUser(socket));
      this.hooks.onConnection((socket) => this.countLocally(socket));
      this.hooks.onDisconnect((socket) => this.uncountLocally(socket));
    }
  }

  onApplicationShutdown(): void {
    clearInterval(this.pruneTimer);
  }

  private checkIp(socket: Socket, perIp: { limit: number; windowMs: number }): void {
    const ip = socket.handshake.address;
    const now = Date.now();
    let window = this.ipWindows.get(ip);
    if (!window || now - window.start >= perIp.windowMs) {
      window = { start: now, count: 0 };
      this.ipWindows.set(ip, window);
    }
    if (++window.count > perIp.limit) {
      const retryAfter = Math.ceil((window.start + perIp.windowMs - now) / 100) / 10;
      throw new RealtimeException(
        RealtimeErrorCode.RATE_LIMITED,
        'Too many connection attempts from this address',
        {
          retryAfter,
        },
      );
    }
  }

  private checkUser(socket: Socket): void {
    const userId = identityOf(socket)?.userId;
    if (userId === undefined) return;
    const max = this.limits.maxConnectionsPerUser;
    if ((this.localCounts.get(userId) ?? 0) >= max) throw tooManyConnections(max);
  }

  private countLocally(socket: CountedSocket): void {
    const userId = identityOf(socket)?.userId;
    // Set on anonymous sockets too: one hidden class for all (see InflightAcks.track).
    socket[COUNTED] = userId;
    if (userId === undefined) return;
    this.localCounts.set(userId, (this.localCounts.get(userId) ?? 0) + 1);
  }

  private uncountLocally(socket: CountedSocket): void {
    const userId = socket[COUNTED];
    if (userId === undefined) return;
    const left = (this.localCounts.get(userId) ?? 1) - 1;
    if (left > 0) this.localCounts.set(userId, left);
    else this.localCounts.delete(userId);
  }
}
