import { Injectable } from '@nestjs/common';
import { ModulesContainer } from '@nestjs/core';
import {
  type DiscoveredGateway,
  type DiscoveredHandler,
  discoverGatewayProviders,
  discoverHandlers,
  type GatewayProvider,
  type GatewayWrapper,
  gatewaysOf,
} from './gateway-discovery.js';

/** The catalog of each Nest container: the provider, or the one made for a caller without DI. */
const catalogs = new WeakMap<ModulesContainer, GatewayCatalog>();

/**
 * The app's gateways, discovered once from Nest's container and read by every part of the
 * library (the module's boot check, hook protection, the message pipelines, rate limits,
 * metrics labels, the emitter's namespaces, the AsyncAPI document). Discovery runs on the first
 * read, after Nest has built its modules; the instances are read from the wrappers at each read.
 */
@Injectable()
export class GatewayCatalog {
  private found?: GatewayProvider[];
  private classes?: DiscoveredGateway[];
  private readonly handlersOf = new Map<object, DiscoveredHandler[]>();

  constructor(private readonly modules: ModulesContainer) {
    if (!catalogs.has(modules)) catalogs.set(modules, this);
  }

  /** The catalog of this container (the module's provider once it exists). */
  static of(modules: ModulesContainer): GatewayCatalog {
    return catalogs.get(modules) ?? new GatewayCatalog(modules);
  }

  /** Every provider of a gateway class, in module order (a class in two modules: twice). */
  providers(): readonly GatewayProvider[] {
    return (this.found ??= discoverGatewayProviders(this.modules));
  }

  /** The providers whose instance exists, with the key of their module. */
  *instances(): Generator<[moduleKey: string, wrapper: GatewayWrapper]> {
    for (const { moduleKey, wrapper } of this.providers()) {
      const { metatype, instance } = wrapper;
      if (!metatype || !instance || typeof instance !== 'object') continue;
      yield [moduleKey, wrapper as GatewayWrapper];
    }
  }

  /** Every gateway class, once, with its declared namespace. */
  gateways(): readonly DiscoveredGateway[] {
    return (this.classes ??= gatewaysOf(this.providers()));
  }

  /** The `@SubscribeMessage()` handlers of a gateway class, own and inherited. */
  handlers(metatype: object): readonly DiscoveredHandler[] {
    let handlers = this.handlersOf.get(metatype);
    if (!handlers) this.handlersOf.set(metatype, (handlers = discoverHandlers(metatype)));
    return handlers;
  }
}
