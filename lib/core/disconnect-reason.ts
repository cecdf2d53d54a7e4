import type { Socket } from 'socket.io';

/**
 * Why the library itself ended a socket, kept on `socket.data` for the metrics to count. The
 * values equal the matching `RealtimeErrorCode`s (TOKEN_EXPIRED, RATE_LIMITED).
 */
export const DisconnectReasons = {
  TOKEN_EXPIRED: 'TOKEN_EXPIRED',
  RATE_LIMITED: 'RATE_LIMITED',
  SLOW_CLIENT: 'SLOW_CLIENT',
} as const;

export type DisconnectReason = (typeof DisconnectReasons)[keyof typeof DisconnectReasons];

/** The part of the library's `socket.data` that records a disconnect reason. */
export interface DisconnectReasonData {
  disconnectReason?: DisconnectReason;
}

type SocketWithData = Pick<Socket, 'data'>;

/** Records why the library is ending this socket (when the socket is closed another way). */
export function markDisconnectReason(socket: SocketWithData, reason: DisconnectReason): void {
  (socket.data as DisconnectReasonData).disconnectReason = reason;
}

/** Records the reason, then disconnects the socket and closes its connection. */
export function disconnectWith(
  socket: SocketWithData & Pick<Socket, 'disconnect'>,
  reason: DisconnectReason,
): void {
  markDisconnectReason(socket, reason);
  socket.disconnect(true);
}

/** The reason the library recorded for ending this socket, if it did. */
export function disconnectReasonOf(socket: SocketWithData): DisconnectReason | undefined {
  return (socket.data as DisconnectReasonData | undefined)?.disconnectReason;
}
