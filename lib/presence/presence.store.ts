import type { OnlinePage, PresenceConnection, PresenceState } from './presence.types.js';

/** A connection as stored: the public fields travel with it so a sweeper can announce it. */
export interface StoredConnection extends PresenceConnection {
  info: Record<string, unknown>;
}

export interface ConnectResult {
  /** The user already had `maxConnections` live connections: nothing was stored. */
  refused?: true;
  /** This was the user's first live connection anywhere. */
  online: boolean;
  /** Rooms (of `rooms`) in which this is the user's first connection. */
  joinedRooms: string[];
}

export interface UpdatedConnection {
  /** The connection with its new state. */
  connection: StoredConnection;
  rooms: string[];
}

export interface RemovedConnection {
  connection: StoredConnection;
  /** This was the user's last live connection anywhere. */
  offline: boolean;
  /** Every room the connection was in. */
  rooms: string[];
  /** Rooms the user no longer has any connection in. */
  leftRooms: string[];
}

/**
 * Where presence lives: one process (MemoryPresenceStore) or Redis (RedisPresenceStore). Every
 * method that changes membership decides its transition atomically, so that a concurrent
 * connect/disconnect of one user on two instances yields exactly one online and one offline.
 * Both implementations pass test/presence/presence-store.contract.ts.
 */
export interface PresenceStore {
  /**
   * Adds a connection (idempotent: an existing socketId is no transition). With `maxConnections`
   * above 0, a user who already has that many is refused in the same atomic step.
   */
  connect(
    connection: StoredConnection,
    rooms: string[],
    maxConnections?: number,
  ): Promise<ConnectResult>;
  /** Removes a connection; null when it was not there (already swept or never added). */
  disconnect(userId: string, socketId: string): Promise<RemovedConnection | null>;
  /** True when this is the user's first connection in the room; false also for unknown sockets. */
  join(userId: string, socketId: string, namespace: string, room: string): Promise<boolean>;
  /** True when the user has no connection left in the room. */
  leave(userId: string, socketId: string, namespace: string, room: string): Promise<boolean>;
  /** Sets the state of one connection, or of every connection of the user when socketId is null. */
  setState(
    userId: string,
    socketId: string | null,
    state: PresenceState | null,
  ): Promise<UpdatedConnection[]>;
  isOnline(userId: string): Promise<boolean>;
  getConnections(userId: string): Promise<StoredConnection[]>;
  /** How many live connections the user has (one HLEN on Redis). */
  countConnections(userId: string): Promise<number>;
  listOnline(cursor: string | undefined, limit: number): Promise<OnlinePage>;
  countOnline(): Promise<number>;
  getRoomConnections(namespace: string, room: string): Promise<StoredConnection[]>;
  /** Refreshes the instance's heartbeat; false when it had expired (the instance may have been swept). */
  heartbeat(instanceId: string, ttlMs: number): Promise<boolean>;
  /** The socket ids the store holds for an instance (for reconciling after an outage). */
  instanceSockets(instanceId: string): Promise<Array<{ socketId: string; userId: string }>>;
  /**
   * Removes up to `limit` connections of instances whose heartbeat expired. Each connection is
   * removed by exactly one caller, so each resulting transition is reported exactly once.
   */
  sweep(selfInstanceId: string, limit: number): Promise<RemovedConnection[]>;
  /** Removes up to `limit` connections of an instance (graceful shutdown) and its heartbeat. */
  removeInstance(instanceId: string, limit: number): Promise<RemovedConnection[]>;
  close(): Promise<void>;
}
