import type { Logger } from '@nestjs/common';
import { IoAdapter } from '@nestjs/platform-socket.io';
import { isObservable } from 'rxjs';
import type { Socket } from 'socket.io';
import type { BoundMessageHandler, GatewayPipelines, MessageHandler } from './handler-pipeline.js';

/** The adapter: Nest's `IoAdapter.mapPayload` splits the listener arguments into data and ack. */
export interface PayloadMapper {
  mapPayload(payload: unknown): { data: unknown; ack?: unknown };
}

const HANDLERS = Symbol('realtime:message-handlers');
type HandlerHost = Socket & { [HANDLERS]?: MessageHandler[] };

/**
 * Binds gateway message handlers without Nest's per-socket rxjs pipelines.
 *
 * Nest's `IoAdapter.bindMessageHandlers` creates, for every socket and every handler, a
 * `fromEvent` subscription with `mergeMap`/`takeUntil` operators, plus an observable chain for
 * every message: about half the heap of an idle connection and most of the adapter's CPU per
 * message. Here the socket keeps the handler list Nest already allocated, and each event name
 * has ONE listener function shared by all sockets (`this` is the socket), which finds the
 * handler by name. The handler callback is Nest's own (guards, interceptors, pipes and filters
 * run inside it), and the result is treated as Nest does: awaited, an Observable's values
 * each answered, `{ event, data }` emitted, anything else not null/undefined sent on the ack
 * unless the handler takes `@Ack()`; nothing is answered once the socket has disconnected.
 * Where `pipelines` recognises the gateway, its handlers run through the library's
 * HandlerPipeline (same guards, pipes, interceptors and filters, fewer async steps) from one
 * handler list shared by every socket, and Nest's per-socket bound callbacks are dropped.
 */
export function bindMessageHandlers(
  socket: Socket,
  handlers: BoundMessageHandler[],
  adapter: PayloadMapper,
  logger: Pick<Logger, 'error'>,
  pipelines?: GatewayPipelines,
): void {
  const host = socket as HandlerHost;
  const existing = host[HANDLERS];
  const own: MessageHandler[] = pipelines?.resolve(socket, handlers) ?? handlers;
  // A socket gets one call per gateway on its namespace; keep them all, in order.
  host[HANDLERS] = existing ? [...existing, ...own] : own;
  for (const handler of handlers) {
    const name = String(handler.message);
    if (existing?.some((h) => String(h.message) === name)) continue;
    socket.on(name, listenerFor(name, adapter, logger));
  }
}

/** Which pipeline each of a socket's handlers runs on (tests and diagnostics). */
export function handlerPaths(socket: Socket): Array<'library' | 'nest'> {
  return ((socket as HandlerHost)[HANDLERS] ?? []).map((h) => (h.pipeline ? 'library' : 'nest'));
}

const listeners = new WeakMap<PayloadMapper, Map<string, (...args: unknown[]) => void>>();

/** One function per (adapter, event name), shared by every socket. */
function listenerFor(
  name: string,
  adapter: PayloadMapper,
  logger: Pick<Logger, 'error'>,
): (...args: unknown[]) => void {
  let byName = listeners.get(adapter);
  if (!byName) listeners.set(adapter, (byName = new Map()));
  let listener = byName.get(name);
  if (!listener) {
    // Nest's own mapPayload on (data, ack) or (data) is answered here without its allocations.
    const nestMapping = adapter.mapPayload === IoAdapter.prototype.mapPayload;
    /* eslint-disable prefer-rest-params -- a rest parameter would allocate on every event */
    listener = function (this: HandlerHost) {
      let data: unknown;
      let ack: unknown;
      const n = arguments.length;
      if (nestMapping && n === 2 && typeof arguments[1] === 'function') {
        data = arguments[0];
        ack = arguments[1];
      } else if (nestMapping && n === 1 && typeof arguments[0] !== 'function') {
        data = arguments[0];
      } else {
        const args = Array.prototype.slice.call(arguments) as unknown[];
        // rxjs fromEvent's convention, which mapPayload expects.
        ({ data, ack } = adapter.mapPayload(n > 1 ? args : args[0]));
      }
      for (const handler of this[HANDLERS] ?? []) {
        const message = handler.message;
        if (message === name || (typeof message !== 'string' && String(message) === name))
          invoke(this, handler, data, ack, logger);
      }
    };
    /* eslint-enable prefer-rest-params */
    byName.set(name, listener);
  }
  return listener;
}

function invoke(
  socket: Socket,
  handler: MessageHandler,
  data: unknown,
  ack: unknown,
  logger: Pick<Logger, 'error'>,
): void {
  let result: unknown;
  try {
    result = handler.pipeline
      ? handler.pipeline.run(socket, data, ack)
      : handler.callback!(data, ack);
  } catch (error) {
    return logger.error(error);
  }
  // A plain value (most handlers) is answered without allocating closures.
  if (result instanceof Promise || isObservable(result)) {
    settle(socket, handler, result, ack, logger);
  } else respond(socket, handler, result, ack);
}

function settle(
  socket: Socket,
  handler: MessageHandler,
  value: unknown,
  ack: unknown,
  logger: Pick<Logger, 'error'>,
): void {
  const fail = (error: unknown) => logger.error(error);
  if (isObservable(value)) {
    value.subscribe({ next: (v) => respond(socket, handler, v, ack), error: fail });
  } else if (value instanceof Promise) {
    // A promise may resolve to an Observable: its value is settled in turn, as before.
    value.then((v) => settle(socket, handler, v, ack, logger), fail);
  } else {
    respond(socket, handler, value, ack);
  }
}

function respond(socket: Socket, handler: MessageHandler, response: unknown, ack: unknown) {
  if (response === null || response === undefined || !socket.connected) return;
  const { event, data } = response as { event?: unknown; data?: unknown };
  if (event) {
    socket.emit(event as string, data);
    return;
  }
  if (!handler.isAckHandledManually && typeof ack === 'function') ack(response);
}
