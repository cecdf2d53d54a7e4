import { Inject, Injectable, type OnApplicationShutdown } from '@nestjs/common';
import { REALTIME_OPTIONS } from '../core/internal.constants.js';
import type { ResolvedRealtimeOptions } from '../options/options.defaults.js';
import {
  type RedisClient,
  type RedisClientKind,
  RedisConnections,
  type RedisHealth,
} from './redis-connections.js';

/**
 * The one Redis connection factory of a RealtimeModule: the adapter, presence, the throttle and
 * the worker emitter take their clients here. Connections are shared where their role allows:
 * - one `command` connection (presence scripts, the per-user throttle, the worker emitter's
 *   publishes), opened on first use;
 * - the adapter's own `publisher` (fails fast) and `subscriber` (a subscribed connection cannot
 *   run commands), and the streams adapter's blocking readers, which need their own.
 * Every client is tracked for health and closed once, at application shutdown.
 */
@Injectable()
export class RedisConnectionFactory implements OnApplicationShutdown {
  private readonly connections?: RedisConnections;
  private shared?: RedisClient;

  constructor(@Inject(REALTIME_OPTIONS) options: ResolvedRealtimeOptions) {
    if (options.redis) this.connections = new RedisConnections(options.redis);
  }

  /** False without the `redis` option: nothing here opens a client then. */
  get enabled(): boolean {
    return this.connections !== undefined;
  }

  /** The shared command connection (ioredis defaults: queued while reconnecting). */
  command(): RedisClient {
    return (this.shared ??= this.require().create('command', 'command'));
  }

  /** A dedicated client, for roles that cannot share the command connection. */
  create(role: string, kind: RedisClientKind): RedisClient {
    return this.require().create(role, kind);
  }

  /** See RedisConnections.createDuplicable (the streams adapter's own copies). */
  createDuplicable(role: string, kind: RedisClientKind): RedisClient {
    return this.require().createDuplicable(role, kind);
  }

  /** 'connected' when every client opened here is ready. */
  get health(): RedisHealth {
    return this.connections ? this.connections.health : 'degraded';
  }

  waitUntilReady(timeoutMs: number): Promise<boolean> {
    return this.connections ? this.connections.waitUntilReady(timeoutMs) : Promise.resolve(false);
  }

  async onApplicationShutdown(): Promise<void> {
    await this.connections?.closeAll();
  }

  private require(): RedisConnections {
    if (!this.connections) throw new Error('RealtimeModule has no redis option');
    return this.connections;
  }
}
