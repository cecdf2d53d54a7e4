import {
  applyDecorators,
  UseFilters,
  UseGuards,
  UsePipes,
  type ValidationPipeOptions,
} from '@nestjs/common';
import { type GatewayMetadata, WebSocketGateway } from '@nestjs/websockets';
import { WsJwtGuard } from '../auth/ws-jwt.guard.js';
import { WsExceptionFilter } from '../errors/ws-exception.filter.js';
import { WsValidationPipe } from '../validation/ws-validation.pipe.js';

export interface RealtimeGatewayOptions extends GatewayMetadata {
  /** Port of a separate Socket.IO server; omit to share the HTTP server. */
  port?: number;
  /** Apply WsJwtGuard to every handler (exempt one with `@Public()`). @default true */
  guard?: boolean;
  /** Validate DTO payloads with WsValidationPipe, or pass its options; `false` to skip. @default true */
  validation?: boolean | ValidationPipeOptions;
}

/**
 * `@WebSocketGateway` plus the library's exception filter, validation pipe and JWT guard.
 * Handler-level `@UseFilters`/`@UsePipes` still apply on top; `@Public()` exempts a handler
 * from the guard, and a payload typed as a non-class (`unknown`, `object`) is not validated.
 */
export function RealtimeGateway(options: RealtimeGatewayOptions = {}): ClassDecorator {
  const { port, guard = true, validation = true, ...gateway } = options;
  const decorators: Array<ClassDecorator | MethodDecorator> = [
    port === undefined ? WebSocketGateway(gateway) : WebSocketGateway(port, gateway),
    UseFilters(WsExceptionFilter),
  ];
  if (guard) decorators.push(UseGuards(WsJwtGuard));
  if (validation === true) decorators.push(UsePipes(WsValidationPipe));
  else if (validation) decorators.push(UsePipes(new WsValidationPipe(validation)));
  return applyDecorators(...decorators) as ClassDecorator;
}
