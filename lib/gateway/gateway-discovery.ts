import type { ModulesContainer } from '@nestjs/core';
import { GATEWAY_METADATA } from '../internal.constants.js';

const GATEWAY_OPTIONS = 'websockets:gateway_options';

/** A gateway of the app as its decorator declares it. */
export interface DiscoveredGateway {
  name: string;
  metatype: object;
  /**
   * Its namespace: a normalised string ('/' without one), or the RegExp or function of a
   * dynamic namespace.
   */
  namespace: string | RegExp | ((...args: never[]) => unknown);
}

/** Every `@WebSocketGateway()` class among the app's providers, read from Nest's container. */
export function discoverGateways(modules: ModulesContainer): DiscoveredGateway[] {
  const found: DiscoveredGateway[] = [];
  const seen = new Set<object>();
  for (const module of modules.values()) {
    for (const wrapper of module.providers.values()) {
      const metatype = wrapper.metatype as object | null | undefined;
      if (!metatype || seen.has(metatype) || !Reflect.getMetadata(GATEWAY_METADATA, metatype))
        continue;
      seen.add(metatype);
      const options = Reflect.getMetadata(GATEWAY_OPTIONS, metatype) as
        { namespace?: unknown } | undefined;
      const namespace = options?.namespace;
      found.push({
        name: String(wrapper.name),
        metatype,
        namespace:
          namespace instanceof RegExp || typeof namespace === 'function'
            ? (namespace as DiscoveredGateway['namespace'])
            : normalizeNamespace(typeof namespace === 'string' ? namespace : '/'),
      });
    }
  }
  return found;
}

/** Socket.IO's own rule: a namespace name starts with '/'. */
export function normalizeNamespace(name: string): string {
  return name.startsWith('/') ? name : `/${name}`;
}
