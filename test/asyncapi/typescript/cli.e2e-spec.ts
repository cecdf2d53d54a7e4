import { execFile } from 'node:child_process';
import {
  cpSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import type { INestApplicationContext } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { parse as parseYaml } from 'yaml';
import { generateClientTypes } from '../../../lib/index.js';
import { ROOT, TSC } from './tsc.js';
import { AppModule } from './typed-app.js';

/**
 * `nestjs-realtime types` as a user runs it: the package built with its tsconfig.build.json into
 * a temp node_modules (package.json as published, `bin` and all), the typed app compiled there
 * by tsc as its own ESM project importing `nestjs-realtime`, and the CLI run with node in the
 * app's folder.
 */
const run = promisify(execFile);
const pkg = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as {
  bin: Record<string, string>;
};

interface Result {
  code: number;
  stdout: string;
  stderr: string;
}

let work: string;
let appDir: string;
let cli: string;

/** Runs the package's bin in the app's folder, without the test runner's NODE_OPTIONS. */
async function nestjsRealtime(...args: string[]): Promise<Result> {
  const env = { ...process.env };
  delete env.NODE_OPTIONS;
  return run(process.execPath, [cli, ...args], { cwd: appDir, env }).then(
    ({ stdout, stderr }) => ({ code: 0, stdout, stderr }),
    (error: { code?: number; stdout?: string; stderr?: string }) => {
      if (typeof error.code !== 'number') throw error;
      return { code: error.code, stdout: error.stdout ?? '', stderr: error.stderr ?? '' };
    },
  );
}

async function tsc(args: string[], cwd: string): Promise<void> {
  await run(TSC, args, { cwd }).catch((error: { stdout?: string; message: string }) => {
    throw new Error(`tsc ${args.join(' ')} failed:\n${error.stdout ?? error.message}`);
  });
}

beforeAll(async () => {
  work = mkdtempSync(join(tmpdir(), 'nestjs-realtime-cli-'));
  const modules = join(work, 'node_modules');
  const packageDir = join(modules, 'nestjs-realtime');
  mkdirSync(packageDir, { recursive: true });
  for (const name of readdirSync(join(ROOT, 'node_modules'))) {
    if (name === 'nestjs-realtime') continue;
    symlinkSync(join(ROOT, 'node_modules', name), join(modules, name));
  }
  cpSync(join(ROOT, 'package.json'), join(packageDir, 'package.json'));
  const dist = join(packageDir, 'dist');
  await tsc(
    ['-p', join(ROOT, 'tsconfig.build.json'), '--outDir', dist, '--sourceMap', 'false'],
    ROOT,
  );
  cli = join(packageDir, pkg.bin['nestjs-realtime']);

  appDir = join(work, 'app');
  mkdirSync(join(appDir, 'src'), { recursive: true });
  writeFileSync(join(appDir, 'package.json'), JSON.stringify({ type: 'module', private: true }));
  writeFileSync(
    join(appDir, 'tsconfig.json'),
    JSON.stringify({
      compilerOptions: {
        module: 'NodeNext',
        moduleResolution: 'NodeNext',
        target: 'ES2022',
        strict: true,
        experimentalDecorators: true,
        emitDecoratorMetadata: true,
        skipLibCheck: true,
        types: ['node'],
        rootDir: 'src',
        outDir: 'dist',
      },
      include: ['src'],
    }),
  );
  const app = readFileSync(join(import.meta.dirname, 'typed-app.ts'), 'utf8');
  writeFileSync(
    join(appDir, 'src', 'app.module.ts'),
    app.replace("from '../../../lib/index.js'", "from 'nestjs-realtime'"),
  );
  await tsc(['-p', appDir], appDir);
}, 180_000);

afterAll(() => {
  if (work) rmSync(work, { recursive: true, force: true });
});

describe('the nestjs-realtime CLI, built', () => {
  it('is the package bin, a node script', () => {
    expect(pkg.bin).toEqual({ 'nestjs-realtime': './dist/cli.js' });
    expect(readFileSync(cli, 'utf8').split('\n')[0]).toBe('#!/usr/bin/env node');
  });

  it('types --app dist/app.module.js --out src/realtime.d.ts writes what generateClientTypes returns', async () => {
    const result = await nestjsRealtime(
      'types',
      '--app',
      'dist/app.module.js',
      '--out',
      'src/realtime.d.ts',
    );
    expect(result).toEqual({
      code: 0,
      stdout: '',
      stderr: 'Wrote the client types of dist/app.module.js#AppModule to src/realtime.d.ts\n',
    });
    let app: INestApplicationContext | undefined;
    let expected: string;
    try {
      app = await NestFactory.createApplicationContext(AppModule, { logger: false });
      expected = await generateClientTypes(app);
    } finally {
      await app?.close();
    }
    expect(readFileSync(join(appDir, 'src', 'realtime.d.ts'), 'utf8')).toBe(expected);
  }, 60_000);

  it('prints the types without --out; --namespace picks one; --asyncapi also writes the document', async () => {
    const result = await nestjsRealtime(
      'types',
      '--app',
      'dist/app.module.js#typedAppModule',
      '--namespace',
      '/chat',
      '--asyncapi',
      'docs/asyncapi.json',
    );
    expect(result.code).toBe(0);
    expect(result.stdout).toMatch(/^\/\/ Generated by nestjs-realtime/);
    expect(result.stdout).toMatch(/^export interface ClientToServerEvents \{$/m);
    expect(result.stdout).toContain('    payload: SendMessageDto,\n');
    expect(result.stdout).not.toContain('mark_read');
    expect(result.stderr).toBe('Wrote the AsyncAPI document to docs/asyncapi.json\n');
    const document = JSON.parse(readFileSync(join(appDir, 'docs', 'asyncapi.json'), 'utf8'));
    expect(document.asyncapi).toBe('3.0.0');
    expect(Object.values(document.channels).map((c) => (c as { address: string }).address)).toEqual(
      ['/chat', '/notifications'],
    );
  }, 30_000);

  it('asyncapi --out asyncapi.yaml writes the document as YAML', async () => {
    const result = await nestjsRealtime(
      'asyncapi',
      '--app',
      'dist/app.module.js',
      '--out',
      'asyncapi.yaml',
    );
    expect(result).toMatchObject({ code: 0, stdout: '' });
    const document = parseYaml(readFileSync(join(appDir, 'asyncapi.yaml'), 'utf8'));
    expect(document.asyncapi).toBe('3.0.0');
    expect(Object.keys(document.operations)).toContain('chat_send_message_receive');
  }, 30_000);

  it('--help prints the usage and exits 0', async () => {
    const result = await nestjsRealtime('--help');
    expect(result.code).toBe(0);
    expect(result.stdout).toMatch(/^Usage: nestjs-realtime <command> --app <file>\[#Export\]/);
    expect(result.stdout).toContain(
      'npx nestjs-realtime types --app dist/app.module.js --out src/realtime.d.ts',
    );
  });

  it('exits 1 naming the file when --app points at nothing', async () => {
    const result = await nestjsRealtime('types', '--app', 'dist/missing.module.js');
    expect(result.code).toBe(1);
    expect(result.stdout).toBe('');
    expect(result.stderr).toBe(
      `nestjs-realtime: --app: no file at ${join(appDir, 'dist', 'missing.module.js')}. Build the app first, then point at its module.\n`,
    );
  });

  it('exits 1 listing the exports when the export is missing', async () => {
    const result = await nestjsRealtime('types', '--app', 'dist/app.module.js#ChatModule');
    expect(result.code).toBe(1);
    expect(result.stderr).toMatch(
      /^nestjs-realtime: --app: dist\/app\.module\.js has no export "ChatModule" \(its exports: [^)]*\bAppModule\b[^)]*\)\. Name the module's export with --app dist\/app\.module\.js#ExportName\.\n$/,
    );
  });

  it('exits 1 when the app does not import RealtimeModule', async () => {
    const result = await nestjsRealtime('types', '--app', 'dist/app.module.js#PlainModule');
    expect(result.code).toBe(1);
    expect(result.stderr).toMatch(
      /^nestjs-realtime: dist\/app\.module\.js#PlainModule does not import RealtimeModule \(RealtimeModule\.forRoot\(\) or forRootAsync\(\)\)/,
    );
    expect(existsSync(join(appDir, 'realtime.d.ts'))).toBe(false);
  });

  it('exits 1 on an export that is not a module, a TypeScript file, or an unknown namespace', async () => {
    const notModule = await nestjsRealtime('types', '--app', 'dist/app.module.js#TYPED_APP_SECRET');
    expect(notModule.code).toBe(1);
    expect(notModule.stderr).toContain(
      'the export "TYPED_APP_SECRET" of dist/app.module.js is not a Nest module',
    );
    const source = await nestjsRealtime('types', '--app', 'src/app.module.ts');
    expect(source.code).toBe(1);
    expect(source.stderr).toContain('src/app.module.ts is TypeScript; build the app');
    const namespace = await nestjsRealtime(
      'types',
      '--app',
      'dist/app.module.js',
      '--namespace',
      '/nope',
    );
    expect(namespace.code).toBe(1);
    expect(namespace.stderr).toBe(
      'nestjs-realtime: The AsyncAPI document has no namespace "/nope"; its namespaces: /chat, /notifications\n',
    );
  }, 30_000);

  it('exits 2 with the usage on an unknown command or option, or without --app', async () => {
    for (const args of [
      ['typez', '--app', 'x.js'],
      ['types', '--app', 'x.js', '--outt', 'y'],
      ['types'],
    ]) {
      const result = await nestjsRealtime(...args);
      expect({ args, code: result.code }).toEqual({ args, code: 2 });
      expect(result.stderr).toContain('Usage: nestjs-realtime <command>');
    }
  });
});
