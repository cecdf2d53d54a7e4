/** Local `$ref`s of an AsyncAPI document (`#/components/schemas/X`), resolved by JSON Pointer. */

export type JsonObject = { [key: string]: unknown };

export function isObject(value: unknown): value is JsonObject {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

export function refOf(value: unknown): string | undefined {
  return isObject(value) && typeof value.$ref === 'string' ? value.$ref : undefined;
}

/** `#/components/schemas/A~1B` → `['components', 'schemas', 'A/B']`. */
export function pointerTokens(ref: string): string[] {
  if (!ref.startsWith('#')) {
    throw new Error(`Only local $refs are supported in the AsyncAPI document, not "${ref}"`);
  }
  const pointer = decodeURIComponent(ref.slice(1));
  if (pointer === '') return [];
  if (!pointer.startsWith('/')) throw new Error(`Invalid $ref "${ref}"`);
  return pointer
    .slice(1)
    .split('/')
    .map((token) => token.replace(/~1/g, '/').replace(/~0/g, '~'));
}

/** The value at a local `$ref`; throws naming the reference when nothing is there. */
export function resolvePointer(document: JsonObject, ref: string): unknown {
  let current: unknown = document;
  for (const token of pointerTokens(ref)) {
    if (Array.isArray(current) && /^\d+$/.test(token)) current = current[Number(token)];
    else if (isObject(current) && Object.hasOwn(current, token)) current = current[token];
    else throw new Error(`The AsyncAPI document has nothing at $ref "${ref}"`);
  }
  return current;
}

/**
 * Follows a chain of `$ref`s (a channel's message referencing a component message) to the object
 * at its end, with the pointer of that object.
 */
export function dereference(
  document: JsonObject,
  value: unknown,
  pointer?: string,
): { value: unknown; pointer?: string } {
  const seen = new Set<string>();
  let current = value;
  let at = pointer;
  for (let ref = refOf(current); ref !== undefined; ref = refOf(current)) {
    if (seen.has(ref)) throw new Error(`The AsyncAPI document has a $ref cycle at "${ref}"`);
    seen.add(ref);
    current = resolvePointer(document, ref);
    at = ref;
  }
  return { value: current, pointer: at };
}
