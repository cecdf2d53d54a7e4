import type { Socket } from 'socket.io-client';

/** Resolves with the first payload of `event`, or rejects after `timeoutMs`. */
export function once<T = unknown>(socket: Socket, event: string, timeoutMs = 5000): Promise<T> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      socket.off(event, handler);
      reject(new Error(`timed out after ${timeoutMs} ms waiting for "${event}"`));
    }, timeoutMs);
    const handler = (payload: T) => {
      clearTimeout(timer);
      resolve(payload);
    };
    socket.once(event, handler);
  });
}

export type ConnectError = Error & { data?: Record<string, unknown> };

/** Resolves when the socket connects; rejects with the connect_error otherwise. */
export function connected(socket: Socket, timeoutMs = 5000): Promise<Socket> {
  if (socket.connected) return Promise.resolve(socket);
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      cleanup();
      reject(new Error(`timed out after ${timeoutMs} ms waiting to connect`));
    }, timeoutMs);
    const onConnect = () => {
      cleanup();
      resolve(socket);
    };
    const onError = (err: ConnectError) => {
      cleanup();
      reject(err);
    };
    const cleanup = () => {
      clearTimeout(timer);
      socket.off('connect', onConnect);
      socket.off('connect_error', onError);
    };
    socket.once('connect', onConnect);
    socket.once('connect_error', onError);
    if (!socket.active) socket.connect();
  });
}

/** Resolves with the connect_error of a handshake expected to be refused. */
export async function refused(socket: Socket, timeoutMs = 5000): Promise<ConnectError> {
  try {
    await connected(socket, timeoutMs);
  } catch (err) {
    socket.disconnect();
    return err as ConnectError;
  }
  socket.disconnect();
  throw new Error('expected the handshake to be refused, but it connected');
}

/** An ack round trip with a timeout. */
export function ask<T = unknown>(socket: Socket, event: string, ...args: unknown[]): Promise<T> {
  return socket.timeout(5000).emitWithAck(event, ...args) as Promise<T>;
}

/**
 * Calls `attempt` until it returns a value other than undefined/false, at most `timeoutMs`, with
 * `intervalMs` between attempts (for conditions no event announces, e.g. Redis coming back).
 */
export async function eventually<T>(
  attempt: () => Promise<T | undefined | false> | T | undefined | false,
  { timeoutMs = 10_000, intervalMs = 100, what = 'condition' } = {},
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let lastError: unknown;
  for (;;) {
    try {
      const value = await attempt();
      if (value !== undefined && value !== false) return value;
    } catch (error) {
      lastError = error;
    }
    if (Date.now() >= deadline) {
      const cause = lastError instanceof Error ? ` (last error: ${lastError.message})` : '';
      throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}${cause}`);
    }
    await new Promise((r) => setTimeout(r, intervalMs));
  }
}
