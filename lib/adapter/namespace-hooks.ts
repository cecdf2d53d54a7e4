import { Inject, Injectable } from '@nestjs/common';
import type { Namespace, Server, Socket } from 'socket.io';
import { HandshakeAuthenticator } from '../auth/handshake-authenticator.js';
import { identityOf } from '../auth/socket-identity.js';
import { TokenLifecycle } from '../auth/token-lifecycle.js';
import { REALTIME_OPTIONS } from '../internal.constants.js';
import type { ResolvedRealtimeOptions } from '../options/options.defaults.js';

const INSTALLED = Symbol('realtime:installed');

/** A per-connection hook other parts of the library register (presence, throttling, ...). */
export type ConnectionHook = (socket: Socket) => void;

/**
 * Installs the library on every namespace of a Socket.IO server, including ones created later
 * (gateway namespaces, dynamic/regex children): the authenticator as the first middleware, then
 * the personal room, token lifecycle and registered connection hooks.
 */
@Injectable()
export class NamespaceHooks {
  /** True once a server has been installed: the app uses the library's adapter. */
  installed = false;
  private readonly hooks: ConnectionHook[] = [];

  constructor(
    @Inject(REALTIME_OPTIONS) private readonly options: ResolvedRealtimeOptions,
    private readonly authenticator: HandshakeAuthenticator,
    private readonly lifecycle: TokenLifecycle,
  ) {}

  onConnection(hook: ConnectionHook): void {
    this.hooks.push(hook);
  }

  installServer(server: Server): void {
    this.installed = true;
    this.install(server.of('/'));
    server.of('/').on('new_namespace', (nsp: Namespace) => this.install(nsp));
  }

  private install(nsp: Namespace): void {
    const marked = nsp as Namespace & { [INSTALLED]?: boolean };
    if (marked[INSTALLED]) return;
    marked[INSTALLED] = true;
    if (this.authenticator.enabled) nsp.use(this.authenticator.middleware);
    nsp.on('connection', (socket: Socket) => this.connected(socket));
  }

  private connected(socket: Socket): void {
    const identity = identityOf(socket);
    if (identity) void socket.join(`${this.options.userRoomPrefix}${identity.userId}`);
    this.lifecycle.attach(socket);
    for (const hook of this.hooks) hook(socket);
  }
}
