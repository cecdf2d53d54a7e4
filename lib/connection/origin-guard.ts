import type { IncomingMessage } from 'node:http';
import type { ServerOptions } from 'socket.io';

type AllowRequest = NonNullable<ServerOptions['allowRequest']>;
type Cors = ServerOptions['cors'];
type OriginCheck = (origin: string, req: IncomingMessage) => Promise<boolean>;

const REFUSED_ORIGIN = Symbol('realtime:refused-origin');
type MarkedRequest = IncomingMessage & { [REFUSED_ORIGIN]?: string };

/**
 * Marks handshakes (WebSocket upgrades and polling requests alike) whose Origin is not allowed:
 * browsers do not apply CORS to WebSockets, so without this any site could open an authenticated
 * socket with the user's cookies (cross-site WebSocket hijacking). Allowed origins come from
 * `server.cors.origin`; without it only the same origin (Origin host = Host header). Requests
 * without an Origin header (non-browser clients) are not a CSWSH vector and pass.
 *
 * A marked transport is let through so that the refusal can reach the page as a reason
 * (`connect_error` FORBIDDEN naming the origin): every namespace refuses such a socket first,
 * before authentication reads a token or cookie, so no event of it ever runs.
 */
export function originGuard(cors: Cors, previous?: AllowRequest): AllowRequest {
  const allowed = originCheck(cors);
  const pass = (req: IncomingMessage, callback: Parameters<AllowRequest>[1]) =>
    previous ? previous(req, callback) : callback(null, true);
  return (req, callback) => {
    const origin = req.headers.origin;
    // Non-browser clients: nothing to check, so no promise and no microtask turn.
    if (!origin) return pass(req, callback);
    allowed(origin, req).then(
      (ok) => {
        if (!ok) (req as MarkedRequest)[REFUSED_ORIGIN] = origin;
        pass(req, callback);
      },
      () => {
        (req as MarkedRequest)[REFUSED_ORIGIN] = origin;
        pass(req, callback);
      },
    );
  };
}

/** The Origin a socket's handshake came from when it is not allowed; undefined otherwise. */
export function refusedOriginOf(request: IncomingMessage | undefined): string | undefined {
  return (request as MarkedRequest | undefined)?.[REFUSED_ORIGIN];
}

/**
 * The CORS answer of the Socket.IO endpoint: every Origin may read it, so that a page on a
 * refused origin can read its refusal over long-polling too. What such a page can read is the
 * transport handshake and that refusal, never an event: the namespaces refuse it before
 * authentication. `credentials` and the other settings stay as configured.
 */
export function transportCors(cors: Cors): NonNullable<Cors> {
  const base = cors && typeof cors === 'object' ? cors : {};
  return { ...base, origin: true };
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

/** The page is on the server's own origin (Origin host = Host header). */
export function sameOrigin(origin: string, req: IncomingMessage): boolean {
  try {
    return new URL(origin).host === req.headers.host;
  } catch {
    return false;
  }
}
