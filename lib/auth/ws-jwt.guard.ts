import { type CanActivate, type ExecutionContext, Inject, Injectable } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import type { Socket } from 'socket.io';
import { SOCKET_CHECK, type SocketCheck, type SocketCheckable } from '../core/socket-check.js';
import { RealtimeErrorCode } from '../errors/error-codes.js';
import { RealtimeException } from '../errors/realtime.exception.js';
import { PUBLIC_HANDLER_METADATA, REALTIME_OPTIONS } from '../core/internal.constants.js';
import type { ResolvedRealtimeOptions } from '../options/options.defaults.js';
import { HandshakeAuthenticator } from './handshake-authenticator.js';
import { identityOf } from './socket-identity.js';

/**
 * Per-message check: the socket is authenticated and its token has not expired (within
 * clockTolerance). Anonymous sockets pass only on public namespaces. Lets non-WebSocket
 * contexts through, so it is safe as a global guard.
 */
@Injectable()
export class WsJwtGuard implements CanActivate, SocketCheckable {
  private readonly toleranceMs: number;
  /** `@Public()` per gateway class and handler: decorators do not change, so read them once. */
  private readonly publicHandlers = new WeakMap<object, Map<object, boolean>>();

  constructor(
    private readonly reflector: Reflector,
    private readonly authenticator: HandshakeAuthenticator,
    @Inject(REALTIME_OPTIONS) options: ResolvedRealtimeOptions,
  ) {
    this.toleranceMs = options.auth ? options.auth.clockTolerance * 1000 : 0;
  }

  canActivate(context: ExecutionContext): boolean {
    if (context.getType() !== 'ws' || !this.authenticator.enabled) return true;
    if (this.isPublic(context)) return true;
    // The client is argument 0 in a ws context; switchToWs() would allocate three closures.
    return this.allows(context.getArgByIndex<Socket>(0));
  }

  /** The library's handler pipeline: the same check, without an ExecutionContext per message. */
  [SOCKET_CHECK](gateway: object, handler: object): SocketCheck | undefined {
    if (this.canActivate !== WsJwtGuard.prototype.canActivate) return undefined; // overridden
    if (!this.authenticator.enabled || this.isPublicHandler(gateway, handler)) return () => true;
    return (socket) => this.allows(socket);
  }

  private allows(socket: Socket): boolean {
    const identity = identityOf(socket);
    if (!identity) {
      // Anonymous sockets are allowed only where the namespace is public.
      if (this.authenticator.isPublic(socket.nsp.name)) return true;
      throw new RealtimeException(RealtimeErrorCode.UNAUTHORIZED, 'Authentication required');
    }
    if (identity.expiresAt !== undefined && identity.expiresAt + this.toleranceMs <= Date.now()) {
      throw new RealtimeException(
        RealtimeErrorCode.TOKEN_EXPIRED,
        'Token has expired; send auth:refresh',
      );
    }
    return true;
  }

  private isPublic(context: ExecutionContext): boolean {
    return this.isPublicHandler(context.getClass(), context.getHandler());
  }

  private isPublicHandler(gateway: object, handler: object): boolean {
    let handlers = this.publicHandlers.get(gateway);
    if (!handlers) this.publicHandlers.set(gateway, (handlers = new Map()));
    let isPublic = handlers.get(handler);
    if (isPublic === undefined) {
      isPublic = !!this.reflector.getAllAndOverride<boolean>(PUBLIC_HANDLER_METADATA, [
        handler as () => void,
        gateway as () => void,
      ]);
      handlers.set(handler, isPublic);
    }
    return isPublic;
  }
}
