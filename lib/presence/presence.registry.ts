import { randomUUID } from 'node:crypto';
import { hostname } from 'node:os';
import {
  type BeforeApplicationShutdown,
  Inject,
  Injectable,
  Logger,
  type OnApplicationShutdown,
  type OnModuleInit,
} from '@nestjs/common';
import { type Observable, Subject } from 'rxjs';
import type { Namespace, Socket } from 'socket.io';
import { NamespaceHooks } from '../connection/namespace-hooks.js';
import { RedisConnectionFactory } from '../redis/redis-connection.factory.js';
import { ThrottledLogger } from '../core/throttled-logger.js';
import { identityOf, type RealtimeSocketData } from '../auth/socket-identity.js';
import { RealtimeErrorCode } from '../errors/error-codes.js';
import { RealtimeException } from '../errors/realtime.exception.js';
import { REALTIME_OPTIONS } from '../core/internal.constants.js';
import { within } from '../core/within.js';
import type {
  ResolvedPresenceOptions,
  ResolvedRealtimeOptions,
} from '../options/options.defaults.js';
import { RealtimeEvents } from '../core/realtime.constants.js';
import { MemoryPresenceStore } from './memory-presence.store.js';
import { tooManyConnections } from '../errors/too-many-connections.js';
import type {
  ConnectResult,
  PresenceStore,
  RemovedConnection,
  StoredConnection,
} from './presence.store.js';
import type {
  ListOnlineOptions,
  OnlinePage,
  PresenceConnection,
  PresenceMember,
  PresenceRoomDiff,
  PresenceRoomMemberPayload,
  PresenceRoomSnapshot,
  PresenceState,
  PresenceTransition,
  PresenceUserPayload,
} from './presence.types.js';
import { RedisPresenceStore } from './redis-presence.store.js';

/** Connections removed per sweep/shutdown script call: bounds how long one script blocks Redis. */
const BATCH = 500;
/** Longest a graceful shutdown waits to remove this instance's entries. */
const SHUTDOWN_REMOVAL_MS = 3000;
const WATCHED = Symbol('realtime:presence-watched');
/** How long a socket admitted at the handshake may take to connect before its entry is dropped. */
const ADMISSION_MS = 10_000;
/**
 * How often admitted sockets are checked. Polled rather than a 'close' listener per engine
 * connection: adding and removing one would grow every connection's listener array for good.
 */
const ADMISSION_CHECK_MS = 500;

/** A socket stored at the handshake whose `connection` has not come yet. */
interface Admission {
  socket: Socket;
  connection: StoredConnection;
  rooms: string[];
  result: ConnectResult;
  at: number;
}

/**
 * Who is online, on which connections and in which rooms, across every instance. Tracks every
 * authenticated socket on every namespace automatically; announces exactly one `presence:online`
 * per user's first connection in the cluster and one `presence:offline` per last one.
 */
@Injectable()
export class PresenceRegistry
  implements OnModuleInit, BeforeApplicationShutdown, OnApplicationShutdown
{
  /** This process's id in presence entries and heartbeats. */
  readonly instanceId = `${hostname()}:${process.pid}:${randomUUID().slice(0, 8)}`;
  private readonly logger = new Logger('RealtimePresence');
  private readonly errors = new ThrottledLogger(this.logger);
  private readonly presence: ResolvedPresenceOptions;
  private readonly userRoomPrefix: string;
  private readonly store: PresenceStore;
  /** Redis backs the store: heartbeats, sweeps and resyncs run. */
  private readonly clustered: boolean;
  private readonly subject = new Subject<PresenceTransition>();
  /** Every transition this instance decided; exactly once across the cluster. */
  readonly transitions$: Observable<PresenceTransition> = this.subject.asObservable();
  // Tracked sockets are the authenticated ones in the namespaces (nsp.sockets): no map of our own,
  // no listener of our own per socket (NamespaceHooks' shared ones call us), no property on it.
  /** Sockets between `disconnecting` and `disconnect`: their room leaves come with the disconnect. */
  private readonly leaving = new Set<string>();
  /** Sockets stored at the handshake and not connected yet (Socket.IO may still drop them). */
  private readonly admitted = new Map<string, Admission>();
  private readonly maxConnectionsPerUser: number;
  private admissionTimer?: NodeJS.Timeout;
  private readonly roomPatterns: Array<(room: string) => boolean>;
  private timer?: NodeJS.Timeout;
  private ticking = false;
  private beats = 0;
  private lastBeatAt?: number;
  private needsResync = false;
  private closing = false;

  constructor(
    @Inject(REALTIME_OPTIONS) options: ResolvedRealtimeOptions,
    private readonly hooks: NamespaceHooks,
    redis: RedisConnectionFactory,
  ) {
    this.presence = options.presence;
    this.maxConnectionsPerUser = options.limits.maxConnectionsPerUser;
    this.userRoomPrefix = options.userRoomPrefix;
    this.roomPatterns = this.presence.roomPresence.map(toMatcher);
    this.clustered = this.presence.enabled && !!options.redis;
    if (this.clustered && options.redis) {
      this.store = new RedisPresenceStore(redis.command(), options.redis.keyPrefix);
    } else {
      this.store = new MemoryPresenceStore();
    }
  }

  get enabled(): boolean {
    return this.presence.enabled;
  }

  /**
   * When this instance's heartbeat last reached the presence store (ms since the epoch); undefined
   * before the first one, and always without Redis (nothing to heartbeat).
   */
  get lastHeartbeatAt(): number | undefined {
    return this.lastBeatAt;
  }

  onModuleInit(): void {
    if (!this.presence.enabled) return;
    // Stored during the handshake, in the same atomic step as the per-user connection limit.
    this.hooks.onHandshake('admit', (socket) => this.admit(socket));
    this.hooks.onConnection((socket) => this.track(socket));
    this.hooks.onDisconnecting((socket) => this.leaving.add(socket.id));
    this.hooks.onDisconnect((socket) => this.untrack(socket));
    this.admissionTimer = setInterval(() => this.dropStaleAdmissions(), ADMISSION_CHECK_MS);
    this.admissionTimer.unref();
    if (!this.clustered) return; // one process: nothing to heartbeat or sweep
    void this.tick();
    this.timer = setInterval(() => void this.tick(), this.presence.heartbeatIntervalMs);
    this.timer.unref();
  }

  /** Graceful shutdown: remove this instance's entries at once, while the adapter can still emit. */
  async beforeApplicationShutdown(): Promise<void> {
    if (this.closing || !this.presence.enabled) return;
    this.closing = true;
    clearInterval(this.timer);
    clearInterval(this.admissionTimer);
    for (const { socket } of this.admitted.values()) this.forgetAdmission(socket);
    const removeAll = async () => {
      for (;;) {
        const removed = await this.store.removeInstance(this.instanceId, BATCH);
        for (const r of removed) this.announceRemoval(r, 'shutdown');
        if (removed.length < BATCH) break;
      }
    };
    try {
      // Bounded: with Redis unreachable the commands would retry for a long time; the entries
      // then expire with the heartbeat and a surviving instance sweeps them.
      if (!(await within(removeAll(), SHUTDOWN_REMOVAL_MS))) throw new Error('timed out');
    } catch (error) {
      // The entries expire with the heartbeat and a survivor sweeps them.
      this.logger.warn(`Could not remove presence entries on shutdown: ${errorMessage(error)}`);
    }
    this.leaving.clear();
  }

  async onApplicationShutdown(): Promise<void> {
    clearInterval(this.timer);
    clearInterval(this.admissionTimer);
    this.closing = true;
    this.subject.complete();
    await this.store.close();
  }

  // ---- queries ----

  /** One Redis round trip (EXISTS). */
  isOnline(userId: string): Promise<boolean> {
    return this.store.isOnline(String(userId));
  }

  async getConnections(userId: string): Promise<PresenceConnection[]> {
    return (await this.store.getConnections(String(userId))).map(toPublicConnection);
  }

  /** How many live connections the user has, across instances (one round trip). */
  countConnections(userId: string): Promise<number> {
    return this.store.countConnections(String(userId));
  }

  /** Online user ids in byte order of the id, `limit` (default 100) per page. */
  listOnline(options: ListOnlineOptions = {}): Promise<OnlinePage> {
    const limit = Math.max(1, Math.min(options.limit ?? 100, 10_000));
    return this.store.listOnline(options.cursor || undefined, limit);
  }

  countOnline(): Promise<number> {
    return this.store.countOnline();
  }

  /** Users with at least one connection in the room, each once, with those connections' states. */
  async getRoomMembers(
    room: string,
    options: { namespace?: string } = {},
  ): Promise<PresenceMember[]> {
    const connections = await this.store.getRoomConnections(options.namespace ?? '/', room);
    const members = new Map<string, PresenceMember>();
    for (const c of connections) {
      let member = members.get(c.userId);
      if (!member)
        members.set(c.userId, (member = { userId: c.userId, info: c.info, connections: [] }));
      member.connections.push(toPublicConnection(c));
    }
    return [...members.values()];
  }

  /**
   * Sets the app state of one connection (a socket) or of every connection of a user (an id), and
   * announces `presence:state`. Throws PAYLOAD_TOO_LARGE above `presence.maxStateBytes`.
   * Resolves to false when nothing was tracked for the target.
   */
  async setState(target: Socket | string, state: PresenceState | null): Promise<boolean> {
    this.assertState(state);
    const userId = typeof target === 'string' ? target : identityOf(target)?.userId;
    if (!userId) {
      throw new RealtimeException(
        RealtimeErrorCode.BAD_REQUEST,
        'Presence state needs an authenticated socket or a user id',
      );
    }
    if (!this.presence.enabled) return false;
    const socketId = typeof target === 'string' ? null : target.id;
    const updated = await this.store.setState(userId, socketId, state);
    if (updated.length === 0) return false;
    const first = updated[0].connection;
    const user = payloadOf(first);
    const rooms = [...new Set(updated.flatMap((u) => u.rooms))];
    this.transition(
      { type: 'state', userId, user, namespace: first.namespace, cause: 'state', state },
      RealtimeEvents.PRESENCE_STATE,
      { ...user, state },
      rooms,
    );
    for (const { connection, rooms: connectionRooms } of updated) {
      for (const room of connectionRooms.filter((r) => this.hasRoomPresence(r))) {
        const member: PresenceRoomMemberPayload = { ...payloadOf(connection), states: [state] };
        this.emitDiff(connection.namespace, { room, joins: [], leaves: [], updates: [member] });
      }
    }
    return true;
  }

  /** Server-side hook on every transition this instance decides; returns the unsubscribe. */
  onTransition(handler: (transition: PresenceTransition) => void): () => void {
    const subscription = this.transitions$.subscribe(handler);
    return () => subscription.unsubscribe();
  }

  // ---- tracking ----

  /**
   * Handshake: stores the connection and applies `limits.maxConnectionsPerUser` in one atomic
   * step (one Redis round trip), refusing with RATE_LIMITED over the limit. Transitions are
   * announced once the socket connects. Fails open: while the store is unreachable the socket is
   * let in and stored on `connection` (or by the next resync).
   */
  private admit(socket: Socket): Promise<void> | undefined {
    const identity = identityOf(socket);
    if (!identity || this.closing) return undefined;
    const connection = this.connectionOf(socket, identity.userId);
    const rooms = this.trackedRooms(socket);
    const max = this.maxConnectionsPerUser;
    return this.store.connect(connection, rooms, max).then(
      (result) => {
        if (result.refused) throw tooManyConnections(max);
        const admission: Admission = {
          socket,
          connection,
          rooms,
          result,
          at: Date.now(),
        };
        this.admitted.set(socket.id, admission);
        // Socket.IO emits nothing for a socket whose connection closes before `connection`.
        if (socket.conn.readyState !== 'open') this.abandon(socket);
      },
      (error: unknown) => this.failed(error),
    );
  }

  private track(socket: Socket): void {
    const identity = identityOf(socket);
    if (!identity || this.closing) return;
    this.watchRooms(socket.nsp);
    const admission = this.admitted.get(socket.id);
    if (!admission) return this.connectStored(socket, identity.userId);
    this.forgetAdmission(socket);
    this.announceConnect(socket, admission.connection, admission.rooms, admission.result);
  }

  private connectStored(socket: Socket, userId: string): void {
    const connection = this.connectionOf(socket, userId);
    const rooms = this.trackedRooms(socket);
    this.run(this.store.connect(connection, rooms), (result) =>
      this.announceConnect(socket, connection, rooms, result),
    );
  }

  private announceConnect(
    socket: Socket,
    connection: StoredConnection,
    rooms: string[],
    { online, joinedRooms }: ConnectResult,
  ): void {
    if (online) this.announceOnline(connection, rooms);
    for (const room of rooms.filter((r) => this.hasRoomPresence(r))) {
      void this.roomJoined(socket, room, joinedRooms.includes(room));
    }
  }

  private announceOnline(connection: StoredConnection, rooms: string[]): void {
    const user = payloadOf(connection);
    this.transition(
      {
        type: 'online',
        userId: connection.userId,
        user,
        namespace: connection.namespace,
        cause: 'connect',
      },
      RealtimeEvents.PRESENCE_ONLINE,
      user,
      rooms,
    );
  }

  private forgetAdmission(socket: Socket): void {
    const admission = this.admitted.get(socket.id);
    if (admission?.socket !== socket) return;
    this.admitted.delete(socket.id);
  }

  /**
   * A socket stored at the handshake that will never connect (its connection closed, or a later
   * middleware of the app refused it): remove it, within ADMISSION_CHECK_MS or ADMISSION_MS. Its
   * own transitions were never announced, so only one that another connection of the user hid
   * behind it is announced now.
   */
  private abandon(socket: Socket): void {
    const admission = this.admitted.get(socket.id);
    if (admission?.socket !== socket) return;
    this.admitted.delete(socket.id);
    const { connection, result } = admission;
    this.run(this.store.disconnect(connection.userId, socket.id), (removed) => {
      if (!removed) return;
      // Another connection came in meanwhile and was told the user was already online.
      if (result.online && !removed.offline) this.announceOnline(connection, removed.rooms);
      // Announced as any removal, less what this connection's own arrival never announced.
      this.announceRemoval(
        {
          ...removed,
          offline: removed.offline && !result.online,
          leftRooms: removed.leftRooms.filter((room) => !result.joinedRooms.includes(room)),
        },
        'disconnect',
      );
    });
  }

  private dropStaleAdmissions(): void {
    const now = Date.now();
    for (const { socket, at } of this.admitted.values()) {
      // Socket.IO emits nothing for a socket whose connection closed before `connection`.
      if (socket.conn.readyState !== 'open' || now - at >= ADMISSION_MS) this.abandon(socket);
    }
  }

  private connectionOf(socket: Socket, userId: string): StoredConnection {
    return {
      socketId: socket.id,
      userId,
      instanceId: this.instanceId,
      namespace: socket.nsp.name,
      connectedAt: Date.now(),
      state: null,
      info: this.publicInfo(socket),
    };
  }

  private trackedRooms(socket: Socket): string[] {
    return [...socket.rooms].filter((room) => this.isTrackedRoom(socket, room));
  }

  private untrack(socket: Socket): void {
    this.leaving.delete(socket.id);
    const userId = identityOf(socket)?.userId;
    if (userId === undefined || this.closing) return;
    this.run(this.store.disconnect(userId, socket.id), (removed) => {
      if (removed) this.announceRemoval(removed, 'disconnect');
    });
  }

  /** Rooms are tracked through the namespace adapter's join-room/leave-room events. */
  private watchRooms(nsp: Namespace): void {
    const adapter = nsp.adapter as typeof nsp.adapter & { [WATCHED]?: boolean };
    if (adapter[WATCHED]) return;
    adapter[WATCHED] = true;
    adapter.on('join-room', (room: string, id: string) => this.roomEvent(nsp, room, id, true));
    adapter.on('leave-room', (room: string, id: string) => this.roomEvent(nsp, room, id, false));
  }

  private roomEvent(nsp: Namespace, room: string, id: string, joined: boolean): void {
    const socket = nsp.sockets.get(id);
    if (socket && !identityOf(socket)) return;
    if (!socket || this.leaving.has(id) || this.closing || !this.isTrackedRoom(socket, room)) {
      return;
    }
    const userId = identityOf(socket)!.userId;
    const namespace = socket.nsp.name;
    if (joined) {
      this.run(this.store.join(userId, id, namespace, room), (first) => {
        if (this.hasRoomPresence(room)) void this.roomJoined(socket, room, first);
      });
    } else {
      this.run(this.store.leave(userId, id, namespace, room), (last) => {
        if (last && this.hasRoomPresence(room)) {
          const user = payloadOf({ userId, info: this.publicInfo(socket) });
          this.emitDiff(namespace, { room, joins: [], leaves: [user], updates: [] });
        }
      });
    }
  }

  /** Room presence: the snapshot to the joining socket, then a diff to the room on a new user. */
  private async roomJoined(socket: Socket, room: string, firstOfUser: boolean): Promise<void> {
    try {
      const members = (await this.getRoomMembers(room, { namespace: socket.nsp.name })).map(
        toMemberPayload,
      );
      const snapshot: PresenceRoomSnapshot = { room, members };
      if (socket.connected) socket.emit(RealtimeEvents.PRESENCE_STATE, snapshot);
      const self = members.find((m) => m.userId === identityOf(socket)?.userId);
      if (firstOfUser && self) {
        this.emitDiff(socket.nsp.name, { room, joins: [self], leaves: [], updates: [] });
      }
    } catch (error) {
      this.failed(error);
    }
  }

  private isTrackedRoom(socket: Socket, room: string): boolean {
    const identity = identityOf(socket);
    return room !== socket.id && room !== `${this.userRoomPrefix}${identity?.userId}`;
  }

  private hasRoomPresence(room: string): boolean {
    return this.roomPatterns.some((matches) => matches(room));
  }

  // ---- heartbeat, sweep, resync ----

  private async tick(): Promise<void> {
    if (this.ticking || this.closing) return;
    this.ticking = true;
    try {
      const alive = await this.store.heartbeat(this.instanceId, this.presence.ttlMs);
      this.lastBeatAt = Date.now();
      // Our heartbeat lapsed (a long outage or pause): survivors may have swept our entries.
      if ((!alive && this.beats > 0) || this.needsResync) await this.resync();
      this.beats++;
      // Without a server we could not tell the clients; an instance that has one will sweep.
      if (this.hooks.servers.length > 0) await this.sweep();
    } catch (error) {
      this.errors.error('tick', `Presence heartbeat failed: ${errorMessage(error)}`);
    } finally {
      this.ticking = false;
    }
  }

  private async sweep(): Promise<void> {
    for (;;) {
      const removed = await this.store.sweep(this.instanceId, BATCH);
      for (const r of removed) this.announceRemoval(r, 'sweep');
      if (removed.length < BATCH || this.closing) return;
    }
  }

  /** Makes the store match this instance's live sockets after a failed write or a lapsed heartbeat. */
  private async resync(): Promise<void> {
    this.needsResync = false;
    const stored = await this.store.instanceSockets(this.instanceId);
    const storedIds = new Set(stored.map((s) => s.socketId));
    const live = this.liveSockets();
    for (const { socketId, userId } of stored) {
      if (live.has(socketId) || this.admitted.has(socketId)) continue;
      const removed = await this.store.disconnect(userId, socketId);
      if (removed) this.announceRemoval(removed, 'disconnect');
    }
    for (const socket of live.values()) {
      if (!storedIds.has(socket.id)) this.connectStored(socket, identityOf(socket)!.userId);
    }
  }

  /** The tracked sockets: authenticated and connected, on every namespace of every server. */
  private liveSockets(): Map<string, Socket> {
    const live = new Map<string, Socket>();
    for (const server of this.hooks.servers) {
      for (const nsp of server._nsps.values()) {
        for (const [id, socket] of nsp.sockets) {
          if (identityOf(socket) && !this.leaving.has(id)) live.set(id, socket);
        }
      }
    }
    return live;
  }

  // ---- announcing ----

  private announceRemoval(removed: RemovedConnection, cause: PresenceTransition['cause']): void {
    const { connection, offline, rooms, leftRooms } = removed;
    const user = payloadOf(connection);
    if (offline) {
      this.transition(
        {
          type: 'offline',
          userId: connection.userId,
          user,
          namespace: connection.namespace,
          cause,
        },
        RealtimeEvents.PRESENCE_OFFLINE,
        user,
        rooms,
      );
    }
    for (const room of leftRooms.filter((r) => this.hasRoomPresence(r))) {
      this.emitDiff(connection.namespace, { room, joins: [], leaves: [user], updates: [] });
    }
  }

  private transition(
    transition: PresenceTransition,
    event: string,
    payload: PresenceUserPayload,
    rooms: string[],
  ): void {
    try {
      this.subject.next(transition);
    } catch (error) {
      this.logger.error(`A presence transition subscriber threw: ${errorMessage(error)}`);
    }
    const nsp = this.namespace(transition.namespace);
    if (!nsp || this.presence.scope === 'none') return;
    if (this.presence.scope === 'namespace') nsp.emit(event, payload);
    else if (rooms.length > 0) nsp.to(rooms).emit(event, payload);
  }

  private emitDiff(namespace: string, diff: PresenceRoomDiff): void {
    this.namespace(namespace)?.to(diff.room).emit(RealtimeEvents.PRESENCE_DIFF, diff);
  }

  /** The namespace on the server that has it (an app may run gateways on several servers). */
  private namespace(name: string): Namespace | undefined {
    const servers = this.hooks.servers;
    const server = servers.find((s) => s._nsps.has(name)) ?? servers[0];
    return server?.of(name);
  }

  // ---- helpers ----

  private publicInfo(socket: Socket): Record<string, unknown> {
    const user = (socket.data as RealtimeSocketData).user as Record<string, unknown> | undefined;
    const info: Record<string, unknown> = {};
    if (!user || typeof user !== 'object') return info;
    for (const field of this.presence.publicUserFields) {
      if (user[field] !== undefined && field !== 'userId') info[field] = user[field];
    }
    return info;
  }

  private assertState(state: PresenceState | null): void {
    if (state !== null && (typeof state !== 'object' || Array.isArray(state))) {
      throw new RealtimeException(
        RealtimeErrorCode.BAD_REQUEST,
        'Presence state must be a plain object or null',
      );
    }
    let json: string;
    try {
      json = JSON.stringify(state);
    } catch {
      throw new RealtimeException(RealtimeErrorCode.BAD_REQUEST, 'Presence state must be JSON');
    }
    const bytes = Buffer.byteLength(json);
    if (bytes > this.presence.maxStateBytes) {
      throw new RealtimeException(
        RealtimeErrorCode.PAYLOAD_TOO_LARGE,
        `Presence state is ${bytes} bytes of JSON; presence.maxStateBytes allows ${this.presence.maxStateBytes}`,
      );
    }
  }

  /** Runs a store call from an event handler: never an unhandled rejection, resync on failure. */
  private run<T>(operation: Promise<T>, then: (result: T) => void): void {
    operation.then(then).catch((error: unknown) => this.failed(error));
  }

  private failed(error: unknown): void {
    if (this.clustered) this.needsResync = true;
    this.errors.error('write', `Presence update failed: ${errorMessage(error)}`);
  }
}

function toMatcher(pattern: string | RegExp): (room: string) => boolean {
  if (pattern instanceof RegExp) {
    const re = new RegExp(pattern.source, pattern.flags.replace(/[gy]/g, ''));
    return (room) => re.test(room);
  }
  if (pattern.endsWith('*')) {
    const prefix = pattern.slice(0, -1);
    return (room) => room.startsWith(prefix);
  }
  return (room) => room === pattern;
}

function payloadOf(c: Pick<StoredConnection, 'userId' | 'info'>): PresenceUserPayload {
  return { ...c.info, userId: c.userId };
}

function toPublicConnection(c: StoredConnection): PresenceConnection {
  const { socketId, userId, instanceId, namespace, connectedAt, state } = c;
  return { socketId, userId, instanceId, namespace, connectedAt, state };
}

function toMemberPayload(member: PresenceMember): PresenceRoomMemberPayload {
  return {
    ...member.info,
    userId: member.userId,
    states: member.connections.map((c) => c.state),
  };
}

function errorMessage(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
