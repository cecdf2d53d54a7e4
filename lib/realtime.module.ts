import { Inject, Module, type OnApplicationBootstrap } from '@nestjs/common';
import { HttpAdapterHost } from '@nestjs/core';
import { NamespaceHooks } from './connection/namespace-hooks.js';
import { REALTIME_OPTIONS } from './core/internal.constants.js';
import { GatewayCatalog } from './gateway/gateway-catalog.js';
import type { ResolvedRealtimeOptions } from './options/options.defaults.js';
import { ConfigurableModuleClass } from './realtime.module-definition.js';
import { REALTIME_EXPORTS, REALTIME_PROVIDERS } from './realtime.providers.js';

/**
 * JWT handshake auth, one error contract, presence and Redis scaling for Socket.IO gateways.
 * `RealtimeModule.forRoot(options)` or `forRootAsync({ useFactory, inject })`, global by default.
 */
@Module({ providers: REALTIME_PROVIDERS, exports: REALTIME_EXPORTS })
export class RealtimeModule extends ConfigurableModuleClass implements OnApplicationBootstrap {
  constructor(
    @Inject(REALTIME_OPTIONS) private readonly options: ResolvedRealtimeOptions,
    private readonly hooks: NamespaceHooks,
    private readonly gateways: GatewayCatalog,
    private readonly adapterHost: HttpAdapterHost,
  ) {
    super();
  }

  /** No silent hole: with auth configured, gateways must be served by the library's adapter. */
  onApplicationBootstrap(): void {
    if (!this.options.auth || this.hooks.installed || !this.adapterHost.httpAdapter) return;
    const gateways = this.gateways.gateways();
    if (gateways.length === 0) return;
    throw new Error(
      `RealtimeModule: authentication is configured but gateway ${gateways[0].name} is served by ` +
        'another WebSocket adapter, so its handshakes would not be authenticated. Add this line to main.ts before app.listen(): ' +
        'app.useWebSocketAdapter(await createRedisIoAdapter(app));',
    );
  }
}
