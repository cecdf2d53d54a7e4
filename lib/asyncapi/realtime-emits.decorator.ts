/** Metadata key of `@RealtimeEmits()` on a gateway class. */
const EMITS_METADATA = 'realtime:emits';

/** A class (its class-validator metadata becomes the payload's JSON Schema). */
// eslint-disable-next-line @typescript-eslint/no-unsafe-function-type
export type RealtimePayloadClass = Function & { prototype: object };

/** One server-sent event: its payload class, or the class with a description. */
export type RealtimeEmittedEvent =
  | RealtimePayloadClass
  | {
      /** The payload's class, or a JSON Schema object for a payload that is not a class. */
      payload: RealtimePayloadClass | Record<string, unknown>;
      /** One line shown next to the event. */
      summary?: string;
      description?: string;
    };

/** Event name to what it carries. */
export type RealtimeEmittedEvents = Record<string, RealtimeEmittedEvent>;

/**
 * Declares the events the server sends to clients of this gateway's namespace (with
 * `RealtimeEmitter`, `server.emit`, `socket.emit`...), which cannot be discovered from handlers.
 * They become `send` operations of the namespace's channel in the AsyncAPI document.
 *
 * ```ts
 * @RealtimeGateway({ namespace: '/chat' })
 * @RealtimeEmits({ new_message: ChatMessageDto, typing: TypingNoticeDto })
 * export class ChatGateway {}
 * ```
 *
 * Several declarations (stacked, or on a parent class) add up.
 */
export function RealtimeEmits(events: RealtimeEmittedEvents): ClassDecorator {
  return (target) => {
    const current = (Reflect.getOwnMetadata(EMITS_METADATA, target) ?? {}) as RealtimeEmittedEvents;
    Reflect.defineMetadata(EMITS_METADATA, { ...events, ...current }, target);
  };
}

/** The events a gateway class declares it sends (its own and its parent classes'). */
export function declaredEmits(metatype: object): RealtimeEmittedEvents {
  const chain: object[] = [];
  for (let c: object | null = metatype; c && c !== Function.prototype; c = Object.getPrototypeOf(c))
    chain.unshift(c);
  const events: RealtimeEmittedEvents = {};
  for (const c of chain) {
    Object.assign(events, Reflect.getOwnMetadata(EMITS_METADATA, c) as RealtimeEmittedEvents);
  }
  return events;
}
