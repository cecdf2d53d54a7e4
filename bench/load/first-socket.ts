import { Socket as IoSocket } from 'socket.io';

/** What the in-process instruments call on a server socket: Socket.IO's own packet entry. */
export interface PacketTarget {
  _onpacket(packet: unknown): void;
}

/**
 * Remembers the server-side socket of the first connection in this process: the in-process
 * instruments (bench/in-process.ts, bench/load/counted.ts) hand events straight to it. Call it
 * before the server starts; the returned function resolves once that socket has connected.
 */
export function firstServerSocket(): () => Promise<PacketTarget> {
  let first: IoSocket | undefined;
  const proto = IoSocket.prototype as unknown as { _onconnect(this: IoSocket): void };
  const onconnect = proto._onconnect;
  proto._onconnect = function (this: IoSocket) {
    // eslint-disable-next-line @typescript-eslint/no-this-alias -- capturing the socket is the point
    first ??= this;
    return onconnect.call(this);
  };
  return async () => {
    while (!first) await new Promise((resolve) => setImmediate(resolve));
    return first as unknown as PacketTarget;
  };
}

/** One `send` event with an ack request, as a client would send it (both instruments' workload). */
export function sendEvent(target: PacketTarget, id: number, text: string): void {
  target._onpacket({ type: 2, nsp: '/', id, data: ['send', { room: 'r1', text }] });
}
