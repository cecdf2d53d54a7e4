import { Inject, Injectable, Logger, type OnModuleInit } from '@nestjs/common';
import type { Socket } from 'socket.io';
import { NamespaceHooks } from '../adapter/namespace-hooks.js';
import { identityOf } from '../auth/socket-identity.js';
import { REALTIME_OPTIONS } from '../internal.constants.js';
import type { ResolvedRealtimeOptions } from '../options/options.defaults.js';

const WATCHED = Symbol('realtime:slow-client-watched');
export const SLOW_CLIENT = 'SLOW_CLIENT';

/** What the monitor keeps per engine connection. */
interface WatchState {
  /** The first Socket.IO socket of the connection (for its user and disconnect reason). */
  socket: Socket;
  /** Bytes of the packets in engine.io's write buffer. */
  queued: number;
  closing: boolean;
}

interface EngineConnection {
  id: string;
  writeBuffer: Array<{ data?: unknown }>;
  transport: { socket?: { bufferedAmount?: number; terminate?: () => void } };
  on(event: 'packetCreate', fn: (this: EngineConnection, packet: { data?: unknown }) => void): void;
  close(discard?: boolean): void;
  [WATCHED]?: WatchState;
}

/**
 * Disconnects a client whose outgoing queue (engine.io's write buffer plus the WebSocket's
 * buffered bytes) passes `limits.maxBufferedBytes`, so one client that stops reading cannot make
 * the server's memory grow without bound (Centrifugo's rule). The queue is dropped, not flushed.
 *
 * One `packetCreate` listener function is shared by every connection (`this` is the connection).
 * engine.io emits `packetCreate` before it queues the packet, and its write buffer only empties
 * when flushed, so an empty buffer there means every byte counted before has been flushed.
 */
@Injectable()
export class SlowClientMonitor implements OnModuleInit {
  private readonly logger = new Logger('RealtimeSlowClient');
  private readonly max: number;
  private readonly onPacket: (this: EngineConnection, packet: { data?: unknown }) => void;

  constructor(
    @Inject(REALTIME_OPTIONS) options: ResolvedRealtimeOptions,
    private readonly hooks: NamespaceHooks,
  ) {
    this.max = options.limits.maxBufferedBytes;
    const max = this.max;
    // eslint-disable-next-line @typescript-eslint/no-this-alias
    const monitor = this;
    this.onPacket = function (this: EngineConnection, packet: { data?: unknown }) {
      const state = this[WATCHED];
      if (!state || state.closing) return;
      state.queued = (this.writeBuffer.length === 0 ? 0 : state.queued) + sizeOf(packet.data);
      if (state.queued <= max) {
        const buffered = this.transport.socket?.bufferedAmount;
        if (!buffered || state.queued + buffered <= max) return;
      }
      monitor.disconnect(this, state);
    };
  }

  onModuleInit(): void {
    this.hooks.onConnection((socket) => this.watch(socket));
  }

  private watch(socket: Socket): void {
    const conn = socket.conn as unknown as EngineConnection;
    if (conn[WATCHED]) return; // one engine connection carries every namespace of a client
    conn[WATCHED] = { socket, queued: 0, closing: false };
    conn.on('packetCreate', this.onPacket);
  }

  private disconnect(conn: EngineConnection, state: WatchState): void {
    state.closing = true;
    const total = state.queued + (conn.transport.socket?.bufferedAmount ?? 0);
    const { socket } = state;
    const userId = identityOf(socket)?.userId ?? 'anonymous';
    this.logger.warn(
      `Disconnecting slow client ${conn.id} (user ${userId}): ${total} bytes queued, limit ${this.max}`,
    );
    (socket.data as Record<string, unknown>).disconnectReason = SLOW_CLIENT;
    // Discard the queue and drop the TCP connection now; a graceful close would wait for it.
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
