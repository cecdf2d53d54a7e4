/** Internal tokens and metadata keys. Never exported from lib/index.ts. */
export const REALTIME_OPTIONS = Symbol('REALTIME_OPTIONS');
export const PUBLIC_HANDLER_METADATA = 'realtime:public';
export const THROTTLE_METADATA = 'realtime:throttle';
export const SKIP_THROTTLE_METADATA = 'realtime:skip-throttle';

// Nest's metadata keys for gateways (`@nestjs/websockets/constants`, which its public index does
// not export; a deep import would be one more reach into Nest's internals). Same values in Nest 11
// and 12.
/** `@WebSocketGateway()` marks its class with this. */
export const GATEWAY_METADATA = 'websockets:is_gateway';
/** `@WebSocketGateway(options)`: the options, on the class. */
export const GATEWAY_OPTIONS = 'websockets:gateway_options';
/** `@SubscribeMessage(event)`: the event name, set on the method itself. */
export const MESSAGE_METADATA = 'message';
/** Parameter decorators of a method (on the class, keyed by method): Nest's PARAM_ARGS_METADATA. */
export const PARAM_ARGS_METADATA = '__routeArguments__';
