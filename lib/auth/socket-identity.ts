import type { Socket } from 'socket.io';
import type { DisconnectReasonData } from '../core/disconnect-reason.js';

/** What the library keeps on `socket.data` of an authenticated socket. Never the token. */
export interface SocketIdentity {
  userId: string;
  /** Token expiry, in ms since the epoch; undefined for tokens without `exp`. */
  expiresAt?: number;
}

export interface RealtimeSocketData extends DisconnectReasonData {
  /** The app's user: what `validateUser` returned, or the verified payload. */
  user?: unknown;
  identity?: SocketIdentity;
}

export function identityOf(socket: Pick<Socket, 'data'>): SocketIdentity | undefined {
  return (socket.data as RealtimeSocketData | undefined)?.identity;
}
