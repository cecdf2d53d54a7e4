import type { Socket } from 'socket.io-client';
import type { AppInstance } from '../kit/instance.js';
import { ask } from '../kit/events.js';

type Counts = { online: number; offline: number; state: number };
const EVENTS = { 'presence:online': 'online', 'presence:offline': 'offline' } as const;

/** A third user's client that counts the presence events it sees, per user. */
export class PresenceWatcher {
  readonly seen = new Map<string, Counts>();
  readonly payloads: Array<{ event: string; payload: Record<string, unknown> }> = [];
  private waiters: Array<() => void> = [];

  constructor(readonly socket: Socket) {
    for (const [event, kind] of Object.entries(EVENTS)) {
      socket.on(event, (payload: { userId: string }) => {
        this.payloads.push({ event, payload });
        this.count(payload.userId)[kind]++;
        this.notify();
      });
    }
    socket.on('presence:state', (payload: { userId?: string }) => {
      if (payload.userId) this.count(payload.userId).state++;
      this.notify();
    });
  }

  count(userId: string): Counts {
    let counts = this.seen.get(userId);
    if (!counts) this.seen.set(userId, (counts = { online: 0, offline: 0, state: 0 }));
    return counts;
  }

  /** Resolves once `check` holds for the counts of `userId`. */
  until(userId: string, check: (c: Counts) => boolean, timeoutMs = 5000): Promise<Counts> {
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        done();
        reject(new Error(`timed out; saw ${JSON.stringify(this.count(userId))} for ${userId}`));
      }, timeoutMs);
      const probe = () => {
        if (!check(this.count(userId))) return;
        done();
        resolve(this.count(userId));
      };
      const done = () => {
        clearTimeout(timer);
        this.waiters = this.waiters.filter((w) => w !== probe);
      };
      this.waiters.push(probe);
      probe();
    });
  }

  /**
   * Waits until every broadcast the instances made so far has reached this client: each instance
   * emits a marker after its presence events, on the same ordered pub/sub connection.
   */
  async drain(instances: Socket[]): Promise<void> {
    const got = new Set<number>();
    const onMarker = (pid: number) => got.add(pid);
    this.socket.on('marker', onMarker);
    try {
      const expected = await Promise.all(
        instances.map(async (s) => (await ask<{ pid: number }>(s, 'marker')).pid),
      );
      const deadline = Date.now() + 5000;
      while (!expected.every((pid) => got.has(pid))) {
        if (Date.now() > deadline) throw new Error('markers did not arrive');
        await new Promise((r) => setTimeout(r, 5));
      }
    } finally {
      this.socket.off('marker', onMarker);
    }
  }

  private notify(): void {
    for (const waiter of [...this.waiters]) waiter();
  }
}

/** Sum of what every instance decided for a user: the cluster-wide transition count. */
export async function decided(controls: Socket[], userId: string): Promise<Counts> {
  const all = await Promise.all(controls.map((s) => ask<Counts>(s, 'transitions', { userId })));
  return all.reduce(
    (sum, c) => ({
      online: sum.online + c.online,
      offline: sum.offline + c.offline,
      state: sum.state + c.state,
    }),
    { online: 0, offline: 0, state: 0 },
  );
}

export type { AppInstance };
