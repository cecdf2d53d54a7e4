import { Injectable, type MessageEvent } from '@nestjs/common';
import { Observable } from 'rxjs';
import { normalizeNamespace } from '../core/namespace.js';
import { RealtimeEvents } from '../core/realtime.constants.js';
import { type UserEvent, UserEventRelay } from './user-event-relay.js';

export interface UserEventStreamOptions {
  /**
   * Only emits that went to this namespace (or these). An emit without `.namespace()` goes to
   * every namespace the app's gateways serve, so it matches any of them. @default every namespace
   */
  namespace?: string | string[];
  /** Only these event names. @default every event */
  events?: string[];
  /**
   * When the stream ends, in ms since the epoch: usually the token's expiry
   * (`identity.expiresAt`). The last message is `auth:expired`, then the stream completes and the
   * client reconnects with a fresh token. @default never
   */
  expiresAt?: number;
}

/** setTimeout's largest delay; longer waits are re-armed. */
const MAX_DELAY_MS = 2_147_483_647;

/**
 * A user's realtime events as an `Observable<MessageEvent>` for Nest's `@Sse()`: every emit that
 * `RealtimeEmitter` addresses to the user (`toUser(id)`), on any instance or from a worker, with
 * Redis. Each message has `type` = the event name and `data` = the JSON of its payload (the first
 * argument, or the array of arguments when there are several).
 *
 * ```ts
 * @Sse('notifications/stream')
 * @UseGuards(RealtimeHttpGuard)
 * stream(@HttpIdentity() identity: SocketIdentity): Observable<MessageEvent> {
 *   return this.events.stream(identity.userId, { namespace: '/notifications', expiresAt: identity.expiresAt });
 * }
 * ```
 */
@Injectable()
export class UserEventStream {
  constructor(private readonly relay: UserEventRelay) {}

  stream(userId: string | number, options: UserEventStreamOptions = {}): Observable<MessageEvent> {
    const id = String(userId);
    const namespaces =
      options.namespace === undefined
        ? undefined
        : new Set(
            (Array.isArray(options.namespace) ? options.namespace : [options.namespace]).map(
              normalizeNamespace,
            ),
          );
    const events = options.events ? new Set(options.events) : undefined;
    const wanted = (message: UserEvent) =>
      message.users.includes(id) &&
      !message.exceptUsers.includes(id) &&
      (!namespaces || (message.namespaces ?? [message.namespace]).some((n) => namespaces.has(n))) &&
      (!events || events.has(message.event));

    return new Observable<MessageEvent>((subscriber) => {
      const stop = this.relay.listen((message) => {
        if (wanted(message)) subscriber.next(toMessageEvent(message.event, message.args));
      });
      let timer: NodeJS.Timeout | undefined;
      const expiresAt = options.expiresAt;
      const arm = () => {
        if (expiresAt === undefined) return;
        const delay = expiresAt - Date.now();
        if (delay <= 0) {
          subscriber.next(
            toMessageEvent(RealtimeEvents.AUTH_EXPIRED, [
              { code: 'TOKEN_EXPIRED', message: 'Token has expired; reconnect with a fresh token' },
            ]),
          );
          subscriber.complete();
          return;
        }
        timer = setTimeout(arm, Math.min(delay, MAX_DELAY_MS));
        timer.unref?.();
      };
      arm();
      return () => {
        stop();
        if (timer) clearTimeout(timer);
      };
    });
  }
}

function toMessageEvent(event: string, args: unknown[]): MessageEvent {
  const payload = args.length === 1 ? args[0] : args;
  return { type: event, data: JSON.stringify(payload ?? null) };
}
