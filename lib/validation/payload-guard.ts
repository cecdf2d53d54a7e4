import { RealtimeErrorCode } from '../errors/error-codes.js';
import { RealtimeException } from '../errors/realtime.exception.js';

/** Keys class-transformer must never copy (prototype pollution). */
export const FORBIDDEN_KEYS: ReadonlySet<string> = new Set([
  '__proto__',
  'constructor',
  'prototype',
]);
const MAX_DEPTH = 32;
const MAX_NODES = 50_000;

function fail(field: string, message: string): never {
  throw new RealtimeException(RealtimeErrorCode.VALIDATION_FAILED, message, {
    details: [{ field, message }],
  });
}

/**
 * Rejects what class-transformer must never see: non-objects, binary, prototype keys (pollution),
 * nesting deep enough to overflow the stack, and payloads over `maxBytes` (PAYLOAD_TOO_LARGE,
 * estimated from keys and values). One iterative walk, no recursion.
 */
export function assertPlainPayload(value: unknown, maxBytes = Infinity): void {
  if (typeof value !== 'object' || value === null || Array.isArray(value) || !isPlain(value)) {
    fail('(payload)', `payload must be an object, got ${kind(value)}`);
  }
  if (isFlatAndSmall(value as Record<string, unknown>, maxBytes)) return;
  const stack: Array<[unknown, string, number]> = [[value, '', 0]];
  let nodes = 0;
  let bytes = 0;
  while (stack.length) {
    const [node, path, depth] = stack.pop()!;
    if (++nodes > MAX_NODES) fail(path || '(payload)', 'payload has too many values');
    bytes += typeof node === 'string' ? node.length + 2 : 8;
    if (bytes > maxBytes) {
      throw new RealtimeException(
        RealtimeErrorCode.PAYLOAD_TOO_LARGE,
        `payload is larger than ${maxBytes} bytes`,
      );
    }
    if (typeof node !== 'object' || node === null) continue;
    if (depth > MAX_DEPTH) fail(path, `payload is nested deeper than ${MAX_DEPTH} levels`);
    if (!Array.isArray(node) && !isPlain(node)) fail(path, 'binary values are not accepted here');
    for (const key of Object.keys(node)) {
      const child = path ? `${path}.${key}` : key;
      bytes += key.length + 3;
      if (FORBIDDEN_KEYS.has(key)) fail(child, `property ${key} is not allowed`);
      stack.push([(node as Record<string, unknown>)[key], child, depth + 1]);
    }
  }
}

/**
 * Most events are one flat object of primitives: the walk's verdict for it, counted the same
 * way, without the walk's tuples and paths. False sends the payload to the walk (which also
 * words the errors).
 */
function isFlatAndSmall(value: Record<string, unknown>, maxBytes: number): boolean {
  const keys = Object.keys(value);
  if (keys.length >= MAX_NODES) return false;
  let bytes = OBJECT_BYTES;
  for (const key of keys) {
    const child = value[key];
    if (typeof child === 'object' && child !== null) return false;
    if (FORBIDDEN_KEYS.has(key)) return false;
    bytes += entryBytes(key, child);
  }
  return bytes <= maxBytes;
}

/** What the size estimate counts for an object itself, and for one key with a primitive value. */
export const OBJECT_BYTES = 8;
export const entryBytes = (key: string, value: unknown): number =>
  key.length + 3 + (typeof value === 'string' ? value.length + 2 : 8);

/** An object literal or `Object.create(null)`: not binary, not a class instance. */
export function isPlain(value: object): boolean {
  const proto = Object.getPrototypeOf(value);
  return proto === Object.prototype || proto === null;
}

function kind(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'an array';
  if (typeof value === 'object') return 'binary data';
  return `a ${typeof value}`;
}
