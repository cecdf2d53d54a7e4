import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Redis } from 'ioredis';
import { freePort } from './redis.js';

/**
 * A local Redis Cluster of private `redis-server` processes (masters only) on free ports, in a
 * temporary directory. Started with `redis-cli --cluster create`, stopped by pid only.
 */
export class RedisCluster {
  private constructor(
    private readonly dir: string,
    readonly ports: number[],
    private readonly children: ChildProcess[],
  ) {}

  /** Starts `masters` servers, creates the cluster and waits for `cluster_state:ok` on every node. */
  static async start(masters = 3): Promise<RedisCluster> {
    const dir = await mkdtemp(join(tmpdir(), 'rt-cluster-'));
    const ports: number[] = [];
    for (let i = 0; i < masters; i++) ports.push(await freePort());
    const children: ChildProcess[] = [];
    const cluster = new RedisCluster(dir, ports, children);
    try {
      await Promise.all(ports.map((port) => cluster.startNode(port)));
      await run('redis-cli', [
        '--cluster',
        'create',
        ...ports.map((p) => `127.0.0.1:${p}`),
        '--cluster-replicas',
        '0',
        '--cluster-yes',
      ]);
      await cluster.waitUntilOk();
    } catch (error) {
      await cluster.stop();
      throw error;
    }
    return cluster;
  }

  /** Start-up nodes for ioredis' `Cluster` (and the module's `redis.cluster.nodes`). */
  get nodes(): Array<{ host: string; port: number }> {
    return this.ports.map((port) => ({ host: '127.0.0.1', port }));
  }

  get pids(): number[] {
    return this.children.map((c) => c.pid!).filter(Boolean);
  }

  /** Stops every node by its pid, waits for the exits and removes the temporary directory. */
  async stop(): Promise<void> {
    await Promise.all(
      this.children.splice(0).map((child) => {
        if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
        const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
        child.kill('SIGTERM');
        return exited;
      }),
    );
    await rm(this.dir, { recursive: true, force: true });
  }

  private startNode(port: number): Promise<void> {
    const child = spawn(
      'redis-server',
      [
        '--port',
        String(port),
        '--bind',
        '127.0.0.1',
        '--cluster-enabled',
        'yes',
        '--cluster-config-file',
        join(this.dir, `nodes-${port}.conf`),
        '--cluster-node-timeout',
        '2000',
        '--dir',
        this.dir,
        '--save',
        '',
        '--appendonly',
        'no',
      ],
      { stdio: ['ignore', 'pipe', 'pipe'] },
    );
    this.children.push(child);
    return new Promise<void>((resolve, reject) => {
      let out = '';
      const onData = (chunk: Buffer) => {
        out += chunk.toString();
        if (out.includes('Ready to accept connections')) {
          child.stdout?.off('data', onData);
          child.stdout?.resume();
          resolve();
        }
      };
      child.stdout?.on('data', onData);
      child.stderr?.resume();
      child.once('error', reject);
      child.once('exit', (code) =>
        reject(new Error(`redis-server :${port} exited (${code}): ${out.slice(-500)}`)),
      );
    });
  }

  /** Polls CLUSTER INFO on every node (bounded) until all report cluster_state:ok. */
  private async waitUntilOk(timeoutMs = 15_000): Promise<void> {
    const clients = this.ports.map(
      (port) => new Redis({ port, host: '127.0.0.1', lazyConnect: true, maxRetriesPerRequest: 1 }),
    );
    try {
      const deadline = Date.now() + timeoutMs;
      while (Date.now() < deadline) {
        const infos = await Promise.all(clients.map((c) => c.cluster('INFO').catch(() => '')));
        if (infos.every((info) => String(info).includes('cluster_state:ok'))) return;
        await new Promise((r) => setTimeout(r, 100));
      }
      throw new Error(`Redis Cluster on ${this.ports.join(', ')} did not reach cluster_state:ok`);
    } finally {
      for (const c of clients) c.disconnect();
    }
  }
}

function run(command: string, args: string[]): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    child.stdout.on('data', (c: Buffer) => (out += c.toString()));
    child.stderr.on('data', (c: Buffer) => (out += c.toString()));
    child.once('error', reject);
    child.once('exit', (code) =>
      code === 0
        ? resolve(out)
        : reject(new Error(`${command} ${args.join(' ')} exited (${code}): ${out.slice(-1000)}`)),
    );
  });
}
