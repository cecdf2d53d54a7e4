import {
  isObject,
  type JsonObject,
  pointerTokens,
  refOf,
  resolvePointer,
} from './document-refs.js';
import { docComment, type NameRegistry, propertyKey, quote } from './identifiers.js';

const INDENT = '  ';
const LINE_WIDTH = 100;
const COMBINATORS = ['allOf', 'oneOf', 'anyOf'] as const;
/** The keywords that constrain a value's type; a schema with none of them is `unknown`. */
const TYPE_KEYWORDS = new Set([
  '$ref',
  'type',
  'enum',
  'const',
  'properties',
  'additionalProperties',
  'patternProperties',
  'items',
  'prefixItems',
  ...COMBINATORS,
]);

/**
 * TypeScript types for the JSON Schemas of an AsyncAPI document. `components.schemas` become
 * named declarations (interfaces for object schemas, type aliases otherwise), declared only when
 * something reaches them; other schemas are written inline. Objects close over their properties
 * unless `additionalProperties` opens them, so a misspelt field is a compile error.
 */
export class SchemaTypes {
  /** components.schemas key → its type name, claimed up front so names never depend on order. */
  private readonly componentNames = new Map<string, string>();
  /** Inline payloads given a name, by their pointer, so one message shared by channels keeps one. */
  private readonly inlineNames = new Map<string, string>();
  private readonly declarations = new Map<string, string>();
  private readonly pending: Array<{ name: string; schema: unknown }> = [];

  /**
   * @param typeNames a type name for some components.schemas keys (the library's `RealtimeError`
   *   schema is the `RealtimeErrorShape` type, as the server code calls it).
   */
  constructor(
    private readonly document: JsonObject,
    private readonly names: NameRegistry,
    typeNames: Readonly<Record<string, string>> = {},
  ) {
    const components = isObject(document.components) ? document.components : {};
    const schemas = isObject(components.schemas) ? components.schemas : {};
    const keys = Object.keys(schemas).sort();
    // Renamed ones first, so that they get the name they ask for.
    for (const key of keys.filter((k) => Object.hasOwn(typeNames, k))) {
      this.componentNames.set(key, names.claim(typeNames[key]));
    }
    for (const key of keys.filter((k) => !Object.hasOwn(typeNames, k))) {
      this.componentNames.set(key, names.claim(key, 'Schema'));
    }
  }

  /**
   * The type of a message payload (or an ack result): the name of the component schema it
   * references, a primitive written inline, or else a new declaration named `preferred`.
   */
  payloadType(payload: unknown, pointer: string | undefined, preferred: string): string {
    const schema = schemaOfPayload(payload);
    const ref = refOf(schema);
    if (ref !== undefined && this.componentKey(ref) !== undefined) return this.typeOf(schema, '');
    const cached = pointer === undefined ? undefined : this.inlineNames.get(pointer);
    if (cached !== undefined) return cached;
    const target = ref === undefined ? schema : resolvePointer(this.document, ref);
    if (!needsName(target)) return this.typeOf(schema, '');
    const name = this.names.claim(preferred);
    if (pointer !== undefined) this.inlineNames.set(pointer, name);
    this.declare(name, target);
    return name;
  }

  /** Whether a payload says nothing of its value (`{}`): its type is `unknown`. */
  isOpen(payload: unknown): boolean {
    const schema = schemaOfPayload(payload);
    if (schema === undefined || schema === true) return true;
    return isObject(schema) && !Object.keys(schema).some((key) => TYPE_KEYWORDS.has(key));
  }

  /** Every declaration reached so far, sorted by name. */
  source(): string {
    this.drain();
    return [...this.declarations.keys()]
      .sort()
      .map((name) => this.declarations.get(name)!)
      .join('\n\n');
  }

  /** The type expression of a schema; `indent` is the indentation of the line it starts on. */
  typeOf(schema: unknown, indent: string, refs: ReadonlySet<string> = new Set()): string {
    if (schema === true || schema === undefined) return 'unknown';
    if (schema === false) return 'never';
    if (!isObject(schema)) return 'unknown';

    // allOf first: a DTO extending a base reads `Base & { ... }`.
    const parts = Array.isArray(schema.allOf)
      ? schema.allOf.map((member) => this.typeOf(member, indent, refs))
      : [];
    const ref = refOf(schema);
    if (ref !== undefined) {
      parts.push(this.refType(ref, indent, refs));
    } else if (Object.hasOwn(schema, 'const')) {
      parts.push(literal(schema.const));
    } else if (Array.isArray(schema.enum)) {
      parts.push(union(schema.enum.map(literal)));
    } else {
      const structural = this.structuralType(schema, indent, refs);
      if (structural !== undefined) parts.push(structural);
    }
    for (const key of ['oneOf', 'anyOf'] as const) {
      const members = schema[key];
      if (Array.isArray(members)) {
        parts.push(union(members.map((member) => this.typeOf(member, indent, refs))));
      }
    }
    const type = intersection(parts);
    return schema.nullable === true ? union([type, 'null']) : type;
  }

  private refType(ref: string, indent: string, refs: ReadonlySet<string>): string {
    const key = this.componentKey(ref);
    if (key !== undefined) {
      const name = this.componentNames.get(key)!;
      if (!this.declarations.has(name) && !this.pending.some((item) => item.name === name)) {
        this.pending.push({ name, schema: resolvePointer(this.document, ref) });
      }
      return name;
    }
    // A pointer into another schema: written inline, `unknown` where it would recurse forever.
    if (refs.has(ref)) return 'unknown';
    return this.typeOf(resolvePointer(this.document, ref), indent, new Set([...refs, ref]));
  }

  private componentKey(ref: string): string | undefined {
    const tokens = pointerTokens(ref);
    const isComponent =
      tokens.length === 3 && tokens[0] === 'components' && tokens[1] === 'schemas';
    return isComponent && this.componentNames.has(tokens[2]) ? tokens[2] : undefined;
  }

  /** The type from `type` (or what `properties` and `items` imply), undefined when none. */
  private structuralType(
    schema: JsonObject,
    indent: string,
    refs: ReadonlySet<string>,
  ): string | undefined {
    const declared = Array.isArray(schema.type)
      ? schema.type.filter((type): type is string => typeof type === 'string')
      : typeof schema.type === 'string'
        ? [schema.type]
        : [];
    const types =
      declared.length > 0
        ? declared
        : isObject(schema.properties) || schema.additionalProperties !== undefined
          ? ['object']
          : schema.items !== undefined || Array.isArray(schema.prefixItems)
            ? ['array']
            : [];
    if (types.length === 0) return undefined;
    const hasCombinator = COMBINATORS.some((key) => Array.isArray(schema[key]));
    return union(
      types.flatMap((type) => {
        switch (type) {
          case 'string':
            return ['string'];
          case 'number':
          case 'integer':
            return ['number'];
          case 'boolean':
            return ['boolean'];
          case 'null':
            return ['null'];
          case 'array':
            return [this.arrayType(schema, indent, refs)];
          case 'object': {
            // `type: object` beside allOf/oneOf only says "an object": the members describe it.
            const bare = !isObject(schema.properties) && schema.additionalProperties === undefined;
            return bare && hasCombinator ? [] : [this.objectType(schema, indent, refs)];
          }
          default:
            return ['unknown'];
        }
      }),
    );
  }

  private arrayType(schema: JsonObject, indent: string, refs: ReadonlySet<string>): string {
    const tuple = Array.isArray(schema.prefixItems)
      ? schema.prefixItems
      : Array.isArray(schema.items)
        ? schema.items
        : undefined;
    if (tuple !== undefined) {
      return `[${tuple.map((item) => this.typeOf(item, indent, refs)).join(', ')}]`;
    }
    const item = this.typeOf(schema.items, indent, refs);
    return hasTopLevelOperator(item) ? `(${item})[]` : `${item}[]`;
  }

  private objectType(schema: JsonObject, indent: string, refs: ReadonlySet<string>): string {
    const properties = isObject(schema.properties) ? Object.entries(schema.properties) : [];
    const required = new Set(
      Array.isArray(schema.required) ? schema.required.filter((k) => typeof k === 'string') : [],
    );
    const additional = schema.additionalProperties;
    const open = additional === true || isObject(additional) || isObject(schema.patternProperties);
    if (properties.length === 0) {
      if (additional === false) return '{ [key: string]: never }';
      const value = isObject(additional) ? this.typeOf(additional, indent, refs) : 'unknown';
      return `{ [key: string]: ${value} }`;
    }
    const inner = indent + INDENT;
    const lines = ['{'];
    for (const [name, property] of properties) {
      lines.push(...propertyDoc(property, inner));
      const key = `${propertyKey(name)}${required.has(name) ? '' : '?'}`;
      lines.push(...member(inner, `${key}:`, this.typeOf(property, inner, refs)));
    }
    // The index signature must admit the named properties' types too, so it stays `unknown`.
    if (open) lines.push(`${inner}[key: string]: unknown;`);
    lines.push(`${indent}}`);
    return lines.join('\n');
  }

  private declare(name: string, schema: unknown): void {
    const doc = isObject(schema) ? schemaDoc(schema, '') : [];
    const body = isInterface(schema)
      ? [`export interface ${name} ${this.objectType(schema, '', new Set())}`]
      : member('', `export type ${name} =`, this.typeOf(schema, ''));
    this.declarations.set(name, [...doc, ...body].join('\n'));
  }

  private drain(): void {
    for (let item = this.pending.shift(); item !== undefined; item = this.pending.shift()) {
      if (!this.declarations.has(item.name)) this.declare(item.name, item.schema);
    }
  }
}

/** An AsyncAPI 3 payload is a schema or a Multi Format Schema Object (`{ schemaFormat, schema }`). */
function schemaOfPayload(payload: unknown): unknown {
  if (isObject(payload) && typeof payload.schemaFormat === 'string' && 'schema' in payload) {
    return payload.schema;
  }
  return payload;
}

/** An object schema with nothing but properties: declared as an interface. */
function isInterface(schema: unknown): schema is JsonObject {
  if (!isObject(schema) || refOf(schema) !== undefined) return false;
  if (COMBINATORS.some((key) => key in schema) || 'enum' in schema || 'const' in schema) {
    return false;
  }
  if (schema.nullable === true) return false;
  return (
    (schema.type === 'object' || schema.type === undefined) &&
    isObject(schema.properties) &&
    Object.keys(schema.properties).length > 0
  );
}

/** A payload written inline (a string, a union of literals) needs no name; an object does. */
function needsName(schema: unknown): boolean {
  if (!isObject(schema)) return false;
  if (isObject(schema.properties) || COMBINATORS.some((key) => key in schema)) return true;
  return schema.type === 'object' || schema.items !== undefined;
}

function schemaDoc(schema: JsonObject, indent: string): string[] {
  const lines: string[] = [];
  if (typeof schema.description === 'string' && schema.description.trim() !== '') {
    lines.push(schema.description.trim());
  }
  if (schema.deprecated === true) lines.push('@deprecated');
  return lines.length === 0 ? [] : docComment(lines.join('\n'), indent);
}

function propertyDoc(property: unknown, indent: string): string[] {
  return isObject(property) ? schemaDoc(property, indent) : [];
}

function literal(value: unknown): string {
  if (typeof value === 'string') return quote(value);
  if (typeof value === 'number' && Number.isFinite(value)) return String(value);
  if (typeof value === 'boolean' || value === null) return String(value);
  return 'unknown';
}

export function union(members: string[]): string {
  const unique = [...new Set(members)].filter((member) => member !== 'never');
  if (unique.includes('unknown')) return 'unknown';
  if (unique.length === 0) return 'never';
  return unique.join(' | ');
}

function intersection(parts: string[]): string {
  const unique = [...new Set(parts)].filter((part) => part !== 'unknown');
  if (unique.length === 0) return 'unknown';
  if (unique.includes('never')) return 'never';
  if (unique.length === 1) return unique[0];
  return unique.map((part) => (hasTopLevelOperator(part) ? `(${part})` : part)).join(' & ');
}

/**
 * `key: type;` (or `export type X = type;`), a long union written one member a line, as Prettier
 * writes it.
 */
function member(indent: string, head: string, type: string): string[] {
  const line = `${indent}${head} ${type};`;
  if (line.length <= LINE_WIDTH || type.includes('\n')) return [line];
  const members = splitTopLevel(type, '|');
  if (members.length < 2) return [line];
  const last = members.length - 1;
  return [
    `${indent}${head}`,
    ...members.map((m, i) => `${indent}${INDENT}| ${m}${i === last ? ';' : ''}`),
  ];
}

/** The parts of a type expression between top-level `separator`s. */
function splitTopLevel(type: string, separator: '|' | '&'): string[] {
  const parts: string[] = [];
  let start = 0;
  scan(type, (i) => {
    if (type[i] === separator) {
      parts.push(type.slice(start, i).trim());
      start = i + 1;
    }
    return false;
  });
  parts.push(type.slice(start).trim());
  return parts;
}

/** Whether a type expression has a `|` or `&` outside brackets and string literals. */
function hasTopLevelOperator(type: string): boolean {
  return scan(type, (i) => type[i] === '|' || type[i] === '&');
}

/**
 * Calls `visit` with the index of each character outside brackets and string literals, until it
 * returns true; returns whether it did.
 */
function scan(type: string, visit: (index: number) => boolean): boolean {
  let depth = 0;
  let inString = false;
  for (let i = 0; i < type.length; i++) {
    const char = type[i];
    if (inString) {
      if (char === '\\') i++;
      else if (char === "'") inString = false;
    } else if (char === "'") inString = true;
    else if ('([{<'.includes(char)) depth++;
    else if (')]}>'.includes(char)) depth--;
    else if (depth === 0 && visit(i)) return true;
  }
  return false;
}
