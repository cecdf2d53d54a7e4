import type { IncomingMessage } from 'node:http';
import type { ServerOptions } from 'socket.io';

type AllowRequest = NonNullable<ServerOptions['allowRequest']>;
type Cors = ServerOptions['cors'];
type OriginCheck = (origin: string, req: IncomingMessage) => Promise<boolean>;

/**
 * Refuses handshakes (WebSocket upgrades and polling requests alike) whose Origin is not allowed:
 * browsers do not apply CORS to WebSockets, so without this any site could open an authenticated
 * socket with the user's cookies (cross-site WebSocket hijacking). Allowed origins come from
 * `server.cors.origin`; without it only the same origin (Origin host = Host header). Requests
 * without an Origin header (non-browser clients) are not a CSWSH vector and pass.
 */
export function originGuard(cors: Cors, previous?: AllowRequest): AllowRequest {
  const allowed = originCheck(cors);
  return (req, callback) => {
    const origin = req.headers.origin;
    if (!origin) {
      // Non-browser clients: nothing to check, so no promise and no microtask turn.
      if (previous) return previous(req, callback);
      return callback(null, true);
    }
    allowed(origin, req).then(
      (ok) => {
        if (!ok) return callback('Origin not allowed', false);
        if (previous) return previous(req, callback);
        callback(null, true);
      },
      () => callback('Origin not allowed', false),
    );
  };
}

function originCheck(cors: Cors): OriginCheck {
  const option = cors && typeof cors === 'object' ? cors.origin : undefined;
  if (option === undefined || option === false)
    return async (origin, req) => sameOrigin(origin, req);
  if (option === true || option === '*') return async () => true;
  if (typeof option === 'function') {
    return (origin) =>
      new Promise((resolve) =>
        (option as (o: string, cb: (err: Error | null, allow?: unknown) => void) => void)(
          origin,
          (err, allow) => resolve(!err && matches(allow as never, origin)),
        ),
      );
  }
  return async (origin) => matches(option as never, origin);
}

function matches(
  option: string | RegExp | boolean | Array<string | RegExp | boolean>,
  origin: string,
): boolean {
  if (Array.isArray(option)) return option.some((o) => matches(o, origin));
  if (option === true) return true;
  if (typeof option === 'string') return option === '*' || option === origin;
  if (option instanceof RegExp) return option.test(origin);
  return false;
}

function sameOrigin(origin: string, req: IncomingMessage): boolean {
  try {
    return new URL(origin).host === req.headers.host;
  } catch {
    return false;
  }
}
