import { readFileSync } from 'node:fs';
import { join } from 'node:path';

/**
 * The README's user-facing code, as a user copies it: the fenced blocks of the Install, Quick
 * start and Testing sections. A block that is a file names it on its first line
 * (`// file: src/chat.gateway.ts`); a bash block is commands, one a line, where a trailing
 * `# Nest 12` (or `# Nest 11`) limits a line to apps on that Nest major.
 */
export const README_SECTIONS = {
  install: 'Install',
  quickStart: 'Quick start',
  testing: 'Testing your gateways (`nestjs-realtime/testing`)',
} as const;

export type SectionKey = keyof typeof README_SECTIONS;

export interface CodeBlock {
  section: SectionKey;
  lang: string;
  /** The path named by a first-line `// file: <path>` comment. */
  file?: string;
  code: string;
}

export interface Command {
  section: SectionKey;
  /** The command as the README writes it, comments removed. */
  line: string;
  /** The Nest major a trailing `# Nest NN` limits it to. */
  nest?: number;
}

export const README_PATH = join(import.meta.dirname, '..', '..', 'README.md');

export function readReadme(): string {
  return readFileSync(README_PATH, 'utf8');
}

/** The text under `## <heading>`, up to the next level-2 heading. */
export function section(readme: string, heading: string): string {
  const lines = readme.split('\n');
  const start = lines.findIndex((line) => line === `## ${heading}`);
  if (start < 0) throw new Error(`README has no "## ${heading}" section`);
  const end = lines.findIndex((line, i) => i > start && line.startsWith('## '));
  return lines.slice(start + 1, end < 0 ? undefined : end).join('\n');
}

export function codeBlocks(readme: string): CodeBlock[] {
  const blocks: CodeBlock[] = [];
  for (const key of Object.keys(README_SECTIONS) as SectionKey[]) {
    const text = section(readme, README_SECTIONS[key]);
    for (const [, lang, code] of text.matchAll(/^```(\w*)\n([\s\S]*?)^```$/gm)) {
      const file = /^\/\/ file: (\S+)\n/.exec(code)?.[1];
      blocks.push({ section: key, lang, code, ...(file ? { file } : {}) });
    }
  }
  return blocks;
}

/** Every command of the sections' bash blocks, in README order. */
export function commands(readme: string): Command[] {
  return codeBlocks(readme)
    .filter((block) => block.lang === 'bash')
    .flatMap((block) =>
      block.code
        .split('\n')
        .map((raw) => raw.trim())
        .filter((raw) => raw !== '' && !raw.startsWith('#'))
        .map((raw) => {
          const nest = /\s#\s*Nest (\d+)\s*$/.exec(raw);
          const line = raw.replace(/\s+#.*$/, '').trim();
          return { section: block.section, line, ...(nest ? { nest: Number(nest[1]) } : {}) };
        }),
    );
}

/** The files the README's blocks name, for one app. */
export function files(readme: string): Map<string, string> {
  const result = new Map<string, string>();
  for (const block of codeBlocks(readme)) {
    if (!block.file) continue;
    if (block.file.startsWith('/') || block.file.split('/').includes('..')) {
      throw new Error(`README block names a path outside the app: ${block.file}`);
    }
    if (result.has(block.file)) throw new Error(`README names ${block.file} twice`);
    result.set(block.file, block.code);
  }
  return result;
}
