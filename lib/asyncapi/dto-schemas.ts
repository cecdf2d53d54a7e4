import { IS_ENUM, ValidationTypes } from 'class-validator';
import { RealtimeConfigError } from '../options/realtime-config.error.js';
import type { AsyncApiSchema } from './asyncapi.types.js';
import { SCHEMAS } from './library-events.js';

// eslint-disable-next-line @typescript-eslint/no-unsafe-function-type
type Constructor = Function & { prototype: object };

/** What a converter of class-validator-jsonschema receives (its ValidationMetadata). */
interface PropertyMetadata {
  target: object | string;
  propertyName: string;
  constraints: unknown[];
  each?: boolean;
}

type Converter = (meta: PropertyMetadata, options: unknown) => AsyncApiSchema | undefined;

/** The part of class-validator-jsonschema used here (an optional peer, loaded on first use). */
interface JsonSchemaLibrary {
  targetConstructorToSchema(
    target: Constructor,
    options: {
      refPointerPrefix: string;
      additionalConverters: Record<string, Converter>;
      classTransformerMetadataStorage?: unknown;
    },
  ): AsyncApiSchema;
}

/** class-transformer's metadata storage (not public API; its README points to this module). */
interface TransformerStorage {
  findTypeMetadata(target: object, property: string): { typeFunction(): unknown } | undefined;
}

/** Types that say nothing about the value: an open schema. */
const OPEN_TYPES = new Set<unknown>([Object, Promise, Function, undefined, null]);

/**
 * JSON Schemas of DTO classes, from their class-validator metadata (through
 * class-validator-jsonschema, with class-transformer's `@Type()` for nested classes). Every class
 * reached (payloads, nested objects, array items) gets one entry in `schemas`, under a name that
 * is unique even when two classes share one; properties refer to them with `$ref`.
 */
export class DtoSchemas {
  /** The entries of components.schemas. */
  readonly schemas: Record<string, AsyncApiSchema> = {};
  private readonly names = new Map<Constructor, string>();
  private readonly converters: Record<string, Converter>;

  private constructor(
    private readonly library: JsonSchemaLibrary,
    private readonly transformer: TransformerStorage | undefined,
    /** Names already taken (the library's own schemas). */
    private readonly taken: Set<string>,
  ) {
    this.converters = {
      [ValidationTypes.NESTED_VALIDATION]: (meta) => this.nested(meta),
      [ValidationTypes.CUSTOM_VALIDATION]: (meta) =>
        typeof meta.target === 'function'
          ? this.schemaOf(designType(meta.target as Constructor, meta.propertyName))
          : undefined,
      [IS_ENUM]: (meta) => enumSchema(meta.constraints[0]),
    };
  }

  /** Loads class-validator-jsonschema; a clear error when it is not installed. */
  static async load(taken: Iterable<string> = []): Promise<DtoSchemas> {
    let library: JsonSchemaLibrary;
    try {
      const loaded =
        (await import('class-validator-jsonschema')) as unknown as Partial<JsonSchemaLibrary> & {
          default?: Partial<JsonSchemaLibrary>;
        };
      const fn = loaded.targetConstructorToSchema ?? loaded.default?.targetConstructorToSchema;
      if (typeof fn !== 'function') throw new Error('no targetConstructorToSchema export');
      library = { targetConstructorToSchema: fn };
    } catch (error) {
      throw new RealtimeConfigError(
        'asyncapi',
        `the AsyncAPI document needs class-validator-jsonschema (an optional peer dependency) to describe DTOs: npm install class-validator-jsonschema (${(error as Error).message})`,
      );
    }
    const transformer = await import('class-transformer/cjs/storage.js' as string).then(
      (m: { defaultMetadataStorage?: TransformerStorage }) => m.defaultMetadataStorage,
      () => undefined,
    );
    return new DtoSchemas(library, transformer, new Set(taken));
  }

  /**
   * The schema of a value declared with `type`: a `$ref` for a class (whose schema is added to
   * `schemas`), a plain schema for String, Number, Boolean, Date and Array, an open one otherwise.
   */
  schemaOf(type: unknown): AsyncApiSchema {
    if (type === String) return { type: 'string' };
    if (type === Number) return { type: 'number' };
    if (type === Boolean) return { type: 'boolean' };
    if (type === Date) return { type: 'string', format: 'date-time' };
    if (type === Array) return { type: 'array' };
    if (typeof type !== 'function' || OPEN_TYPES.has(type) || !type.name) return {};
    if (isBuiltIn(type)) return {};
    return { $ref: `${SCHEMAS}${this.add(type as Constructor)}` };
  }

  /** The name of a class's schema, building it (and what it refers to) the first time. */
  private add(type: Constructor): string {
    const known = this.names.get(type);
    if (known) return known;
    const name = this.uniqueName(type.name);
    this.names.set(type, name);
    this.schemas[name] = {}; // reserved: a class that refers to itself finds its name
    const schema = this.library.targetConstructorToSchema(type, {
      refPointerPrefix: SCHEMAS,
      additionalConverters: this.converters,
      classTransformerMetadataStorage: this.transformer,
    });
    this.schemas[name] =
      Object.keys(schema).length === 0 ? { type: 'object', title: type.name } : schema;
    return name;
  }

  private uniqueName(name: string): string {
    const base = name.replace(/[^A-Za-z0-9_.-]/g, '_') || 'Payload';
    let candidate = base;
    for (let i = 2; this.taken.has(candidate); i++) candidate = `${base}_${i}`;
    this.taken.add(candidate);
    return candidate;
  }

  /** `@ValidateNested()`: the class from `@Type(() => Item)`, else the declared type. */
  private nested(meta: PropertyMetadata): AsyncApiSchema | undefined {
    if (typeof meta.target !== 'function') return undefined;
    const target = meta.target as Constructor;
    const declared = designType(target, meta.propertyName);
    const item = this.transformer?.findTypeMetadata(target, meta.propertyName)?.typeFunction();
    const child = item ?? declared;
    if (meta.each) return child === Array ? {} : this.schemaOf(child); // items of an array
    // An array property validated without `each`: class-validator still checks every item.
    if (declared === Array)
      return item ? { type: 'array', items: this.schemaOf(item) } : { type: 'array' };
    return this.schemaOf(child);
  }
}

function designType(target: Constructor, property: string): unknown {
  return Reflect.getMetadata('design:type', target.prototype, property);
}

/** A class from the platform (Map, Buffer, Observable-like promises...): nothing to describe. */
function isBuiltIn(type: Constructor): boolean {
  return (
    type === Map ||
    type === Set ||
    type === RegExp ||
    type === Error ||
    (typeof Buffer !== 'undefined' && type === Buffer) ||
    type === Uint8Array
  );
}

/**
 * `@IsEnum()`: the values of a TypeScript enum (a numeric enum's reverse mapping left out) or of
 * an object, typed when they share a type.
 */
function enumSchema(entity: unknown): AsyncApiSchema | undefined {
  if (typeof entity !== 'object' || entity === null) return undefined;
  const record = entity as Record<string, unknown>;
  const values = Object.keys(record)
    .filter((key) => !/^-?\d+$/.test(key) || typeof record[key] !== 'string')
    .map((key) => record[key]);
  const unique = [...new Set(values)];
  const types = new Set(unique.map((v) => typeof v));
  const schema: AsyncApiSchema = { enum: unique };
  if (types.size === 1) {
    const [only] = types;
    if (only === 'string') schema.type = 'string';
    else if (only === 'number')
      schema.type = unique.every((v) => Number.isInteger(v)) ? 'integer' : 'number';
  }
  return schema;
}
