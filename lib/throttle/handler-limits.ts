import type { ModulesContainer } from '@nestjs/core';
import { SKIP_THROTTLE_METADATA, THROTTLE_METADATA } from '../core/internal.constants.js';
import { GatewayCatalog } from '../gateway/gateway-catalog.js';
import type { WsThrottleOptions } from './throttle.decorators.js';

export type HandlerLimit = Required<WsThrottleOptions> | 'skip';

/**
 * `@WsThrottle`/`@SkipThrottle` of every gateway handler, by namespace and event name ('*' for
 * gateways without a namespace named as a string). Read once from the gateway catalog: incoming
 * packets are matched by name before any Nest code runs.
 */
export function collectHandlerLimits(
  modules: ModulesContainer | GatewayCatalog,
): Map<string, HandlerLimit> {
  const catalog = modules instanceof GatewayCatalog ? modules : GatewayCatalog.of(modules);
  const limits = new Map<string, HandlerLimit>();
  for (const { metatype, namedNamespace } of catalog.gateways()) {
    const namespace = namedNamespace ?? '*';
    for (const { event, method } of catalog.handlers(metatype)) {
      const limit: HandlerLimit | undefined = Reflect.getMetadata(SKIP_THROTTLE_METADATA, method)
        ? 'skip'
        : Reflect.getMetadata(THROTTLE_METADATA, method);
      if (limit) limits.set(key(namespace, event), limit);
    }
  }
  return limits;
}

export function key(namespace: string, event: string): string {
  return `${namespace}\u0000${event}`;
}
