import { Inject, Injectable, Logger, type OnModuleInit } from '@nestjs/common';
import type { Socket } from 'socket.io';
import { NamespaceHooks } from '../connection/namespace-hooks.js';
import { identityOf } from '../auth/socket-identity.js';
import { DisconnectReasons, markDisconnectReason } from '../core/disconnect-reason.js';
import { REALTIME_OPTIONS } from '../core/internal.constants.js';
import type { ResolvedRealtimeOptions } from '../options/options.defaults.js';

export const SLOW_CLIENT = DisconnectReasons.SLOW_CLIENT;

/** Packets of a connection's current write buffer, counted once the buffer was not empty. */
interface Tally {
  /** engine.io's write buffer these bytes are in (a new array after every flush). */
  buffer: unknown[];
  queued: number;
}

type SendPacket = (
  this: EngineConnection,
  type: string,
  data?: unknown,
  options?: unknown,
  callback?: unknown,
) => void;

interface EngineConnection {
  id: string;
  readyState: string;
  writeBuffer: Array<{ data?: unknown }>;
  transport: { socket?: { bufferedAmount?: number; terminate?: () => void } };
  sendPacket: SendPacket;
  on(event: 'packetCreate', fn: (this: EngineConnection, packet: { data?: unknown }) => void): void;
  close(discard?: boolean): void;
}

/**
 * Disconnects a client whose outgoing queue (engine.io's write buffer plus the WebSocket's
 * buffered bytes) passes `limits.maxBufferedBytes`, so one client that stops reading cannot make
 * the server's memory grow without bound (Centrifugo's rule). The queue is dropped, not flushed.
 *
 * Every packet engine.io sends goes through its connection's `sendPacket`, which queues it in the
 * write buffer. Each connection gets one shared wrapper of it (`this` is the connection), which
 * looks at the packet before engine.io queues it. This runs for every delivery of every
 * broadcast: a `packetCreate` listener does the same through EventEmitter.emit, at a measurable
 * share of a fan-out delivery's CPU time (bench/README.md). Where engine.io's `sendPacket` is not the one found on
 * the first connection's prototype (another engine.io, or a connection patched by someone else),
 * the `packetCreate` listener is used instead.
 *
 * An empty write buffer means everything queued before has been handed to the transport, which
 * takes more only once its last send has reached the kernel: the packet alone is the queue, and
 * nothing else of the connection is read. Only a connection whose buffer is already growing gets
 * its bytes counted and the WebSocket's buffered amount added.
 */
@Injectable()
export class SlowClientMonitor implements OnModuleInit {
  private readonly logger = new Logger('RealtimeSlowClient');
  private readonly max: number;
  /** The rule for one packet about to be queued; the two ways of seeing packets share it. */
  private readonly inspect: (conn: EngineConnection, size: number) => void;
  private readonly onPacket: (this: EngineConnection, packet: { data?: unknown }) => void;
  /** engine.io's own `sendPacket`, from the first connection's prototype. */
  private engineSendPacket?: SendPacket;
  private sendPacket?: SendPacket;
  /** Per engine connection: its first Socket.IO socket (for its user and disconnect reason). */
  private readonly sockets = new WeakMap<EngineConnection, Socket>();
  private readonly tallies = new WeakMap<EngineConnection, Tally>();

  constructor(
    @Inject(REALTIME_OPTIONS) options: ResolvedRealtimeOptions,
    private readonly hooks: NamespaceHooks,
  ) {
    this.max = options.limits.maxBufferedBytes;
    const max = this.max;
    // eslint-disable-next-line @typescript-eslint/no-this-alias
    const monitor = this;
    const inspect = (this.inspect = (conn: EngineConnection, size: number) => {
      if (conn.writeBuffer.length === 0 && size <= max) return;
      monitor.count(conn, size);
    });
    this.onPacket = function (this: EngineConnection, packet: { data?: unknown }) {
      inspect(this, sizeOf(packet.data));
    };
  }

  onModuleInit(): void {
    this.hooks.onEngineConnection((conn) => this.watch(conn as EngineConnection));
    this.hooks.onConnection((socket) => this.remember(socket));
  }

  /**
   * On the engine.io connection, before its first packet: set later (with the first Socket.IO
   * socket), the wrapper gave connections two hidden classes, and Socket.IO's and engine.io's
   * per-packet code, seeing both, ran polymorphic.
   */
  private watch(conn: EngineConnection): void {
    const send = this.wrapperFor(conn);
    if (send) conn.sendPacket = send;
    else conn.on('packetCreate', this.onPacket);
  }

  /** The connection's first Socket.IO socket (one connection carries every namespace of a client). */
  private remember(socket: Socket): void {
    const conn = socket.conn as unknown as EngineConnection;
    if (!this.sockets.has(conn)) this.sockets.set(conn, socket);
  }

  /** The shared sendPacket wrapper, or undefined where this connection's is not engine.io's. */
  private wrapperFor(conn: EngineConnection): SendPacket | undefined {
    const own = Object.prototype.hasOwnProperty.call(conn, 'sendPacket');
    const proto = (Object.getPrototypeOf(conn) as Partial<EngineConnection> | null)?.sendPacket;
    if (own || typeof proto !== 'function') return undefined;
    if (!this.engineSendPacket) {
      const engine = (this.engineSendPacket = proto);
      const inspect = this.inspect;
      this.sendPacket = function (this: EngineConnection, type, data, options, callback) {
        inspect(this, sizeOf(data));
        engine.call(this, type, data, options, callback);
      };
    }
    return proto === this.engineSendPacket ? this.sendPacket : undefined;
  }

  /** A packet joining a non-empty write buffer (or larger than the limit by itself). */
  private count(conn: EngineConnection, size: number): void {
    // engine.io queues nothing once the connection is closing (and emits no packetCreate then).
    if (conn.readyState === 'closing' || conn.readyState === 'closed') return;
    const buffer = conn.writeBuffer;
    let tally = this.tallies.get(conn);
    if (tally?.buffer !== buffer) {
      tally = { buffer, queued: 0 };
      for (const queued of buffer) tally.queued += sizeOf(queued.data);
      this.tallies.set(conn, tally);
    }
    tally.queued += size;
    const total = tally.queued + (conn.transport.socket?.bufferedAmount ?? 0);
    if (total > this.max) this.disconnect(conn, total);
  }

  private disconnect(conn: EngineConnection, total: number): void {
    // No socket yet: a client that connected no namespace (its handshake still under way).
    const socket = this.sockets.get(conn);
    const userId = (socket && identityOf(socket)?.userId) ?? 'anonymous';
    this.logger.warn(
      `Disconnecting slow client ${conn.id} (user ${userId}): ${total} bytes queued, limit ${this.max}`,
    );
    if (socket) markDisconnectReason(socket, SLOW_CLIENT);
    this.tallies.delete(conn);
    // Discard the queue and drop the TCP connection now; a graceful close would wait for it.
    // engine.io queues nothing once it is closing.
    conn.close(true);
    conn.transport.socket?.terminate?.();
  }
}

function sizeOf(data: unknown): number {
  if (typeof data === 'string') return data.length;
  if (data instanceof ArrayBuffer) return data.byteLength;
  if (ArrayBuffer.isView(data)) return data.byteLength;
  return 0;
}
