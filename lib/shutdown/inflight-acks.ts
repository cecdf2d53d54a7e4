import {
  type BeforeApplicationShutdown,
  Inject,
  Injectable,
  Logger,
  type OnModuleInit,
} from '@nestjs/common';
import { type Event, Socket as IoSocket, type Socket } from 'socket.io';
import { NamespaceHooks } from '../connection/namespace-hooks.js';
import { REALTIME_OPTIONS } from '../core/internal.constants.js';
import { within } from '../core/within.js';
import type { ResolvedRealtimeOptions } from '../options/options.defaults.js';

/** socket.io-parser's PacketType.ACK (the protocol's packet type 3). */
const ACK_PACKET = 3;
type PacketMethod = (this: Socket, packet: { type: number }, opts?: unknown) => void;
/** Socket.IO's own (private, stable since 1.x) method every outgoing packet of a socket takes. */
const ioPacket = (IoSocket.prototype as unknown as { packet?: PacketMethod }).packet;

/** Unanswered acks of a socket; GONE once it disconnected. */
const OPEN = Symbol('realtime:open-acks');
/**
 * A number like the counts: a string here made V8 widen the field on every socket's hidden class
 * at the first disconnect, dropping the optimised code of the per-packet paths that read it.
 */
const GONE = -1;
type TrackedSocket = Socket & { [OPEN]?: number };

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
  /** Socket.IO's `packet`, preceded by the count of answered acks; one function for all sockets. */
  private readonly packet: PacketMethod;

  constructor(
    @Inject(REALTIME_OPTIONS) private readonly options: ResolvedRealtimeOptions,
    private readonly hooks: NamespaceHooks,
  ) {
    // eslint-disable-next-line @typescript-eslint/no-this-alias
    const self = this;
    this.packet = function (this: TrackedSocket, packet: { type: number }, opts?: unknown) {
      if (packet.type === ACK_PACKET) {
        const count = this[OPEN]!;
        // After a disconnect (GONE), release() has already counted this ack done.
        if (count > 0) {
          this[OPEN] = count - 1;
          self.settle();
        }
      }
      return ioPacket!.call(this, packet, opts);
    };
  }

  onModuleInit(): void {
    if (!ioPacket) {
      this.logger.warn(
        'This Socket.IO version has no Socket.packet method: shutdown will not wait for acks',
      );
      return;
    }
    this.hooks.onConnection((socket) => this.track(socket));
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

  /**
   * Counts an event that asked for an ack. Its answer is counted when the ack packet goes out,
   * through the socket's `packet` method: Socket.IO's ack function sends exactly one such packet,
   * the first time it is called, so no per-event wrapper (a closure and an `apply`) is needed.
   */
  private watch(socket: TrackedSocket, packet: Event): true {
    if (typeof packet[packet.length - 1] !== 'function') return true;
    const open = socket[OPEN];
    // Disconnected already (an event let on late, e.g. after an asynchronous rate limit check):
    // its handler will not run, so there is nothing to wait for.
    if (open === undefined || open === GONE) return true;
    this.pending++;
    socket[OPEN] = open + 1;
    return true;
  }

  /**
   * Set at connection on every socket, not with its first ack: Socket.IO's code then sees one
   * hidden class for all connected sockets. Set later, idle sockets and sockets that had acked
   * had different ones, and Socket.IO's per-packet functions, seeing both, ran polymorphic.
   */
  private track(socket: TrackedSocket): void {
    (socket as unknown as { packet: PacketMethod }).packet = this.packet;
    socket[OPEN] = 0;
  }

  /**
   * Unanswered acks of a socket that goes: a handler that never answers must not hold shutdown
   * forever, so whatever is left counts as done.
   */
  private release(socket: TrackedSocket): void {
    const open = socket[OPEN];
    socket[OPEN] = GONE;
    if (open === undefined || open <= 0) return; // none open, or released already
    this.pending -= open;
    if (this.pending === 0) this.drained?.();
  }

  private settle(): void {
    this.pending--;
    if (this.pending === 0) this.drained?.();
  }
}
