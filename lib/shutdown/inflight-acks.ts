import {
  type BeforeApplicationShutdown,
  Inject,
  Injectable,
  Logger,
  type OnModuleInit,
} from '@nestjs/common';
import type { Socket } from 'socket.io';
import { NamespaceHooks } from '../adapter/namespace-hooks.js';
import { REALTIME_OPTIONS } from '../internal.constants.js';
import type { ResolvedRealtimeOptions } from '../options/options.defaults.js';

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
    this.hooks.onConnection((socket) => this.watch(socket));
  }

  async beforeApplicationShutdown(): Promise<void> {
    if (this.pending === 0) return;
    const timeoutMs = this.options.server.shutdownTimeoutMs;
    let timer: NodeJS.Timeout | undefined;
    const drained = new Promise<boolean>((resolve) => (this.drained = () => resolve(true)));
    const timeout = new Promise<boolean>(
      (resolve) => (timer = setTimeout(() => resolve(false), timeoutMs)),
    );
    const done = await Promise.race([drained, timeout]);
    clearTimeout(timer);
    if (!done)
      this.logger.warn(
        `Shutting down with ${this.pending} ack(s) unanswered after ${timeoutMs} ms`,
      );
  }

  private watch(socket: Socket): void {
    // Unanswered acks of this socket; a handler that never answers must not hold shutdown
    // forever, so whatever is left counts as done when the socket goes.
    const open = new Set<() => void>();
    socket.once('disconnect', () => {
      for (const settle of open) settle();
    });
    socket.use((packet, next) => {
      const last = packet.length - 1;
      const ack = packet[last];
      if (typeof ack === 'function') {
        this.pending++;
        const settle = () => {
          if (open.delete(settle)) this.settle();
        };
        open.add(settle);
        packet[last] = (...args: unknown[]) => {
          settle();
          return ack(...args);
        };
      }
      next();
    });
  }

  private settle(): void {
    this.pending--;
    if (this.pending === 0) this.drained?.();
  }
}
