import type { Provider } from '@nestjs/common';
import { AdminConsole } from './admin/admin-console.js';
import { NamespaceHooks } from './connection/namespace-hooks.js';
import { RealtimeSignals } from './core/realtime-signals.js';
import { RealtimeHealth } from './health/realtime-health.js';
import { AsyncApiRoutes } from './asyncapi/asyncapi-routes.js';
import { HandshakeAuthenticator } from './auth/handshake-authenticator.js';
import { TokenLifecycle } from './auth/token-lifecycle.js';
import { TokenVerifier } from './auth/token-verifier.js';
import { WsJwtGuard } from './auth/ws-jwt.guard.js';
import { RealtimeHttpGuard } from './auth/realtime-http.guard.js';
import { RealtimeEmitter } from './emitter/realtime-emitter.js';
import { WsExceptionFilter } from './errors/ws-exception.filter.js';
import { WsValidationPipe } from './validation/ws-validation.pipe.js';
import { GatewayCatalog } from './gateway/gateway-catalog.js';
import { RealtimeHealthIndicator } from './health/realtime-health.indicator.js';
import { RealtimeMetrics } from './metrics/realtime-metrics.js';
import { REALTIME_OPTIONS } from './core/internal.constants.js';
import { resolveRealtimeOptions } from './options/options.defaults.js';
import { PresenceRegistry } from './presence/presence.registry.js';
import { RedisConnectionFactory } from './redis/redis-connection.factory.js';
import { RAW_OPTIONS_TOKEN } from './realtime.module-definition.js';
import { RealtimeRooms } from './rooms/realtime-rooms.js';
import { UserEventRelay } from './sse/user-event-relay.js';
import { UserEventStream } from './sse/user-event-stream.js';
import { ConnectionLimits } from './throttle/connection-limits.js';
import { EventThrottler } from './throttle/event-throttler.js';
import { InflightAcks } from './shutdown/inflight-acks.js';
import { SlowClientMonitor } from './throttle/slow-client.monitor.js';

/** What host apps inject: the resolved options and the public services. */
export const REALTIME_EXPORTS = [
  REALTIME_OPTIONS,
  HandshakeAuthenticator,
  NamespaceHooks,
  RealtimeSignals,
  WsJwtGuard,
  WsExceptionFilter,
  WsValidationPipe,
  PresenceRegistry,
  RealtimeEmitter,
  RealtimeRooms,
  RealtimeHealth,
  UserEventStream,
  RealtimeHttpGuard,
  RealtimeHealthIndicator,
  RealtimeMetrics,
];

export const REALTIME_PROVIDERS: Provider[] = [
  { provide: REALTIME_OPTIONS, useFactory: resolveRealtimeOptions, inject: [RAW_OPTIONS_TOKEN] },
  RedisConnectionFactory,
  TokenVerifier,
  HandshakeAuthenticator,
  TokenLifecycle,
  RealtimeSignals,
  GatewayCatalog,
  NamespaceHooks,
  WsJwtGuard,
  WsExceptionFilter,
  WsValidationPipe,
  PresenceRegistry,
  RealtimeEmitter,
  RealtimeRooms,
  RealtimeHealth,
  UserEventRelay,
  UserEventStream,
  RealtimeHttpGuard,
  EventThrottler,
  ConnectionLimits,
  SlowClientMonitor,
  InflightAcks,
  RealtimeHealthIndicator,
  RealtimeMetrics,
  AdminConsole,
  AsyncApiRoutes,
];
