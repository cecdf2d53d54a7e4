import {
  type ArgumentMetadata,
  Inject,
  Injectable,
  Optional,
  ValidationPipe,
  type ValidationError,
  type ValidationPipeOptions,
} from '@nestjs/common';
import { plainToInstance } from 'class-transformer';
import { validate, type ValidatorOptions } from 'class-validator';
import { REALTIME_OPTIONS } from '../core/internal.constants.js';
import type { ResolvedRealtimeOptions } from '../options/options.defaults.js';
import { RealtimeErrorCode, type RealtimeErrorDetail } from '../errors/error-codes.js';
import { assertPlainPayload } from './payload-guard.js';
import { RealtimeException } from '../errors/realtime.exception.js';
import { ValidationPlan } from './validation-plan.js';

const DEFAULT_MAX_EVENT_BYTES = 64 * 1024;
/** The parameter types Nest's ValidationPipe leaves unvalidated (its `toValidate`). */
const UNVALIDATED = new Set<unknown>([String, Boolean, Number, Array, Object, Buffer, Date]);

/**
 * class-validator for gateway payloads: whitelist, forbidNonWhitelisted and transform on, and
 * failures as VALIDATION_FAILED with one detail per field (nested paths such as `items.0.name`).
 * Only parameters typed with a class are validated; `unknown`/`object` payloads pass through.
 * Payloads over `limits.maxEventBytes` are PAYLOAD_TOO_LARGE; the connection stays open.
 */
@Injectable()
export class WsValidationPipe extends ValidationPipe {
  private readonly maxBytes: number;
  /** Options of the fast path; undefined when the options need Nest's general path. */
  private readonly fast?: ValidatorOptions;
  /** Per DTO class: its success-path plan, or null when class-validator must run in full. */
  private readonly plans = new Map<object, ValidationPlan | null>();

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
    const general =
      options.transform === false ||
      options.expectedType !== undefined ||
      options.validatorPackage !== undefined ||
      options.transformerPackage !== undefined;
    if (!general) {
      this.fast = {
        ...this.validatorOptions,
        validationError: { target: false, ...this.validatorOptions.validationError },
      };
    }
  }

  /**
   * The usual gateway payload, a flat JSON object of the DTO's own fields, is checked in one walk
   * by the DTO's ValidationPlan (class-validator's success path, worked out once per class):
   * the payload guard's size and shape rules, the instance class-transformer would build, and
   * class-validator's constraints. Any other payload passes `assertPlainPayload` (no binary, no
   * sparse arrays, no prototype keys, bounded depth) and goes to class-transformer, then to the
   * plan or, for classes the plan does not model, to class-validator: Nest's pipe spends half its
   * time making arbitrary values safe for class-transformer. A payload that fails goes through
   * Nest's general path, so the errors (and the exception) are exactly Nest's.
   *
   * Returns the value itself, not a promise, when it is known at once (a parameter that is not
   * validated, a payload the plan accepts): the library's handler pipeline then goes on without
   * a microtask turn. Nest's own pipeline awaits either. A payload over the size limit throws.
   */
  // eslint-disable-next-line @typescript-eslint/no-explicit-any -- a value or a promise of one
  override transform(value: unknown, metadata: ArgumentMetadata): any {
    if (!this.fast) {
      if (this.toValidate(metadata)) assertPlainPayload(value, this.maxBytes);
      return super.transform(value, metadata);
    }
    // As ValidationPipe.transform does for parameters it does not validate (no expectedType here).
    if (!this.toValidate(metadata)) {
      return this.isTransformEnabled ? this.transformPrimitive(value, metadata) : value;
    }
    const metatype = metadata.metatype as new (...args: unknown[]) => object;
    const plan = this.planFor(metatype);
    if (plan && typeof value === 'object' && value !== null && !Array.isArray(value)) {
      const entity = plan.validFlat(value as Record<string, unknown>, this.maxBytes);
      if (entity) return entity;
    }
    assertPlainPayload(value, this.maxBytes);
    if (!plan) return this.validateInFull(value, metadata, metatype);
    const entity = plainToInstance(metatype, value, this.transformOptions) as object;
    return plan.accepts(entity) ? entity : super.transform(value, metadata);
  }

  /** Nest's rule, without the array and closure Nest's version allocates on every call. */
  protected override toValidate(metadata: ArgumentMetadata): boolean {
    if (metadata.type === 'custom' && !this.validateCustomDecorators) return false;
    const { metatype } = metadata;
    return metatype !== undefined && metatype !== null && !UNVALIDATED.has(metatype);
  }

  /** class-transformer and class-validator for classes the plan does not model. */
  private async validateInFull(
    value: unknown,
    metadata: ArgumentMetadata,
    metatype: new (...args: unknown[]) => object,
  ): Promise<unknown> {
    const entity = plainToInstance(metatype, value, this.transformOptions) as object;
    if (entity.constructor === metatype) {
      const errors = await validate(entity, this.fast);
      if (errors.length === 0) return entity;
    }
    return super.transform(value, metadata);
  }

  private planFor(metatype: new (...args: unknown[]) => object): ValidationPlan | undefined {
    let plan = this.plans.get(metatype);
    if (plan === undefined) {
      const copy = !this.transformOptions || Object.keys(this.transformOptions).length === 0;
      plan = ValidationPlan.create(metatype, this.fast!, copy) ?? null;
      this.plans.set(metatype, plan);
    }
    return plan ?? undefined;
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
