import { WsException } from '@nestjs/websockets';
import type { RealtimeErrorCode, RealtimeErrorDetail } from './error-codes.js';

export interface RealtimeExceptionOptions {
  details?: RealtimeErrorDetail[];
  retryAfter?: number;
}

/** Throw from any gateway code to send the client a specific code through the error contract. */
export class RealtimeException extends WsException {
  readonly details?: RealtimeErrorDetail[];
  readonly retryAfter?: number;

  constructor(
    readonly code: RealtimeErrorCode,
    message: string,
    options: RealtimeExceptionOptions = {},
  ) {
    super(message);
    this.name = 'RealtimeException';
    this.details = options.details;
    this.retryAfter = options.retryAfter;
  }
}
