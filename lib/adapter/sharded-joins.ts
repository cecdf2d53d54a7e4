import type { Server } from 'socket.io';
import { within } from '../core/within.js';
import type { RedisClient } from '../redis/redis-connections.js';

type AdapterFactory = Parameters<Server['adapter']>[0];
type AddAll = (id: string, rooms: Set<string>) => Promise<void> | void;

/** How long a join waits for Redis to confirm the room's subscription before it stands anyway. */
const CONFIRM_TIMEOUT_MS = 2000;

/**
 * Sharded mode: `@socket.io/redis-adapter` subscribes to a new room's channel (SSUBSCRIBE) without
 * awaiting it, so `socket.join()` resolved before this instance received that room's broadcasts,
 * and one sent by another instance in the next milliseconds missed the new member. Here a join
 * that creates a room returns a promise that settles once Redis has confirmed the subscription:
 * bounded, and not awaited at all while Redis is down (the join then stands locally, as before).
 */
export function confirmSubscribedJoins(
  factory: (nsp: unknown) => object,
  sub: RedisClient,
  connected: () => boolean,
): AdapterFactory {
  const client = sub as unknown as Record<string, (...args: unknown[]) => unknown>;
  const ssubscribe = client.ssubscribe;
  // Set only while an adapter's addAll runs: the subscriptions that call starts.
  let started: Array<Promise<unknown>> | null = null;
  client.ssubscribe = function (this: unknown, ...args: unknown[]) {
    const result = ssubscribe.apply(this, args);
    if (started && result instanceof Promise) started.push(result);
    return result;
  };
  // A `function`, not an arrow: Socket.IO calls the factory with `new`.
  return function (nsp: unknown) {
    const adapter = factory(nsp) as { addAll: AddAll };
    const addAll = adapter.addAll;
    adapter.addAll = function (this: unknown, id, rooms) {
      started = [];
      let result: Promise<void> | void;
      let subscriptions: Array<Promise<unknown>>;
      try {
        result = addAll.call(this, id, rooms);
      } finally {
        subscriptions = started;
        started = null;
      }
      if (subscriptions.length === 0 || !connected()) return result;
      // A failed subscription is logged by the client's own handler; the join stands locally.
      const confirmed = within(Promise.all(subscriptions), CONFIRM_TIMEOUT_MS).catch(() => false);
      return Promise.all([result, confirmed]).then(() => undefined);
    };
    return adapter;
  } as unknown as AdapterFactory;
}
