import { Inject, Injectable } from '@nestjs/common';
import type { ExtendedError, Namespace, Server, Socket } from 'socket.io';
import { HandshakeAuthenticator } from '../auth/handshake-authenticator.js';
import { identityOf } from '../auth/socket-identity.js';
import { TokenLifecycle } from '../auth/token-lifecycle.js';
import { REALTIME_OPTIONS } from '../internal.constants.js';
import { RealtimeSignals } from '../metrics/realtime-signals.js';
import type { ResolvedRealtimeOptions } from '../options/options.defaults.js';

const INSTALLED = Symbol('realtime:installed');

/** A per-connection hook other parts of the library register (presence, throttling, ...). */
export type ConnectionHook = (socket: Socket) => void;
/** A handshake check; rejects (with a RealtimeException) to refuse the connection. */
export type HandshakeCheck = (socket: Socket) => void | Promise<void>;

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
  /** What the library did, for metrics (handshake refusals, answered errors, rate limits). */
  readonly signals = new RealtimeSignals();
  private readonly hooks: ConnectionHook[] = [];
  private readonly before: HandshakeCheck[] = [];
  private readonly after: HandshakeCheck[] = [];

  constructor(
    @Inject(REALTIME_OPTIONS) private readonly options: ResolvedRealtimeOptions,
    private readonly authenticator: HandshakeAuthenticator,
    private readonly lifecycle: TokenLifecycle,
  ) {}

  onConnection(hook: ConnectionHook): void {
    this.hooks.push(hook);
  }

  /** Adds a handshake check that runs before (`before`) or after (`after`) authentication. */
  onHandshake(stage: 'before' | 'after', check: HandshakeCheck): void {
    (stage === 'before' ? this.before : this.after).push(check);
  }

  installServer(server: Server): void {
    this.installed = true;
    this.servers.push(server);
    this.install(server.of('/'));
    server.of('/').on('new_namespace', (nsp: Namespace) => this.install(nsp));
  }

  private install(nsp: Namespace): void {
    const marked = nsp as Namespace & { [INSTALLED]?: boolean };
    if (marked[INSTALLED]) return;
    marked[INSTALLED] = true;
    nsp.use(this.handshake);
    nsp.on('connection', (socket: Socket) => this.connected(socket));
  }

  private readonly handshake = (socket: Socket, next: (err?: ExtendedError) => void): void => {
    this.runChecks(socket).then(
      () => next(),
      (error: unknown) => {
        const refusal = this.authenticator.toConnectError(socket, error);
        this.signals.emit({
          type: 'handshake-refused',
          namespace: socket.nsp.name,
          code: refusal.message,
        });
        next(refusal);
      },
    );
  };

  private async runChecks(socket: Socket): Promise<void> {
    for (const check of this.before) await check(socket);
    await this.authenticator.authenticate(socket);
    for (const check of this.after) await check(socket);
  }

  private connected(socket: Socket): void {
    const identity = identityOf(socket);
    if (identity) void socket.join(`${this.options.userRoomPrefix}${identity.userId}`);
    this.lifecycle.attach(socket);
    for (const hook of this.hooks) hook(socket);
  }
}
