import {
  type CanActivate,
  type ExecutionContext,
  ForbiddenException,
  HttpException,
  Inject,
  Injectable,
  UnauthorizedException,
} from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import type { Socket } from 'socket.io';
import { RealtimeErrorCode } from '../errors/error-codes.js';
import { toErrorShape } from '../errors/error-shape.js';
import { RealtimeException } from '../errors/realtime.exception.js';
import { PUBLIC_HANDLER_METADATA, REALTIME_OPTIONS } from '../core/internal.constants.js';
import type { ResolvedRealtimeOptions } from '../options/options.defaults.js';
import type { RealtimeHandshake } from '../options/realtime-options.interface.js';
import { HandshakeAuthenticator } from './handshake-authenticator.js';
import type { SocketIdentity } from './socket-identity.js';
import { extractToken } from './token-extractor.js';

/** What RealtimeHttpGuard sets on an authenticated request. */
export interface RealtimeHttpRequest {
  /** The app's user: what `validateUser` returned, or the verified payload. */
  user?: unknown;
  /** The user id and token expiry, as on a socket. */
  realtimeIdentity?: SocketIdentity;
}

interface HttpRequestLike extends RealtimeHttpRequest {
  headers: Record<string, string | string[] | undefined>;
  query?: Record<string, unknown>;
  ip?: string;
  url?: string;
  originalUrl?: string;
  socket?: { remoteAddress?: string };
}

/**
 * The sockets' JWT check for HTTP routes (Server-Sent Events, REST next to the gateways): the
 * same options (`auth.secret`/keys, algorithms, issuer, audience, `validateUser`, `userIdField`)
 * and the same token sources, except `handshake.auth`: the `Authorization: Bearer` header, the
 * named cookie and the named query parameter (a browser's `EventSource` cannot send headers).
 * Refusals are 401 (`UNAUTHORIZED`, `TOKEN_EXPIRED`) or 403 (`FORBIDDEN` from `validateUser`)
 * with the library's error shape as the body. `@Public()` exempts a route; non-HTTP contexts
 * pass, so it can be an `APP_GUARD`. `validateUser` sees the request path as `namespace`.
 */
@Injectable()
export class RealtimeHttpGuard implements CanActivate {
  constructor(
    private readonly reflector: Reflector,
    private readonly authenticator: HandshakeAuthenticator,
    @Inject(REALTIME_OPTIONS) private readonly options: ResolvedRealtimeOptions,
  ) {}

  async canActivate(context: ExecutionContext): Promise<boolean> {
    if (context.getType() !== 'http') return true;
    const isPublic = this.reflector.getAllAndOverride<boolean>(PUBLIC_HANDLER_METADATA, [
      context.getHandler(),
      context.getClass(),
    ]);
    if (isPublic) return true;
    const request = context.switchToHttp().getRequest<HttpRequestLike>();
    const auth = this.options.auth;
    if (!auth) throw toHttpError(unauthorized('Authentication is not configured'));
    const handshake = toHandshake(request);
    const token = extractToken(handshake as unknown as Socket['handshake'], {
      ...auth.tokenSources,
      auth: false,
    });
    if (!token) throw toHttpError(unauthorized('Authentication token is missing'));
    try {
      const { user, identity } = await this.authenticator.identify(token, handshake);
      request.user = user;
      request.realtimeIdentity = identity;
    } catch (error) {
      throw toHttpError(error);
    }
    return true;
  }
}

function unauthorized(message: string): RealtimeException {
  return new RealtimeException(RealtimeErrorCode.UNAUTHORIZED, message);
}

function toHandshake(request: HttpRequestLike): RealtimeHandshake {
  const url = request.originalUrl ?? request.url ?? '/';
  return {
    namespace: url.split('?')[0],
    headers: request.headers,
    address: request.ip ?? request.socket?.remoteAddress ?? '',
    auth: {},
    query: request.query ?? {},
  };
}

function toHttpError(error: unknown): HttpException {
  const { shape } = toErrorShape(error);
  if (shape.code === RealtimeErrorCode.FORBIDDEN) return new ForbiddenException(shape);
  if (shape.code === RealtimeErrorCode.INTERNAL_ERROR) {
    return new UnauthorizedException({ ...shape, code: 'UNAUTHORIZED', message: 'Unauthorized' });
  }
  return new UnauthorizedException(shape);
}
