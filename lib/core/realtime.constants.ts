import { Inject } from '@nestjs/common';
import { REALTIME_OPTIONS } from './internal.constants.js';

/** The DI token of the resolved (validated, defaults filled) module options. */
export const getRealtimeOptionsToken = (): symbol => REALTIME_OPTIONS;

/** Injects the resolved module options (`ResolvedRealtimeOptions`). */
export const InjectRealtimeOptions = (): PropertyDecorator & ParameterDecorator =>
  Inject(REALTIME_OPTIONS);

/** Events the library itself sends or listens to. */
export const RealtimeEvents = {
  EXCEPTION: 'exception',
  AUTH_EXPIRED: 'auth:expired',
  AUTH_REFRESH: 'auth:refresh',
  PRESENCE_ONLINE: 'presence:online',
  PRESENCE_OFFLINE: 'presence:offline',
  PRESENCE_STATE: 'presence:state',
  PRESENCE_DIFF: 'presence:diff',
} as const;
