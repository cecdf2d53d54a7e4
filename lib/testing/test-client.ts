import { io, type ManagerOptions, type Socket, type SocketOptions } from 'socket.io-client';

export type TestClientOptions = Partial<ManagerOptions & SocketOptions>;

/**
 * A socket.io-client client with test defaults: websocket only, its own connection, no
 * reconnection, and not connected until asked (so listeners can be attached first).
 */
export function createTestClient(url: string, options: TestClientOptions = {}): Socket {
  return io(url, {
    transports: ['websocket'],
    forceNew: true,
    reconnection: false,
    autoConnect: false,
    ...options,
  });
}
