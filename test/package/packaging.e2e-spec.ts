import { execFile, spawn, type ChildProcess } from 'node:child_process';
import {
  cpSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { promisify } from 'node:util';
import { io } from 'socket.io-client';
import { ask, connected } from '../kit/events.js';
import { signToken } from '../kit/tokens.js';
import { commands, files, readReadme } from './readme.js';

/**
 * The packed library in fresh host apps, set up as this README tells a user: each host starts as
 * its Nest major's starter would generate it (its package.json dependencies and its exact
 * tsconfig, with `skipLibCheck: false`), then runs the README's Install, Quick start and Testing
 * commands (the tarball standing for `nestjs-realtime`), gets the README's files written, builds
 * with tsc, boots, serves a socket.io client, and runs the Testing section's test with the
 * README's runner set-up. A README change that breaks a snippet fails here.
 */
const run = promisify(execFile);
const root = join(import.meta.dirname, '..', '..');
const readme = readReadme();

interface Host {
  name: string;
  nest: number;
  packageJson: Record<string, unknown>;
  /** The starter's tsconfig.json, as generated, with skipLibCheck turned off. */
  tsconfig: Record<string, unknown>;
  tsconfigBuild: Record<string, unknown>;
  /** Extra arguments of the build's tsc. */
  buildArgs: string[];
  /** More tsconfigs the host's sources must type-check under. */
  alsoTypecheck: Record<string, Record<string, unknown>>;
}

/**
 * Nest 12's CLI (`nest new`, ESM, @nestjs/schematics 12 `ts-esm` template) with `--strict`. Its
 * `types` are `["jest", "node"]` instead of `["vitest/globals", "node"]`, as the README's Testing
 * section says for Jest.
 */
const NEST12_ESM: Host = {
  name: 'nest12-esm',
  nest: 12,
  packageJson: {
    name: 'nest12-esm',
    private: true,
    type: 'module',
    dependencies: {
      '@nestjs/common': '^12.0.0',
      '@nestjs/core': '^12.0.0',
      '@nestjs/platform-express': '^12.0.0',
      'reflect-metadata': '^0.2.2',
      rxjs: '^7.8.1',
    },
    devDependencies: { '@types/node': '^24.0.0', typescript: '^6.0.2' },
  },
  tsconfig: {
    compilerOptions: {
      module: 'nodenext',
      moduleResolution: 'nodenext',
      resolvePackageJsonExports: true,
      esModuleInterop: true,
      isolatedModules: true,
      declaration: true,
      removeComments: true,
      emitDecoratorMetadata: true,
      experimentalDecorators: true,
      allowSyntheticDefaultImports: true,
      target: 'ES2023',
      sourceMap: true,
      outDir: './dist',
      incremental: true,
      skipLibCheck: false,
      strict: true,
      strictPropertyInitialization: false,
      types: ['jest', 'node'],
    },
  },
  tsconfigBuild: {
    extends: './tsconfig.json',
    include: ['src'],
    exclude: ['node_modules', 'test', 'dist', '**/*spec.ts'],
  },
  // TypeScript 6 wants rootDir spelled out (TS5011) where the starter leaves it implicit.
  buildArgs: ['--rootDir', './src'],
  alsoTypecheck: {},
};

/**
 * Nest 11's CLI (`nest new`, @nestjs/schematics 11.0.0-11.0.5 `ts` template, also the tsconfig of
 * every Nest 11 app made before mid-2025): `"module": "commonjs"`, so moduleResolution node10.
 * Later 11.x templates (11.0.6+) switched to `nodenext`: the sources must type-check there too.
 */
const NEST11_CJS_BASE = {
  declaration: true,
  removeComments: true,
  emitDecoratorMetadata: true,
  experimentalDecorators: true,
  allowSyntheticDefaultImports: true,
  target: 'ES2023',
  sourceMap: true,
  outDir: './dist',
  baseUrl: './',
  incremental: true,
  skipLibCheck: false,
  strictNullChecks: true,
  forceConsistentCasingInFileNames: true,
  noImplicitAny: false,
  strictBindCallApply: false,
  noFallthroughCasesInSwitch: false,
};
const NEST11_CJS: Host = {
  name: 'nest11-cjs',
  nest: 11,
  packageJson: {
    name: 'nest11-cjs',
    private: true,
    dependencies: {
      '@nestjs/common': '^11.0.1',
      '@nestjs/core': '^11.0.1',
      '@nestjs/platform-express': '^11.0.1',
      'reflect-metadata': '^0.2.2',
      rxjs: '^7.8.1',
    },
    devDependencies: { '@types/node': '^22.10.7', typescript: '^5.7.3' },
  },
  tsconfig: { compilerOptions: { module: 'commonjs', ...NEST11_CJS_BASE } },
  tsconfigBuild: {
    extends: './tsconfig.json',
    exclude: ['node_modules', 'test', 'dist', '**/*spec.ts'],
  },
  buildArgs: [],
  alsoTypecheck: {
    'tsconfig.nodenext.json': {
      compilerOptions: {
        module: 'nodenext',
        moduleResolution: 'nodenext',
        resolvePackageJsonExports: true,
        esModuleInterop: true,
        isolatedModules: true,
        ...NEST11_CJS_BASE,
        incremental: false,
      },
    },
  },
};

const ALL_HOSTS = [NEST12_ESM, NEST11_CJS];
/** `PACKAGING_HOSTS=nest11-cjs` runs one host (npm run test:nest11). */
const only = process.env.PACKAGING_HOSTS?.split(',');
const HOSTS = only ? ALL_HOSTS.filter((host) => only.includes(host.name)) : ALL_HOSTS;

/** The environment of a host's commands: the outer Jest's Node options and secret do not leak. */
function hostEnv(extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...process.env, ...extra };
  delete env.NODE_OPTIONS;
  delete env.JWT_SECRET;
  delete env.JEST_WORKER_ID;
  return env;
}

async function sh(line: string, cwd: string, env = hostEnv()): Promise<string> {
  try {
    const { stdout, stderr } = await run('bash', ['-c', line], {
      cwd,
      env,
      maxBuffer: 32 * 1024 * 1024,
    });
    return stdout + stderr;
  } catch (error) {
    const { stdout = '', stderr = '' } = error as { stdout?: string; stderr?: string };
    throw new Error(`"${line}" failed in ${cwd}:\n${stdout}\n${stderr}`);
  }
}

/** The README's commands for a host: setup ones (every npm install, Quick start's), or the rest. */
function hostCommands(host: Host, phase: 'setup' | 'test'): string[] {
  return commands(readme)
    .filter((command) => command.nest === undefined || command.nest === host.nest)
    .filter((command) => {
      const setup = command.section !== 'testing' || /^npm install\b/.test(command.line);
      return phase === 'setup' ? setup : !setup;
    })
    .map((command) => command.line);
}

const timings: string[] = [];

async function timed<T>(label: string, work: () => Promise<T>): Promise<T> {
  const started = Date.now();
  try {
    return await work();
  } finally {
    timings.push(`${label}: ${((Date.now() - started) / 1000).toFixed(1)} s`);
  }
}

async function setUp(host: Host, tarball: string, dir: string): Promise<void> {
  mkdirSync(dir, { recursive: true });
  const json = (path: string, value: unknown) =>
    writeFileSync(join(dir, path), JSON.stringify(value, null, 2) + '\n');
  json('package.json', host.packageJson);
  json('tsconfig.json', host.tsconfig);
  json('tsconfig.build.json', host.tsconfigBuild);
  for (const [path, config] of Object.entries(host.alsoTypecheck)) json(path, config);
  for (const [path, code] of files(readme)) {
    mkdirSync(dirname(join(dir, path)), { recursive: true });
    writeFileSync(join(dir, path), code);
  }
  for (const [path, code] of Object.entries(EXTRAS)) writeFileSync(join(dir, path), code);
  for (const line of hostCommands(host, 'setup')) {
    const command = /^npm install\b/.test(line)
      ? line.replace(/(^|\s)nestjs-realtime(?=\s|$)/, `$1${tarball}`) +
        ' --no-audit --no-fund --prefer-offline --loglevel=error'
      : line;
    await timed(`${host.name} ${line.slice(0, 60)}`, () => sh(command, dir));
  }
  // The optional peers of the event contract and the console (not the AsyncAPI page's).
  await timed(`${host.name} npm install the optional peers`, () =>
    sh(
      'npm install class-validator-jsonschema@^5 @socket.io/admin-ui@^0.5 --no-audit --no-fund --prefer-offline --loglevel=error',
      dir,
    ),
  );
}

/**
 * Beyond the README's Quick start: the same gateway with the AsyncAPI document served and the
 * operator console on, so both are built, type-checked and run on each Nest major.
 */
const EXTRAS: Record<string, string> = {
  'src/extras.module.ts': `import { Module } from '@nestjs/common';
import { RealtimeModule } from 'nestjs-realtime';
import { ChatGateway } from './chat.gateway.js';

@Module({
  imports: [
    RealtimeModule.forRoot({
      auth: { secret: process.env.EXTRAS_SECRET ?? '' },
      asyncapi: { enabled: true, title: 'host app', version: '2.0.0' },
      admin: { auth: { username: 'ops', password: process.env.ADMIN_HASH ?? '' } },
    }),
  ],
  providers: [ChatGateway],
})
export class ExtrasModule {}
`,
  'src/extras.main.ts': `import { NestFactory } from '@nestjs/core';
import { createRedisIoAdapter } from 'nestjs-realtime';
import { ExtrasModule } from './extras.module.js';

async function bootstrap() {
  const app = await NestFactory.create(ExtrasModule);
  app.useWebSocketAdapter(await createRedisIoAdapter(app));
  await app.listen(process.env.PORT ?? 3000);
}
void bootstrap();
`,
};

const EXTRAS_SECRET = 'a-host-secret-of-at-least-32-bytes-long';
/** bcrypt of "ops-password" (cost 4: a test). */
const ADMIN_HASH = '$2a$04$GkrMOHKb6htTooPa6B6UBOWnPLvtMzL0GZlxgAtW.GBL70qrNvvlO';

/**
 * The Install section's order leaves @nestjs/platform-socket.io's own socket.io the only copy.
 * An app can still end up with two (npm installing a newer socket.io for the library's peer when
 * both come in one command): a copy under another version is what TypeScript then sees as a
 * second, unrelated package. The build and the type-checks run with that second copy in place.
 */
async function withSecondSocketIo<T>(dir: string, work: () => Promise<T>): Promise<T> {
  const nested = join(dir, 'node_modules', '@nestjs', 'platform-socket.io', 'node_modules');
  expect(existsSync(join(nested, 'socket.io'))).toBe(false);
  const second = join(nested, 'socket.io');
  cpSync(join(dir, 'node_modules', 'socket.io'), second, { recursive: true });
  const manifest = JSON.parse(readFileSync(join(second, 'package.json'), 'utf8'));
  writeFileSync(
    join(second, 'package.json'),
    JSON.stringify({ ...manifest, version: `${manifest.version}-second-copy` }),
  );
  try {
    return await work();
  } finally {
    rmSync(nested, { recursive: true, force: true });
  }
}

/**
 * The whole app (src/ and the Testing section's test) type-checked under the starter's
 * tsconfig(s), then the starter's build (tsconfig.build.json: the same options, src/ only),
 * emitted with --noCheck since those files were just checked: each host checks its code once.
 */
async function compile(host: Host, dir: string): Promise<void> {
  const tsc = 'node_modules/.bin/tsc';
  await withSecondSocketIo(dir, async () => {
    for (const path of ['tsconfig.json', ...Object.keys(host.alsoTypecheck)]) {
      await timed(`${host.name} tsc -p ${path} --noEmit`, () =>
        sh(`${tsc} -p ${path} --noEmit`, dir),
      );
    }
  });
  await timed(`${host.name} tsc build`, () =>
    sh([tsc, '-p', 'tsconfig.build.json', '--noCheck', ...host.buildArgs].join(' '), dir),
  );
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}

async function boot(
  dir: string,
  entry = 'dist/main.js',
  env: Record<string, string> = {},
): Promise<{ child: ChildProcess; port: number; output: () => string }> {
  const port = await freePort();
  const child = spawn(process.execPath, [entry], {
    cwd: dir,
    env: hostEnv({ ...env, PORT: String(port) }),
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  return new Promise((resolve, reject) => {
    let output = '';
    const onData = (chunk: Buffer) => {
      output += chunk.toString();
      if (output.includes('Nest application successfully started')) {
        resolve({ child, port, output: () => output });
      }
    };
    child.stdout!.on('data', onData);
    child.stderr!.on('data', onData);
    child.once('exit', (code) => reject(new Error(`host exited with ${code}: ${output}`)));
  });
}

/** The secret the README's Quick start command wrote into the host's .env. */
function envSecret(dir: string): string {
  const match = /^JWT_SECRET=(.+)$/m.exec(readFileSync(join(dir, '.env'), 'utf8'));
  if (!match) throw new Error('the README did not put JWT_SECRET into .env');
  return match[1].trim();
}

/** `node dist/main.js`, then the client the Quick start describes. */
async function serve(host: Host, dir: string): Promise<void> {
  const secret = envSecret(dir);
  expect(Buffer.byteLength(secret)).toBeGreaterThanOrEqual(32);
  const { child, port, output } = await timed(`${host.name} boot`, () => boot(dir));
  try {
    const url = `http://127.0.0.1:${port}/chat`;
    const client = io(url, {
      transports: ['websocket'],
      reconnection: false,
      auth: { token: signToken({ sub: 'packer' }, { secret }) },
    });
    await connected(client);
    await expect(ask(client, 'send_message', { text: 'hi' })).resolves.toEqual({
      ok: true,
      from: 'packer',
      text: 'hi',
    });
    await expect(ask(client, 'send_message', { text: '' })).resolves.toMatchObject({
      code: 'VALIDATION_FAILED',
    });
    // On this Nest version, the library's handler pipeline found Nest's context classes.
    expect(output()).toContain("ChatGateway on /chat: the library's message pipeline");
    client.disconnect();

    const anonymous = io(url, { transports: ['websocket'], reconnection: false });
    await expect(connected(anonymous)).rejects.toMatchObject({ message: 'UNAUTHORIZED' });
    anonymous.disconnect();
  } finally {
    const exited = new Promise((r) => child.once('exit', r));
    child.kill('SIGTERM');
    await exited;
  }
}

/**
 * The event contract and the console on this host: the AsyncAPI document served as JSON and
 * YAML, the types CLI of the installed package on the built module, and the console's login.
 */
async function extras(host: Host, dir: string): Promise<void> {
  const env = { EXTRAS_SECRET, ADMIN_HASH };
  const { child, port } = await timed(`${host.name} boot extras`, () =>
    boot(dir, 'dist/extras.main.js', env),
  );
  try {
    const base = `http://127.0.0.1:${port}`;
    const response = await fetch(`${base}/asyncapi.json`);
    expect(response.status).toBe(200);
    const document = (await response.json()) as {
      asyncapi: string;
      info: Record<string, unknown>;
      channels: Record<string, { address: string }>;
      operations: Record<string, { action: string }>;
    };
    expect(document.asyncapi).toBe('3.0.0');
    expect(document.info).toMatchObject({ title: 'host app', version: '2.0.0' });
    expect(Object.values(document.channels).map((c) => c.address)).toContain('/chat');
    const sendMessage = Object.entries(document.operations).find(([key]) =>
      key.endsWith('send_message_receive'),
    );
    expect(sendMessage?.[1].action).toBe('receive');
    const yaml = await fetch(`${base}/asyncapi.yaml`);
    expect(yaml.status).toBe(200);
    expect(await yaml.text()).toMatch(/^asyncapi: 3\.0\.0$/m);

    const login = (password: string) =>
      io(`${base}/admin`, {
        transports: ['websocket'],
        reconnection: false,
        auth: { username: 'ops', password },
      });
    const operator = login('ops-password');
    await connected(operator);
    operator.disconnect();
    const wrong = login('not-the-password');
    await expect(connected(wrong)).rejects.toBeInstanceOf(Error);
    wrong.disconnect();
  } finally {
    const exited = new Promise((r) => child.once('exit', r));
    child.kill('SIGTERM');
    await exited;
  }
  const types = await timed(`${host.name} npx nestjs-realtime types`, () =>
    sh(
      'npx nestjs-realtime types --app dist/extras.module.js#ExtrasModule --out realtime-events.d.ts',
      dir,
      hostEnv(env),
    ),
  );
  void types;
  const generated = readFileSync(join(dir, 'realtime-events.d.ts'), 'utf8');
  expect(generated).toMatch(/export interface ClientToServerEvents \{[\s\S]*send_message/);
}

/** The Testing section's run command, without the .env: the test's own secret fallback runs. */
async function runTests(host: Host, dir: string): Promise<void> {
  const lines = hostCommands(host, 'test');
  expect(lines.length).toBeGreaterThan(0);
  rmSync(join(dir, '.env'), { force: true });
  for (const line of lines) {
    const output = await timed(`${host.name} ${line.slice(0, 60)}`, () => sh(line, dir));
    expect(output).toMatch(/Tests:\s+2 passed, 2 total/);
  }
}

/**
 * Each host goes through its stages in order (set-up, compile, serve, the README's test), the
 * hosts side by side; each test awaits its stage. A failed stage fails its test, and later
 * stages still run where they can.
 */
interface Stages {
  compiled: Promise<void>;
  served: Promise<void>;
  tested: Promise<void>;
  extended: Promise<void>;
}

describe('the packed library in fresh host apps, set up by the README', () => {
  const work = mkdtempSync(join(tmpdir(), 'nestjs-realtime-pack-'));
  const started = Date.now();
  const stages = new Map<string, Stages>();

  beforeAll(async () => {
    // prepack builds the library: a build error shows here with tsc's output.
    await timed('npm pack', () => sh(`npm pack --pack-destination ${work} --loglevel=error`, root));
    const tarball = join(
      work,
      readdirSync(work).find((f) => f.endsWith('.tgz'))!,
    );
    const ready = HOSTS.map((host) => {
      const dir = join(work, host.name);
      const setUpDone = setUp(host, tarball, dir);
      const compiled = setUpDone.then(() => compile(host, dir));
      // dist/ is there even when the type-check after the build failed.
      const served = compiled.catch(() => undefined).then(() => serve(host, dir));
      const tested = served.catch(() => undefined).then(() => runTests(host, dir));
      const extended = tested.catch(() => undefined).then(() => extras(host, dir));
      for (const stage of [compiled, served, tested, extended]) stage.catch(() => undefined);
      stages.set(host.name, { compiled, served, tested, extended });
      return setUpDone;
    });
    await Promise.all(ready);
  }, 600_000);

  afterAll(async () => {
    await Promise.allSettled([...stages.values()].map((s) => s.extended));
    rmSync(work, { recursive: true, force: true });
    timings.push(`total: ${((Date.now() - started) / 1000).toFixed(1)} s`);
    // One line per step: how long CI spends here.
    process.stdout.write(`packaging test timings:\n  ${timings.join('\n  ')}\n`);
  });

  it.each(HOSTS)(
    '$name: builds and type-checks (skipLibCheck off), one socket.io, still fine with two',
    (host) => stages.get(host.name)!.compiled,
    300_000,
  );

  it.each(HOSTS)(
    "$name: the Quick start boots and serves the README's client",
    (host) => stages.get(host.name)!.served,
    300_000,
  );

  it.each(HOSTS)(
    "$name: the Testing section's test passes with the README's runner set-up",
    (host) => stages.get(host.name)!.tested,
    300_000,
  );

  it.each(HOSTS)(
    '$name: the AsyncAPI document, the types CLI and the operator console work',
    (host) => stages.get(host.name)!.extended,
    300_000,
  );
});
