import { Inject, Injectable } from '@nestjs/common';
import { NamespaceHooks } from '../connection/namespace-hooks.js';
import { type RealtimeAdapterHealth, RealtimeHealth } from './realtime-health.js';
import { REALTIME_OPTIONS } from '../core/internal.constants.js';
import type { ResolvedRealtimeOptions } from '../options/options.defaults.js';
import { PresenceRegistry } from '../presence/presence.registry.js';

/** The details of one realtime health check (what `/health` shows under the indicator's key). */
export interface RealtimeHealthDetails {
  status: 'up' | 'down';
  /** The Socket.IO adapter: `memory` (one instance), `connected`, or `degraded` (Redis unreachable). */
  adapter: RealtimeAdapterHealth['status'];
  mode: RealtimeAdapterHealth['mode'];
  /** Live Socket.IO connections of this instance. */
  connections: number;
  /** This instance's presence heartbeat (only with Redis and presence on). */
  presenceHeartbeat?: { ageMs: number | null; maxAgeMs: number; fresh: boolean };
  /** Why the check is down. */
  reasons?: string[];
}

/** A `@nestjs/terminus` HealthIndicatorResult: `{ [key]: details }`. */
export type RealtimeHealthIndicatorResult<Key extends string = string> = Record<
  Key,
  RealtimeHealthDetails
>;

export interface RealtimeHealthCheckOptions {
  /** Oldest acceptable presence heartbeat, in ms. @default presence.ttlMs */
  maxHeartbeatAgeMs?: number;
}

/**
 * A health indicator for `@nestjs/terminus` (any version with `HealthIndicatorService`, 11 and 12):
 * `down` while the Redis adapter is unreachable or this instance's presence heartbeat is older
 * than `presence.ttlMs` (other instances are about to sweep its users); `up` otherwise, with the
 * number of live connections. It returns terminus' result shape and does not import terminus, so
 * the library loads without it.
 *
 * ```ts
 * @Get('health') @HealthCheck()
 * check() { return this.health.check([() => this.realtime.isHealthy('realtime')]); }
 * ```
 */
@Injectable()
export class RealtimeHealthIndicator {
  private readonly bootedAt = Date.now();

  constructor(
    @Inject(REALTIME_OPTIONS) private readonly options: ResolvedRealtimeOptions,
    private readonly adapter: RealtimeHealth,
    private readonly presence: PresenceRegistry,
    private readonly hooks: NamespaceHooks,
  ) {}

  /** Resolves (never rejects) with `{ [key]: { status: 'up' | 'down', ... } }`. */
  async isHealthy<Key extends string = 'realtime'>(
    key: Key = 'realtime' as Key,
    options: RealtimeHealthCheckOptions = {},
  ): Promise<RealtimeHealthIndicatorResult<Key>> {
    const details = this.check(options);
    return { [key]: details } as RealtimeHealthIndicatorResult<Key>;
  }

  /** The details without the key. */
  check(options: RealtimeHealthCheckOptions = {}): RealtimeHealthDetails {
    const adapter = this.adapter.check();
    const reasons: string[] = [];
    if (adapter.status === 'degraded') {
      reasons.push('Redis is unreachable: serving this instance locally only');
    }
    const details: RealtimeHealthDetails = {
      status: 'up',
      adapter: adapter.status,
      mode: adapter.mode,
      connections: this.liveConnections(),
    };
    if (this.options.redis && this.presence.enabled) {
      const maxAgeMs = options.maxHeartbeatAgeMs ?? this.options.presence.ttlMs;
      const last = this.presence.lastHeartbeatAt;
      const ageMs = last === undefined ? null : Date.now() - last;
      // Before the first beat, give the instance one TTL from boot.
      const fresh = ageMs === null ? Date.now() - this.bootedAt <= maxAgeMs : ageMs <= maxAgeMs;
      details.presenceHeartbeat = { ageMs, maxAgeMs, fresh };
      if (!fresh) reasons.push(`presence heartbeat is older than ${maxAgeMs} ms`);
    }
    if (reasons.length > 0) {
      details.status = 'down';
      details.reasons = reasons;
    }
    return details;
  }

  private liveConnections(): number {
    let count = 0;
    for (const server of this.hooks.servers) {
      for (const nsp of server._nsps.values()) count += nsp.sockets.size;
    }
    return count;
  }
}
