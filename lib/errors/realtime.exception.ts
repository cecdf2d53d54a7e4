import { WsException } from '@nestjs/websockets';
import type { RealtimeErrorCode, RealtimeErrorDetail } from './error-codes.js';

export interface RealtimeExceptionOptions {
  details?: RealtimeErrorDetail[];
  retryAfter?: number;
}

/**
 * Throw from any gateway code to send the client a specific code through the error contract.
 * Its `getError()` is the error shape itself, so a gateway left on Nest's own exception filter
 * still emits `exception` with the code.
 */
export class RealtimeException extends WsException {
  readonly details?: RealtimeErrorDetail[];
  readonly retryAfter?: number;

  constructor(
    readonly code: RealtimeErrorCode,
    message: string,
    options: RealtimeExceptionOptions = {},
  ) {
    super({
      status: 'error',
      code,
      message,
      ...(options.details !== undefined ? { details: options.details } : {}),
      ...(options.retryAfter !== undefined ? { retryAfter: options.retryAfter } : {}),
    });
    this.name = 'RealtimeException';
    this.details = options.details;
    this.retryAfter = options.retryAfter;
  }
}
