import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);
export const ROOT = join(import.meta.dirname, '..', '..', '..');
export const TSC = join(ROOT, 'node_modules', '.bin', 'tsc');

export interface Diagnostic {
  file: string;
  line: number;
  code: string;
  message: string;
}

/**
 * Type-checks files as a browser client project would: an ESM package (`"type": "module"`),
 * strict, NodeNext, the DOM library, socket.io-client from this repository's node_modules, no
 * skipLibCheck. Returns every diagnostic; the files are written to a fresh temp folder.
 */
export async function typeCheck(files: Record<string, string>): Promise<Diagnostic[]> {
  const dir = mkdtempSync(join(tmpdir(), 'nestjs-realtime-types-'));
  try {
    symlinkSync(join(ROOT, 'node_modules'), join(dir, 'node_modules'), 'dir');
    writeFileSync(join(dir, 'package.json'), JSON.stringify({ type: 'module', private: true }));
    writeFileSync(
      join(dir, 'tsconfig.json'),
      JSON.stringify({
        compilerOptions: {
          strict: true,
          module: 'NodeNext',
          moduleResolution: 'NodeNext',
          target: 'ES2022',
          lib: ['ES2022', 'DOM'],
          types: [],
          noEmit: true,
          skipLibCheck: false,
        },
        files: Object.keys(files),
      }),
    );
    for (const [name, text] of Object.entries(files)) writeFileSync(join(dir, name), text);
    const result = await run(TSC, ['-p', dir, '--pretty', 'false'], { cwd: dir }).then(
      ({ stdout }) => stdout,
      (error: { stdout?: string; code?: number }) => {
        // tsc exits 2 when it reports errors; anything else is a failure of its own.
        if (error.code !== 2 || !error.stdout) throw error;
        return error.stdout;
      },
    );
    return parseDiagnostics(result);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

function parseDiagnostics(output: string): Diagnostic[] {
  const diagnostics: Diagnostic[] = [];
  for (const line of output.split('\n')) {
    const match = /^(.+?)\((\d+),\d+\): error (TS\d+): (.*)$/.exec(line);
    if (match) {
      diagnostics.push({
        file: match[1],
        line: Number(match[2]),
        code: match[3],
        message: match[4],
      });
    } else if (diagnostics.length > 0 && line.startsWith(' ')) {
      diagnostics[diagnostics.length - 1].message += `\n${line}`;
    }
  }
  return diagnostics;
}

/** The diagnostics of one file, as `TSxxxx: message` lines, for readable failures. */
export function errorsOf(diagnostics: Diagnostic[], file: string): string[] {
  return diagnostics.filter((d) => d.file === file).map((d) => `${d.code}: ${d.message}`);
}
