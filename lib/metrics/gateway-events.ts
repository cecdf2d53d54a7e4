import type { ModulesContainer } from '@nestjs/core';
import { AUTH_REFRESH_EVENT } from '../auth/token-lifecycle.js';
import { GATEWAY_METADATA } from '../core/internal.constants.js';

const MESSAGE_METADATA = 'message';
const GATEWAY_OPTIONS = 'websockets:gateway_options';

/** Namespaces and event names the app's gateways declare: the only values metrics use as labels. */
export interface GatewayEvents {
  /** Namespaces declared as strings by gateways (RegExp namespaces are not listed). */
  namespaces: Set<string>;
  /** Handler event names by declared namespace. */
  byNamespace: Map<string, Set<string>>;
  /** Handler events of gateways without a string namespace (root or RegExp), and the library's own. */
  anyNamespace: Set<string>;
}

/** Read once from the container, like the rate limits' handler table. */
export function collectGatewayEvents(modules: ModulesContainer): GatewayEvents {
  const result: GatewayEvents = {
    namespaces: new Set(),
    byNamespace: new Map(),
    anyNamespace: new Set([AUTH_REFRESH_EVENT]),
  };
  for (const module of modules.values()) {
    for (const { metatype } of module.providers.values()) {
      if (!metatype || !Reflect.getMetadata(GATEWAY_METADATA, metatype)) continue;
      const options = Reflect.getMetadata(GATEWAY_OPTIONS, metatype) as
        { namespace?: unknown } | undefined;
      let events = result.anyNamespace;
      if (typeof options?.namespace === 'string') {
        const namespace = options.namespace.startsWith('/')
          ? options.namespace
          : `/${options.namespace}`;
        result.namespaces.add(namespace);
        events = result.byNamespace.get(namespace) ?? new Set();
        result.byNamespace.set(namespace, events);
      }
      const proto = (metatype as { prototype: Record<string, unknown> }).prototype;
      for (const name of Object.getOwnPropertyNames(proto)) {
        const handler = proto[name];
        if (typeof handler !== 'function') continue;
        const event = Reflect.getMetadata(MESSAGE_METADATA, handler) as string | undefined;
        if (typeof event === 'string') events.add(event);
      }
    }
  }
  return result;
}
