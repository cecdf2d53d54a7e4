import { HttpException, HttpStatus, Inject, Injectable, Logger } from '@nestjs/common';
import type { ExtendedError, Socket } from 'socket.io';
import { RealtimeErrorCode } from '../errors/error-codes.js';
import { toErrorShape } from '../errors/error-shape.js';
import { RealtimeException } from '../errors/realtime.exception.js';
import { REALTIME_OPTIONS } from '../core/internal.constants.js';
import type { ResolvedAuthOptions, ResolvedRealtimeOptions } from '../options/options.defaults.js';
import type {
  RealtimeHandshake,
  RealtimeJwtPayload,
} from '../options/realtime-options.interface.js';
import type { RealtimeSocketData, SocketIdentity } from './socket-identity.js';
import { extractToken } from './token-extractor.js';
import { TokenVerifier } from './token-verifier.js';

export interface AuthenticatedUser {
  user: unknown;
  identity: SocketIdentity;
}

/**
 * Authenticates a Socket.IO handshake before any gateway code runs. Run on every namespace by
 * the library's adapter (NamespaceHooks); a rejection reaches the client as `connect_error`.
 */
@Injectable()
export class HandshakeAuthenticator {
  private readonly logger = new Logger('RealtimeAuth');
  private readonly auth: ResolvedAuthOptions | false;

  constructor(
    @Inject(REALTIME_OPTIONS) options: ResolvedRealtimeOptions,
    private readonly verifier: TokenVerifier,
  ) {
    this.auth = options.auth;
  }

  get enabled(): boolean {
    return this.auth !== false;
  }

  /** The `connect_error` a refused handshake sends: message is the code, data the error shape. */
  toConnectError(socket: Socket, error: unknown): ExtendedError {
    const { shape } = toErrorShape(error);
    this.logger.debug(`Handshake refused on ${socket.nsp.name}: ${shape.code} ${shape.message}`);
    const err = new Error(shape.code) as ExtendedError;
    err.data = shape;
    return err;
  }

  /**
   * Sets `socket.data.user` and `socket.data.identity`, or throws a RealtimeException. Returns a
   * promise only when verification is asynchronous (JWKS, `validateUser`); a secret or public
   * key answers at once, so the handshake waits for nothing.
   */
  authenticate(socket: Socket): void | Promise<void> {
    if (!this.auth) return;
    const token = extractToken(socket.handshake, this.auth.tokenSources);
    if (!token) {
      if (this.isPublic(socket.nsp.name)) return;
      throw new RealtimeException(
        RealtimeErrorCode.UNAUTHORIZED,
        'Authentication token is missing',
      );
    }
    const result = this.identifyNow(token, () => toHandshake(socket));
    if (result instanceof Promise) return result.then((found) => assign(socket, found));
    assign(socket, result);
  }

  /** Verifies a token and maps it to the app's user; also used by in-band refresh. */
  async identify(token: string, handshake: RealtimeHandshake): Promise<AuthenticatedUser> {
    return this.identifyNow(token, () => handshake);
  }

  private identifyNow(
    token: string,
    handshake: () => RealtimeHandshake,
  ): AuthenticatedUser | Promise<AuthenticatedUser> {
    const auth = this.auth;
    if (!auth) throw new RealtimeException(RealtimeErrorCode.UNAUTHORIZED, 'Authentication is off');
    const payload = this.verifier.verifyNow(token);
    if (payload instanceof Promise) return payload.then((p) => this.toUser(auth, p, handshake));
    return this.toUser(auth, payload, handshake);
  }

  private toUser(
    auth: ResolvedAuthOptions,
    payload: RealtimeJwtPayload,
    handshake: () => RealtimeHandshake,
  ): AuthenticatedUser | Promise<AuthenticatedUser> {
    if (!auth.validateUser) return this.toIdentity(auth, payload, payload);
    const validate = auth.validateUser;
    return (async () => {
      let user: unknown;
      try {
        user = await validate(payload, handshake());
      } catch (error) {
        throw toRejection(error);
      }
      if (user === null || user === undefined || user === false) {
        throw new RealtimeException(RealtimeErrorCode.UNAUTHORIZED, 'User was rejected');
      }
      return this.toIdentity(auth, payload, user);
    })();
  }

  private toIdentity(
    auth: ResolvedAuthOptions,
    payload: RealtimeJwtPayload,
    user: unknown,
  ): AuthenticatedUser {
    const field = auth.userIdField;
    const raw = (user as Record<string, unknown>)?.[field] ?? payload[field];
    if ((typeof raw !== 'string' || !raw) && typeof raw !== 'number') {
      throw new RealtimeException(
        RealtimeErrorCode.UNAUTHORIZED,
        `Token has no "${field}" user id`,
      );
    }
    const expiresAt = typeof payload.exp === 'number' ? payload.exp * 1000 : undefined;
    return { user, identity: { userId: String(raw), expiresAt } };
  }

  isPublic(namespace: string): boolean {
    if (!this.auth) return true;
    return this.auth.publicNamespaces.some((p) =>
      typeof p === 'string' ? p === namespace : p.test(namespace),
    );
  }
}

function assign(socket: Socket, { user, identity }: AuthenticatedUser): void {
  const data = socket.data as RealtimeSocketData;
  data.user = user;
  data.identity = identity;
}

function toRejection(error: unknown): RealtimeException {
  if (error instanceof RealtimeException) return error;
  if (error instanceof HttpException && error.getStatus() === HttpStatus.FORBIDDEN) {
    return new RealtimeException(RealtimeErrorCode.FORBIDDEN, error.message);
  }
  return new RealtimeException(RealtimeErrorCode.UNAUTHORIZED, 'User was rejected');
}

export function toHandshake(socket: Socket): RealtimeHandshake {
  const { headers, address, auth, query } = socket.handshake;
  return {
    namespace: socket.nsp.name,
    headers,
    address,
    auth: auth as Record<string, unknown>,
    query: query as Record<string, unknown>,
  };
}
