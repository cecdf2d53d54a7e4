// The pipe's success path (ValidationPlan) must agree with class-transformer + class-validator on
// every payload: same verdict, same instance. Thousands of generated payloads per DTO shape.
import 'reflect-metadata';
import { Exclude, Expose, plainToInstance, Transform, Type } from 'class-transformer';
import {
  Allow,
  IsDefined,
  IsIn,
  IsInt,
  IsOptional,
  IsString,
  Length,
  Matches,
  Max,
  MaxLength,
  Min,
  MinLength,
  registerDecorator,
  Validate,
  ValidateIf,
  ValidateNested,
  validate,
  ValidatorConstraint,
  type ValidatorConstraintInterface,
} from 'class-validator';
import { RealtimeException } from '../../lib/errors/realtime.exception.js';
import { ValidationPlan } from '../../lib/validation/validation-plan.js';
import { WsValidationPipe } from '../../lib/validation/ws-validation.pipe.js';

@ValidatorConstraint({ name: 'even' })
class Even implements ValidatorConstraintInterface {
  validate(value: unknown) {
    return typeof value === 'number' && value % 2 === 0;
  }
}

@ValidatorConstraint({ name: 'slowFree', async: true })
class SlowFree implements ValidatorConstraintInterface {
  async validate(value: unknown) {
    await Promise.resolve();
    return value !== 'taken';
  }
}

function IsLower(): PropertyDecorator {
  return (target, propertyName) =>
    registerDecorator({
      name: 'isLower',
      target: target.constructor,
      propertyName: propertyName as string,
      validator: { validate: (v: unknown) => typeof v === 'string' && v === v.toLowerCase() },
    });
}

/** A custom rule registered under class-validator's own `isLength` name, meaning something else. */
function isLengthImpostor(validate: (value: string) => boolean): PropertyDecorator {
  return (target, propertyName) =>
    registerDecorator({
      name: 'isLength',
      target: target.constructor,
      propertyName: propertyName as string,
      constraints: [1, 5],
      validator: { validate: (v: unknown) => typeof v === 'string' && validate(v) },
    });
}
const IsLengthImpostor = () => isLengthImpostor((v) => v === v.toUpperCase());
/** Its bounds agree with validator.js on a repeated letter, but not on other characters. */
const IsLettersImpostor = () => isLengthImpostor((v) => /^[a-z]{1,5}$/i.test(v));

class Message {
  @IsString() @Length(1, 5) room!: string;
  @IsString() @Length(0, 8) text!: string;
}

class WithOptional {
  @IsString() name!: string;
  @IsOptional() @IsInt() @Min(0) @Max(9) age?: number;
  @ValidateIf((o: WithOptional) => o.name === 'a') @IsDefined() @IsString() nick?: string;
  @Allow() anything?: unknown;
}

class WithDefaults {
  @IsString() @IsIn(['x', 'y']) kind = 'x';
  @IsInt() @Validate(Even) count = 2;
  @IsLower() @IsOptional() tag?: string;
  hello() {
    return 'not a payload field';
  }
}

class Tags {
  @IsString({ each: true }) @Length(1, 3, { each: true }) tags!: string[];
  @Matches(/^[a-c]+$/) code!: string;
}

class Base {
  @IsString() id!: string;
}
class Child extends Base {
  @IsInt() n!: number;
}

class Trimmed {
  @Transform(({ value }) => (typeof value === 'string' ? value.trim() : value))
  @IsString()
  @Length(1, 3)
  word!: string;
}

@Exclude()
class Exposed {
  @Expose() @IsString() shown!: string;
  @IsOptional() @IsString() hidden?: string;
}

/** Its constructor adds a property without decorators: never whitelisted. */
class Stamped {
  @IsString() room!: string;
  constructor() {
    (this as Record<string, unknown>).stamp = 1;
  }
}

/** String lengths: validator.js counts an emoji or a presentation selector as no extra character. */
class Lengths {
  @MinLength(2) @MaxLength(4) word!: string;
  @Length(2) open!: string;
}

/** Bounds past 16 characters: long strings take the regular expression's ASCII test. */
class LongLengths {
  @Length(15, 20) long!: string;
  @MaxLength(30) note!: string;
}

class Impostor {
  @IsLengthImpostor() loud!: string;
}

class LettersImpostor {
  @IsLettersImpostor() letters!: string;
}

class Item {
  @IsString() name!: string;
}
class Nested {
  @ValidateNested() @Type(() => Item) item!: Item;
}

class Async {
  @Validate(SlowFree) handle!: string;
}

const pick = <T>(list: readonly T[], random: () => number): T =>
  list[Math.floor(random() * list.length)];
const values = [
  '',
  'a',
  'ab',
  'abc',
  'ABC',
  ' ab ',
  'abcdefghij',
  'é',
  'ééé',
  '😀',
  'a😀',
  'ab😀😀',
  'a\uFE0F',
  'ab\uFE0F\uFE0F',
  'abcd',
  'abcde',
  'abcdefghijklmno',
  'abcdefghijklmnop',
  'abcdefghijklmnopqrst',
  'abcdefghijklmnopqrstu',
  'abcdefghijklmnopqrsé',
  'abcdefghijklmnop😀',
  'abcdefghijklmnopq\uFE0F',
  'taken',
  0,
  1,
  2,
  7,
  10,
  -1,
  1.5,
  true,
  null,
  [],
  ['a'],
  ['ab', 'abcd'],
  ['a', 'b'],
  { name: 'x' },
  { name: 1 },
] as const;
const keys = [
  'room',
  'text',
  'name',
  'age',
  'nick',
  'anything',
  'kind',
  'count',
  'tag',
  'tags',
  'code',
  'id',
  'n',
  'word',
  'shown',
  'hidden',
  'item',
  'handle',
  'hello',
  'open',
  'loud',
  'letters',
  'long',
  'note',
  'extra',
];

/** A small deterministic generator (mulberry32): failures reproduce. */
function generator(seed: number) {
  return () => {
    seed = (seed + 0x6d2b79f5) | 0;
    let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function payloadFor(fields: string[], random: () => number): Record<string, unknown> {
  const payload: Record<string, unknown> = {};
  for (const field of fields) if (random() < 0.85) payload[field] = pick(values, random);
  if (random() < 0.1) payload[pick(keys, random)] = pick(values, random);
  return JSON.parse(JSON.stringify(payload)) as Record<string, unknown>;
}

/** What the pipe must answer: class-transformer + class-validator with the pipe's options. */
async function reference(metatype: new () => object, value: object, transformOptions?: object) {
  const entity = plainToInstance(metatype, value, transformOptions);
  const errors = await validate(entity, {
    whitelist: true,
    forbidNonWhitelisted: true,
    forbidUnknownValues: true,
  });
  return errors.length === 0 ? { ok: true as const, entity } : { ok: false as const };
}

async function answer(pipe: WsValidationPipe, metatype: new () => object, value: object) {
  try {
    const entity = await pipe.transform(value, { type: 'body', metatype });
    return { ok: true as const, entity };
  } catch (error) {
    expect(error).toBeInstanceOf(RealtimeException);
    expect((error as RealtimeException).code).toBe('VALIDATION_FAILED');
    return { ok: false as const };
  }
}

const shapes: Array<[string, new () => object, string[]]> = [
  ['strings and lengths', Message, ['room', 'text']],
  ['optional, conditional and @Allow', WithOptional, ['name', 'age', 'nick', 'anything']],
  ['class defaults, custom constraints, a method', WithDefaults, ['kind', 'count', 'tag']],
  ['each: true and a pattern', Tags, ['tags', 'code']],
  ['inherited rules', Child, ['id', 'n']],
  ['@Transform on a primitive', Trimmed, ['word']],
  ['string lengths and non-ASCII strings', Lengths, ['word', 'open']],
  ['long strings, ASCII or not', LongLengths, ['long', 'note']],
  ['a custom rule reusing the name isLength', Impostor, ['loud']],
  ['a custom rule reusing the name and the bounds', LettersImpostor, ['letters']],
  ['@Exclude/@Expose', Exposed, ['shown', 'hidden']],
  ['nested validation', Nested, ['item']],
  ['an async constraint', Async, ['handle']],
];

describe('WsValidationPipe success path', () => {
  it.each(shapes)('agrees with class-validator on %s', async (_name, metatype, fields) => {
    const pipe = new WsValidationPipe();
    const random = generator(fields.length * 7919);
    let passed = 0;
    for (let i = 0; i < 1500; i++) {
      const value = payloadFor(fields, random);
      const [expected, actual] = await Promise.all([
        reference(metatype, value),
        answer(pipe, metatype, value),
      ]);
      if (expected.ok !== actual.ok) {
        throw new Error(`${metatype.name} ${JSON.stringify(value)}: expected ok=${expected.ok}`);
      }
      if (expected.ok && actual.ok) {
        passed++;
        expect(actual.entity).toBeInstanceOf(metatype);
        expect({ ...(actual.entity as object) }).toEqual({ ...expected.entity });
      }
    }
    // The generator must reach both verdicts, or the comparison proves little.
    expect(passed).toBeGreaterThan(10);
    expect(passed).toBeLessThan(1500);
  });

  it('agrees with class-validator under implicit conversion (transform options)', async () => {
    const options = { enableImplicitConversion: true };
    const pipe = new WsValidationPipe({ transformOptions: options });
    for (const value of [
      { id: 'a', n: '5' },
      { id: 'a', n: 'x' },
      { id: 3, n: 5 },
    ]) {
      const expected = await reference(Child, value, options);
      const actual = await answer(pipe, Child, value);
      expect(actual.ok).toBe(expected.ok);
      if (expected.ok && actual.ok)
        expect({ ...(actual.entity as object) }).toEqual({ ...expected.entity });
    }
  });

  it('builds instances itself only for classes class-transformer would copy as they are', async () => {
    const options = { whitelist: true, forbidNonWhitelisted: true };
    const plain = ValidationPlan.create(Message as never, options, true)!;
    const built = plain.validFlat({ room: 'r', text: 'hi' }, 1000);
    expect(built).toEqual(Object.assign(new Message(), { room: 'r', text: 'hi' }));
    expect(built).toBeInstanceOf(Message);
    expect(plain.accepts(built!)).toBe(true);
    // Over the size limit (as the payload guard counts it), or failing a check: the general path.
    expect(plain.validFlat({ room: 'r', text: 'hi' }, 20)).toBeUndefined();
    expect(plain.validFlat({ room: '', text: 'hi' }, 1000)).toBeUndefined();
    expect(plain.validFlat({ room: 'r', text: 'hi', extra: 1 }, 1000)).toBeUndefined();
    const trimmed = ValidationPlan.create(Trimmed as never, options, true)!;
    expect(trimmed.validFlat({ word: 'ab' }, 1000)).toBeUndefined();
    // Nested values and transform options always go through class-transformer.
    const tags = ValidationPlan.create(Tags as never, options, true)!;
    expect(tags.validFlat({ tags: ['a'], code: 'a' }, 1000)).toBeUndefined();
    const converted = ValidationPlan.create(Message as never, options, false)!;
    expect(converted.validFlat({ room: 'r', text: 'hi' }, 1000)).toBeUndefined();
    // A constructor that adds a property the DTO does not declare: class-validator refuses it.
    const stamped = ValidationPlan.create(Stamped as never, options, true)!;
    expect(stamped.validFlat({ room: 'r' }, 1000)).toBeUndefined();
    await expect(answer(new WsValidationPipe(), Stamped, { room: 'r' })).resolves.toEqual({
      ok: false,
    });
    // What the plan does not model has no plan: class-validator runs in full.
    expect(ValidationPlan.create(Nested as never, options, true)).toBeUndefined();
    expect(ValidationPlan.create(Async as never, options, true)).toBeUndefined();
  });
});
