import { RealtimeEvents } from '../core/realtime.constants.js';
import { HttpException, HttpStatus } from '@nestjs/common';
import { WsException } from '@nestjs/websockets';
import {
  RealtimeErrorCode,
  type RealtimeErrorDetail,
  type RealtimeErrorShape,
} from './error-codes.js';
import { RealtimeException } from './realtime.exception.js';

const KNOWN_CODES = new Set<string>(Object.values(RealtimeErrorCode));
const GENERIC_MESSAGE = 'Internal server error';
const NEST_GUARD_DENIED = 'Forbidden resource';

const STATUS_CODES: Record<number, RealtimeErrorCode> = {
  [HttpStatus.BAD_REQUEST]: RealtimeErrorCode.BAD_REQUEST,
  [HttpStatus.UNAUTHORIZED]: RealtimeErrorCode.UNAUTHORIZED,
  [HttpStatus.FORBIDDEN]: RealtimeErrorCode.FORBIDDEN,
  [HttpStatus.NOT_FOUND]: RealtimeErrorCode.NOT_FOUND,
  [HttpStatus.PAYLOAD_TOO_LARGE]: RealtimeErrorCode.PAYLOAD_TOO_LARGE,
  [HttpStatus.UNPROCESSABLE_ENTITY]: RealtimeErrorCode.VALIDATION_FAILED,
  [HttpStatus.TOO_MANY_REQUESTS]: RealtimeErrorCode.RATE_LIMITED,
};

export interface MappedError {
  shape: RealtimeErrorShape;
  /** True when the error was not one the app meant to send: log it, hide it. */
  unexpected: boolean;
}

/** Maps anything thrown into the one wire shape. Unexpected errors never leak their message. */
export function toErrorShape(error: unknown, event?: string): MappedError {
  // Key order is the documented one: status, code, message, event, details, retryAfter.
  const withEvent = (shape: Omit<RealtimeErrorShape, 'status'>): RealtimeErrorShape => {
    const out: RealtimeErrorShape = { status: 'error', code: shape.code, message: shape.message };
    if (event !== undefined) out.event = event;
    if (shape.details !== undefined) out.details = shape.details;
    if (shape.retryAfter !== undefined) out.retryAfter = shape.retryAfter;
    return out;
  };

  if (error instanceof RealtimeException) {
    const shape = withEvent({
      code: error.code,
      message: error.message,
      details: error.details,
      retryAfter: error.retryAfter,
    });
    return { shape, unexpected: false };
  }
  if (error instanceof WsException) {
    const payload = error.getError();
    if (typeof payload === 'string') {
      // A guard that returns false makes Nest throw WsException('Forbidden resource').
      const code = payload === NEST_GUARD_DENIED ? 'FORBIDDEN' : 'BAD_REQUEST';
      return { shape: withEvent({ code, message: payload }), unexpected: false };
    }
    const body = (payload ?? {}) as Record<string, unknown>;
    const code =
      typeof body.code === 'string' && KNOWN_CODES.has(body.code)
        ? (body.code as RealtimeErrorCode)
        : RealtimeErrorCode.BAD_REQUEST;
    const message = typeof body.message === 'string' ? body.message : 'Bad request';
    const details = Array.isArray(body.details)
      ? (body.details as RealtimeErrorDetail[])
      : undefined;
    return { shape: withEvent({ code, message, details }), unexpected: false };
  }
  if (error instanceof HttpException) {
    const status = error.getStatus();
    if (status >= 500) {
      return {
        shape: withEvent({ code: 'INTERNAL_ERROR', message: GENERIC_MESSAGE }),
        unexpected: true,
      };
    }
    const response = error.getResponse() as string | Record<string, unknown>;
    const messages = typeof response === 'object' ? response.message : undefined;
    // Nest's own ValidationPipe answers 400 with a list of messages.
    if (status === HttpStatus.BAD_REQUEST && Array.isArray(messages)) {
      const details = messages.map((m) => ({ field: String(m).split(' ')[0], message: String(m) }));
      return {
        shape: withEvent({
          code: 'VALIDATION_FAILED',
          message: messages.map(String).join('; '),
          details,
        }),
        unexpected: false,
      };
    }
    const code = STATUS_CODES[status] ?? RealtimeErrorCode.BAD_REQUEST;
    return { shape: withEvent({ code, message: error.message }), unexpected: false };
  }
  return {
    shape: withEvent({ code: 'INTERNAL_ERROR', message: GENERIC_MESSAGE }),
    unexpected: true,
  };
}

/** The wire contract's delivery rule: on the ack when the client sent one, else as `exception`. */
export function answerError(
  socket: { emit(event: string, ...args: unknown[]): unknown } | undefined,
  ack: unknown,
  shape: RealtimeErrorShape,
): void {
  if (typeof ack === 'function') ack(shape);
  else socket?.emit?.(RealtimeEvents.EXCEPTION, shape);
}
