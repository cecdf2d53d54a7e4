import { RealtimeEvents } from '../core/realtime.constants.js';
import { Inject, Injectable } from '@nestjs/common';
import type { Socket } from 'socket.io';
import { RealtimeErrorCode } from '../errors/error-codes.js';
import { answerError, toErrorShape } from '../errors/error-shape.js';
import { RealtimeException } from '../errors/realtime.exception.js';
import { disconnectWith, DisconnectReasons } from '../core/disconnect-reason.js';
import { REALTIME_OPTIONS } from '../core/internal.constants.js';
import type { ResolvedRealtimeOptions } from '../options/options.defaults.js';
import { HandshakeAuthenticator, toHandshake } from './handshake-authenticator.js';
import { identityOf, type RealtimeSocketData } from './socket-identity.js';

export const AUTH_EXPIRED_EVENT = 'auth:expired';
export const AUTH_REFRESH_EVENT = 'auth:refresh';
// setTimeout overflows (and fires at once) past 2^31-1 ms.
const MAX_TIMER_MS = 2_147_483_647;

/**
 * Token expiry on live sockets: at `exp` (+ clockTolerance) the socket gets `auth:expired`, then
 * `expiryGraceMs` to send `auth:refresh` with a new token, else it is disconnected (TOKEN_EXPIRED).
 */
/** Sockets whose token expires at the same instant (`exp` is in whole seconds): one timer. */
interface ExpiryGroup {
  at: number;
  sockets: Set<Socket>;
  timer?: NodeJS.Timeout;
}

const EXPIRY = Symbol('realtime:expiry-group');
type ExpiringSocket = Socket & { [EXPIRY]?: ExpiryGroup };

@Injectable()
export class TokenLifecycle {
  /** Grace timers of sockets told their token expired (one per socket, only then). */
  private readonly timers = new WeakMap<Socket, NodeJS.Timeout>();
  /**
   * Expiry instants (ms) with their sockets. JWT `exp` has a resolution of one second, so
   * sockets share a few timers instead of one each, and each fires exactly when its own would.
   */
  private readonly groups = new Map<number, ExpiryGroup>();
  private readonly onGroupDue = (group: ExpiryGroup) => this.groupDue(group);
  private readonly toleranceMs: number;
  private readonly graceMs: number;
  /** Listener functions shared by every socket (`this` is the socket): no closures per socket. */
  private readonly onRefresh: (this: Socket, body: unknown, ack?: unknown) => void;
  private readonly onGraceOver = (socket: Socket) => this.disconnectExpired(socket);

  constructor(
    @Inject(REALTIME_OPTIONS) options: ResolvedRealtimeOptions,
    private readonly authenticator: HandshakeAuthenticator,
  ) {
    this.toleranceMs = options.auth ? options.auth.clockTolerance * 1000 : 0;
    this.graceMs = options.auth ? options.auth.expiryGraceMs : 0;
    // eslint-disable-next-line @typescript-eslint/no-this-alias
    const lifecycle = this;
    this.onRefresh = function (this: Socket, body: unknown, ack?: unknown) {
      void lifecycle.refresh(
        this,
        body,
        typeof ack === 'function' ? (ack as (a: unknown) => void) : undefined,
      );
    };
  }

  attach(socket: Socket): void {
    if (!this.authenticator.enabled) return;
    socket.on(AUTH_REFRESH_EVENT, this.onRefresh);
    this.schedule(socket);
  }

  /** On disconnect (called from NamespaceHooks' shared listener): forgets the socket's timers. */
  detach(socket: Socket): void {
    this.clear(socket);
  }

  private schedule(socket: Socket): void {
    this.clear(socket);
    const expiresAt = identityOf(socket)?.expiresAt;
    if (expiresAt === undefined) {
      // The slot on tokens without expiry too: one hidden class for all (see InflightAcks.track).
      (socket as ExpiringSocket)[EXPIRY] = undefined;
      return;
    }
    const at = expiresAt + this.toleranceMs;
    let group = this.groups.get(at);
    if (!group) {
      group = { at, sockets: new Set() };
      const delay = Math.max(0, at - Date.now());
      group.timer = setTimeout(this.onGroupDue, Math.min(delay, MAX_TIMER_MS), group);
      group.timer.unref();
      this.groups.set(at, group);
    }
    group.sockets.add(socket);
    (socket as ExpiringSocket)[EXPIRY] = group;
  }

  private groupDue(group: ExpiryGroup): void {
    if (this.groups.get(group.at) === group) this.groups.delete(group.at);
    group.timer = undefined;
    for (const socket of group.sockets) {
      (socket as ExpiringSocket)[EXPIRY] = undefined;
      this.expire(socket);
    }
    group.sockets.clear();
  }

  private expire(socket: Socket): void {
    const shape = toErrorShape(
      new RealtimeException(
        RealtimeErrorCode.TOKEN_EXPIRED,
        'Token has expired; send auth:refresh',
      ),
    ).shape;
    socket.emit(AUTH_EXPIRED_EVENT, { ...shape, graceMs: this.graceMs });
    this.setTimer(socket, this.graceMs, this.onGraceOver);
  }

  private disconnectExpired(socket: Socket): void {
    const { shape } = toErrorShape(
      new RealtimeException(
        RealtimeErrorCode.TOKEN_EXPIRED,
        'Token has expired; send auth:refresh',
      ),
    );
    socket.emit(RealtimeEvents.EXCEPTION, { ...shape, message: 'Token expired; disconnecting' });
    disconnectWith(socket, DisconnectReasons.TOKEN_EXPIRED);
  }

  private async refresh(
    socket: Socket,
    body: unknown,
    ack: ((answer: unknown) => void) | undefined,
  ): Promise<void> {
    try {
      const token = typeof body === 'string' ? body : (body as { token?: unknown })?.token;
      if (typeof token !== 'string' || !token) {
        throw new RealtimeException(RealtimeErrorCode.BAD_REQUEST, 'auth:refresh needs { token }');
      }
      const current = identityOf(socket);
      const next = await this.authenticator.identify(token, toHandshake(socket));
      if (current && current.userId !== next.identity.userId) {
        throw new RealtimeException(RealtimeErrorCode.FORBIDDEN, 'Token belongs to another user');
      }
      const data = socket.data as RealtimeSocketData;
      data.user = next.user;
      data.identity = next.identity;
      this.schedule(socket);
      const exp = next.identity.expiresAt === undefined ? null : next.identity.expiresAt / 1000;
      ack?.({ ok: true, exp });
    } catch (error) {
      answerError(socket, ack, toErrorShape(error, AUTH_REFRESH_EVENT).shape);
    }
  }

  private setTimer(socket: Socket, delay: number, fn: (socket: Socket) => void): void {
    const timer = setTimeout(fn, Math.min(delay, MAX_TIMER_MS), socket);
    timer.unref();
    this.timers.set(socket, timer);
  }

  private clear(socket: ExpiringSocket): void {
    const group = socket[EXPIRY];
    if (group) {
      socket[EXPIRY] = undefined;
      group.sockets.delete(socket);
      if (group.sockets.size === 0 && group.timer) {
        clearTimeout(group.timer);
        if (this.groups.get(group.at) === group) this.groups.delete(group.at);
      }
    }
    const timer = this.timers.get(socket);
    if (timer) {
      clearTimeout(timer);
      this.timers.delete(socket);
    }
  }
}
