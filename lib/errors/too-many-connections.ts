import { RealtimeErrorCode } from './error-codes.js';
import { RealtimeException } from './realtime.exception.js';

/** The handshake refusal for a user over `limits.maxConnectionsPerUser`. */
export function tooManyConnections(max: number): RealtimeException {
  return new RealtimeException(
    RealtimeErrorCode.RATE_LIMITED,
    `Too many connections for this user (at most ${max}); close another one first`,
  );
}
