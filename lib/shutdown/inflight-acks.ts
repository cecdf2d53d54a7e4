import {
  type BeforeApplicationShutdown,
  Inject,
  Injectable,
  Logger,
  type OnModuleInit,
} from '@nestjs/common';
import type { Event, Socket } from 'socket.io';
import { NamespaceHooks } from '../adapter/namespace-hooks.js';
import { REALTIME_OPTIONS } from '../internal.constants.js';
import { within } from '../within.js';
import type { ResolvedRealtimeOptions } from '../options/options.defaults.js';

/** Unanswered acks of a socket (absent before its first one); GONE once it disconnected. */
const OPEN = Symbol('realtime:open-acks');
const GONE = 'gone';
type TrackedSocket = Socket & { [OPEN]?: number | typeof GONE };

/**
 * Counts events whose client asked for an ack and that have not been answered yet. On shutdown
 * (before the Socket.IO servers close and disconnect everyone) it waits, up to
 * `server.shutdownTimeoutMs`, until every ack already started has been answered.
 */
@Injectable()
export class InflightAcks implements OnModuleInit, BeforeApplicationShutdown {
  private readonly logger = new Logger('RealtimeShutdown');
  private pending = 0;
  private drained?: () => void;

  constructor(
    @Inject(REALTIME_OPTIONS) private readonly options: ResolvedRealtimeOptions,
    private readonly hooks: NamespaceHooks,
  ) {}

  get inflight(): number {
    return this.pending;
  }

  onModuleInit(): void {
    this.hooks.onPacket((socket, packet) => this.watch(socket, packet));
    this.hooks.onDisconnect((socket) => this.release(socket));
  }

  async beforeApplicationShutdown(): Promise<void> {
    if (this.pending === 0) return;
    const timeoutMs = this.options.server.shutdownTimeoutMs;
    const drained = new Promise<void>((resolve) => (this.drained = resolve));
    if (!(await within(drained, timeoutMs)))
      this.logger.warn(
        `Shutting down with ${this.pending} ack(s) unanswered after ${timeoutMs} ms`,
      );
  }

  /** Wraps the ack of an event that asked for one, so that answering it counts it done. */
  private watch(socket: TrackedSocket, packet: Event): true {
    const last = packet.length - 1;
    const ack = packet[last] as unknown;
    if (typeof ack !== 'function') return true;
    const open = socket[OPEN];
    // Disconnected already (an event let on late, e.g. after an asynchronous rate limit check):
    // its handler will not run, so there is nothing to wait for.
    if (open === GONE) return true;
    this.pending++;
    socket[OPEN] = (open ?? 0) + 1;
    let done = false;
    // eslint-disable-next-line @typescript-eslint/no-this-alias
    const self = this;
    // `arguments`, not a rest parameter: one allocation less on every answered event.
    packet[last] = function (this: unknown) {
      if (!done) {
        done = true;
        const count = socket[OPEN];
        // After a disconnect, release() has already counted this ack done.
        if (typeof count === 'number' && count > 0) {
          socket[OPEN] = count - 1;
          self.settle();
        }
      }
      // eslint-disable-next-line prefer-rest-params
      return (ack as (...a: unknown[]) => unknown).apply(this, arguments as unknown as unknown[]);
    };
    return true;
  }

  /**
   * Unanswered acks of a socket that goes: a handler that never answers must not hold shutdown
   * forever, so whatever is left counts as done.
   */
  private release(socket: TrackedSocket): void {
    const open = socket[OPEN];
    socket[OPEN] = GONE;
    if (typeof open !== 'number' || open === 0) return;
    this.pending -= open;
    if (this.pending === 0) this.drained?.();
  }

  private settle(): void {
    this.pending--;
    if (this.pending === 0) this.drained?.();
  }
}
