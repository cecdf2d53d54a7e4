import { createHash } from 'node:crypto';
import type { RedisClient } from '../redis/redis-connections.js';
import { PresenceScripts } from './presence.scripts.js';
import type {
  ConnectResult,
  PresenceStore,
  RemovedConnection,
  StoredConnection,
  UpdatedConnection,
} from './presence.store.js';
import type { OnlinePage, PresenceState } from './presence.types.js';

type Reply = null | number | string | Reply[];

/** Most operations in one batch call: bounds how long one script holds Redis. */
const MAX_BATCH = 256;
/**
 * At most one batch call per GATHER_MS: a change within GATHER_MS of the last call waits for the
 * next one, a change after a quiet spell goes out at once. Each call is a write and a read system
 * call and a turn of the event loop, which on a busy server cost as much as the rest of a
 * handshake; 4 ms measured about a tenth less server CPU per handshake in a storm than a call
 * per Redis round trip (bench/README.md).
 */
const GATHER_MS = 4;

interface Queued {
  args: string[];
  resolve: (reply: Reply) => void;
  reject: (error: unknown) => void;
}

/**
 * Presence in Redis, shared by every instance. Each change runs in a Lua script, so the transition
 * it reports (first/last connection of a user, first/last in a room) is decided atomically.
 * All keys share the hash tag `{<keyPrefix>:presence}` (see presence.scripts.ts), so the store
 * works on Redis Cluster: one slot holds presence, and scripts never cross slots.
 *
 * Membership changes (connect, disconnect, join, leave) queue up and leave as ONE script call,
 * with at most one such call in flight: what arrives meanwhile waits for its reply and goes in
 * the next call, in order, and calls are at least GATHER_MS apart. A connection storm costs one
 * command per few milliseconds, not one per socket. With nothing else in flight, the call can
 * use EVALSHA (a few bytes, not the 3 KB script) and, on NOSCRIPT (a restarted or failed-over
 * Redis), be re-sent with EVAL without anything overtaking it: a disconnect overtaking its
 * connect would leave a ghost entry.
 */
export class RedisPresenceStore implements PresenceStore {
  private readonly base: string;
  private queue: Queued[] = [];
  /** A flush is scheduled or a batch call is in flight. */
  private busy = false;
  /** performance.now() of the last call: monotonic, so a wall-clock step back cannot stall it. */
  private lastSentAt = -Infinity;
  /**
   * The last queued change, settled. Reads and the other scripts wait for it first, so this
   * instance reads its own writes (a handler that leaves a room, then lists the room's members).
   */
  private lastWrite: Promise<unknown> = Promise.resolve();
  private readonly batchSha = createHash('sha1').update(PresenceScripts.batch).digest('hex');

  constructor(
    private readonly redis: RedisClient,
    keyPrefix: string,
  ) {
    this.base = `{${keyPrefix}:presence}`;
  }

  async connect(
    connection: StoredConnection,
    rooms: string[],
    maxConnections = 0,
  ): Promise<ConnectResult> {
    // The state is kept in its own hash (setState below), not in the stored connection.
    const { state, ...stored } = connection;
    const [online, joined] = (await this.enqueue([
      'c',
      connection.userId,
      connection.socketId,
      connection.instanceId,
      JSON.stringify(stored),
      connection.namespace,
      String(maxConnections),
      String(rooms.length),
      ...rooms,
    ])) as [number, string[]];
    if (online === -1) return { refused: true, online: false, joinedRooms: [] };
    if (state) await this.setState(connection.userId, connection.socketId, state);
    return { online: online === 1, joinedRooms: joined };
  }

  async disconnect(userId: string, socketId: string): Promise<RemovedConnection | null> {
    const reply = await this.enqueue(['d', userId, socketId]);
    return Array.isArray(reply) ? toRemoved(reply) : null;
  }

  async join(userId: string, socketId: string, namespace: string, room: string): Promise<boolean> {
    return (await this.enqueue(['j', userId, socketId, namespace, room])) === 1;
  }

  async leave(userId: string, socketId: string, namespace: string, room: string): Promise<boolean> {
    return (await this.enqueue(['l', userId, socketId, namespace, room])) === 1;
  }

  async setState(
    userId: string,
    socketId: string | null,
    state: PresenceState | null,
  ): Promise<UpdatedConnection[]> {
    await this.lastWrite;
    const json = state === null ? '' : JSON.stringify(state);
    const reply = (await this.run(PresenceScripts.setState, userId, socketId ?? '', json)) as Array<
      [string, string[]]
    >;
    return reply.map(([raw, rooms]) => ({ connection: parseConnection(raw, json || null), rooms }));
  }

  async isOnline(userId: string): Promise<boolean> {
    await this.lastWrite;
    return (await this.redis.exists(this.key('u', userId))) === 1;
  }

  async getConnections(userId: string): Promise<StoredConnection[]> {
    await this.lastWrite;
    // Both keys share the slot, so MULTI is one round trip on a cluster too.
    const replies = await this.redis
      .multi()
      .hgetall(this.key('u', userId))
      .hgetall(this.key('st', userId))
      .exec();
    const [connections, states] = (replies ?? []).map(([err, value]) => {
      if (err) throw err;
      return value as Record<string, string>;
    });
    return Object.entries(connections ?? {}).map(([socketId, raw]) =>
      parseConnection(raw, states?.[socketId] ?? null),
    );
  }

  async countConnections(userId: string): Promise<number> {
    await this.lastWrite;
    return this.redis.hlen(this.key('u', userId));
  }

  async listOnline(cursor: string | undefined, limit: number): Promise<OnlinePage> {
    await this.lastWrite;
    const start = cursor === undefined ? '-' : `(${cursor}`;
    const ids = await this.redis.zrangebylex(this.key('online'), start, '+', 'LIMIT', 0, limit + 1);
    const userIds = ids.slice(0, limit);
    return { userIds, cursor: ids.length > limit ? userIds[userIds.length - 1] : null };
  }

  async countOnline(): Promise<number> {
    await this.lastWrite;
    return this.redis.zcard(this.key('online'));
  }

  /** One HVALS: room members are stored with their connection and state (see presence.scripts.ts). */
  async getRoomConnections(namespace: string, room: string): Promise<StoredConnection[]> {
    await this.lastWrite;
    const values = await this.redis.hvals(this.key('r', String(namespace.length), namespace, room));
    return values.map((value) => {
      const newline = value.indexOf('\n');
      return parseConnection(value.slice(0, newline), value.slice(newline + 1) || null);
    });
  }

  async heartbeat(instanceId: string, ttlMs: number): Promise<boolean> {
    return (await this.run(PresenceScripts.heartbeat, instanceId, String(ttlMs))) === 1;
  }

  async instanceSockets(instanceId: string): Promise<Array<{ socketId: string; userId: string }>> {
    await this.lastWrite;
    const index = await this.redis.hgetall(this.key('i', instanceId));
    return Object.entries(index).map(([socketId, userId]) => ({ socketId, userId }));
  }

  async sweep(selfInstanceId: string, limit: number): Promise<RemovedConnection[]> {
    const reply = (await this.run(PresenceScripts.sweep, selfInstanceId, String(limit))) as Reply[];
    return reply.map((r) => toRemoved(r as Reply[]));
  }

  async removeInstance(instanceId: string, limit: number): Promise<RemovedConnection[]> {
    await this.lastWrite;
    const reply = (await this.run(
      PresenceScripts.removeInstance,
      instanceId,
      String(limit),
    )) as Reply[];
    return reply.map((r) => toRemoved(r as Reply[]));
  }

  /** The client belongs to the module's RedisConnectionFactory, which closes it. */
  async close(): Promise<void> {}

  private key(...parts: string[]): string {
    return [this.base, ...parts].join(':');
  }

  private run(script: string, ...args: string[]): Promise<unknown> {
    return this.redis.eval(script, 1, this.base, ...args);
  }

  /** Queues a membership change for the next batch call (see the class comment). */
  private enqueue(args: string[]): Promise<Reply> {
    const queued = new Promise<Reply>((resolve, reject) => {
      this.queue.push({ args, resolve, reject });
      if (!this.busy) {
        this.busy = true;
        this.schedule();
      }
    });
    this.lastWrite = queued.catch(() => undefined);
    return queued;
  }

  /** Sends the queue's first MAX_BATCH changes; only scheduled while the queue holds some. */
  private flush(): void {
    const batch = this.queue.splice(0, MAX_BATCH);
    this.lastSentAt = performance.now();
    // A loop, not flatMap: V8's flatMap is much slower on this hot path (bench/README.md).
    const argv: string[] = [];
    for (const op of batch) for (const arg of op.args) argv.push(arg);
    this.sendBatch(argv)
      .then(
        (replies) => batch.forEach((op, i) => op.resolve((replies as Reply[])[i])),
        (error: unknown) => batch.forEach((op) => op.reject(error)),
      )
      .finally(() => {
        if (this.queue.length > 0) this.schedule();
        else this.busy = false;
      });
  }

  /** The next batch call: at once, or under a steady stream GATHER_MS after the last one. */
  private schedule(fromTimer = false): void {
    const wait = GATHER_MS - (performance.now() - this.lastSentAt);
    // Timers truncate fractional delays and start from the event loop's cached clock, so one
    // can fire a little before GATHER_MS has passed: it checks again instead of sending.
    if (wait > 0) setTimeout(() => this.schedule(true), Math.ceil(wait));
    else if (fromTimer) this.flush();
    else setImmediate(() => this.flush());
  }

  private async sendBatch(argv: string[]): Promise<unknown> {
    try {
      return await this.redis.evalsha(this.batchSha, 1, this.base, ...argv);
    } catch (error) {
      if (!(error instanceof Error) || !error.message.startsWith('NOSCRIPT')) throw error;
      return this.run(PresenceScripts.batch, ...argv); // loads the script for the next calls
    }
  }
}

/** Sets the state on the freshly parsed object: no copy (a 10,000-member room parses 10,000). */
function parseConnection(raw: string, state: string | null | undefined): StoredConnection {
  const connection = JSON.parse(raw) as StoredConnection;
  connection.state = state ? (JSON.parse(state) as PresenceState) : null;
  return connection;
}

function toRemoved(reply: Reply[]): RemovedConnection {
  const [offline, raw, left, rooms] = reply as [number, string, string[], string[]];
  return { connection: parseConnection(raw, null), offline: offline === 1, rooms, leftRooms: left };
}
