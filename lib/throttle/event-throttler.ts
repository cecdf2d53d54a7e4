import { DisconnectReasons, disconnectWith } from '../core/disconnect-reason.js';
import { RealtimeEvents } from '../core/realtime.constants.js';
import { Inject, Injectable, Logger, type OnModuleInit } from '@nestjs/common';
import { ModulesContainer } from '@nestjs/core';
import type { Redis } from 'ioredis';
import type { Event, Socket } from 'socket.io';
import { NamespaceHooks } from '../connection/namespace-hooks.js';
import type { RedisClient } from '../redis/redis-connections.js';
import { RedisConnectionFactory } from '../redis/redis-connection.factory.js';
import { ThrottledLogger } from '../core/throttled-logger.js';
import { identityOf } from '../auth/socket-identity.js';
import { AUTH_REFRESH_EVENT } from '../auth/token-lifecycle.js';
import { RealtimeErrorCode } from '../errors/error-codes.js';
import { answerError, toErrorShape } from '../errors/error-shape.js';
import { RealtimeException } from '../errors/realtime.exception.js';
import { REALTIME_OPTIONS } from '../core/internal.constants.js';
import type {
  ResolvedRealtimeOptions,
  ResolvedThrottleOptions,
} from '../options/options.defaults.js';
import { collectHandlerLimits, type HandlerLimit, key } from './handler-limits.js';
import { TokenBucket } from './token-bucket.js';

/** Violations older than this are forgiven, so a long-lived chatty client is not cut off. */
const VIOLATION_MEMORY_MS = 10_000;
const PER_USER_SCRIPT = `local n = redis.call('INCR', KEYS[1])
if n == 1 then redis.call('PEXPIRE', KEYS[1], ARGV[1]) end
return n`;

interface SocketState {
  bucket: TokenBucket;
  /** Created with the first `@WsThrottle` event of the socket. */
  handlerBuckets?: Map<string, TokenBucket>;
  violations: number;
  lastViolation: number;
  /** Keeps packet order when the per-user check is asynchronous (set with the first one). */
  queue?: Promise<boolean>;
}

/** The event's name; `String()` only when it is not one already (it runs on every event). */
const eventName = (packet: Event): string =>
  typeof packet[0] === 'string' ? packet[0] : String(packet[0]);

/** Per-socket state, created with the socket's first event (an idle socket holds none). */
const STATE = Symbol('realtime:throttle');
type ThrottledSocket = Socket & { [STATE]?: SocketState };

/**
 * Rate limits incoming events before any Nest code runs: a token bucket per socket, optional
 * `@WsThrottle` buckets per handler, an optional per-user limit across instances (Redis), and a
 * disconnect after `maxViolations`. Excess events are not run; they are answered with
 * RATE_LIMITED and `retryAfter` (seconds) on the ack, or as an `exception` event.
 */
@Injectable()
export class EventThrottler implements OnModuleInit {
  private readonly logger = new Logger('RealtimeThrottle');
  private readonly errors = new ThrottledLogger(this.logger);
  private readonly throttle: ResolvedThrottleOptions | false;
  private limits?: Map<string, HandlerLimit>;
  private redis?: RedisClient;
  private readonly localUserWindows = new Map<string, { window: number; count: number }>();

  constructor(
    @Inject(REALTIME_OPTIONS) private readonly options: ResolvedRealtimeOptions,
    private readonly hooks: NamespaceHooks,
    private readonly modules: ModulesContainer,
    private readonly connections: RedisConnectionFactory,
  ) {
    this.throttle = options.throttle;
  }

  onModuleInit(): void {
    if (!this.throttle) return;
    // The state's slot exists from the connection on (its object comes with the first event):
    // every connected socket keeps one hidden class (see InflightAcks.track).
    this.hooks.onConnection((socket) => ((socket as ThrottledSocket)[STATE] = undefined));
    this.hooks.onPacket((socket, packet) => this.check(socket, packet));
    // The module's shared command connection, closed by the factory at shutdown.
    if (this.throttle.perUser && this.options.redis) this.redis = this.connections.command();
  }

  /**
   * One incoming event: true lets it on, false when refused (answered here), a promise when the
   * per-user limit must be asked. A new socket's bucket is full, so creating it with the first
   * event rather than at connect changes nothing but the memory of idle sockets.
   */
  private check(socket: ThrottledSocket, packet: Event): boolean | Promise<boolean> {
    const event = eventName(packet);
    if (event === AUTH_REFRESH_EVENT) return true;
    const throttle = this.throttle as ResolvedThrottleOptions;
    const limits = (this.limits ??= collectHandlerLimits(this.modules));
    const limit =
      limits.size === 0
        ? undefined
        : (limits.get(key(socket.nsp.name, event)) ?? limits.get(key('*', event)));
    if (limit === 'skip') return true;
    const now = Date.now();
    const state = (socket[STATE] ??= {
      bucket: new TokenBucket(throttle.burst, throttle.limit, now),
      violations: 0,
      lastViolation: 0,
    });
    let wait = state.bucket.take(now);
    if (!wait && limit) {
      const buckets = (state.handlerBuckets ??= new Map());
      let bucket = buckets.get(event);
      if (!bucket) {
        bucket = new TokenBucket(limit.limit, (limit.limit * 1000) / limit.ttl, now);
        buckets.set(event, bucket);
      }
      wait = bucket.take(now);
    }
    if (wait) {
      this.refuse(socket, packet, wait, state);
      return false;
    }
    const perUser = throttle.perUser;
    if (!perUser) return true;
    const userId = identityOf(socket)?.userId;
    if (userId === undefined) return true;
    const decide = async (): Promise<boolean> => {
      const retry = await this.perUserWait(userId, perUser);
      if (!retry) return true;
      this.refuse(socket, packet, retry, state);
      return false;
    };
    // In order: each event waits for the decision on the one before (a refusal included).
    const queue = state.queue ? state.queue.then(decide, decide) : decide();
    state.queue = queue;
    return queue;
  }

  /** Fixed one-second windows per user: in Redis across instances, else in this process. */
  private async perUserWait(userId: string, perSecond: number): Promise<number> {
    const now = Date.now();
    const window = Math.floor(now / 1000);
    const untilNext = (window + 1) * 1000 - now;
    if (this.redis) {
      try {
        const prefix = this.options.redis ? this.options.redis.keyPrefix : 'realtime';
        const count = (await (this.redis as Redis).eval(
          PER_USER_SCRIPT,
          1,
          `${prefix}:throttle:{${userId}}:${window}`,
          2000,
        )) as number;
        return count > perSecond ? untilNext : 0;
      } catch (error) {
        // Fail open: an outage of Redis must not silence every user.
        this.errors.error(
          'per-user',
          `Per-user rate limit check failed: ${(error as Error).message}`,
        );
        return 0;
      }
    }
    let entry = this.localUserWindows.get(userId);
    if (!entry || entry.window !== window) {
      if (this.localUserWindows.size > 10_000) this.localUserWindows.clear();
      entry = { window, count: 0 };
      this.localUserWindows.set(userId, entry);
    }
    return ++entry.count > perSecond ? untilNext : 0;
  }

  private refuse(socket: Socket, packet: Event, waitMs: number, state: SocketState): void {
    const throttle = this.throttle as ResolvedThrottleOptions;
    const now = Date.now();
    if (now - state.lastViolation > VIOLATION_MEMORY_MS) state.violations = 0;
    state.violations++;
    state.lastViolation = now;
    const event = eventName(packet);
    this.hooks.signals.emit({ type: 'rate-limited' });
    const error = new RealtimeException(
      RealtimeErrorCode.RATE_LIMITED,
      'Too many events; slow down',
      {
        retryAfter: Math.round(waitMs) / 1000,
      },
    );
    const { shape } = toErrorShape(error, event);
    answerError(socket, packet[packet.length - 1], shape);
    if (throttle.maxViolations > 0 && state.violations >= throttle.maxViolations) {
      this.errors.error(
        'disconnect',
        `Disconnecting socket ${socket.id} (user ${identityOf(socket)?.userId ?? 'anonymous'}): ${state.violations} rate limit violations`,
      );
      socket.emit(RealtimeEvents.EXCEPTION, {
        ...shape,
        message: 'Too many rate limit violations; disconnecting',
      });
      disconnectWith(socket, DisconnectReasons.RATE_LIMITED);
    }
  }
}
