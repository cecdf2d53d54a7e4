// What both orchestrators (run.ts, pairs.ts) use to run processes: a free port for a server, and
// a load-generator process (client-worker.ts) driven over IPC.
import { type ChildProcess, fork } from 'node:child_process';
import { createServer } from 'node:net';
import { fileURLToPath } from 'node:url';
import type { WorkerCommand } from './client-worker.js';

export const root = fileURLToPath(new URL('../..', import.meta.url));
/** Runs TypeScript entry points straight from source (servers and load workers alike). */
export const loader = ['--import', './sample/register.mjs'];

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address() as { port: number };
      srv.close(() => resolve(port));
    });
  });
}

/** One load-generator process; `send` resolves with the command's result. */
export class Worker {
  private readonly child: ChildProcess;
  private seq = 0;
  private readonly pending = new Map<
    number,
    { resolve(v: unknown): void; reject(e: Error): void }
  >();

  constructor() {
    this.child = fork(fileURLToPath(new URL('./client-worker.ts', import.meta.url)), [], {
      cwd: root,
      execArgv: loader,
      stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
    });
    this.child.on('message', (m: { id: number; result?: unknown; error?: string }) => {
      const p = this.pending.get(m.id);
      this.pending.delete(m.id);
      if (m.error) p?.reject(new Error(m.error));
      else p?.resolve(m.result);
    });
  }

  send<T>(command: WorkerCommand): Promise<T> {
    const id = ++this.seq;
    return new Promise<T>((resolve, reject) => {
      this.pending.set(id, { resolve: resolve as (v: unknown) => void, reject });
      this.child.send({ id, command });
    });
  }

  async exit(): Promise<void> {
    if (this.child.exitCode !== null) return;
    const exited = new Promise((r) => this.child.once('exit', r));
    await this.send({ cmd: 'exit' }).catch(() => {});
    await exited;
  }
}
