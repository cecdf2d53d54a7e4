import type { RealtimePayloadClass } from './realtime-emits.decorator.js';

/** Metadata key of `@RealtimeAck()` on a handler method. */
const ACK_METADATA = 'realtime:ack';

/**
 * Declares what a handler answers on the client's ack, for the AsyncAPI document's reply and the
 * generated client types. Needed where TypeScript cannot tell: an `async` handler's declared
 * return type is `Promise`, and a plain object literal has no class.
 *
 * ```ts
 * @SubscribeMessage('send_message')
 * @RealtimeAck(MessageSentDto)
 * async send(@MessageBody() dto: SendMessageDto) { ... return { status: 'ok', id }; }
 * ```
 */
export function RealtimeAck(result: RealtimePayloadClass): MethodDecorator {
  return (target, key) => {
    Reflect.defineMetadata(ACK_METADATA, result, target, key);
  };
}

/** The ack class a handler declares with `@RealtimeAck()`, if any. */
export function declaredAck(prototype: object, methodName: string): unknown {
  return Reflect.getMetadata(ACK_METADATA, prototype, methodName) as unknown;
}
