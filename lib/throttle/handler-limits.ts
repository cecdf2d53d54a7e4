import type { ModulesContainer } from '@nestjs/core';
import {
  GATEWAY_METADATA,
  SKIP_THROTTLE_METADATA,
  THROTTLE_METADATA,
} from '../core/internal.constants.js';
import type { WsThrottleOptions } from './throttle.decorators.js';

const MESSAGE_METADATA = 'message';
const GATEWAY_OPTIONS = 'websockets:gateway_options';

export type HandlerLimit = Required<WsThrottleOptions> | 'skip';

/**
 * `@WsThrottle`/`@SkipThrottle` of every gateway handler, by namespace and event name. Read once
 * from the container: incoming packets are matched by name before any Nest code runs.
 */
export function collectHandlerLimits(modules: ModulesContainer): Map<string, HandlerLimit> {
  const limits = new Map<string, HandlerLimit>();
  for (const module of modules.values()) {
    for (const { metatype } of module.providers.values()) {
      if (!metatype || !Reflect.getMetadata(GATEWAY_METADATA, metatype)) continue;
      const options = Reflect.getMetadata(GATEWAY_OPTIONS, metatype) as
        { namespace?: unknown } | undefined;
      const namespace = typeof options?.namespace === 'string' ? normalize(options.namespace) : '*';
      const proto = (metatype as { prototype: Record<string, unknown> }).prototype;
      for (const name of Object.getOwnPropertyNames(proto)) {
        const handler = proto[name];
        if (typeof handler !== 'function') continue;
        const event = Reflect.getMetadata(MESSAGE_METADATA, handler) as string | undefined;
        if (event === undefined) continue;
        const limit: HandlerLimit | undefined = Reflect.getMetadata(SKIP_THROTTLE_METADATA, handler)
          ? 'skip'
          : Reflect.getMetadata(THROTTLE_METADATA, handler);
        if (limit) limits.set(key(namespace, event), limit);
      }
    }
  }
  return limits;
}

export function key(namespace: string, event: string): string {
  return `${namespace}\u0000${event}`;
}

function normalize(namespace: string): string {
  return namespace.startsWith('/') ? namespace : `/${namespace}`;
}
