import {
  type ArgumentsHost,
  Catch,
  type ExceptionFilter,
  Injectable,
  Logger,
  Optional,
} from '@nestjs/common';
import { BaseExceptionFilter, HttpAdapterHost } from '@nestjs/core';
import type { Socket } from 'socket.io';
import { RealtimeSignals } from '../core/realtime-signals.js';
import { answerError, toErrorShape } from './error-shape.js';

/**
 * Shapes every failure of a gateway handler, guard, pipe or interceptor into the error contract,
 * answering the client's ack when it sent one and emitting `exception` otherwise.
 * Registered globally it leaves HTTP to Nest's default filter, so controllers keep their behaviour.
 */
@Catch()
@Injectable()
export class WsExceptionFilter implements ExceptionFilter {
  private readonly logger = new Logger('WsExceptionFilter');

  constructor(
    @Optional() private readonly adapterHost?: HttpAdapterHost,
    @Optional() private readonly signals?: RealtimeSignals,
  ) {}

  catch(exception: unknown, host: ArgumentsHost): void {
    const type = host.getType();
    if (type === 'ws') return this.catchWs(exception, host);
    if (type === 'http' && this.adapterHost?.httpAdapter) {
      return new BaseExceptionFilter(this.adapterHost.httpAdapter).catch(exception, host);
    }
    throw exception;
  }

  private catchWs(exception: unknown, host: ArgumentsHost): void {
    const ws = host.switchToWs();
    const event = typeof ws.getPattern === 'function' ? ws.getPattern() : undefined;
    const { shape, unexpected } = toErrorShape(exception, event);
    this.signals?.emit({ type: 'error', code: shape.code });
    if (unexpected) {
      const err = exception instanceof Error ? exception : new Error(String(exception));
      this.logger.error(`Unexpected error in "${event ?? 'unknown'}": ${err.message}`, err.stack);
    }
    answerError(ws.getClient<Socket>(), host.getArgByIndex(2), shape);
  }
}
