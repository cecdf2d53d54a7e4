import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, mkdirSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { io } from 'socket.io-client';
import { ask, connected } from '../kit/events.js';
import { signToken, TEST_SECRET } from '../kit/tokens.js';

const run = promisify(execFile);
const root = join(import.meta.dirname, '..', '..');
const tsc = join(root, 'node_modules', '.bin', 'tsc');

/** One host app: written by the test, installed from the packed tarball, compiled with tsc. */
interface Host {
  name: string;
  nest: string;
  esm: boolean;
}

const ALL_HOSTS: Host[] = [
  { name: 'nest12-esm', nest: '^12.0.0', esm: true },
  { name: 'nest11-cjs', nest: '^11.0.0', esm: false },
];
/** `PACKAGING_HOSTS=nest11-cjs` runs one host (npm run test:nest11). */
const only = process.env.PACKAGING_HOSTS?.split(',');
const HOSTS = only ? ALL_HOSTS.filter((host) => only.includes(host.name)) : ALL_HOSTS;

/** The host's module: one validated, authenticated gateway. */
const APP_MODULE = `import 'reflect-metadata';
import { Module } from '@nestjs/common';
import { MessageBody, SubscribeMessage } from '@nestjs/websockets';
import { IsString } from 'class-validator';
import { RealtimeGateway, RealtimeModule, WsUser } from 'nestjs-realtime';

class PingDto {
  @IsString()
  text!: string;
}

@RealtimeGateway({ namespace: '/host' })
class HostGateway {
  @SubscribeMessage('ping')
  ping(@MessageBody() body: PingDto, @WsUser('sub') userId: string) {
    return { pong: body.text, userId };
  }
}

@Module({
  imports: [RealtimeModule.forRoot({ auth: { secret: process.env.JWT_SECRET! } })],
  providers: [HostGateway],
})
export class AppModule {}
`;

/**
 * A gateway test as a host app writes it with nestjs-realtime/testing: core cases (handshake
 * refusal and acceptance, an ack round trip, the error contract, presence online) on this host's
 * Nest version. Prints "KIT OK" when all pass.
 */
function kitSource(esm: boolean): string {
  const body = `
  const app = await RealtimeTestApp.start({ module: AppModule, logger: false });
  try {
    const refusal = await refused(app.client('/host'));
    assert.equal(refusal.message, 'UNAUTHORIZED');
    const watcher = await app.connectAs<{ 'presence:online': (p: { userId: string }) => void }>('watcher', '/host');
    const online = waitForEvent<{ userId: string }>(watcher, 'presence:online');
    const alice = await app.connectAs('alice', '/host');
    assert.deepEqual(await online, { userId: 'alice' });
    assert.deepEqual(await ask(alice, 'ping', { text: 'hi' }), { pong: 'hi', userId: 'alice' });
    const invalid = await ask<{ code: string; event: string }>(alice, 'ping', { text: 1 });
    assert.equal(invalid.code, 'VALIDATION_FAILED');
    assert.equal(invalid.event, 'ping');
    assert.ok(signTestToken({ sub: 'x' }).split('.').length === 3);
    console.log('KIT OK');
  } finally {
    await app.close();
  }`;
  return `import 'reflect-metadata';
import { strict as assert } from 'node:assert';
import { ask, RealtimeTestApp, refused, signTestToken, waitForEvent } from 'nestjs-realtime/testing';
import { AppModule } from './app.module${esm ? '.js' : ''}';
${esm ? body : `async function main() {${body}\n}\nvoid main();`}
`;
}

function source(esm: boolean): string {
  const body = `
  // 'debug': the adapter says which message pipeline each gateway runs on.
  const app = await NestFactory.create(AppModule, { logger: ['error', 'debug'] });
  app.useWebSocketAdapter(await createRedisIoAdapter(app));
  await app.listen(0, '127.0.0.1');
  console.log('LISTENING ' + (app.getHttpServer().address() as { port: number }).port);
  process.on('SIGTERM', () => void app.close().then(() => process.exit(0)));`;
  return `import 'reflect-metadata';
import { NestFactory } from '@nestjs/core';
import { createRedisIoAdapter } from 'nestjs-realtime';
import { AppModule } from './app.module${esm ? '.js' : ''}';
${esm ? body : `async function main() {${body}\n}\nvoid main();`}
`;
}

async function prepareHost(host: Host, tarball: string, dir: string): Promise<void> {
  mkdirSync(join(dir, 'src'), { recursive: true });
  const nest = (name: string) => [`@nestjs/${name}@${host.nest}`];
  writeFileSync(
    join(dir, 'package.json'),
    JSON.stringify({ name: host.name, private: true, ...(host.esm ? { type: 'module' } : {}) }),
  );
  writeFileSync(
    join(dir, 'tsconfig.json'),
    JSON.stringify({
      compilerOptions: {
        target: 'ES2022',
        module: 'NodeNext',
        moduleResolution: 'NodeNext',
        strict: true,
        experimentalDecorators: true,
        emitDecoratorMetadata: true,
        skipLibCheck: true,
        types: ['node'],
        outDir: 'dist',
        rootDir: 'src',
      },
      include: ['src'],
    }),
  );
  writeFileSync(join(dir, 'src', 'app.module.ts'), APP_MODULE);
  writeFileSync(join(dir, 'src', 'main.ts'), source(host.esm));
  writeFileSync(join(dir, 'src', 'kit.ts'), kitSource(host.esm));
  await run(
    'npm',
    [
      'install',
      '--no-audit',
      '--no-fund',
      '--prefer-offline',
      '--loglevel=error',
      tarball,
      ...['common', 'core', 'websockets', 'platform-socket.io', 'platform-express'].flatMap(nest),
      'socket.io@^4.8.0',
      'socket.io-client@^4.8.0',
      'rxjs@^7.8.0',
      'reflect-metadata@^0.2.0',
      'class-validator@^0.14.0',
      'class-transformer@^0.5.1',
      '@types/node@^20',
    ],
    { cwd: dir, maxBuffer: 16 * 1024 * 1024 },
  );
  await run(tsc, ['-p', 'tsconfig.json'], { cwd: dir });
}

function boot(dir: string): Promise<{ child: ChildProcess; port: number; output: () => string }> {
  const child = spawn(process.execPath, ['dist/main.js'], {
    cwd: dir,
    env: { ...process.env, NODE_OPTIONS: '', JWT_SECRET: TEST_SECRET },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  return new Promise((resolve, reject) => {
    let output = '';
    const onData = (chunk: Buffer) => {
      output += chunk.toString();
      const match = /LISTENING (\d+)/.exec(output);
      if (match) resolve({ child, port: Number(match[1]), output: () => output });
    };
    child.stdout!.on('data', onData);
    child.stderr!.on('data', onData);
    child.once('exit', (code) => reject(new Error(`host exited with ${code}: ${output}`)));
  });
}

describe('the packed library in fresh host apps', () => {
  const work = mkdtempSync(join(tmpdir(), 'nestjs-realtime-pack-'));
  let tarball: string;

  beforeAll(async () => {
    await run('npm', ['pack', '--pack-destination', work, '--loglevel=error'], {
      cwd: root,
      maxBuffer: 16 * 1024 * 1024,
    });
    tarball = join(
      work,
      readdirSync(work).find((f) => f.endsWith('.tgz'))!,
    );
    await Promise.all(HOSTS.map((host) => prepareHost(host, tarball, join(work, host.name))));
  }, 300_000);

  afterAll(() => rmSync(work, { recursive: true, force: true }));

  it.each(HOSTS)(
    '$name installs, compiles, boots and serves an authenticated client',
    async (host) => {
      const { child, port, output } = await boot(join(work, host.name));
      try {
        const client = io(`http://127.0.0.1:${port}/host`, {
          transports: ['websocket'],
          reconnection: false,
          auth: { token: signToken({ sub: 'packer' }) },
        });
        await connected(client);
        await expect(ask(client, 'ping', { text: 'hi' })).resolves.toEqual({
          pong: 'hi',
          userId: 'packer',
        });
        await expect(ask(client, 'ping', { text: 1 })).resolves.toMatchObject({
          code: 'VALIDATION_FAILED',
        });
        // On this Nest version, the library's handler pipeline found Nest's context classes.
        expect(output()).toContain("HostGateway on /host: the library's message pipeline");
        client.disconnect();

        const anonymous = io(`http://127.0.0.1:${port}/host`, {
          transports: ['websocket'],
          reconnection: false,
        });
        await expect(connected(anonymous)).rejects.toMatchObject({ message: 'UNAUTHORIZED' });
        anonymous.disconnect();
      } finally {
        const exited = new Promise((r) => child.once('exit', r));
        child.kill('SIGTERM');
        await exited;
      }
    },
    60_000,
  );

  it.each(HOSTS)(
    '$name tests its gateway with nestjs-realtime/testing',
    async (host) => {
      const { stdout } = await run(process.execPath, ['dist/kit.js'], {
        cwd: join(work, host.name),
        env: { ...process.env, NODE_OPTIONS: '', JWT_SECRET: TEST_SECRET },
      });
      expect(stdout).toContain('KIT OK');
    },
    60_000,
  );
});
