import type { Socket } from 'socket.io-client';

/** Any socket.io-client socket, typed or not. */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type AnyClientSocket = Socket<any, any>;

/** A refused handshake as socket.io-client reports it: `message` is the code, `data` the error shape. */
export type ConnectError = Error & { data?: Record<string, unknown> };

/** Resolves with the first payload of `event`, or rejects after `timeoutMs`. */
export function waitForEvent<T = unknown>(
  socket: AnyClientSocket,
  event: string,
  timeoutMs = 5000,
): Promise<T> {
  const s = socket as Socket;
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      s.off(event, handler);
      reject(new Error(`timed out after ${timeoutMs} ms waiting for "${event}"`));
    }, timeoutMs);
    const handler = (payload: T) => {
      clearTimeout(timer);
      resolve(payload);
    };
    s.once(event, handler);
  });
}

/** Resolves when the socket connects (connecting it if needed); rejects with the connect_error. */
export function connected<S extends AnyClientSocket>(socket: S, timeoutMs = 5000): Promise<S> {
  const s = socket as Socket;
  if (s.connected) return Promise.resolve(socket);
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
      s.off('connect', onConnect);
      s.off('connect_error', onError);
    };
    s.once('connect', onConnect);
    s.once('connect_error', onError);
    if (!s.active) s.connect();
  });
}

/** Resolves with the connect_error of a handshake expected to be refused; rejects if it connects. */
export async function refused(socket: AnyClientSocket, timeoutMs = 5000): Promise<ConnectError> {
  try {
    await connected(socket, timeoutMs);
  } catch (err) {
    socket.disconnect();
    return err as ConnectError;
  }
  socket.disconnect();
  throw new Error('expected the handshake to be refused, but it connected');
}

/** Emits with an ack and resolves with the answer; rejects when none comes within `timeoutMs`. */
export function ask<T = unknown>(
  socket: AnyClientSocket,
  event: string,
  ...args: unknown[]
): Promise<T> {
  return askWithin<T>(5000, socket, event, ...args);
}

/** `ask` with an explicit timeout. */
export function askWithin<T = unknown>(
  timeoutMs: number,
  socket: AnyClientSocket,
  event: string,
  ...args: unknown[]
): Promise<T> {
  return (socket as Socket).timeout(timeoutMs).emitWithAck(event, ...args) as Promise<T>;
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
