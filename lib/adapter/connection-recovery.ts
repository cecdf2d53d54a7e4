import type { Namespace, Server, Socket } from 'socket.io';
import { identityOf, type RealtimeSocketData } from '../auth/socket-identity.js';
import { RealtimeErrorCode } from '../errors/error-codes.js';
import { RealtimeException } from '../errors/realtime.exception.js';
import type { NamespaceHooks } from '../connection/namespace-hooks.js';

/** Socket.IO's EVENT packet type (socket.io-parser). */
const EVENT_PACKET = 2;
const MISSED = Symbol('realtime:missedPackets');
const PREVIOUS_USER = Symbol('realtime:previousUser');
const GUARDED = Symbol('realtime:recoveryGuarded');

/** What an adapter's `restoreSession` resolves with (socket.io-adapter's `Session`). */
interface RestoredSession {
  sid: string;
  pid: string;
  rooms: string[];
  data: unknown;
  missedPackets: unknown[][];
}

type RecoverableData = RealtimeSocketData & {
  [MISSED]?: unknown[][];
  [PREVIOUS_USER]?: string | null;
};

/**
 * Connection state recovery that re-authenticates before anything is restored to the client.
 *
 * Socket.IO writes a recovered socket's missed packets in the Socket constructor, before the
 * namespace middlewares run: a client whose token expired (or was revoked) while it was away
 * would receive them although the handshake is then refused. Here the adapter's
 * `restoreSession` holds the missed packets back; the handshake runs with the restored user
 * cleared, must authenticate the same user as before, and only then are the missed packets sent
 * (right after the CONNECT packet, as Socket.IO would have).
 */
export class ConnectionRecovery {
  constructor(hooks: NamespaceHooks) {
    hooks.onHandshake('before', (socket) => this.beforeAuthentication(socket));
    hooks.onHandshake('after', (socket) => this.afterAuthentication(socket));
    hooks.onConnection((socket) => this.deliverMissedPackets(socket));
  }

  /** Holds back missed packets on every namespace of `server`, present and future. */
  watch(server: Server): void {
    this.guard(server.of('/'));
    server.of('/').on('new_namespace', (nsp: Namespace) => this.guard(nsp));
  }

  private guard(nsp: Namespace): void {
    const adapter = nsp.adapter as typeof nsp.adapter & {
      [GUARDED]?: boolean;
      restoreSession(pid: string, offset: string): Promise<RestoredSession | null>;
    };
    if (adapter[GUARDED]) return;
    adapter[GUARDED] = true;
    const restore = adapter.restoreSession.bind(adapter);
    adapter.restoreSession = async (pid, offset) => {
      const session = await restore(pid, offset);
      if (!session) return session;
      // A copy: the in-memory adapter hands out the stored object itself, which the handshake
      // below would otherwise rewrite for the next attempt (another user's token included).
      const data = { ...(session.data as object) } as RecoverableData;
      // `socket.data` becomes this very object, so the packets travel with the socket
      Object.defineProperty(data, MISSED, {
        value: session.missedPackets,
        configurable: true,
        enumerable: false,
      });
      session.data = data;
      session.missedPackets = [];
      return session;
    };
  }

  /** A restored socket proves who it is again: the restored user is not trusted. */
  private beforeAuthentication(socket: Socket): void {
    if (!socket.recovered) return;
    const data = socket.data as RecoverableData;
    Object.defineProperty(data, PREVIOUS_USER, {
      value: identityOf(socket)?.userId ?? null,
      configurable: true,
      enumerable: false,
    });
    delete data.user;
    delete data.identity;
  }

  /** The restored rooms (the personal room among them) belong to the user who had them. */
  private afterAuthentication(socket: Socket): void {
    if (!socket.recovered) return;
    const data = socket.data as RecoverableData;
    const previous = data[PREVIOUS_USER] ?? null;
    delete data[PREVIOUS_USER];
    const current = identityOf(socket)?.userId ?? null;
    if (previous !== current) {
      delete data[MISSED];
      // The in-memory adapter keeps a session until it expires; this one must not be offered
      // again (the streams adapter already deleted it when restoring).
      const { pid } = socket as unknown as { pid: string };
      (socket.nsp.adapter as { sessions?: Map<string, unknown> }).sessions?.delete(pid);
      throw new RealtimeException(
        RealtimeErrorCode.FORBIDDEN,
        'The connection state to recover belongs to another user',
      );
    }
  }

  private deliverMissedPackets(socket: Socket): void {
    const data = socket.data as RecoverableData;
    const missed = data?.[MISSED];
    if (!missed) return;
    delete data[MISSED];
    // Socket#packet is what Socket.IO itself uses to write the missed packets
    const writer = socket as unknown as { packet(packet: { type: number; data: unknown }): void };
    for (const packet of missed) writer.packet({ type: EVENT_PACKET, data: packet });
  }
}
