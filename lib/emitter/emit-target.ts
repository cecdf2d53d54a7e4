import type { EmitRoute } from '../core/emit-route.js';
import { normalizeNamespace } from '../core/namespace.js';

/** Sends a routed event; implemented over a local Socket.IO server or a Redis emitter. */
export interface EmitBackend {
  emit(route: EmitRoute, event: string, args: unknown[]): void;
  emitWithAck(route: EmitRoute, event: string, args: unknown[]): Promise<unknown[]>;
}

/**
 * A chainable emit: `emitter.toUser('42').except('room').volatile.namespace('/chat').emit(...)`.
 * Immutable, so a target can be kept and reused.
 */
export class EmitTarget {
  constructor(
    private readonly backend: EmitBackend,
    private readonly userRoomPrefix: string,
    private readonly route: EmitRoute,
  ) {}

  /** Adds a user's personal room (all of their sockets, on every instance). */
  toUser(...userIds: Array<string | number>): EmitTarget {
    return this.with({ rooms: [...this.route.rooms, ...userIds.map((id) => this.userRoom(id))] });
  }

  toRoom(...rooms: string[]): EmitTarget {
    return this.with({ rooms: [...this.route.rooms, ...rooms] });
  }

  /** Leaves out sockets in these rooms (a socket id is a room too). */
  except(...rooms: string[]): EmitTarget {
    return this.with({ except: [...this.route.except, ...rooms] });
  }

  exceptUser(...userIds: Array<string | number>): EmitTarget {
    return this.except(...userIds.map((id) => this.userRoom(id)));
  }

  /** May be dropped for clients that are not ready (Socket.IO volatile). */
  get volatile(): EmitTarget {
    return this.with({ volatile: true });
  }

  /** Narrows the emit to one namespace. @default every namespace the app's gateways serve */
  namespace(name: string): EmitTarget {
    return this.with({ namespace: normalizeNamespace(name) });
  }

  /** Ack timeout for `emitWithAck`. @default 5000 */
  timeout(ms: number): EmitTarget {
    return this.with({ timeoutMs: ms });
  }

  emit(event: string, ...args: unknown[]): void {
    this.backend.emit(this.route, event, args);
  }

  /** Resolves with every client's ack (across instances); rejects on timeout. */
  emitWithAck<T = unknown>(event: string, ...args: unknown[]): Promise<T[]> {
    return this.backend.emitWithAck(this.route, event, args) as Promise<T[]>;
  }

  private userRoom(id: string | number): string {
    return `${this.userRoomPrefix}${id}`;
  }

  private with(change: Partial<EmitRoute>): EmitTarget {
    return new EmitTarget(this.backend, this.userRoomPrefix, { ...this.route, ...change });
  }
}
