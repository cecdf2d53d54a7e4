// What the operator console's tests share: its login, and a console client.
import { io, type Socket } from 'socket.io-client';

export const ADMIN_USERNAME = 'ops';
export const ADMIN_PASSWORD = 'correct horse battery staple';
/** bcrypt (cost 4, fast for tests) of ADMIN_PASSWORD, made with bcryptjs.hashSync. */
export const ADMIN_PASSWORD_HASH = '$2a$04$O3MOzztQYwscsI7Fhp.kgendX.oB1bizXUOSFee.xTY.5FLoAE.4e';

export const ADMIN_AUTH = { username: ADMIN_USERNAME, password: ADMIN_PASSWORD_HASH };

/** A socket as admin-ui sends it to the page (`all_sockets`, `socket_connected`). */
export interface ConsoleSocket {
  id: string;
  nsp: string;
  data: { identity?: { userId: string }; user?: Record<string, unknown> };
  handshake: {
    headers: Record<string, string>;
    query: Record<string, string>;
    url: string;
  };
  rooms: string[];
}

export interface ServerStats {
  serverId: string;
  pid: number;
  namespaces: Array<{ name: string; socketsCount: number }>;
}

/** A console client (what admin-ui's page opens), not connected yet. */
export function consoleClient(
  baseUrl: string,
  auth: Record<string, unknown> = { username: ADMIN_USERNAME, password: ADMIN_PASSWORD },
  namespace = '/admin',
): Socket {
  return io(`${baseUrl}${namespace}`, {
    transports: ['websocket'],
    forceNew: true,
    reconnection: false,
    autoConnect: false,
    auth,
  });
}
