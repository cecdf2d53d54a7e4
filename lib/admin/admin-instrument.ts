import type { Logger } from '@nestjs/common';
import { Namespace, type Server, Socket } from 'socket.io';
import type { NamespaceGuard, NamespaceHooks } from '../connection/namespace-hooks.js';
import { RealtimeConfigError } from '../options/realtime-config.error.js';
import type { ResolvedAdminOptions } from '../options/options.defaults.js';
import { redactEvent } from './admin-redaction.js';
import type { AdminSessions } from './admin-sessions.js';
import type { AdminUiPackage } from './admin-ui-package.js';

type Listener = (...args: never[]) => unknown;

export interface InstrumentContext {
  ui: AdminUiPackage;
  options: ResolvedAdminOptions;
  hooks: NamespaceHooks;
  guard: NamespaceGuard;
  sessions: AdminSessions;
  /** Copies a serialized socket without its credentials (see socketRedactor). */
  redact: (socket: unknown) => unknown;
  logger: Logger;
  /** True once the app shuts down: the console stops broadcasting (its stats timer goes on). */
  closed: () => boolean;
}

/**
 * Runs admin-ui's `instrument()` on one Socket.IO server of the app, and fits it to the library:
 * - the console's namespace gets only its own handshake guard (its login), none of the
 *   library's checks and hooks (see NamespaceHooks.standaloneNamespace);
 * - admin-ui's `onAny` listeners (its event feed, in development mode) are not handlers: an
 *   event no gateway handles is still answered NOT_FOUND;
 * - admin-ui replaces `socket.data` with a copy of its enumerable fields when a socket connects;
 *   what the library keeps there under symbols (missed packets of a recovered socket) is kept;
 * - a listing of every instance's sockets that fails (Redis down, an instance that does not
 *   answer in time) is logged, not left as an unhandled rejection that would end the process;
 * - credentials (in the sockets' initial requests, in `auth:refresh` events) are not sent to the
 *   page.
 */
export function instrumentServer(server: Server, context: InstrumentContext): void {
  const { options, hooks } = context;
  const name = options.namespace;
  refuseTakenNamespace(server, name);
  hooks.standaloneNamespace(name, context.guard);

  const rootNamespace = server.of('/');
  const known = new Map<Namespace, Set<Listener>>();
  for (const nsp of server._nsps.values()) known.set(nsp, listenersOf(nsp));
  // Namespaces created later: what they have before admin-ui's listener (registered in
  // between by instrument()) adds its own.
  rootNamespace.on('new_namespace', (nsp: Namespace) => known.set(nsp, listenersOf(nsp)));

  context.ui.instrument(server, {
    namespaceName: name,
    auth: { type: 'basic', username: options.auth.username, password: options.auth.password },
    readonly: options.readonly,
    serverId: options.serverId,
    mode: options.mode,
    store: context.sessions,
  });

  for (const nsp of server._nsps.values()) adopt(nsp, known.get(nsp) ?? new Set(), context);
  rootNamespace.on('new_namespace', (nsp: Namespace) => {
    adopt(nsp, known.get(nsp) ?? new Set(), context);
    known.delete(nsp);
  });
  known.clear();

  redactBroadcasts(server.of(name), context);
}

/** A gateway on the console's namespace (or a dynamic one that would take its name) is a boot error. */
function refuseTakenNamespace(server: Server, name: string): void {
  const parents = (server as unknown as { parentNamespacesFromRegExp?: Map<RegExp, unknown> })
    .parentNamespacesFromRegExp;
  const dynamic = [...(parents?.keys() ?? [])].find((regex) => regex.test(name));
  if (server._nsps.has(name) || dynamic) {
    const by = dynamic ? `the dynamic namespace ${String(dynamic)}` : 'a gateway';
    throw new RealtimeConfigError(
      'admin.namespace',
      `expected a namespace no gateway uses, got ${JSON.stringify(name)}, which ${by} already serves`,
    );
  }
}

function listenersOf(nsp: Namespace): Set<Listener> {
  return new Set(nsp.rawListeners('connection') as Listener[]);
}

/** Puts a wrapper around each `connection` listener of `nsp` that admin-ui added, in place. */
function adopt(nsp: Namespace, known: Set<Listener>, context: InstrumentContext): void {
  const listeners = nsp.rawListeners('connection') as Listener[];
  if (listeners.every((listener) => known.has(listener))) return;
  nsp.removeAllListeners('connection');
  for (const listener of listeners) {
    const kept = known.has(listener) ? listener : wrap(listener, context);
    nsp.on('connection', kept as (socket: Socket) => void);
  }
}

function wrap(listener: Listener, context: InstrumentContext): Listener {
  const { hooks, logger } = context;
  return function (this: Namespace, socket: Socket) {
    const data = socket.data as object | undefined;
    const anyBefore = socket.listenersAny().length;
    let result: unknown;
    try {
      result = (listener as (this: Namespace, socket: Socket) => unknown).call(this, socket);
    } finally {
      keepHiddenFields(data, socket.data as object | undefined);
      const any = socket.listenersAny();
      for (let i = anyBefore; i < any.length; i++) hooks.ownAnyListeners.add(any[i]);
    }
    if (result instanceof Promise) {
      result.catch((error: Error) =>
        logger.warn(
          `Operator console: could not list the sockets of every instance for a console on ${socket.nsp.name} (${error?.message ?? error}); it shows them as they connect`,
        ),
      );
    }
  };
}

/** Copies the fields `for...in` does not see (symbols, non-enumerable) onto the new object. */
function keepHiddenFields(previous: object | undefined, current: object | undefined): void {
  if (!previous || !current || previous === current) return;
  for (const key of Reflect.ownKeys(previous)) {
    if (Object.prototype.hasOwnProperty.call(current, key)) continue;
    Object.defineProperty(current, key, Object.getOwnPropertyDescriptor(previous, key)!);
  }
}

/**
 * The two ways admin-ui sends sockets to the page, `all_sockets` to a console that connects and
 * `socket_connected` broadcast to every console, and its feed of incoming events
 * (`event_received`) go out without credentials; nothing is broadcast once the app shuts down.
 */
function redactBroadcasts(adminNamespace: Namespace, context: InstrumentContext): void {
  const { redact, closed } = context;
  const broadcast = Namespace.prototype.emit;
  adminNamespace.emit = function (this: Namespace, event: string, ...args: unknown[]) {
    if (closed()) return true;
    if (event === 'socket_connected') args[0] = redact(args[0]);
    // (namespace, socket id, [event, ...args], date)
    else if (event === 'event_received') args[2] = redactEvent(args[2]);
    return broadcast.call(this, event as never, ...(args as never[]));
  } as Namespace['emit'];

  const send = Socket.prototype.emit;
  const emit = function (this: Socket, event: string, ...args: unknown[]) {
    if (event === 'all_sockets' && Array.isArray(args[0])) args[0] = args[0].map(redact);
    return send.call(this, event as never, ...(args as never[]));
  } as Socket['emit'];
  adminNamespace.prependListener('connection', (socket: Socket) => {
    socket.emit = emit;
  });
}
