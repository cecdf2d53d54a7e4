import { Logger } from '@nestjs/common';
import { Cluster, type ClusterOptions, Redis, type RedisOptions } from 'ioredis';
import type { ResolvedRedisOptions } from '../options/options.defaults.js';
import { within } from '../core/within.js';
import { ThrottledLogger } from '../core/throttled-logger.js';

export type RedisClient = Redis | Cluster;
export type RedisHealth = 'connected' | 'degraded';

/**
 * How a client behaves while Redis is unreachable.
 * - `publisher`: fails fast (no offline queue), so a write during an outage is dropped
 *   (at-most-once) instead of queued without bound or holding up local delivery.
 * - `subscriber`: queues and retries forever; ioredis re-subscribes on reconnect.
 * - `command`: ioredis defaults (queued, up to 20 retries).
 */
export type RedisClientKind = 'publisher' | 'subscriber' | 'command';

const BACKOFF = (times: number) => Math.min(100 * 2 ** Math.min(times, 5), 3000);

/**
 * Commands the Socket.IO adapters call without awaiting or catching (publish on every broadcast,
 * subscribe/unsubscribe on room changes and close, SET of a session on disconnect). A rejection
 * (Redis down, or the client closed at shutdown) would be unhandled and end the process.
 */
const FIRE_AND_FORGET: Record<RedisClientKind, readonly string[]> = {
  publisher: ['publish', 'spublish', 'set'],
  subscriber: [
    'subscribe',
    'psubscribe',
    'ssubscribe',
    'unsubscribe',
    'punsubscribe',
    'sunsubscribe',
  ],
  // A worker's emitter publishes without awaiting, through a queueing client.
  command: ['publish'],
};

/**
 * Every Redis client the library opens: created from the module options, each with an error
 * listener (a missing one crashes the process on an outage), exponential reconnect backoff, and
 * closed on shutdown. A client the app passed in is only duplicated, never closed.
 */
export class RedisConnections {
  private readonly clients: RedisClient[] = [];
  /** Clients that sit in blocking reads: QUIT would wait behind the read, so they disconnect. */
  private readonly blocking = new WeakSet<RedisClient>();
  private readonly logger = new Logger('RealtimeRedis');
  private readonly errors = new ThrottledLogger(this.logger);
  private closed = false;

  constructor(private readonly options: ResolvedRedisOptions) {}

  /** A new client of the given kind, tracked for health and closed by `closeAll()`. */
  create(role: string, kind: RedisClientKind = 'command'): RedisClient {
    const client = this.open(kind);
    client.on('error', (err: Error) =>
      this.errors.error(role, `Redis ${role} client error: ${err.message}`),
    );
    let wasReady = false;
    client.on('ready', () => {
      if (wasReady) this.logger.log(`Redis ${role} client reconnected`);
      wasReady = true;
    });
    this.handleRejections(client, role, FIRE_AND_FORGET[kind]);
    this.clients.push(client);
    return client;
  }

  /**
   * A client whose `duplicate()` hands out clients of this factory (role `<role>-<n>`, kind
   * `subscriber`) instead of untracked copies: for adapters that duplicate the client they are
   * given (the streams adapter), so the copies get error listeners, health and shutdown too.
   */
  createDuplicable(role: string, kind: RedisClientKind): RedisClient {
    const client = this.create(role, kind);
    let n = 0;
    const duplicate = () => {
      const copy = this.create(`${role}-${++n}`, 'subscriber');
      // A blocking reader loops on its command; once closed, it must not spin on rejections.
      this.quietAfterClose(copy, ['xread']);
      this.blocking.add(copy);
      return copy;
    };
    (client as unknown as { duplicate: () => RedisClient }).duplicate = duplicate;
    return client;
  }

  get health(): RedisHealth {
    return this.clients.length > 0 && this.clients.every((c) => c.status === 'ready')
      ? 'connected'
      : 'degraded';
  }

  /** Resolves when every client is ready, or after `timeoutMs` (the app then starts degraded). */
  async waitUntilReady(timeoutMs: number): Promise<boolean> {
    const cleanups: Array<() => void> = [];
    const ready = (c: RedisClient) =>
      c.status === 'ready'
        ? Promise.resolve()
        : new Promise<void>((resolve) => {
            const onReady = () => resolve();
            c.once('ready', onReady);
            cleanups.push(() => c.off('ready', onReady));
          });
    const result = await within(Promise.all(this.clients.map(ready)), timeoutMs);
    for (const cleanup of cleanups) cleanup();
    if (!result)
      this.logger.warn('Redis is not reachable yet; serving this instance locally until it is');
    return result;
  }

  /** Closes every client this factory opened: QUIT when connected, otherwise at once. */
  async closeAll(): Promise<void> {
    this.closed = true;
    const clients = this.clients.splice(0);
    await Promise.all(
      clients.map(async (c) => {
        try {
          if (c.status === 'ready' && !this.blocking.has(c)) await c.quit();
          else c.disconnect();
        } catch {
          c.disconnect();
        }
      }),
    );
  }

  private open(kind: RedisClientKind): RedisClient {
    const { url, client, cluster, options } = this.options;
    const overrides: RedisOptions = { retryStrategy: BACKOFF };
    if (kind === 'subscriber') overrides.maxRetriesPerRequest = null;
    if (kind === 'publisher') overrides.enableOfflineQueue = false;
    if (client instanceof Cluster) {
      return client.duplicate(undefined, this.clusterOptions(client.options, kind));
    }
    // lazyConnect off: a lazy app client would otherwise give copies that never connect
    if (client) return client.duplicate({ ...overrides, lazyConnect: false });
    if (cluster)
      return new Cluster(cluster.nodes, this.clusterOptions(cluster.options ?? {}, kind));
    const redisOptions = { ...options, ...overrides, lazyConnect: false };
    return url ? new Redis(url, redisOptions) : new Redis(redisOptions);
  }

  /**
   * Cluster options of a client of `kind`. Node connections keep ioredis' own settings (they are
   * lazy and do not reconnect by themselves; the cluster refreshes its slots instead); the
   * module's `redis.options` apply to them (TLS, password, ...).
   */
  private clusterOptions(base: ClusterOptions, kind: RedisClientKind): ClusterOptions {
    const redisOptions: RedisOptions = { ...base.redisOptions, ...this.options.options };
    if (kind === 'subscriber') redisOptions.maxRetriesPerRequest = null;
    return {
      ...base,
      lazyConnect: false,
      // sharded pub/sub needs one subscriber connection per shard, which ioredis opens only
      // with this on; the other clients do not subscribe
      shardedSubscribers: kind === 'subscriber' && this.options.mode === 'sharded',
      clusterRetryStrategy: BACKOFF,
      enableOfflineQueue: kind === 'publisher' ? false : base.enableOfflineQueue,
      redisOptions,
    };
  }

  /** Attaches a logging catch to the promise of each listed command; callers still see it. */
  private handleRejections(client: RedisClient, role: string, commands: readonly string[]): void {
    const target = client as unknown as Record<string, (...args: unknown[]) => unknown>;
    for (const command of commands) {
      const original = target[command];
      if (typeof original !== 'function') continue;
      target[command] = (...args: unknown[]) => {
        const result = original.apply(client, args);
        if (result instanceof Promise) {
          result.catch((err: Error) => {
            if (!this.closed) {
              this.errors.error(`${role}:${command}`, `Redis ${command} failed: ${err.message}`);
            }
          });
        }
        return result;
      };
    }
  }

  /** After `closeAll()`, the listed commands return a promise that never settles. */
  private quietAfterClose(client: RedisClient, commands: readonly string[]): void {
    const target = client as unknown as Record<string, (...args: unknown[]) => unknown>;
    for (const command of commands) {
      const original = target[command];
      if (typeof original !== 'function') continue;
      target[command] = (...args: unknown[]) =>
        this.closed ? new Promise(() => undefined) : original.apply(client, args);
    }
  }
}
