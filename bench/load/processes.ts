// What both orchestrators (run.ts, pairs.ts) use to run processes: the bench servers (start,
// stop, their /metrics and /publish), and load-generator processes (client-worker.ts) driven
// over IPC.
import { type ChildProcess, fork, spawn } from 'node:child_process';
import { createServer } from 'node:net';
import { existsSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { ServerMetrics } from '../shared.js';
import type { WorkerCommand } from './client-worker.js';

export const IMPLEMENTATIONS = ['plain', 'handwritten', 'library'] as const;
/**
 * Run only when named (--only, --impls): the library app with a setting changed, and plain
 * Socket.IO's code hosted in a Nest app (what any Nest app costs, gateway or not).
 */
export const VARIANTS = {
  'library-no-presence': { file: 'library', env: { BENCH_OFF: 'presence' } },
  'plain-in-nest': { file: 'plain-in-nest', env: {} },
} as const;
type Named = (typeof IMPLEMENTATIONS)[number] | keyof typeof VARIANTS;
/**
 * An implementation by name, or `name@path`: that implementation's server started from another
 * checkout of this repository (its own lib/ and bench/), e.g. `library@../main` against
 * `library`, to compare two versions of the library in one run.
 */
export type Impl = Named | `${Named}@${string}`;

/** Why `name` is not an implementation, or undefined when it is one. */
export function unknownImpl(name: string): string | undefined {
  const at = name.indexOf('@');
  const base = at < 0 ? name : name.slice(0, at);
  const known: string[] = [...IMPLEMENTATIONS, ...Object.keys(VARIANTS)];
  if (!known.includes(base)) return `${base} is not one of ${known.join(', ')}`;
  if (at < 0) return undefined;
  const { file, cwd } = serverOf(name as Impl);
  return existsSync(join(cwd, 'bench/servers', `${file}.ts`))
    ? undefined
    : `${cwd} is not a checkout with bench/servers/${file}.ts`;
}

export function serverOf(impl: Impl): { file: string; env: Record<string, string>; cwd: string } {
  const at = impl.indexOf('@');
  const name = (at < 0 ? impl : impl.slice(0, at)) as Named;
  const variant = name in VARIANTS ? VARIANTS[name as keyof typeof VARIANTS] : undefined;
  return {
    file: variant?.file ?? name,
    env: variant?.env ?? {},
    cwd: at < 0 ? root : resolve(impl.slice(at + 1)),
  };
}

const root = fileURLToPath(new URL('../..', import.meta.url));
/** Runs TypeScript entry points straight from source (servers and load workers alike). */
const loader = ['--import', './sample/register.mjs'];
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const now = () => performance.timeOrigin + performance.now();

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

export interface ServerHandle {
  impl: Impl;
  url: string;
  child: ChildProcess;
}

export async function startServer(impl: Impl, redisUrl: string | undefined, keyPrefix: string) {
  const port = await freePort();
  const server = serverOf(impl);
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    ...server.env,
    PORT: String(port),
    KEY_PREFIX: keyPrefix,
  };
  if (redisUrl) env.REDIS_URL = redisUrl;
  else delete env.REDIS_URL;
  const child = spawn(
    process.execPath,
    [
      '--expose-gc',
      ...loader,
      ...(process.env.BENCH_NODE_ARGS?.split(' ').filter(Boolean) ?? []),
      `bench/servers/${server.file}.ts`,
    ],
    { cwd: server.cwd, env, stdio: ['ignore', 'ignore', 'pipe'] },
  );
  let stderr = '';
  child.stderr!.on('data', (d: Buffer) => (stderr += d.toString()));
  const url = `http://127.0.0.1:${port}`;
  const deadline = Date.now() + 60_000;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`${impl} exited at boot:\n${stderr}`);
    try {
      if ((await fetch(`${url}/metrics`)).ok) break;
    } catch {
      /* not listening yet */
    }
    if (Date.now() > deadline) throw new Error(`${impl} did not start:\n${stderr}`);
    await sleep(200);
  }
  return { impl, url, child } satisfies ServerHandle;
}

export async function stopServer(server: ServerHandle): Promise<void> {
  const { child } = server;
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise((r) => child.once('exit', r));
  child.kill('SIGTERM');
  const timer = setTimeout(() => child.kill('SIGKILL'), 8000);
  await exited;
  clearTimeout(timer);
}

export async function metrics(server: ServerHandle, gc = false): Promise<ServerMetrics> {
  const res = await fetch(`${server.url}/metrics${gc ? '?gc=1' : ''}`);
  return (await res.json()) as ServerMetrics;
}

export async function publish(server: ServerHandle, room: string, seq: number): Promise<void> {
  const res = await fetch(`${server.url}/publish`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ room, payload: { seq, t: now(), text: 'fan-out message' } }),
  });
  if (!res.ok) throw new Error(`publish failed: ${res.status}`);
  await res.arrayBuffer();
}

/** `n` publishes, one after another, to a room nobody is in; the server's CPU µs per publish. */
export async function publishPass(server: ServerHandle, n: number): Promise<number> {
  const before = await metrics(server);
  for (let seq = 0; seq < n; seq++) await publish(server, 'nobody', seq);
  return ((await metrics(server)).cpuUs - before.cpuUs) / n;
}

/**
 * BENCH_PROFILE=<scenario> (with BENCH_PROFILE_DIR): toggles the server's CPU profile around that
 * scenario's passes (SIGWINCH, see profileOnSignal in shared.ts); a no-op otherwise.
 */
export async function profile(server: ServerHandle, scenario: string): Promise<void> {
  if (process.env.BENCH_PROFILE !== scenario || !process.env.BENCH_PROFILE_DIR) return;
  server.child.kill('SIGWINCH');
  await sleep(200);
}

/** The machine's CPU time so far, all cores and processes: busy and total clock ticks (Linux). */
function machineTicks(): { busy: number; total: number } | undefined {
  try {
    // "cpu  user nice system idle iowait irq softirq steal ..."
    const fields = readFileSync('/proc/stat', 'utf8').split('\n')[0].trim().split(/\s+/);
    const [user, nice, system, idle, iowait, irq, softirq, steal] = fields.slice(1).map(Number);
    const busy = user + nice + system + irq + softirq + (steal || 0);
    return { busy, total: busy + idle + iowait };
  } catch {
    return undefined;
  }
}

/** The busy share of all cores between two readings (0 where /proc/stat is not there). */
function busyShare(
  from: ReturnType<typeof machineTicks>,
  to: ReturnType<typeof machineTicks>,
): number {
  if (!from || !to || to.total === from.total) return 0;
  return (to.busy - from.busy) / (to.total - from.total);
}

/**
 * Waits until the servers are idle (each under 5 % of a core over 250 ms) and so is the machine
 * (every process together under 15 % of all cores: client processes, Redis; Linux only), at most
 * 5 s, so that work left over from the previous step (presence writes after 4,000 disconnects or
 * 1,000 joins, garbage collection, another implementation's clients letting 2,000 connections
 * go) is not counted in the next pass. Same for every implementation.
 */
export async function quiet(servers: ServerHandle[], timeoutMs = 5000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let last = await Promise.all(servers.map((s) => metrics(s)));
  let machine = machineTicks();
  for (;;) {
    await sleep(250);
    const next = await Promise.all(servers.map((s) => metrics(s)));
    const nextMachine = machineTicks();
    const busiest = Math.max(...next.map((m, i) => (m.cpuUs - last[i].cpuUs) / 250_000));
    const machineBusy = busyShare(machine, nextMachine);
    last = next;
    machine = nextMachine;
    if ((busiest < 0.05 && machineBusy < 0.15) || Date.now() > deadline) return;
  }
}
