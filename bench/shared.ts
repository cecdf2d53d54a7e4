// What the three bench servers and the load generator share: the secret, the wire contract of the
// bench events, and the /metrics body (server CPU and heap, read by the orchestrator).
import { createSecretKey } from 'node:crypto';
import { readFileSync, writeFileSync } from 'node:fs';
import { Session } from 'node:inspector/promises';
import { PerformanceObserver } from 'node:perf_hooks';
import jwt from 'jsonwebtoken';

export const BENCH_SECRET = 'bench-secret-at-least-32-bytes-long!!';
/** Pre-built key for signing in the load generator (signing cost must not hit the clients). */
export const BENCH_KEY = createSecretKey(Buffer.from(BENCH_SECRET));

export function signBenchToken(userId: string): string {
  return jwt.sign({ sub: userId, name: `User ${userId}` }, BENCH_KEY, {
    algorithm: 'HS256',
    expiresIn: '2h',
  });
}

/** A token with a valid shape and a wrong signature. */
export function forgedBenchToken(userId: string): string {
  return jwt.sign({ sub: userId }, 'not-the-bench-secret-but-long-enough!!', {
    algorithm: 'HS256',
    expiresIn: '2h',
  });
}

export interface ServerMetrics {
  /** process.cpuUsage() user + system, µs: every thread (V8's GC helpers, libuv's pool too). */
  cpuUs: number;
  /** The main thread's alone, µs (Linux; undefined elsewhere). */
  mainCpuUs?: number;
  /** How often the main thread was put on a CPU (its schedstat's timeslices; Linux only). */
  mainSlices?: number;
  /** The main thread's time runnable but waiting for a CPU, µs (schedstat; Linux only). */
  mainWaitUs?: number;
  /** The system (kernel) part of cpuUs: syscalls, the network stack. */
  systemCpuUs: number;
  /** Time in V8's garbage collection pauses so far (main thread), µs. */
  gcPauseUs: number;
  heapUsed: number;
  rss: number;
  external: number;
  /** Connected sockets on the default namespace. */
  sockets: number;
  /** Presence's online count (library only). */
  online?: number;
}

declare const gc: undefined | (() => void);

let gcPauseUs = 0;
/** Started by the first readMetrics (in the servers only): GC pauses from then on. */
let gcObserver: PerformanceObserver | undefined;
function watchGc(): void {
  gcObserver = new PerformanceObserver((list) => {
    for (const entry of list.getEntries()) gcPauseUs += entry.duration * 1000;
  });
  gcObserver.observe({ entryTypes: ['gc'] });
}

/** `GET /metrics?gc=1` runs a full GC first (servers run with --expose-gc). */
export function readMetrics(forceGc: boolean, sockets: number): ServerMetrics {
  if (forceGc && typeof gc === 'function') {
    gc();
    gc();
  }
  if (!gcObserver) {
    watchGc();
    profileOnSignal();
  }
  const cpu = process.cpuUsage();
  const mem = process.memoryUsage();
  return {
    cpuUs: cpu.user + cpu.system,
    ...mainThread(),
    systemCpuUs: cpu.system,
    gcPauseUs,
    heapUsed: mem.heapUsed,
    rss: mem.rss,
    external: mem.external,
    sockets,
  };
}

/** The main thread's schedstat: time on a CPU, time waiting for one (ns, as µs), timeslices. */
function mainThread(): Pick<ServerMetrics, 'mainCpuUs' | 'mainWaitUs' | 'mainSlices'> {
  try {
    const [run, wait, slices] = readFileSync(`/proc/self/task/${process.pid}/schedstat`, 'utf8')
      .split(' ')
      .map(Number);
    return { mainCpuUs: run / 1000, mainWaitUs: wait / 1000, mainSlices: slices };
  } catch {
    return {}; // not Linux
  }
}

/** Hand validation of the bench events, used by the plain server (the Nest ones use DTOs). */
export function validateRoom(body: unknown): string | null {
  const room = (body as { room?: unknown } | null)?.room;
  return typeof room === 'string' && room.length > 0 && room.length <= 100 ? room : null;
}

export function validateSend(body: unknown): { room: string; text: string } | null {
  if (typeof body !== 'object' || body === null || Array.isArray(body)) return null;
  const { room, text, ...rest } = body as Record<string, unknown>;
  if (Object.keys(rest).length > 0) return null;
  if (typeof room !== 'string' || room.length === 0 || room.length > 100) return null;
  if (typeof text !== 'string' || text.length === 0 || text.length > 1000) return null;
  return { room, text };
}

export const PUBLISH_EVENT = 'msg';

/**
 * BENCH_PROFILE_DIR set: each SIGWINCH starts, and the next one stops, a CPU profile of the
 * server's main thread (written there as `<pid>-<n>.cpuprofile`), so one scenario's passes can
 * be profiled in the state the whole run leaves them in (`--cpu-prof` covers the process's life).
 * Not SIGUSR2: Nest's shutdown hooks close the app on it.
 */
export function profileOnSignal(): void {
  const dir = process.env.BENCH_PROFILE_DIR;
  if (!dir) return;
  let session: Session | undefined;
  let n = 0;
  process.on('SIGWINCH', () => {
    // Set before any await, so that a stop arriving while the start is under way finds it.
    if (!session) {
      const started = (session = new Session());
      started.connect();
      // Messages reach the inspector in the order they are posted: no need to await each.
      void started.post('Profiler.enable');
      void started.post('Profiler.start');
      return;
    }
    const stopped = session;
    session = undefined;
    void stopped.post('Profiler.stop').then(({ profile }) => {
      writeFileSync(`${dir}/${process.pid}-${++n}.cpuprofile`, JSON.stringify(profile));
      stopped.disconnect();
    });
  });
}
