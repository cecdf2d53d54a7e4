import { Inject, Injectable, Logger } from '@nestjs/common';
import type { Server } from 'socket.io';
import { NamespaceHooks } from '../connection/namespace-hooks.js';
import type { EmitRoute } from '../core/emit-route.js';
import { REALTIME_OPTIONS } from '../core/internal.constants.js';
import type { ResolvedRealtimeOptions } from '../options/options.defaults.js';

/** The server-side event that carries user events between instances (`serverSideEmit`). */
export const USER_EVENT_CHANNEL = 'realtime:user-event';

/** One emit addressed to users, as every instance's local subscribers see it. */
export interface UserEvent {
  /** The namespaces the emit went to (the first, for instances of 0.1). */
  namespace: string;
  namespaces: string[];
  /** Recipients (user ids, without the personal-room prefix). */
  users: string[];
  /** Users left out with `exceptUser`. */
  exceptUsers: string[];
  event: string;
  args: unknown[];
}

export type UserEventListener = (event: UserEvent) => void;

/** Anything with Socket.IO's `serverSideEmit`: a server, or a worker's Redis emitter. */
interface ServerSideEmitter {
  serverSideEmit(event: string, ...args: unknown[]): unknown;
}

/**
 * Carries the emits RealtimeEmitter addresses to users (`toUser`) to listeners in every process
 * (UserEventStream, for Server-Sent Events). Local listeners are called directly; with Redis the
 * event also goes to the other instances with `serverSideEmit`, which every Redis adapter mode
 * (and the worker's Redis emitter) carries on the adapter's own channels, so no extra connection.
 */
@Injectable()
export class UserEventRelay {
  private readonly logger = new Logger('RealtimeUserEvents');
  private readonly listeners = new Set<UserEventListener>();
  private readonly wired = new WeakSet<Server>();
  private warnedNoServer = false;

  constructor(
    @Inject(REALTIME_OPTIONS) private readonly options: ResolvedRealtimeOptions,
    private readonly hooks: NamespaceHooks,
  ) {}

  /** Called by RealtimeEmitter after each emit: forwards the part addressed to users. */
  forward(
    route: EmitRoute,
    namespaces: string[],
    event: string,
    args: unknown[],
    via: ServerSideEmitter,
  ): void {
    // Most emits (rooms, everyone) address no user: answer that without allocating.
    if (!this.addressesUsers(route.rooms)) return;
    const users = this.userIds(route.rooms);
    if (users.length === 0) return;
    const message: UserEvent = {
      namespace: namespaces[0],
      namespaces,
      users,
      exceptUsers: this.userIds(route.except),
      event,
      args,
    };
    this.deliver(message);
    if (!this.options.redis) return;
    try {
      via.serverSideEmit(USER_EVENT_CHANNEL, message);
    } catch (error) {
      // e.g. a payload JSON cannot encode; the Socket.IO emit itself has gone out already
      this.logger.warn(
        `Could not relay "${event}" to other instances: ${(error as Error).message}`,
      );
    }
  }

  /** Calls `listener` with every user event this process sees; returns the unsubscribe. */
  listen(listener: UserEventListener): () => void {
    this.wireServers();
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  private wireServers(): void {
    const servers = this.hooks.servers;
    if (servers.length === 0 && this.options.redis && !this.warnedNoServer) {
      this.warnedNoServer = true;
      this.logger.warn(
        'This process serves no Socket.IO server, so user events emitted on other instances do not reach it',
      );
    }
    for (const server of servers) {
      if (this.wired.has(server)) continue;
      this.wired.add(server);
      // serverSideEmit from other instances arrives as an event on the main namespace.
      const nsp = server.of('/') as unknown as {
        on(event: string, listener: (message: UserEvent) => void): void;
      };
      nsp.on(USER_EVENT_CHANNEL, (message) => {
        if (isUserEvent(message)) this.deliver(message);
      });
    }
  }

  private deliver(message: UserEvent): void {
    for (const listener of this.listeners) {
      try {
        listener(message);
      } catch (error) {
        this.logger.error(`A user event listener threw: ${(error as Error).message}`);
      }
    }
  }

  private addressesUsers(rooms: string[]): boolean {
    const prefix = this.options.userRoomPrefix;
    for (let i = 0; i < rooms.length; i++) if (rooms[i].startsWith(prefix)) return true;
    return false;
  }

  private userIds(rooms: string[]): string[] {
    const prefix = this.options.userRoomPrefix;
    return rooms.filter((room) => room.startsWith(prefix)).map((room) => room.slice(prefix.length));
  }
}

function isUserEvent(value: unknown): value is UserEvent {
  const m = value as Partial<UserEvent> | null;
  return (
    typeof m === 'object' &&
    m !== null &&
    typeof m.namespace === 'string' &&
    (m.namespaces === undefined || Array.isArray(m.namespaces)) &&
    typeof m.event === 'string' &&
    Array.isArray(m.users) &&
    Array.isArray(m.exceptUsers) &&
    Array.isArray(m.args)
  );
}
