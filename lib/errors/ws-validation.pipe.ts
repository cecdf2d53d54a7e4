import {
  type ArgumentMetadata,
  Inject,
  Injectable,
  Optional,
  ValidationPipe,
  type ValidationError,
  type ValidationPipeOptions,
} from '@nestjs/common';
import { REALTIME_OPTIONS } from '../internal.constants.js';
import type { ResolvedRealtimeOptions } from '../options/options.defaults.js';
import { RealtimeErrorCode, type RealtimeErrorDetail } from './error-codes.js';
import { assertPlainPayload } from './payload-guard.js';
import { RealtimeException } from './realtime.exception.js';

const DEFAULT_MAX_EVENT_BYTES = 64 * 1024;

/**
 * class-validator for gateway payloads: whitelist, forbidNonWhitelisted and transform on, and
 * failures as VALIDATION_FAILED with one detail per field (nested paths such as `items.0.name`).
 * Only parameters typed with a class are validated; `unknown`/`object` payloads pass through.
 * Payloads over `limits.maxEventBytes` are PAYLOAD_TOO_LARGE; the connection stays open.
 */
@Injectable()
export class WsValidationPipe extends ValidationPipe {
  private readonly maxBytes: number;

  constructor(
    @Optional() options: ValidationPipeOptions = {},
    @Optional() @Inject(REALTIME_OPTIONS) realtime?: ResolvedRealtimeOptions,
  ) {
    super({
      whitelist: true,
      forbidNonWhitelisted: true,
      forbidUnknownValues: true,
      transform: true,
      ...options,
      exceptionFactory: (errors) => toValidationException(errors),
    });
    this.maxBytes = realtime?.limits.maxEventBytes ?? DEFAULT_MAX_EVENT_BYTES;
  }

  override async transform(value: unknown, metadata: ArgumentMetadata): Promise<unknown> {
    if (this.toValidate(metadata)) assertPlainPayload(value, this.maxBytes);
    return super.transform(value, metadata);
  }
}

export function toValidationException(errors: ValidationError[]): RealtimeException {
  const details: RealtimeErrorDetail[] = [];
  const visit = (list: ValidationError[], parent: string) => {
    for (const error of list) {
      const field = parent ? `${parent}.${error.property}` : error.property;
      if (error.constraints) details.push({ field, constraints: { ...error.constraints } });
      if (error.children?.length) visit(error.children, field);
    }
  };
  visit(errors, '');
  const message =
    details.flatMap((d) => Object.values(d.constraints ?? {})).join('; ') || 'Validation failed';
  return new RealtimeException(RealtimeErrorCode.VALIDATION_FAILED, message, { details });
}
