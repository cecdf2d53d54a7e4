import { Inject, Injectable, Logger, type OnModuleInit } from '@nestjs/common';
import type { Socket } from 'socket.io';
import { NamespaceHooks } from '../adapter/namespace-hooks.js';
import { identityOf } from '../auth/socket-identity.js';
import { REALTIME_OPTIONS } from '../internal.constants.js';
import type { ResolvedRealtimeOptions } from '../options/options.defaults.js';

const WATCHED = Symbol('realtime:slow-client-watched');
export const SLOW_CLIENT = 'SLOW_CLIENT';

interface EngineConnection {
  id: string;
  writeBuffer: Array<{ data?: unknown }>;
  transport: { socket?: { bufferedAmount?: number; terminate?: () => void } };
  on(event: 'packetCreate', fn: (packet: { data?: unknown }) => void): void;
  on(event: 'flush', fn: () => void): void;
  close(discard?: boolean): void;
  [WATCHED]?: boolean;
}

/**
 * Disconnects a client whose outgoing queue (engine.io's write buffer plus the WebSocket's
 * buffered bytes) passes `limits.maxBufferedBytes`, so one client that stops reading cannot make
 * the server's memory grow without bound (Centrifugo's rule). The queue is dropped, not flushed.
 */
@Injectable()
export class SlowClientMonitor implements OnModuleInit {
  private readonly logger = new Logger('RealtimeSlowClient');
  private readonly max: number;

  constructor(
    @Inject(REALTIME_OPTIONS) options: ResolvedRealtimeOptions,
    private readonly hooks: NamespaceHooks,
  ) {
    this.max = options.limits.maxBufferedBytes;
  }

  onModuleInit(): void {
    this.hooks.onConnection((socket) => this.watch(socket));
  }

  private watch(socket: Socket): void {
    const conn = socket.conn as unknown as EngineConnection;
    if (conn[WATCHED]) return; // one engine connection carries every namespace of a client
    conn[WATCHED] = true;
    let queued = 0;
    let closing = false;
    conn.on('flush', () => (queued = 0));
    conn.on('packetCreate', (packet) => {
      if (closing) return;
      queued += sizeOf(packet.data);
      const total = queued + (conn.transport.socket?.bufferedAmount ?? 0);
      if (total <= this.max) return;
      closing = true;
      const userId = identityOf(socket)?.userId ?? 'anonymous';
      this.logger.warn(
        `Disconnecting slow client ${conn.id} (user ${userId}): ${total} bytes queued, limit ${this.max}`,
      );
      (socket.data as Record<string, unknown>).disconnectReason = SLOW_CLIENT;
      // Discard the queue and drop the TCP connection now; a graceful close would wait for it.
      conn.close(true);
      conn.transport.socket?.terminate?.();
    });
  }
}

function sizeOf(data: unknown): number {
  if (typeof data === 'string') return data.length;
  if (data instanceof ArrayBuffer) return data.byteLength;
  if (ArrayBuffer.isView(data)) return data.byteLength;
  return 0;
}
