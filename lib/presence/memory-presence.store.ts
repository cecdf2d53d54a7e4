import type { OnlinePage, PresenceState } from './presence.types.js';
import type {
  ConnectResult,
  PresenceStore,
  RemovedConnection,
  StoredConnection,
  UpdatedConnection,
} from './presence.store.js';

interface LiveConnection {
  connection: StoredConnection;
  rooms: Set<string>;
}

const roomKey = (namespace: string, room: string) => `${namespace}\u0000${room}`;
const byteOrder = (a: string, b: string) => Buffer.compare(Buffer.from(a), Buffer.from(b));

/**
 * Presence in one process: the default without Redis. Every structure holds live connections only
 * and drops a key as soon as it is empty, so memory follows the live count, never the history.
 */
export class MemoryPresenceStore implements PresenceStore {
  private readonly users = new Map<string, Map<string, LiveConnection>>();
  /** instanceId -> socketId -> userId */
  private readonly instances = new Map<string, Map<string, string>>();
  private readonly heartbeats = new Map<string, number>();
  /** room -> socketId -> userId, and room -> userId -> connections in the room. */
  private readonly rooms = new Map<string, Map<string, string>>();
  private readonly roomCounts = new Map<string, Map<string, number>>();

  async connect(
    connection: StoredConnection,
    rooms: string[],
    maxConnections = 0,
  ): Promise<ConnectResult> {
    const { userId, socketId, instanceId } = connection;
    let sockets = this.users.get(userId);
    if (maxConnections > 0 && (sockets?.size ?? 0) >= maxConnections && !sockets?.has(socketId)) {
      return { refused: true, online: false, joinedRooms: [] };
    }
    const online = !sockets;
    if (!sockets) this.users.set(userId, (sockets = new Map()));
    const existing = sockets.get(socketId);
    const live: LiveConnection = existing ?? { connection: { ...connection }, rooms: new Set() };
    if (!existing) sockets.set(socketId, live);
    let index = this.instances.get(instanceId);
    if (!index) this.instances.set(instanceId, (index = new Map()));
    index.set(socketId, userId);
    const joinedRooms = rooms.filter((room) => this.addToRoom(live, room));
    return { online, joinedRooms };
  }

  async disconnect(userId: string, socketId: string): Promise<RemovedConnection | null> {
    return this.remove(userId, socketId);
  }

  async join(userId: string, socketId: string, namespace: string, room: string): Promise<boolean> {
    const live = this.users.get(userId)?.get(socketId);
    return live ? this.addToRoom(live, room) : false;
  }

  async leave(userId: string, socketId: string, namespace: string, room: string): Promise<boolean> {
    const live = this.users.get(userId)?.get(socketId);
    return live ? this.removeFromRoom(live, room) : false;
  }

  async setState(
    userId: string,
    socketId: string | null,
    state: PresenceState | null,
  ): Promise<UpdatedConnection[]> {
    const sockets = this.users.get(userId);
    if (!sockets) return [];
    const targets = socketId === null ? [...sockets.values()] : [sockets.get(socketId)];
    const updated: UpdatedConnection[] = [];
    for (const live of targets) {
      if (!live) continue;
      // A copy: the caller's object must not change the stored state later.
      live.connection.state = state === null ? null : structuredClone(state);
      updated.push({ connection: { ...live.connection }, rooms: [...live.rooms] });
    }
    return updated;
  }

  async isOnline(userId: string): Promise<boolean> {
    return this.users.has(userId);
  }

  async getConnections(userId: string): Promise<StoredConnection[]> {
    return [...(this.users.get(userId)?.values() ?? [])].map((l) => ({ ...l.connection }));
  }

  async countConnections(userId: string): Promise<number> {
    return this.users.get(userId)?.size ?? 0;
  }

  async listOnline(cursor: string | undefined, limit: number): Promise<OnlinePage> {
    const ids = [...this.users.keys()]
      .filter((id) => cursor === undefined || byteOrder(id, cursor) > 0)
      .sort(byteOrder);
    const userIds = ids.slice(0, limit);
    return { userIds, cursor: ids.length > limit ? userIds[userIds.length - 1] : null };
  }

  async countOnline(): Promise<number> {
    return this.users.size;
  }

  async getRoomConnections(namespace: string, room: string): Promise<StoredConnection[]> {
    const members = this.rooms.get(roomKey(namespace, room));
    if (!members) return [];
    const result: StoredConnection[] = [];
    for (const [socketId, userId] of members) {
      const live = this.users.get(userId)?.get(socketId);
      if (live) result.push({ ...live.connection });
    }
    return result;
  }

  async heartbeat(instanceId: string, ttlMs: number): Promise<boolean> {
    const alive = (this.heartbeats.get(instanceId) ?? 0) > Date.now();
    this.heartbeats.set(instanceId, Date.now() + ttlMs);
    if (!this.instances.has(instanceId)) this.instances.set(instanceId, new Map());
    return alive;
  }

  async instanceSockets(instanceId: string): Promise<Array<{ socketId: string; userId: string }>> {
    return [...(this.instances.get(instanceId) ?? [])].map(([socketId, userId]) => ({
      socketId,
      userId,
    }));
  }

  async sweep(selfInstanceId: string, limit: number): Promise<RemovedConnection[]> {
    const removed: RemovedConnection[] = [];
    for (const instanceId of [...this.instances.keys()]) {
      if (instanceId === selfInstanceId) continue;
      if ((this.heartbeats.get(instanceId) ?? 0) > Date.now()) continue;
      removed.push(...this.drain(instanceId, limit - removed.length));
      if (removed.length >= limit) break;
    }
    return removed;
  }

  async removeInstance(instanceId: string, limit: number): Promise<RemovedConnection[]> {
    this.heartbeats.delete(instanceId);
    return this.drain(instanceId, limit);
  }

  async close(): Promise<void> {}

  private drain(instanceId: string, limit: number): RemovedConnection[] {
    const index = this.instances.get(instanceId);
    const removed: RemovedConnection[] = [];
    for (const [socketId, userId] of [...(index ?? [])].slice(0, limit)) {
      const result = this.remove(userId, socketId);
      index?.delete(socketId);
      if (result) removed.push(result);
    }
    if (index && index.size === 0) {
      this.instances.delete(instanceId);
      if ((this.heartbeats.get(instanceId) ?? 0) <= Date.now()) this.heartbeats.delete(instanceId);
    }
    return removed;
  }

  private remove(userId: string, socketId: string): RemovedConnection | null {
    const sockets = this.users.get(userId);
    const live = sockets?.get(socketId);
    if (!sockets || !live) return null;
    sockets.delete(socketId);
    this.instances.get(live.connection.instanceId)?.delete(socketId);
    const rooms = [...live.rooms];
    const leftRooms = rooms.filter((room) => this.removeFromRoom(live, room));
    const offline = sockets.size === 0;
    if (offline) this.users.delete(userId);
    return { connection: { ...live.connection }, offline, rooms, leftRooms };
  }

  private addToRoom(live: LiveConnection, room: string): boolean {
    if (live.rooms.has(room)) return false;
    live.rooms.add(room);
    const { namespace, socketId, userId } = live.connection;
    const key = roomKey(namespace, room);
    let members = this.rooms.get(key);
    if (!members) this.rooms.set(key, (members = new Map()));
    members.set(socketId, userId);
    let counts = this.roomCounts.get(key);
    if (!counts) this.roomCounts.set(key, (counts = new Map()));
    const n = (counts.get(userId) ?? 0) + 1;
    counts.set(userId, n);
    return n === 1;
  }

  private removeFromRoom(live: LiveConnection, room: string): boolean {
    if (!live.rooms.delete(room)) return false;
    const { namespace, socketId, userId } = live.connection;
    const key = roomKey(namespace, room);
    const members = this.rooms.get(key);
    members?.delete(socketId);
    if (members?.size === 0) this.rooms.delete(key);
    const counts = this.roomCounts.get(key);
    const n = (counts?.get(userId) ?? 1) - 1;
    if (n > 0) counts?.set(userId, n);
    else counts?.delete(userId);
    if (counts?.size === 0) this.roomCounts.delete(key);
    return n <= 0;
  }
}
