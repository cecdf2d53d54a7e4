import { SetMetadata } from '@nestjs/common';
import { SKIP_THROTTLE_METADATA, THROTTLE_METADATA } from '../core/internal.constants.js';

export interface WsThrottleOptions {
  /** Events allowed per `ttl`. */
  limit: number;
  /** Window in ms. @default 1000 */
  ttl?: number;
}

/** A handler-specific rate limit per socket, applied on top of the module's per-socket limit. */
export const WsThrottle = (options: WsThrottleOptions): MethodDecorator =>
  SetMetadata(THROTTLE_METADATA, { ttl: 1000, ...options });

/** Exempts a handler from every rate limit. */
export const SkipThrottle = (): MethodDecorator => SetMetadata(SKIP_THROTTLE_METADATA, true);
