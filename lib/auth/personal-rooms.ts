import type { Namespace, Socket } from 'socket.io';
import { RealtimeErrorCode } from '../errors/error-codes.js';
import { RealtimeException } from '../errors/realtime.exception.js';
import { identityOf } from './socket-identity.js';

type AddAll = (id: string, rooms: Set<string>) => Promise<void> | void;
type Apply = (opts: unknown, callback: (socket: Socket) => void) => void;
interface GuardedAdapter {
  addAll: AddAll;
  /** socket.io-adapter's (private) loop behind addSockets/socketsJoin, local and remote. */
  apply?: Apply;
  [GUARDED]?: true;
}

const GUARDED = Symbol('realtime:personal-rooms');

/** Who tried to enter a personal room that is not theirs. */
export interface PersonalRoomRefusal {
  namespace: string;
  socketId: string;
  /** The socket's own user id, undefined for an anonymous socket. */
  userId?: string;
  room: string;
  /** `join` (socket.join in app code) or `bulk` (socketsJoin, from this or another instance). */
  via: 'join' | 'bulk';
}

/**
 * Keeps every socket out of other users' personal rooms (`<userRoomPrefix><id>`), whichever API
 * joins it: `socket.join`, `server.in(...).socketsJoin` on this or another instance, and
 * RealtimeRooms all end in the namespace adapter's `addAll`, which is wrapped here. A refused room
 * is never entered (the other rooms of the same call are); a direct `socket.join` then throws
 * FORBIDDEN, which the library's filter answers on the handler's ack. A bulk join (socketsJoin,
 * running for many sockets, or a remote instance's request) does not throw: one bad member must
 * not stop the others or a Redis message handler.
 *
 * `lookup` finds a socket by id, including sockets still in their handshake.
 */
export function protectPersonalRooms(
  nsp: Namespace,
  prefix: string,
  lookup: (id: string) => Socket | undefined,
  refused: (refusal: PersonalRoomRefusal) => void,
): void {
  const adapter = nsp.adapter as unknown as GuardedAdapter;
  if (adapter[GUARDED]) return;
  adapter[GUARDED] = true;
  const addAll = adapter.addAll;
  // Bulk joins run inside `apply`; without it (another adapter), every join counts as bulk.
  let bulk = typeof adapter.apply === 'function' ? 0 : 1;
  if (bulk === 0) {
    const apply = adapter.apply!;
    adapter.apply = function (this: unknown, opts, callback) {
      bulk++;
      try {
        return apply.call(this, opts, callback);
      } finally {
        bulk--;
      }
    };
  }
  adapter.addAll = function (this: unknown, id, rooms) {
    let own: string | undefined;
    let forbidden: string[] | undefined;
    for (const room of rooms) {
      if (!room.startsWith(prefix)) continue;
      if (own === undefined) {
        const socket = lookup(id);
        // A socket under construction (connection state recovery) gets back the rooms it had.
        if (!socket) return addAll.call(this, id, rooms);
        const userId = identityOf(socket)?.userId;
        own = userId === undefined ? '' : `${prefix}${userId}`;
      }
      if (room !== own) (forbidden ??= []).push(room);
    }
    if (!forbidden) return addAll.call(this, id, rooms);
    const allowed = new Set(rooms);
    for (const room of forbidden) allowed.delete(room);
    const result = allowed.size ? addAll.call(this, id, allowed) : undefined;
    const userId = own ? own.slice(prefix.length) : undefined;
    const via = bulk === 0 ? 'join' : 'bulk';
    for (const room of forbidden) {
      refused({ namespace: nsp.name, socketId: id, userId, room, via });
    }
    if (via === 'bulk') return result;
    // The allowed rooms are joined; a rejected sharded subscription is the join's own concern.
    if (result instanceof Promise) result.catch(() => undefined);
    throw new RealtimeException(
      RealtimeErrorCode.FORBIDDEN,
      `Not allowed to join room "${forbidden[0].slice(0, 256)}": it is another user's personal room`,
    );
  };
}
