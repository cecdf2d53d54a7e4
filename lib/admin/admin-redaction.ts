import { AUTH_REFRESH_EVENT } from '../auth/token-lifecycle.js';

/** What the console shows instead of a credential. */
export const REDACTED = '[redacted]';

/** Request headers that carry credentials: the token's header, cookies (a session, the token). */
const SECRET_HEADERS = new Set(['authorization', 'proxy-authorization', 'cookie']);

/** A socket as admin-ui serializes it for the page (the fields read here). */
interface SerializedSocket {
  handshake?: {
    headers?: Record<string, unknown>;
    query?: Record<string, unknown>;
    url?: unknown;
  };
}

/**
 * admin-ui shows each socket's initial request (headers, query, URL) on the console's page: with
 * a token in the Authorization header, a cookie or the query, every operator could read (and
 * use) every user's credentials. This returns a copy of a serialized socket with those values
 * replaced; the socket itself is left as it is.
 *
 * @param tokenQuery the query parameter tokens are read from (`auth.tokenSources.query`), if any
 */
export function socketRedactor(tokenQuery: string | false): (socket: unknown) => unknown {
  return (socket) => {
    const handshake = (socket as SerializedSocket | null)?.handshake;
    if (!handshake || typeof handshake !== 'object') return socket;
    const copy = { ...handshake };
    if (handshake.headers && typeof handshake.headers === 'object') {
      copy.headers = Object.fromEntries(
        Object.entries(handshake.headers).map(([name, value]) => [
          name,
          SECRET_HEADERS.has(name.toLowerCase()) ? REDACTED : value,
        ]),
      );
    }
    if (tokenQuery) {
      if (handshake.query && typeof handshake.query === 'object' && tokenQuery in handshake.query) {
        copy.query = { ...handshake.query, [tokenQuery]: REDACTED };
      }
      if (typeof handshake.url === 'string') copy.url = redactUrl(handshake.url, tokenQuery);
    }
    return { ...(socket as object), handshake: copy };
  };
}

function redactUrl(url: string, parameter: string): string {
  const start = url.indexOf('?');
  if (start < 0) return url;
  const params = new URLSearchParams(url.slice(start + 1));
  if (!params.has(parameter)) return url;
  params.set(parameter, REDACTED);
  return `${url.slice(0, start)}?${params.toString()}`;
}

/**
 * An incoming event as admin-ui's event feed shows it (`[event, ...args]`), without the token an
 * `auth:refresh` carries.
 */
export function redactEvent(event: unknown): unknown {
  if (!Array.isArray(event) || event[0] !== AUTH_REFRESH_EVENT) return event;
  return [event[0], ...event.slice(1).map(() => REDACTED)];
}
