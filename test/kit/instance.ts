import { type ChildProcess, spawn } from 'node:child_process';
import { join } from 'node:path';
import type { Socket } from 'socket.io-client';
import { createTestClient } from '../../lib/testing/index.js';
import type { RealtimeModuleOptions } from '../../lib/index.js';
import type { ClientOptions } from './app.js';
import { connected } from './events.js';

const root = join(import.meta.dirname, '..', '..');
const DEFAULT_FIXTURE = join(root, 'test', 'fixtures', 'instance-app.ts');

export interface InstanceOptions {
  /** RealtimeModule options, passed as JSON (so no functions or RegExps). */
  realtime: RealtimeModuleOptions;
  /** A fixture file that prints "READY <port>"; defaults to test/fixtures/instance-app.ts. */
  fixture?: string;
  env?: Record<string, string>;
  /** Extra node flags, for example ['--expose-gc']. */
  nodeArgs?: string[];
}

/**
 * A Nest app in a separate Node process (real multi-instance), run from TypeScript through the
 * sample's loader. Stopped by its pid only.
 */
/**
 * Starts several instances at once. If one fails to start, the others are stopped before the
 * error is thrown: a failed beforeAll would otherwise leave their processes running.
 */
export async function startAll(starting: Array<Promise<AppInstance>>): Promise<AppInstance[]> {
  const results = await Promise.allSettled(starting);
  const failure = results.find((r): r is PromiseRejectedResult => r.status === 'rejected');
  const started = results.flatMap((r) => (r.status === 'fulfilled' ? [r.value] : []));
  if (!failure) return started;
  await Promise.all(started.map((instance) => instance.stop().catch(() => undefined)));
  throw failure.reason;
}

export class AppInstance {
  private readonly clients = new Set<Socket>();
  output = '';

  private constructor(
    private readonly child: ChildProcess,
    readonly port: number,
  ) {}

  static start(options: InstanceOptions): Promise<AppInstance> {
    const child = spawn(
      process.execPath,
      [
        ...(options.nodeArgs ?? []),
        '--import',
        join(root, 'sample', 'register.mjs'),
        options.fixture ?? DEFAULT_FIXTURE,
      ],
      {
        cwd: root,
        env: {
          ...process.env,
          NODE_OPTIONS: '',
          REALTIME_OPTIONS: JSON.stringify(options.realtime),
          ...options.env,
        },
        stdio: ['ignore', 'pipe', 'pipe'],
      },
    );
    return new Promise((resolve, reject) => {
      let output = '';
      let instance: AppInstance | undefined;
      const onData = (chunk: Buffer) => {
        output += chunk.toString();
        if (instance) {
          instance.output += chunk.toString();
          return;
        }
        const match = /READY (\d+)/.exec(output);
        if (match) {
          instance = new AppInstance(child, Number(match[1]));
          instance.output = output;
          resolve(instance);
        }
      };
      child.stdout!.on('data', onData);
      child.stderr!.on('data', onData);
      child.once('exit', (code, signal) => {
        if (!instance)
          reject(new Error(`instance exited (${code ?? signal}) before READY:\n${output}`));
      });
    });
  }

  get pid(): number {
    return this.child.pid!;
  }

  get url(): string {
    return `http://127.0.0.1:${this.port}`;
  }

  get alive(): boolean {
    return this.child.exitCode === null && this.child.signalCode === null;
  }

  /** How the process ended: its exit code, or the signal that ended it; undefined while alive. */
  get exit(): { code: number | null; signal: NodeJS.Signals | null } | undefined {
    if (this.alive) return undefined;
    return { code: this.child.exitCode, signal: this.child.signalCode };
  }

  client(namespace = '/cluster', options: ClientOptions = {}): Socket {
    const socket = createTestClient(`${this.url}${namespace}`, options);
    this.clients.add(socket);
    return socket;
  }

  connect(namespace = '/cluster', options: ClientOptions = {}): Promise<Socket> {
    return connected(this.client(namespace, options));
  }

  /** Sends a signal while its clients stay connected (to watch what they see); waits for the exit. */
  async signal(signal: NodeJS.Signals): Promise<void> {
    if (!this.alive) return;
    const exited = new Promise<void>((resolve) => this.child.once('exit', () => resolve()));
    this.child.kill(signal);
    await exited;
  }

  /** SIGTERM (graceful, shutdown hooks run) or SIGKILL (a crash); waits for the exit. */
  async stop(signal: NodeJS.Signals = 'SIGTERM'): Promise<void> {
    for (const socket of this.clients) socket.disconnect();
    this.clients.clear();
    if (!this.alive) return;
    const exited = new Promise<void>((resolve) => this.child.once('exit', () => resolve()));
    this.child.kill(signal);
    await exited;
  }
}
