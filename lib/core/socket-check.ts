import type { Socket } from 'socket.io';

/**
 * Implemented by a guard that, for one gateway handler known in advance, can decide from the
 * socket alone: the library's handler pipeline then calls the returned check on every message
 * instead of building an ExecutionContext for `canActivate`. Returning undefined (a subclass
 * that overrides `canActivate`, say) keeps the guard on `canActivate`.
 */
export const SOCKET_CHECK = Symbol('realtime:socket-check');

export type SocketCheck = (socket: Socket) => boolean;

export interface SocketCheckable {
  [SOCKET_CHECK](gateway: object, handler: object): SocketCheck | undefined;
}

export function socketCheckOf(
  guard: unknown,
  gateway: object,
  handler: object,
): SocketCheck | null {
  const provider = (guard as Partial<SocketCheckable> | null)?.[SOCKET_CHECK];
  return typeof provider === 'function' ? (provider.call(guard, gateway, handler) ?? null) : null;
}
