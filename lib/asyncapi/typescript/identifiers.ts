/** Names in the generated TypeScript: valid, stable and unique. */

const IDENTIFIER = /^[A-Za-z_$][A-Za-z0-9_$]*$/;

/** `send_message` → `SendMessage`, `/chat/v1` → `ChatV1`, `SendMessageDto` unchanged. */
export function pascalCase(text: string): string {
  const words = text.split(/[^A-Za-z0-9]+/).filter((word) => word !== '');
  const joined = words.map((word) => word[0].toUpperCase() + word.slice(1)).join('');
  if (joined === '') return '';
  return /^[0-9]/.test(joined) ? `T${joined}` : joined;
}

/** A property or event key as written in an interface: bare when it can be, else quoted. */
export function propertyKey(name: string): string {
  return IDENTIFIER.test(name) ? name : quote(name);
}

/** A string literal in single quotes. */
export function quote(text: string): string {
  const escaped = JSON.stringify(text).slice(1, -1).replace(/\\"/g, '"').replace(/'/g, "\\'");
  return `'${escaped}'`;
}

/** The text of a doc comment, safe to place between `/**` and `*\/`. */
export function docComment(text: string, indent: string): string[] {
  const lines = text
    .replace(/\*\//g, '*\\/')
    .trim()
    .split(/\r?\n/)
    .map((line) => line.trimEnd());
  if (lines.length === 1) return [`${indent}/** ${lines[0]} */`];
  return [
    `${indent}/**`,
    ...lines.map((line) => (line ? `${indent} * ${line}` : `${indent} *`)),
    `${indent} */`,
  ];
}

/** Hands out type names: the first claim of a name gets it, later ones a numbered variant. */
export class NameRegistry {
  private readonly taken = new Set<string>();

  claim(preferred: string, fallback = 'Anonymous'): string {
    const base = pascalCase(preferred) || fallback;
    let name = base;
    for (let n = 2; this.taken.has(name); n++) name = `${base}${n}`;
    this.taken.add(name);
    return name;
  }
}
