/** Internal tokens and metadata keys. Never exported from lib/index.ts. */
export const REALTIME_OPTIONS = Symbol('REALTIME_OPTIONS');
export const PUBLIC_HANDLER_METADATA = 'realtime:public';
export const THROTTLE_METADATA = 'realtime:throttle';
export const SKIP_THROTTLE_METADATA = 'realtime:skip-throttle';
export const GATEWAY_METADATA = 'websockets:is_gateway';
