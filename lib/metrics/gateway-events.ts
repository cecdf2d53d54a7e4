import type { ModulesContainer } from '@nestjs/core';
import { AUTH_REFRESH_EVENT } from '../auth/token-lifecycle.js';
import { GatewayCatalog } from '../gateway/gateway-catalog.js';

/** Namespaces and event names the app's gateways declare: the only values metrics use as labels. */
export interface GatewayEvents {
  /** Namespaces declared as strings by gateways (RegExp namespaces are not listed). */
  namespaces: Set<string>;
  /** Handler event names by declared namespace. */
  byNamespace: Map<string, Set<string>>;
  /** Handler events of gateways without a string namespace (root or RegExp), and the library's own. */
  anyNamespace: Set<string>;
}

/** Read once from the gateway catalog, like the rate limits' handler table. */
export function collectGatewayEvents(modules: ModulesContainer | GatewayCatalog): GatewayEvents {
  const catalog = modules instanceof GatewayCatalog ? modules : GatewayCatalog.of(modules);
  const result: GatewayEvents = {
    namespaces: new Set(),
    byNamespace: new Map(),
    anyNamespace: new Set([AUTH_REFRESH_EVENT]),
  };
  for (const { metatype, namedNamespace } of catalog.gateways()) {
    let events = result.anyNamespace;
    if (namedNamespace !== undefined) {
      result.namespaces.add(namedNamespace);
      events = result.byNamespace.get(namedNamespace) ?? new Set();
      result.byNamespace.set(namedNamespace, events);
    }
    for (const { event } of catalog.handlers(metatype)) events.add(event);
  }
  return result;
}
