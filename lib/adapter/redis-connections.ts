import { Logger } from '@nestjs/common';
import { Cluster, Redis, type RedisOptions } from 'ioredis';
import type { ResolvedRedisOptions } from '../options/options.defaults.js';
import { ThrottledLogger } from './throttled-logger.js';

export type RedisClient = Redis | Cluster;
export type RedisHealth = 'connected' | 'degraded';

const BACKOFF = (times: number) => Math.min(100 * 2 ** Math.min(times, 5), 3000);
// Writes during an outage are dropped (at-most-once) instead of queued without bound.
const PUBLISH_COMMANDS = ['publish', 'spublish'] as const;

/**
 * Every Redis client the library opens: created from the module options, each with an error
 * listener (a missing one crashes the process on an outage), exponential reconnect backoff, and
 * closed on shutdown. A client the app passed in is only duplicated, never closed.
 */
export class RedisConnections {
  private readonly clients: RedisClient[] = [];
  private readonly logger = new Logger('RealtimeRedis');
  private readonly errors = new ThrottledLogger(this.logger);

  constructor(private readonly options: ResolvedRedisOptions) {}

  /** A new client; `publisher` clients fail fast while Redis is down instead of queueing. */
  create(role: string, kind: 'publisher' | 'subscriber' | 'command' = 'command'): RedisClient {
    const overrides: RedisOptions = { retryStrategy: BACKOFF };
    if (kind === 'subscriber') overrides.maxRetriesPerRequest = null;
    if (kind === 'publisher') overrides.enableOfflineQueue = false;
    const client = this.open(overrides);
    client.on('error', (err: Error) =>
      this.errors.error(role, `Redis ${role} client error: ${err.message}`),
    );
    let wasReady = false;
    client.on('ready', () => {
      if (wasReady) this.logger.log(`Redis ${role} client reconnected`);
      wasReady = true;
    });
    if (kind === 'publisher') this.swallowPublishErrors(client, role);
    this.clients.push(client);
    return client;
  }

  get health(): RedisHealth {
    return this.clients.every((c) => c.status === 'ready') ? 'connected' : 'degraded';
  }

  /** Resolves when every client is ready, or after `timeoutMs` (the app then starts degraded). */
  async waitUntilReady(timeoutMs: number): Promise<boolean> {
    const ready = (c: RedisClient) =>
      c.status === 'ready'
        ? Promise.resolve()
        : new Promise<void>((r) => c.once('ready', () => r()));
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<false>((r) => (timer = setTimeout(() => r(false), timeoutMs)));
    const result = await Promise.race([
      Promise.all(this.clients.map(ready)).then(() => true),
      timeout,
    ]);
    clearTimeout(timer);
    if (!result)
      this.logger.warn('Redis is not reachable yet; serving this instance locally until it is');
    return result;
  }

  async closeAll(): Promise<void> {
    const clients = this.clients.splice(0);
    await Promise.all(
      clients.map(async (c) => {
        try {
          if (c.status === 'ready') await c.quit();
          else c.disconnect();
        } catch {
          c.disconnect();
        }
      }),
    );
  }

  private open(overrides: RedisOptions): RedisClient {
    const { url, client, cluster, options } = this.options;
    if (client instanceof Cluster) return client.duplicate(undefined, overrides as never);
    if (client) return client.duplicate(overrides);
    if (cluster) {
      return new Cluster(cluster.nodes, {
        ...cluster.options,
        shardedSubscribers: this.options.mode === 'sharded',
        clusterRetryStrategy: BACKOFF,
        redisOptions: { ...cluster.options?.redisOptions, ...options, ...overrides },
        enableOfflineQueue: overrides.enableOfflineQueue ?? cluster.options?.enableOfflineQueue,
      } as never);
    }
    return url
      ? new Redis(url, { ...options, ...overrides })
      : new Redis({ ...options, ...overrides });
  }

  private swallowPublishErrors(client: RedisClient, role: string): void {
    const target = client as unknown as Record<string, (...args: unknown[]) => Promise<unknown>>;
    for (const command of PUBLISH_COMMANDS) {
      const original = target[command]?.bind(client);
      if (!original) continue;
      // The adapters never await publish; a rejection would be unhandled and end the process.
      target[command] = (...args: unknown[]) => {
        const result = original(...args);
        result.catch((err: Error) =>
          this.errors.error(`${role}:${command}`, `Redis ${command} failed: ${err.message}`),
        );
        return result;
      };
    }
  }
}
