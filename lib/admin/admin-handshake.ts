import type { ExtendedError } from 'socket.io';
import type { NamespaceGuard } from '../connection/namespace-hooks.js';
import { refusedOriginOf, sameOrigin } from '../connection/origin-guard.js';
import { RealtimeErrorCode } from '../errors/error-codes.js';
import type { RealtimeSignals } from '../core/realtime-signals.js';
import type { AdminSessions } from './admin-sessions.js';
import { LOGIN_WINDOW_MS, type LoginAttempts } from './login-attempts.js';

/** The message admin-ui's page recognises (it then shows its own "Invalid credentials"). */
export const INVALID_CREDENTIALS = 'invalid credentials';

/** Longest username or password looked at (bcrypt reads 72 bytes of a password at most). */
const MAX_CREDENTIAL_LENGTH = 1024;

/**
 * The console namespace's handshake, run before admin-ui's own login check (which compares the
 * password with bcrypt, or looks up the session id):
 * - the Origin: a page on an origin outside `server.cors.origin` is refused, except the app's
 *   own origin, where the library serves the console's page;
 * - the shape of the credentials: admin-ui's bcrypt comparison rejects a non-string password
 *   with an exception that nothing catches, which would end the process;
 * - password attempts per client address (see LoginAttempts);
 * - a handshake with neither a username nor a known session id is refused with an empty
 *   message: admin-ui's page connects that way when it opens, and shows its login form without
 *   an error for it.
 */
export function adminHandshakeGuard(
  sessions: AdminSessions,
  attempts: LoginAttempts,
  signals: RealtimeSignals,
): NamespaceGuard {
  return (socket, next) => {
    const refuse = (message: string, code: RealtimeErrorCode, detail: string, extra = {}) => {
      signals.emit({ type: 'handshake-refused', namespace: socket.nsp.name, code });
      const error = new Error(message) as ExtendedError;
      error.data = { status: 'error', code, message: detail, ...extra };
      next(error);
    };
    const origin = refusedOriginOf(socket.request);
    if (origin !== undefined && !sameOrigin(origin, socket.request)) {
      const shown = origin.slice(0, 200);
      return refuse(
        RealtimeErrorCode.FORBIDDEN,
        RealtimeErrorCode.FORBIDDEN,
        `Origin ${shown} is not allowed to connect to this server`,
      );
    }
    const auth = (socket.handshake.auth ?? {}) as Record<string, unknown>;
    const { username, password, sessionId } = auth;
    if (username !== undefined || password !== undefined) {
      if (!isCredential(username) || !isCredential(password)) {
        return refuse(
          INVALID_CREDENTIALS,
          RealtimeErrorCode.UNAUTHORIZED,
          'Invalid username or password',
        );
      }
      if (!attempts.take(socket.handshake.address)) {
        return refuse(
          'too many login attempts, try again in a minute',
          RealtimeErrorCode.RATE_LIMITED,
          'Too many login attempts from this address',
          { retryAfter: Math.ceil(LOGIN_WINDOW_MS / 1000) },
        );
      }
      return next(); // admin-ui compares the password
    }
    const loginRequired = () =>
      refuse('', RealtimeErrorCode.UNAUTHORIZED, 'Log in with the console username and password');
    if (typeof sessionId !== 'string' || sessionId === '') return loginRequired();
    sessions.doesSessionExist(sessionId).then(
      (found) => (found ? next() : loginRequired()),
      () => loginRequired(),
    );
  };
}

function isCredential(value: unknown): value is string {
  return typeof value === 'string' && value.length > 0 && value.length <= MAX_CREDENTIAL_LENGTH;
}
