import { getMetadataStorage, ValidationTypes, type ValidatorOptions } from 'class-validator';
import type { ValidationArguments } from 'class-validator';
import { entryBytes, FORBIDDEN_KEYS, isPlain, OBJECT_BYTES } from './payload-guard.js';

type Metatype = new (...args: unknown[]) => object;
type Condition = (object: object, value: unknown) => boolean;

interface Check {
  property: string;
  constraints: unknown[];
  each: boolean;
  validateIf?: Condition;
  /**
   * class-validator's constraint instances, resolved once: its metadata's `instance` getter goes
   * through the container (a linear search of every constraint class) on each call.
   */
  validators: Array<{ validate(value: unknown, args: ValidationArguments): unknown }>;
  /** Strings class-validator is known to accept without a call (see `shortcutFor`). */
  shortcut?: Shortcut;
}

interface PropertyPlan {
  name: string;
  conditions: Condition[];
  checks: Check[];
}

/** What class-transformer's metadata storage offers (its module is not part of its public API). */
interface TransformerStorage {
  getStrategy(target: Metatype): string;
  getExposedMetadatas(target: Metatype): unknown[];
  getExcludedMetadatas(target: Metatype): unknown[];
  findTypeMetadata(target: Metatype, property: string): unknown;
  findTransformMetadatas(target: Metatype, property: string, type: number): unknown[];
}

const PLAIN_TO_CLASS = 0;
let transformerStorage: TransformerStorage | undefined;
// Loaded lazily and optionally: until (or unless) it is there, payloads go through plainToInstance.
import('class-transformer/cjs/storage.js' as string).then(
  (m: { defaultMetadataStorage?: TransformerStorage }) => {
    const s = m.defaultMetadataStorage;
    if (s && typeof s.findTransformMetadatas === 'function') transformerStorage = s;
  },
  () => undefined,
);

/** The generated functions of a plan (see `compile`). */
interface Compiled {
  /** The instance for a flat payload that passes, else undefined (see `validFlat`). */
  copy(value: Record<string, unknown>, maxBytes: number): object | undefined;
  /** Whether an instance passes every property's conditions and constraints. */
  check(entity: object): boolean;
}

/**
 * The success path of class-validator for one DTO class, worked out once.
 *
 * `validate()` looks the class's metadata up again on every call (filtering the storage and
 * scanning every registered class for ancestors), groups it, and allocates an error object per
 * property even when everything passes: most of what it costs for a small DTO. A plan
 * keeps, per property, the conditions (`@IsOptional`, `@ValidateIf`) and class-validator's own
 * constraint validators, and calls them directly. It only answers "this payload passes": a
 * payload that fails anything (or that the plan does not cover) goes through class-validator
 * itself, so errors are always class-validator's. Classes using what the plan does not model
 * (nested or promise validation, async constraints, the skip* options) get no plan at all.
 */
export class ValidationPlan {
  private constructor(
    private readonly metatype: Metatype,
    private readonly properties: PropertyPlan[],
    /** The DTO's property names (a DTO has few: a scan beats a Set's hashing). */
    private readonly names: readonly string[],
    /** False when transform options are set: then only class-transformer builds the instance. */
    private readonly copy: boolean,
    private readonly compiled: Compiled,
  ) {
    this.unsafeKeys = names.some((name) => FORBIDDEN_KEYS.has(name));
  }

  /**
   * Whether class-transformer would copy every property unchanged (no @Type, @Transform,
   * @Expose or @Exclude); undefined until its metadata storage has loaded.
   */
  private copyable?: boolean;
  /** A DTO property named like a prototype key: its payloads always take the guarded path. */
  private readonly unsafeKeys: boolean;

  static create(
    metatype: Metatype,
    options: ValidatorOptions,
    copy: boolean,
  ): ValidationPlan | undefined {
    if (
      !options.whitelist ||
      options.skipMissingProperties ||
      options.skipNullProperties ||
      options.skipUndefinedProperties
    )
      return undefined;
    const storage = getMetadataStorage();
    const metadatas = storage.getTargetValidationMetadatas(
      metatype,
      undefined as unknown as string, // a class, not a schema
      options.always ?? false,
      options.strictGroups ?? false,
      options.groups,
    );
    if (metadatas.length === 0) return undefined; // forbidUnknownValues' error, or nothing to check
    const byName = new Map<string, PropertyPlan>();
    for (const m of metadatas) {
      let plan = byName.get(m.propertyName);
      if (!plan)
        byName.set(m.propertyName, (plan = { name: m.propertyName, conditions: [], checks: [] }));
      switch (m.type) {
        case ValidationTypes.WHITELIST:
          break;
        case ValidationTypes.CONDITIONAL_VALIDATION:
          plan.conditions.push(m.constraints[0] as Condition);
          break;
        case ValidationTypes.IS_DEFINED:
        case ValidationTypes.CUSTOM_VALIDATION: {
          const validators = storage.getTargetValidatorConstraints(m.constraintCls);
          if (validators.some((v) => v.async)) return undefined;
          const instances = resolveInstances(validators);
          if (!instances) return undefined;
          const check: Check = {
            property: m.propertyName,
            constraints: m.constraints,
            each: m.each === true,
            validateIf: (m as { validateIf?: Condition }).validateIf,
            validators: instances,
          };
          check.shortcut = shortcutFor(check, m.name, metatype.name);
          // class-validator runs IS_DEFINED first.
          if (m.type === ValidationTypes.IS_DEFINED) plan.checks.unshift(check);
          else plan.checks.push(check);
          break;
        }
        default:
          return undefined; // nested, promise or unknown validation types
      }
    }
    const properties = [...byName.values()];
    const compiled = compile(metatype, properties);
    if (!compiled) return undefined; // code generation is off in this process
    return new ValidationPlan(metatype, properties, [...byName.keys()], copy, compiled);
  }

  /**
   * Whether `entity` (from class-transformer) passes. False means "not known to pass": the
   * caller then runs class-validator as usual.
   */
  accepts(entity: object): boolean {
    if (entity.constructor !== this.metatype) return false;
    const target = entity as Record<string, unknown>;
    for (const key of Object.keys(target)) if (!this.names.includes(key)) return false;
    return this.compiled.check(entity);
  }

  /**
   * The whole success path for the usual payload, in one walk over its keys: a plain object of
   * primitives whose keys are all properties of the DTO, at most `maxBytes` as the payload guard
   * counts them, on a class that class-transformer would copy as it is. Returns the validated
   * instance (class-transformer's result: a new instance, field initialisers run, the payload's
   * keys copied over), or undefined when the payload needs the general path, which guards it,
   * transforms it and words the errors.
   */
  validFlat(value: Record<string, unknown>, maxBytes: number): object | undefined {
    if (!this.copy || this.unsafeKeys) return undefined;
    this.copyable ??= copyableFor(this.metatype, this.properties);
    if (!this.copyable) return undefined;
    return this.compiled.copy(value, maxBytes);
  }
}

/**
 * A plan's two functions, generated for its class: each property is read by its name, so V8
 * keeps one inline cache per property site instead of a megamorphic keyed lookup per access,
 * and the common string rules are tested inline. Property names enter the source only as JSON
 * string literals; everything else (the class, validators, conditions) is passed in as values.
 * Undefined where the process forbids code generation (`--disallow-code-generation-from-strings`).
 */
function compile(metatype: Metatype, properties: PropertyPlan[]): Compiled | undefined {
  const values: Record<string, unknown> = {
    M: metatype,
    isPlain,
    entryBytes,
    passes,
    ascii,
    T: metatype.name,
  };
  const names = properties.map((p) => JSON.stringify(p.name));
  const allowed = (key: string) => names.map((n) => `${key} === ${n}`).join(' || ');
  // Sizes as the payload guard estimates them (OBJECT_BYTES, then entryBytes per key).
  const copyCases = names.map(
    (name) => `      case ${name}:
        v = value[${name}];
        if (typeof v === "object" && v !== null) return undefined;
        if (e[${name}] instanceof Function) return undefined; // class-transformer keeps methods
        bytes += entryBytes(${name}, v);
        e[${name}] = v;
        break;`,
  );
  const checks = properties.map((property, i) => {
    const lines = property.checks.map((check, j) => {
      const k = `k${i}_${j}`;
      values[k] = check;
      const shortcut = check.validateIf ? undefined : inlineShortcut(check);
      const general = `passes(${k}, e, v, T)`;
      return `    if (!(${shortcut ? `${shortcut} || ` : ''}${general})) return false;`;
    });
    if (lines.length === 0 && property.conditions.length === 0) return '';
    const conditions = property.conditions.map((condition, j) => {
      values[`c${i}_${j}`] = condition;
      // Like class-validator: every condition is evaluated, all must hold.
      return `  a = c${i}_${j}(e, v) && a;`;
    });
    return [
      `  v = e[${names[i]}];`,
      ...(conditions.length ? ['  a = true;', ...conditions, '  if (a) {'] : ['  {']),
      ...lines,
      '  }',
    ].join('\n');
  });
  const source = `"use strict";
function check(e) {
  let v, a;
${checks.filter(Boolean).join('\n')}
  return true;
}
function copy(value, maxBytes) {
  if (!isPlain(value)) return undefined;
  const e = new M();
  if (e.constructor !== M) return undefined;
  // Keys the constructor set (for-in also sees inherited enumerable ones: the general path).
  for (const key in e) if (!(${allowed('key')})) return undefined;
  let bytes = ${OBJECT_BYTES};
  const keys = Object.keys(value);
  let v;
  for (let i = 0; i < keys.length; i++) {
    switch (keys[i]) {
${copyCases.join('\n')}
      default:
        return undefined;
    }
  }
  if (bytes > maxBytes) return undefined;
  return check(e) ? e : undefined;
}
return { copy, check };`;
  try {
    // Safe to evaluate: property names enter only as JSON string literals.
    const factory = new Function(...Object.keys(values), source) as (...a: unknown[]) => Compiled;
    return factory(...Object.values(values));
  } catch {
    return undefined;
  }
}

function passes(check: Check, object: object, value: unknown, targetName: string): boolean {
  if (check.validateIf && !check.validateIf(object, value)) return true;
  if (check.shortcut && accepted(check.shortcut, value)) return true;
  const args: ValidationArguments = {
    targetName,
    property: check.property,
    object,
    value,
    constraints: check.constraints,
  };
  for (const instance of check.validators) {
    if (check.each && (value instanceof Set || value instanceof Map)) return false;
    if (check.each && Array.isArray(value)) {
      for (const item of value) if (!ok(instance.validate(item, args))) return false;
    } else if (!ok(instance.validate(value, args))) return false;
  }
  return true;
}

/**
 * What a string rule accepts for sure: any string (`@IsString`), or an ASCII string whose
 * length is within bounds. Any character outside ASCII leaves the length to validator.js.
 */
interface Shortcut {
  anyString: boolean;
  min: number;
  max: number;
}

const accepted = (shortcut: Shortcut, value: unknown): boolean =>
  typeof value === 'string' &&
  (shortcut.anyString ||
    (value.length >= shortcut.min && value.length <= shortcut.max && ascii(value)));

/** The same test as generated code (`compile`): names only the `v` variable and `ascii`. */
function inlineShortcut(check: Check): string | undefined {
  const shortcut = check.shortcut;
  if (!shortcut) return undefined;
  if (shortcut.anyString) return 'typeof v === "string"';
  const bounds = [
    shortcut.min > 0 ? `v.length >= ${shortcut.min}` : '',
    shortcut.max < Infinity ? `v.length <= ${shortcut.max}` : '',
  ].filter(Boolean);
  return `(typeof v === "string" && ${[...bounds, 'ascii(v)'].join(' && ')})`;
}

const NON_ASCII = /[\u0080-\uffff]/;
/**
 * Whether every character is ASCII. A short string is walked (cheaper than entering the
 * regular expression engine); from 16 characters on, the regular expression is faster.
 */
function ascii(value: string): boolean {
  if (value.length >= 16) return !NON_ASCII.test(value);
  for (let i = 0; i < value.length; i++) if (value.charCodeAt(i) > 0x7f) return false;
  return true;
}
const ALL_ASCII = String.fromCharCode(...Array.from({ length: 128 }, (_, i) => i));

/**
 * For class-validator's string-length rules (`@IsString`, `@Length`, `@MinLength`,
 * `@MaxLength`), a check of an ASCII string that needs no call: validator.js's `isLength` walks
 * the string with two regular expressions (for emoji presentation selectors and surrogate
 * pairs, neither of them ASCII) and reads the constructor's name, most of what validating a
 * typical chat message costs. Only a pass is answered here; anything else (a non-ASCII string,
 * a length out of range, another type) is still decided by the validator. A rule is only taken
 * over when the validator registered under that name gives the same answers on strings at the
 * bounds (of one letter, and of every ASCII character), so a custom decorator that reuses the
 * name keeps its own behaviour.
 */
function shortcutFor(
  check: Check,
  name: string | undefined,
  targetName: string,
): Shortcut | undefined {
  if (check.each || check.validators.length !== 1) return undefined;
  const [a, b] = (check.constraints ?? []) as unknown[];
  const isCount = (n: unknown): n is number => Number.isInteger(n) && (n as number) >= 0;
  let min = 0;
  let max = Infinity;
  if (name === 'isLength' && isCount(a) && (b === undefined || isCount(b))) {
    min = a;
    max = b ?? Infinity;
  } else if (name === 'minLength' && isCount(a)) min = a;
  else if (name === 'maxLength' && isCount(a)) max = a;
  else if (name !== 'isString') return undefined;
  const [validator] = check.validators;
  const lengths = [min, min + 1, Math.min(max, min + 64), max - 1, max, max + 1].filter(
    (n) => n >= 0 && n <= 100_000,
  );
  // Each length twice: one letter repeated, and every ASCII character in turn (a rule that
  // also restricts the characters refuses the second).
  const probes = lengths.flatMap((n) => [
    'a'.repeat(n),
    ALL_ASCII.repeat(Math.floor(n / 128) + 1).slice(0, n),
  ]);
  const { property, constraints } = check;
  for (const probe of probes) {
    let verdict: unknown;
    try {
      verdict = validator.validate(probe, {
        targetName,
        property,
        object: {},
        value: probe,
        constraints,
      });
    } catch {
      return undefined;
    }
    if (ok(verdict) !== (probe.length >= min && probe.length <= max)) return undefined;
  }
  // isString takes any string; a length is only the string's length when it is all ASCII.
  return { anyString: name === 'isString', min, max };
}

/** Undefined when a constraint's container cannot provide it: class-validator will say why. */
function resolveInstances(
  validators: Array<{ instance: unknown }>,
): Check['validators'] | undefined {
  try {
    const instances = validators.map((v) => v.instance as Check['validators'][number]);
    return instances.every((i) => typeof i?.validate === 'function') ? instances : undefined;
  } catch {
    return undefined;
  }
}

/** A promise (an async rule not flagged as such) is left to class-validator. */
const ok = (result: unknown) => !!result && !(result instanceof Promise);

function copyableFor(metatype: Metatype, properties: PropertyPlan[]): boolean | undefined {
  const storage = transformerStorage;
  if (!storage) return undefined;
  if (storage.getStrategy(metatype) !== 'none') return false;
  if (storage.getExposedMetadatas(metatype).length || storage.getExcludedMetadatas(metatype).length)
    return false;
  for (const { name } of properties) {
    if (storage.findTypeMetadata(metatype, name)) return false;
    if (storage.findTransformMetadatas(metatype, name, PLAIN_TO_CLASS).length) return false;
    // Accessors and methods on the prototype: class-transformer skips them.
    if (Object.getOwnPropertyDescriptor(metatype.prototype, name)) return false;
  }
  return true;
}
