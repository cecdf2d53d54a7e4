export { RealtimeModule } from './realtime.module.js';
export type { RealtimeModuleExtras, RealtimeOptionsFactory } from './realtime.module-definition.js';
export {
  getRealtimeOptionsToken,
  InjectRealtimeOptions,
  RealtimeEvents,
} from './core/realtime.constants.js';
export {
  RealtimeGateway,
  type RealtimeGatewayOptions,
} from './gateway/realtime-gateway.decorator.js';
export type * from './options/realtime-options.interface.js';
export type { ResolvedRealtimeOptions } from './options/options.defaults.js';

export { WsJwtGuard } from './auth/ws-jwt.guard.js';
export { WsUser } from './auth/ws-user.decorator.js';
export { Public } from './auth/public.decorator.js';
export { HandshakeAuthenticator } from './auth/handshake-authenticator.js';
export type { RealtimeSocketData, SocketIdentity } from './auth/socket-identity.js';
export { RealtimeHttpGuard, type RealtimeHttpRequest } from './auth/realtime-http.guard.js';
export { HttpUser, HttpIdentity } from './auth/http-user.decorator.js';

export { WsExceptionFilter } from './errors/ws-exception.filter.js';
export { WsValidationPipe } from './validation/ws-validation.pipe.js';
export { RealtimeException, type RealtimeExceptionOptions } from './errors/realtime.exception.js';
export { RealtimeConfigError } from './options/realtime-config.error.js';
export {
  RealtimeErrorCode,
  type RealtimeErrorDetail,
  type RealtimeErrorShape,
} from './errors/error-codes.js';

export {
  RedisIoAdapter,
  createRedisIoAdapter,
  type RealtimeAdapterHealth,
} from './adapter/redis-io.adapter.js';
export { RealtimeHealth } from './health/realtime-health.js';
export {
  RealtimeHealthIndicator,
  type RealtimeHealthCheckOptions,
  type RealtimeHealthDetails,
  type RealtimeHealthIndicatorResult,
} from './health/realtime-health.indicator.js';
export { RealtimeMetrics } from './metrics/realtime-metrics.js';

export { PresenceRegistry } from './presence/presence.registry.js';
export type * from './presence/presence.types.js';

export { RealtimeEmitter } from './emitter/realtime-emitter.js';
export type { EmitTarget } from './emitter/emit-target.js';
export { RealtimeRooms } from './rooms/realtime-rooms.js';
export {
  WsThrottle,
  SkipThrottle,
  type WsThrottleOptions,
} from './throttle/throttle.decorators.js';

export { UserEventStream, type UserEventStreamOptions } from './sse/user-event-stream.js';

export { buildAsyncApiDocument, type AsyncApiDocumentOptions } from './asyncapi/build-document.js';
export {
  RealtimeEmits,
  type RealtimeEmittedEvent,
  type RealtimeEmittedEvents,
  type RealtimePayloadClass,
} from './asyncapi/realtime-emits.decorator.js';
export type * from './asyncapi/asyncapi.types.js';
export {
  asyncApiToTypeScript,
  type AsyncApiToTypeScriptOptions,
} from './asyncapi/typescript/asyncapi-to-typescript.js';
export {
  generateClientTypes,
  type GenerateClientTypesOptions,
} from './asyncapi/typescript/generate-client-types.js';
export { writeAsyncApiDocument } from './asyncapi/write-document.js';
export { RealtimeAck } from './asyncapi/realtime-ack.decorator.js';
