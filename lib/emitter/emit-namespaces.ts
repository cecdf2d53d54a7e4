import { Logger } from '@nestjs/common';
import type { ModulesContainer } from '@nestjs/core';
import { GatewayCatalog } from '../gateway/gateway-catalog.js';
import type { DiscoveredGateway } from '../gateway/gateway-discovery.js';

/**
 * Which namespaces an emit goes to. Named with `.namespace()`: that one. Otherwise the module's
 * `emitter.namespaces`, else every namespace a gateway of the app declares ('/' for a gateway
 * without one, and for an app that serves Socket.IO without any gateway). Dynamic (RegExp or
 * function) gateway namespaces are never guessed: name the child with `.namespace()`.
 * An emit that can reach no namespace throws; one to a namespace no gateway serves is logged.
 */
export class EmitNamespaces {
  private readonly logger = new Logger('RealtimeEmitter');
  private defaults?: string[];
  private readonly warned = new Set<string>();

  private readonly catalog: GatewayCatalog;

  constructor(
    modules: ModulesContainer | GatewayCatalog,
    private readonly configured: string[] | undefined,
  ) {
    this.catalog = modules instanceof GatewayCatalog ? modules : GatewayCatalog.of(modules);
  }

  /** The namespaces of an emit; `servesSocketIo` is false in a worker. */
  resolve(named: string | undefined, servesSocketIo: boolean): string[] {
    if (named !== undefined) {
      this.checkServed(named);
      return [named];
    }
    if (this.defaults) return this.defaults;
    if (this.configured?.length) return (this.defaults = this.configured);
    const gateways = this.discovered();
    const declared = [
      ...new Set(gateways.flatMap((g) => (typeof g.namespace === 'string' ? [g.namespace] : []))),
    ];
    if (declared.length) return (this.defaults = declared);
    if (servesSocketIo) {
      if (gateways.length) {
        this.logger.warn(
          "The app's gateways use dynamic namespaces only, so emits without .namespace() go to '/'; name the namespace with .namespace() or set emitter.namespaces",
        );
      }
      return (this.defaults = ['/']);
    }
    throw new Error(
      "RealtimeEmitter: this process serves no Socket.IO server and has no gateway, so it does not know which namespaces your clients use. Name one with .namespace('/chat') or set emitter.namespaces in RealtimeModule's options",
    );
  }

  private checkServed(name: string): void {
    if (this.warned.has(name) || this.warned.size > 100) return;
    const gateways = this.discovered();
    if (gateways.length === 0 || name === '/' || this.configured?.includes(name)) return;
    const served = gateways.some((g) =>
      typeof g.namespace === 'string'
        ? g.namespace === name
        : g.namespace instanceof RegExp
          ? g.namespace.test(name)
          : true,
    );
    if (served) return;
    this.warned.add(name);
    this.logger.warn(
      `Emitting to namespace "${name}", which no gateway of this app serves: clients there must connect to it by name (gateways serve ${gateways.map((g) => String(g.namespace)).join(', ')})`,
    );
  }

  private discovered(): readonly DiscoveredGateway[] {
    return this.catalog.gateways();
  }
}
