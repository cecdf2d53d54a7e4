import { Inject, Injectable, Logger } from '@nestjs/common';
import {
  type Event,
  type ExtendedError,
  type Namespace,
  type Server,
  Socket as IoSocket,
  type Socket,
} from 'socket.io';
import { HandshakeAuthenticator } from '../auth/handshake-authenticator.js';
import { type PersonalRoomRefusal, protectPersonalRooms } from '../auth/personal-rooms.js';
import { identityOf } from '../auth/socket-identity.js';
import { TokenLifecycle } from '../auth/token-lifecycle.js';
import { RealtimeErrorCode } from '../errors/error-codes.js';
import { answerError } from '../errors/error-shape.js';
import { REALTIME_OPTIONS } from '../core/internal.constants.js';
import { RealtimeSignals } from '../core/realtime-signals.js';
import type { ResolvedRealtimeOptions } from '../options/options.defaults.js';
import { refusedOriginOf } from './origin-guard.js';
import { ThrottledLogger } from '../core/throttled-logger.js';

const INSTALLED = Symbol('realtime:installed');

type Dispatch = (this: Socket, event: Event) => void;
/**
 * Socket.IO's own (private, stable since 2.x) method that runs the `socket.use` middlewares of an
 * incoming event and then emits it. The packet hooks run in front of it through a per-socket
 * `dispatch` property holding ONE shared function: `socket.use` would cost every socket a
 * closure and a middleware array, part of an idle connection's heap.
 */
const ioDispatch = (IoSocket.prototype as unknown as { dispatch?: Dispatch }).dispatch;

/** A per-connection hook other parts of the library register (presence, throttling, ...). */
export type ConnectionHook = (socket: Socket) => void;
/** A handshake check; rejects (with a RealtimeException) to refuse the connection. */
export type HandshakeCheck = (socket: Socket) => void | Promise<void>;
/**
 * Runs on every incoming event of a socket before its handlers: `true` (or nothing) lets the
 * event on to the next hook, `false` means the hook answered it itself (e.g. refused it), and a
 * promise defers that decision (later hooks and the handler wait for it).
 */
export type PacketHook = (socket: Socket, packet: Event) => boolean | void | Promise<boolean>;
/** Runs once when a connected socket disconnects. */
export type DisconnectHook = (socket: Socket, reason: string) => void;
/** Runs on an engine.io connection (one per client, whatever its namespaces) before its first packet. */
export type EngineHook = (conn: unknown) => void;
/** A namespace middleware: calls `next()` to admit the socket, `next(error)` to refuse it. */
export type NamespaceGuard = (socket: Socket, next: (err?: ExtendedError) => void) => void;

/**
 * Installs the library on every namespace of a Socket.IO server, including ones created later
 * (gateway namespaces, dynamic/regex children): one middleware running the handshake checks
 * (those registered `before` authentication, the authenticator, then those `after` it), then
 * the personal room, token lifecycle and registered connection hooks. Checks and hooks are read
 * at connection time, so providers may register them in onModuleInit, after servers exist.
 */
@Injectable()
export class NamespaceHooks {
  /** True once a server has been installed: the app uses the library's adapter. */
  installed = false;
  /** Socket.IO servers of this process (usually one, attached to the HTTP server). */
  readonly servers: Server[] = [];
  private readonly hooks: ConnectionHook[] = [];
  private readonly before: HandshakeCheck[] = [];
  private readonly after: HandshakeCheck[] = [];
  private readonly admit: HandshakeCheck[] = [];
  private readonly packetHooks: PacketHook[] = [];
  private readonly disconnectHooks: DisconnectHook[] = [];
  private readonly disconnectingHooks: DisconnectHook[] = [];
  private readonly engineHooks: EngineHook[] = [];
  /**
   * `onAny` listeners that do not handle events (the library's metrics, the operator console's
   * event feed): a socket with only these still has events answered NOT_FOUND.
   */
  readonly ownAnyListeners = new WeakSet<(...args: never[]) => void>();
  /** Namespaces with their own authentication (the operator console's), by name: their guard. */
  private readonly standalone = new Map<string, NamespaceGuard>();
  /** Sockets between the start of the library's middleware and their connection (or clean-up). */
  private readonly handshaking = new Map<string, Socket>();
  private readonly warnings = new ThrottledLogger(new Logger('Realtime'));
  /** Listener and method functions shared by every socket (`this` is the socket). */
  private readonly disconnected: (this: Socket, reason: string) => void;
  private readonly disconnecting: (this: Socket, reason: string) => void;
  private readonly dispatch: Dispatch;

  constructor(
    @Inject(REALTIME_OPTIONS) private readonly options: ResolvedRealtimeOptions,
    private readonly authenticator: HandshakeAuthenticator,
    private readonly lifecycle: TokenLifecycle,
    /** What the library did, for metrics (handshake refusals, answered errors, rate limits). */
    readonly signals: RealtimeSignals,
  ) {
    const { disconnectHooks, disconnectingHooks } = this;
    this.disconnected = function (this: Socket, reason: string) {
      lifecycle.detach(this);
      for (const hook of disconnectHooks) hook(this, reason);
    };
    this.disconnecting = function (this: Socket, reason: string) {
      for (const hook of disconnectingHooks) hook(this, reason);
    };
    // eslint-disable-next-line @typescript-eslint/no-this-alias
    const self = this;
    this.dispatch = function (this: Socket, event: Event) {
      self.runPacketHooks(this, event, 0);
    };
  }

  onConnection(hook: ConnectionHook): void {
    this.hooks.push(hook);
  }

  /**
   * Adds a hook on every incoming event. All hooks run in registration order before the
   * socket's own `socket.use` middlewares and its listeners.
   */
  onPacket(hook: PacketHook): void {
    this.packetHooks.push(hook);
  }

  /** Adds a hook on disconnect; every socket gets ONE shared `disconnect` listener for them all. */
  onDisconnect(hook: DisconnectHook): void {
    this.disconnectHooks.push(hook);
  }

  /** Adds a hook on `disconnecting` (the socket still has its rooms); one shared listener too. */
  onDisconnecting(hook: DisconnectHook): void {
    this.disconnectingHooks.push(hook);
  }

  /**
   * Adds a handshake check that runs before (`before`) or after (`after`) authentication, or
   * last of all (`admit`): a check that stores something (presence) goes there, so that no other
   * check of the library refuses the socket after it.
   */
  onHandshake(stage: 'before' | 'after' | 'admit', check: HandshakeCheck): void {
    (stage === 'before' ? this.before : stage === 'after' ? this.after : this.admit).push(check);
  }

  /**
   * Adds a hook on every engine.io connection of the installed servers. It runs right after
   * Socket.IO's own, before the client's first packet is read: whatever it sets on the
   * connection is there before Socket.IO's code first sees it (one hidden class for all).
   */
  onEngineConnection(hook: EngineHook): void {
    this.engineHooks.push(hook);
  }

  /**
   * Leaves a namespace created from now on to its own authentication (the operator console's
   * login): its handshakes pass `guard` only, none of the library's checks or hooks (JWT,
   * presence, connection limits, rate limits, NOT_FOUND answering).
   */
  standaloneNamespace(name: string, guard: NamespaceGuard): void {
    this.standalone.set(name, guard);
  }

  installServer(server: Server): void {
    this.installed = true;
    this.servers.push(server);
    const hooks = this.engineHooks;
    // Undefined only for a server not attached to an HTTP server yet (not Nest's adapters).
    server.engine?.on('connection', (conn: unknown) => {
      for (const hook of hooks) hook(conn);
    });
    this.install(server.of('/'));
    server.of('/').on('new_namespace', (nsp: Namespace) => this.install(nsp));
  }

  private install(nsp: Namespace): void {
    const marked = nsp as Namespace & { [INSTALLED]?: boolean };
    if (marked[INSTALLED]) return;
    marked[INSTALLED] = true;
    const guard = this.standalone.get(nsp.name);
    if (guard) {
      nsp.use(guard);
      return;
    }
    this.forgetOnCleanup(nsp);
    protectPersonalRooms(
      nsp,
      this.options.userRoomPrefix,
      (id) => nsp.sockets.get(id) ?? this.handshaking.get(id),
      this.personalRoomRefused,
    );
    nsp.use(this.handshake);
    nsp.on('connection', (socket: Socket) => this.connected(socket));
  }

  /** A socket refused by a later middleware is cleaned up through the adapter's delAll. */
  private forgetOnCleanup(nsp: Namespace): void {
    const adapter = nsp.adapter as unknown as { delAll(id: string): void };
    const delAll = adapter.delAll;
    const handshaking = this.handshaking;
    adapter.delAll = function (this: unknown, id: string) {
      handshaking.delete(id);
      return delAll.call(this, id);
    };
  }

  private readonly personalRoomRefused = (refusal: PersonalRoomRefusal): void => {
    const who = refusal.userId === undefined ? 'an anonymous socket' : `user "${refusal.userId}"`;
    this.warnings.warn(
      `personal-room:${refusal.via}:${refusal.namespace}`,
      `Refused ${who} (socket ${refusal.socketId} on ${refusal.namespace}) entry to "${refusal.room}": another user's personal room (${refusal.via === 'join' ? 'socket.join, answered FORBIDDEN' : 'socketsJoin'})`,
    );
  };

  private readonly handshake = (socket: Socket, next: (err?: ExtendedError) => void): void => {
    const origin = refusedOriginOf(socket.request);
    if (origin !== undefined) return this.refuseOrigin(socket, origin, next);
    this.handshaking.set(socket.id, socket);
    const refuse = (error: unknown) => {
      const refusal = this.authenticator.toConnectError(socket, error);
      this.signals.emit({
        type: 'handshake-refused',
        namespace: socket.nsp.name,
        code: refusal.message,
      });
      next(refusal);
    };
    // Checks that answer synchronously are not awaited: each await would cost a microtask turn.
    let pending: Promise<void> | undefined;
    try {
      pending = this.runChecks(socket, 0);
    } catch (error) {
      return refuse(error);
    }
    if (pending) pending.then(() => next(), refuse);
    else next();
  };

  /** A browser page on an origin outside `server.cors.origin`: refused before anything reads it. */
  private refuseOrigin(socket: Socket, origin: string, next: (err?: ExtendedError) => void): void {
    const shown = origin.slice(0, 200);
    this.warnings.warn(
      'origin',
      `Refused a handshake on ${socket.nsp.name} from Origin "${shown}" (${socket.handshake.address}): not allowed by server.cors.origin`,
    );
    this.signals.emit({ type: 'handshake-refused', namespace: socket.nsp.name, code: 'FORBIDDEN' });
    const error = new Error(RealtimeErrorCode.FORBIDDEN) as ExtendedError;
    error.data = {
      status: 'error',
      code: RealtimeErrorCode.FORBIDDEN,
      message: `Origin ${shown} is not allowed to connect to this server`,
    };
    next(error);
  }

  /**
   * Runs the checks in order from `step` (the `before` checks, the authenticator, the `after`
   * checks, then the `admit` ones); returns a promise only once a check turns out to be
   * asynchronous.
   */
  private runChecks(socket: Socket, step: number): Promise<void> | undefined {
    const before = this.before.length;
    const after = before + 1 + this.after.length;
    const total = after + this.admit.length;
    for (let i = step; i < total; i++) {
      const result =
        i < before
          ? this.before[i](socket)
          : i === before
            ? this.authenticator.authenticate(socket)
            : i < after
              ? this.after[i - before - 1](socket)
              : this.admit[i - after](socket);
      if (result instanceof Promise) return result.then(() => this.runChecks(socket, i + 1));
    }
    return this.joinUserRoom(socket);
  }

  /**
   * The handshake's last step, before Socket.IO tells the client it is connected: the user's
   * personal room. In sharded mode a join that creates the room waits for its subscription
   * (sharded-joins.ts), so an emit to the user from another instance once the client is connected
   * reaches it. Should the handshake still fail, Socket.IO's clean-up leaves every room.
   */
  private joinUserRoom(socket: Socket): Promise<void> | undefined {
    const identity = identityOf(socket);
    if (!identity) return undefined;
    const joined = socket.join(`${this.options.userRoomPrefix}${identity.userId}`);
    return joined instanceof Promise ? joined : undefined;
  }

  private connected(socket: Socket): void {
    this.handshaking.delete(socket.id);
    this.lifecycle.attach(socket);
    for (const hook of this.hooks) hook(socket);
    // Always: an event nobody handles is answered NOT_FOUND after the hooks.
    if (ioDispatch) (socket as unknown as { dispatch: Dispatch }).dispatch = this.dispatch;
    else socket.use((packet, next) => this.runPacketHooks(socket, packet, 0, next));
    if (this.disconnectingHooks.length) socket.on('disconnecting', this.disconnecting);
    socket.on('disconnect', this.disconnected);
  }

  /** Runs the packet hooks from `from`, then lets the event on (`next`, or Socket.IO's dispatch). */
  private runPacketHooks(socket: Socket, packet: Event, from: number, next?: () => void): void {
    const hooks = this.packetHooks;
    for (let i = from; i < hooks.length; i++) {
      const verdict = hooks[i](socket, packet);
      if (verdict === false) return;
      if (verdict instanceof Promise) {
        verdict.then(
          (ok) => {
            if (ok) this.runPacketHooks(socket, packet, i + 1, next);
          },
          () => undefined, // the hook could not decide: the event is dropped, as if refused
        );
        return;
      }
    }
    if (this.answeredUnhandled(socket, packet)) return;
    if (next) next();
    else ioDispatch!.call(socket, packet);
  }

  /**
   * An event with no listener (no handler of any gateway, no `onAny`) is answered NOT_FOUND in
   * the error shape, on its ack or as `exception`: otherwise a client waiting on the ack would
   * only time out.
   */
  private answeredUnhandled(socket: Socket, packet: Event): boolean {
    const event = packet[0] as string;
    if (socket.listenerCount(event) > 0) return false;
    const any = socket.listenersAny();
    if (any.length > 0 && any.some((listener) => !this.ownAnyListeners.has(listener))) return false;
    const last = packet.length > 1 ? packet[packet.length - 1] : undefined;
    const shape = {
      status: 'error' as const,
      code: RealtimeErrorCode.NOT_FOUND,
      message: `No handler for event "${String(event).slice(0, 100)}" on namespace ${socket.nsp.name}`,
      event: String(event).slice(0, 100),
    };
    answerError(socket, last, shape);
    this.signals.emit({ type: 'error', code: shape.code });
    this.warnings.warn(
      `unhandled:${socket.nsp.name}`,
      `Event "${shape.event}" on ${socket.nsp.name} has no handler; answered NOT_FOUND`,
    );
    return true;
  }
}
