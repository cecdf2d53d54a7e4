import { Inject, Injectable, type OnApplicationShutdown, type OnModuleInit } from '@nestjs/common';
import type { Socket } from 'socket.io';
import { NamespaceHooks } from '../connection/namespace-hooks.js';
import { RealtimeHealth } from '../health/realtime-health.js';
import { RealtimeConfigError } from '../options/realtime-config.error.js';
import { DisconnectReasons, disconnectReasonOf } from '../core/disconnect-reason.js';
import { RealtimeErrorCode } from '../errors/error-codes.js';
import { REALTIME_OPTIONS } from '../core/internal.constants.js';
import type {
  ResolvedMetricsOptions,
  ResolvedRealtimeOptions,
} from '../options/options.defaults.js';
import type { RealtimeMetricsRegistry } from '../options/realtime-options.interface.js';
import { collectGatewayEvents, type GatewayEvents } from './gateway-events.js';
import { GatewayCatalog } from '../gateway/gateway-catalog.js';
import type { RealtimeSignal } from '../core/realtime-signals.js';

/** Label of a namespace or event that no gateway declares: keeps label cardinality bounded. */
export const OTHER_LABEL = 'other';
const ADAPTER_STATES = ['memory', 'connected', 'degraded'] as const;

/** The parts of prom-client this file uses (loaded lazily, so it stays an optional peer). */
interface PromCounter {
  inc(labels: Record<string, string>, value?: number): void;
}
interface PromGauge {
  set(labels: Record<string, string>, value: number): void;
  reset(): void;
}
interface MetricConfig {
  name: string;
  help: string;
  labelNames: string[];
  registers: RealtimeMetricsRegistry[];
  collect?: () => void;
}
interface PromClient {
  register: RealtimeMetricsRegistry;
  Counter: new (config: MetricConfig) => PromCounter;
  Gauge: new (config: MetricConfig) => PromGauge;
}

interface Instruments {
  handshakesAccepted: PromCounter;
  handshakesRejected: PromCounter;
  events: PromCounter;
  errors: PromCounter;
  rateLimited: PromCounter;
  rateLimitDisconnects: PromCounter;
  slowClients: PromCounter;
}

/**
 * Prometheus metrics of the realtime layer through prom-client, off unless
 * `metrics: { enabled: true }`. prom-client is an optional peer dependency, imported only when
 * enabled. Labels are bounded: namespaces and event names that no gateway declares are `other`.
 *
 * Serve them with the app's own `/metrics` route: `registry.metrics()` of the registry you passed
 * (or prom-client's global `register`), or `RealtimeMetrics.metrics()`.
 */
@Injectable()
export class RealtimeMetrics implements OnModuleInit, OnApplicationShutdown {
  private readonly options: ResolvedMetricsOptions;
  private registryInUse?: RealtimeMetricsRegistry;
  private readonly names: string[] = [];
  private instruments?: Instruments;
  private gatewayEvents?: GatewayEvents;
  private unsubscribe?: () => void;

  constructor(
    @Inject(REALTIME_OPTIONS) options: ResolvedRealtimeOptions,
    private readonly hooks: NamespaceHooks,
    private readonly health: RealtimeHealth,
    private readonly gateways: GatewayCatalog,
  ) {
    this.options = options.metrics;
  }

  get enabled(): boolean {
    return this.options.enabled;
  }

  /** The registry the metrics are in; undefined while metrics are off. */
  get registry(): RealtimeMetricsRegistry | undefined {
    return this.registryInUse;
  }

  /** The Prometheus text of the registry (every metric in it, not only the library's). */
  async metrics(): Promise<string> {
    return this.registryInUse ? this.registryInUse.metrics() : '';
  }

  /** The Content-Type of `metrics()`. */
  get contentType(): string {
    return this.registryInUse?.contentType ?? 'text/plain; version=0.0.4; charset=utf-8';
  }

  async onModuleInit(): Promise<void> {
    if (!this.options.enabled) return;
    const prom = await loadPromClient();
    const registry = this.options.registry ?? prom.register;
    this.registryInUse = registry;
    const p = this.options.prefix;
    const metric = <T>(
      Type: new (config: MetricConfig) => T,
      name: string,
      help: string,
      labelNames: string[],
      collect?: () => void,
    ): T => {
      const full = `${p}${name}`;
      if (registry.getSingleMetric(full)) {
        throw new RealtimeConfigError(
          'metrics.prefix',
          `expected a prefix no other metric uses: "${full}" is already registered (another RealtimeModule in this process?); set metrics.prefix or metrics.registry`,
        );
      }
      const made = new Type({ name: full, help, labelNames, registers: [registry], collect });
      this.names.push(full);
      return made;
    };

    const connections: PromGauge = metric(
      prom.Gauge,
      'connections',
      'Live Socket.IO connections of this instance, by namespace',
      ['namespace'],
      () => this.collectConnections(connections),
    );
    const adapter: PromGauge = metric(
      prom.Gauge,
      'adapter_state',
      'State of the Socket.IO adapter: 1 for the current state (memory, connected, degraded)',
      ['mode', 'state'],
      () => this.collectAdapter(adapter),
    );
    this.instruments = {
      handshakesAccepted: metric(
        prom.Counter,
        'handshakes_accepted_total',
        'Handshakes accepted, by namespace',
        ['namespace'],
      ),
      handshakesRejected: metric(
        prom.Counter,
        'handshakes_rejected_total',
        'Handshakes refused, by namespace and error code',
        ['namespace', 'code'],
      ),
      events: metric(
        prom.Counter,
        'events_received_total',
        'Events received from clients, by namespace and event (events without a gateway handler are "other")',
        ['namespace', 'event'],
      ),
      errors: metric(
        prom.Counter,
        'errors_total',
        'Errors answered to clients for their events (the error contract), by code',
        ['code'],
      ),
      rateLimited: metric(
        prom.Counter,
        'rate_limited_total',
        'Refusals by the rate limits: incoming events (kind "event") and handshakes (kind "handshake")',
        ['kind'],
      ),
      rateLimitDisconnects: metric(
        prom.Counter,
        'rate_limit_disconnects_total',
        'Sockets disconnected after too many rate limit violations',
        [],
      ),
      slowClients: metric(
        prom.Counter,
        'slow_client_disconnects_total',
        'Clients dropped because their outgoing queue passed limits.maxBufferedBytes',
        [],
      ),
    };
    this.hooks.ownAnyListeners.add(this.eventListener);
    this.hooks.onConnection((socket) => this.connected(socket));
    this.unsubscribe = this.hooks.signals.on((signal) => this.signal(signal));
  }

  onApplicationShutdown(): void {
    this.unsubscribe?.();
    for (const name of this.names.splice(0)) this.registryInUse?.removeSingleMetric(name);
    this.instruments = undefined;
  }

  // ---- recording ----

  private connected(socket: Socket): void {
    const instruments = this.instruments;
    if (!instruments) return;
    const namespace = this.namespaceLabel(socket.nsp.name);
    instruments.handshakesAccepted.inc({ namespace });
    socket.onAny(this.eventListener);
    socket.once('disconnect', () => {
      const reason = disconnectReasonOf(socket);
      if (reason === DisconnectReasons.SLOW_CLIENT) this.instruments?.slowClients.inc({});
      else if (reason === DisconnectReasons.RATE_LIMITED) {
        this.instruments?.rateLimitDisconnects.inc({});
      }
    });
  }

  /** One listener shared by every socket (`this` is the socket), like the message binding. */
  private readonly eventListener = (() => {
    const metrics = this; // eslint-disable-line @typescript-eslint/no-this-alias
    return function (this: Socket, event: unknown) {
      metrics.received(this, String(event));
    };
  })();

  private received(socket: Socket, event: string): void {
    if (!this.instruments) return;
    this.gatewayEvents ??= collectGatewayEvents(this.gateways);
    const namespace = this.namespaceLabel(socket.nsp.name);
    const known =
      this.gatewayEvents.byNamespace.get(socket.nsp.name)?.has(event) ||
      this.gatewayEvents.anyNamespace.has(event);
    this.instruments.events.inc({ namespace, event: known ? event : OTHER_LABEL });
  }

  private signal(signal: RealtimeSignal): void {
    const instruments = this.instruments;
    if (!instruments) return;
    switch (signal.type) {
      case 'handshake-refused':
        instruments.handshakesRejected.inc({
          namespace: this.namespaceLabel(signal.namespace),
          code: codeLabel(signal.code),
        });
        if (signal.code === RealtimeErrorCode.RATE_LIMITED) {
          instruments.rateLimited.inc({ kind: 'handshake' });
        }
        break;
      case 'error':
        instruments.errors.inc({ code: codeLabel(signal.code) });
        break;
      case 'rate-limited':
        instruments.rateLimited.inc({ kind: 'event' });
        instruments.errors.inc({ code: RealtimeErrorCode.RATE_LIMITED });
        break;
    }
  }

  // ---- collected at scrape time ----

  private collectConnections(gauge: PromGauge): void {
    gauge.reset();
    const counts = new Map<string, number>();
    for (const server of this.hooks.servers) {
      for (const nsp of server._nsps.values()) {
        const label = this.namespaceLabel(nsp.name);
        counts.set(label, (counts.get(label) ?? 0) + nsp.sockets.size);
      }
    }
    for (const [namespace, count] of counts) gauge.set({ namespace }, count);
  }

  private collectAdapter(gauge: PromGauge): void {
    const { status, mode } = this.health.check();
    gauge.reset();
    for (const state of ADAPTER_STATES) gauge.set({ mode, state }, state === status ? 1 : 0);
  }

  private namespaceLabel(name: string): string {
    this.gatewayEvents ??= collectGatewayEvents(this.gateways);
    return name === '/' || this.gatewayEvents.namespaces.has(name) ? name : OTHER_LABEL;
  }
}

/** Error codes come from the library's list; anything else is not a label value. */
function codeLabel(code: string): string {
  return (Object.values(RealtimeErrorCode) as string[]).includes(code) ? code : OTHER_LABEL;
}

async function loadPromClient(): Promise<PromClient> {
  try {
    const mod = (await import('prom-client')) as unknown as PromClient & { default?: PromClient };
    return mod.default ?? mod;
  } catch (error) {
    throw new RealtimeConfigError(
      'metrics.enabled',
      `expected prom-client to be installed (npm install prom-client): ${(error as Error).message}`,
    );
  }
}
