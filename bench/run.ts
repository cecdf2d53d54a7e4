// The bench orchestrator: starts the three implementations as separate processes (all of them
// side by side in each round), drives them with socket.io-client load-generator processes,
// alternates implementations (A B C, B C A, ...: single measured passes for connect and the
// per-operation scenarios, one implementation at a time for memory and reject), and reports
// medians and per-turn ratios (markdown on stdout, JSON and an SVG chart in bench/results/).
//   npm run bench               3 rounds, 2,000 handshakes per connect pass, 5,000 idle
//                               connections (memory), 10,000 held
//   npm run bench -- --quick    1 round, smaller N
//   options: --rounds N, --no-hold, --only plain,library
//   --only library,library-no-presence measures what presence costs (the same app without it)
//   --only plain,handwritten,library,plain-in-nest adds plain's code hosted in a Nest app
import { spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { mkdirSync, writeFileSync } from 'node:fs';
import { cpus, totalmem } from 'node:os';
import { fileURLToPath } from 'node:url';
import { Redis } from 'ioredis';
import type { ConnectResult } from './load/client-worker.js';
import type { ServerMetrics } from './shared.js';
import {
  freePort,
  IMPLEMENTATIONS,
  type Impl,
  metrics,
  profile,
  publish,
  publishPass,
  quiet,
  type ServerHandle,
  startServer,
  stopServer,
  unknownImpl,
  Worker,
} from './load/processes.js';
import { median, percentile, turnOrder } from './load/stats.js';
import { renderMarkdown, renderSvg, type Report, type RoundResult } from './report.js';

const args = process.argv.slice(2);
const quick = args.includes('--quick');
const flag = (name: string) => {
  const i = args.indexOf(name);
  return i >= 0 ? args[i + 1] : undefined;
};
const config = {
  rounds: Number(flag('--rounds') ?? (quick ? 1 : 3)),
  idle: quick ? 1000 : 5000,
  /** Handshakes per measured connect pass. */
  connectClients: quick ? 500 : 2000,
  connectConcurrency: 50,
  fanoutClients: quick ? 300 : 1000,
  fanoutMessages: quick ? 30 : 60,
  ackClients: quick ? 50 : 100,
  acksPerClient: quick ? 60 : 100,
  reject: quick ? 200 : 1000,
  crossClients: quick ? 300 : 500,
  crossMessages: quick ? 30 : 60,
  hold: args.includes('--no-hold') ? 0 : 10_000,
  /**
   * Interleaved measured passes of connect, publish, fan-out, ack and cross per round (median
   * kept). Five, not three: single passes move by ±20 % and more on a 2-core VM, and the ratios
   * are medians of per-turn ratios, which fifteen turns pin down better than nine.
   */
  reps: quick ? 1 : 5,
  /**
   * Unmeasured connect passes of 2,000 handshakes (--quick too) before the measured ones, until
   * the handshake path is JIT-compiled: at least `min`, then until a pass is no longer 5 %
   * cheaper than every pass before it, at most `max`. Both implementations were seen to need
   * about 8,000 handshakes to settle.
   */
  warmConnects: { size: 2000, min: quick ? 4 : 5, max: quick ? 6 : 10 },
  /**
   * Unmeasured HTTP publishes (to a room nobody is in) in passes of `size`, by the same rule.
   * Fan-out and cross count the publish requests, and their cost fell for about 4,000 requests
   * (Nest on Express from 700-800 µs to 290-365, plain node http from 400 to 120-140): the few
   * hundred of the measured passes leave every implementation far above its steady state.
   */
  warmPublishes: { size: 500, min: quick ? 3 : 10, max: quick ? 6 : 20 },
  workers: 2,
};
const only = (flag('--only')?.split(',') as Impl[] | undefined) ?? [...IMPLEMENTATIONS];
for (const impl of only) {
  // The report compares the library with plain and hand-written by name: no other checkouts here.
  const why = impl.includes('@')
    ? 'name@path is for bench:pairs and bench:instructions'
    : unknownImpl(impl);
  if (why) throw new Error(`--only: ${why}`);
}

const now = () => performance.timeOrigin + performance.now();
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const log = (line: string) => process.stderr.write(`${line}\n`);

// ---------------------------------------------------------------- Redis

interface RedisHandle {
  url?: string;
  stop(): Promise<void>;
}

async function reachable(url: string): Promise<boolean> {
  const client = new Redis(url, {
    lazyConnect: true,
    maxRetriesPerRequest: 0,
    retryStrategy: () => null,
  });
  try {
    await client.connect();
    return (await client.ping()) === 'PONG';
  } catch {
    return false;
  } finally {
    client.disconnect();
  }
}

/** The shared Redis at REDIS_URL, else a private redis-server on a free port (stopped by pid). */
async function openRedis(): Promise<RedisHandle> {
  const shared = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';
  if (await reachable(shared)) return { url: shared, stop: async () => {} };
  const port = await freePort();
  const child = spawn(
    'redis-server',
    ['--port', String(port), '--save', '', '--appendonly', 'no'],
    {
      stdio: 'ignore',
    },
  );
  const failed = await new Promise<boolean>((resolve) => {
    child.once('error', () => resolve(true));
    setTimeout(() => resolve(false), 300);
  });
  const url = `redis://127.0.0.1:${port}`;
  if (failed || !(await reachable(url))) {
    log(
      'No Redis reachable and no redis-server on PATH: running without Redis (no cross scenario)',
    );
    return { stop: async () => {} };
  }
  return {
    url,
    stop: async () => {
      if (child.exitCode === null) {
        child.kill('SIGTERM');
        await new Promise((r) => child.once('exit', r));
      }
    },
  };
}

async function cleanupKeys(url: string, runPrefix: string): Promise<void> {
  const redis = new Redis(url);
  let cursor = '0';
  do {
    const [next, keys] = await redis.scan(cursor, 'MATCH', `*${runPrefix}*`, 'COUNT', 1000);
    cursor = next;
    if (keys.length) await redis.del(...keys);
  } while (cursor !== '0');
  await redis.quit();
}

// ---------------------------------------------------------------- servers

async function waitSockets(server: ServerHandle, count: number, timeoutMs = 30_000) {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const m = await metrics(server);
    if (m.sockets === count) return m;
    if (Date.now() > deadline)
      throw new Error(`${server.impl}: ${m.sockets} sockets, expected ${count}`);
    await sleep(100);
  }
}

// ---------------------------------------------------------------- load workers

class Load {
  readonly workers = Array.from({ length: config.workers }, () => new Worker());
  private nextUser = 0;

  /** Splits `n` over the workers; each item of the result is one worker's share. */
  private split(n: number): number[] {
    const base = Math.floor(n / this.workers.length);
    return this.workers.map((_, i) => base + (i < n % this.workers.length ? 1 : 0));
  }

  async connect(url: string, n: number, forged = false): Promise<ConnectResult> {
    const shares = this.split(n);
    const results = await Promise.all(
      this.workers.map((w, i) =>
        w.send<ConnectResult>({
          cmd: 'connect',
          url,
          userIds: Array.from({ length: shares[i] }, () => `u${this.nextUser++}`),
          concurrency: Math.ceil(config.connectConcurrency / this.workers.length),
          forged,
        }),
      ),
    );
    return {
      connected: sum(results.map((r) => r.connected)),
      refused: sum(results.map((r) => r.refused)),
      dropped: sum(results.map((r) => r.dropped)),
      failed: sum(results.map((r) => r.failed)),
      latencies: results.flatMap((r) => r.latencies),
      wallMs: Math.max(...results.map((r) => r.wallMs)),
    };
  }

  async join(room: string, n: number): Promise<number> {
    const shares = this.split(n);
    const results = await Promise.all(
      this.workers.map((w, i) => w.send<{ ok: number }>({ cmd: 'join', room, count: shares[i] })),
    );
    return sum(results.map((r) => r.ok));
  }

  async listen(): Promise<void> {
    await Promise.all(this.workers.map((w) => w.send({ cmd: 'listen' })));
  }

  async collect(perWorkerExpected: number[], timeoutMs: number) {
    const results = await Promise.all(
      this.workers.map((w, i) =>
        w.send<{ received: number; latencies: number[] }>({
          cmd: 'collect',
          expected: perWorkerExpected[i],
          timeoutMs,
        }),
      ),
    );
    return {
      received: sum(results.map((r) => r.received)),
      latencies: results.flatMap((r) => r.latencies),
    };
  }

  async ack(clients: number, perSocket: number) {
    const shares = this.split(clients);
    const results = await Promise.all(
      this.workers.map((w, i) =>
        w.send<{ ok: number; failed: number; latencies: number[]; wallMs: number }>({
          cmd: 'ack',
          count: shares[i],
          perSocket,
        }),
      ),
    );
    return {
      ok: sum(results.map((r) => r.ok)),
      failed: sum(results.map((r) => r.failed)),
      latencies: results.flatMap((r) => r.latencies),
      wallMs: Math.max(...results.map((r) => r.wallMs)),
    };
  }

  async keep(n: number): Promise<void> {
    const shares = this.split(n);
    await Promise.all(this.workers.map((w, i) => w.send({ cmd: 'disconnect', keep: shares[i] })));
  }

  sharesOf(n: number): number[] {
    return this.split(n);
  }

  async close(): Promise<void> {
    await Promise.all(this.workers.map((w) => w.exit()));
  }
}

const sum = (xs: number[]) => xs.reduce((a, b) => a + b, 0);
/**
 * A pass's server CPU per operation by part: main thread, kernel, GC pauses; and how often per
 * operation the main thread got a CPU, and how long it waited for one (µs).
 */
const split = (before: ServerMetrics, after: ServerMetrics, n: number) => {
  type Part = 'mainCpuUs' | 'mainSlices' | 'mainWaitUs' | 'systemCpuUs' | 'gcPauseUs';
  const per = (part: Part) =>
    ((after[part] ?? Number.NaN) - (before[part] ?? Number.NaN)) / Math.max(1, n);
  return {
    mainCpuUs: per('mainCpuUs'),
    mainSlices: per('mainSlices'),
    mainWaitUs: per('mainWaitUs'),
    systemCpuUs: per('systemCpuUs'),
    gcPauseUs: per('gcPauseUs'),
  };
};
const latencyStats = (xs: number[]) => ({
  p50: percentile(xs, 0.5),
  p95: percentile(xs, 0.95),
  p99: percentile(xs, 0.99),
});

// ---------------------------------------------------------------- scenarios

async function fanout(
  load: Load,
  publisher: ServerHandle,
  measured: ServerHandle[],
  clients: number,
  messages: number,
  room: string,
  /** The publisher's CPU per HTTP publish with no receivers (the publish scenario), if known. */
  publishUs?: number,
) {
  const before = await Promise.all(measured.map((s) => metrics(s)));
  await load.listen();
  const start = now();
  // Paced so that the clients keep up: a burst would measure queueing, not the server.
  for (let seq = 0; seq < messages; seq++) {
    await publish(publisher, room, seq);
    await sleep(5);
  }
  const expected = load.sharesOf(clients).map((n) => n * messages);
  const got = await load.collect(expected, 30_000);
  const wallMs = now() - start;
  const after = await Promise.all(measured.map((s) => metrics(s)));
  const spent = after.map((m, i) => m.cpuUs - before[i].cpuUs);
  const cpu = sum(spent);
  const deliveries = clients * messages;
  return {
    deliveries,
    received: got.received,
    lost: deliveries - got.received,
    perSecond: (got.received / wallMs) * 1000,
    latency: latencyStats(got.latencies),
    cpuUsPerDelivery: cpu / Math.max(1, got.received),
    // Less the publish requests' own cost: what the HTTP stack (node's http, or Nest on Express)
    // spends on each request is not the broadcast's, and would weigh more with fewer receivers.
    ...(publishUs !== undefined && {
      cpuUsPerDeliveryNet: (cpu - messages * publishUs) / Math.max(1, got.received),
    }),
    // Cross only: the publishing instance (the HTTP request and the Redis publish) per message,
    // and the receiving instance per delivery.
    ...(measured.length > 1 && {
      publisherCpuUsPerMessage: spent[0] / messages,
      receiverCpuUsPerDelivery: spent[1] / Math.max(1, got.received),
    }),
  };
}

/** The implementation's median CPU per HTTP publish this round (measured before fan-out and cross). */
const publishCost = (result: RoundResult) =>
  (result.publish as { cpuUsPerPublish?: number } | undefined)?.cpuUsPerPublish;

/** One implementation in a round: its servers (B only with Redis), its clients, its results. */
interface Subject {
  impl: Impl;
  a: ServerHandle;
  b?: ServerHandle;
  load: Load;
  result: RoundResult;
}

/**
 * Runs `reps` measured passes on every implementation in turn (A B C, B C A, ...): neighbouring
 * passes share the machine's state, so a slow spell of a noisy machine falls on every
 * implementation alike instead of on whichever one is measured alone at that moment. Each
 * implementation keeps its median pass by `cost` (its other figures stay that pass's); the
 * `totals` fields (lost, failed) count over every pass, so one lost delivery anywhere shows.
 * Every pass is also kept in the round's `passes`, under `scenario`.
 */
async function interleaved<T extends object>(
  scenario: string,
  subjects: Subject[],
  pass: (s: Subject) => Promise<T>,
  cost: (result: T) => number,
  before: (s: Subject) => Promise<void>,
  totals: Array<keyof T & string> = [],
): Promise<T[]> {
  const results: T[][] = subjects.map(() => []);
  // One unmeasured turn first: the scenarios run in between (memory's thousands of connections
  // and disconnects, the others' code paths) left every implementation's first pass the costliest.
  for (let rep = -1; rep < config.reps; rep++) {
    for (const s of turnOrder(subjects, rep)) {
      await before(s);
      const result = await pass(s);
      if (rep >= 0) results[subjects.indexOf(s)].push(result);
    }
  }
  // Every pass, for the per-turn ratios of the report (see ratioOf in report.ts).
  subjects.forEach((s, i) => ((s.result.passes ??= {})[scenario] = results[i]));
  return results.map((passes) => {
    const sorted = [...passes].sort((x, y) => cost(x) - cost(y));
    const chosen = { ...sorted[Math.floor((sorted.length - 1) / 2)] };
    for (const key of totals) {
      (chosen as Record<string, number>)[key] = sum(passes.map((r) => Number(r[key])));
    }
    return chosen;
  });
}

/**
 * Warm-up, not measured: the JIT and lazily built state, so that every implementation is
 * measured in its steady state (a longer code path, e.g. Nest's, needs more calls to get
 * optimised: one pass was seen to leave the library's first measured passes 20-40 % above its
 * later ones). Ack and fan-out passes at their measured size, then connect passes until settled
 * (`config.warmConnects`): connect is measured first, and other traffic in between was seen to
 * cost the next two or three connect passes 20-30 % more (plain and the library alike).
 */
async function warmUp(subject: Subject): Promise<void> {
  const { a, load, result } = subject;
  await load.connect(a.url, Math.max(config.ackClients, 200));
  await load.join('warm', 200);
  for (let i = 0; i < config.reps + 1; i++) {
    await load.ack(config.ackClients, config.acksPerClient);
    await fanout(load, a, [a], 200, config.fanoutMessages, 'warm');
  }
  await load.keep(0);
  await waitSockets(a, 0);
  const connects = await untilSettled(config.warmConnects, async (size) => {
    await quiet([a]);
    return (await connectPass(subject, size)).cpuUsPerConnect;
  });
  result.warmup = { connectPasses: connects.length, cpuUsPerConnect: connects };
  log(`  ${subject.impl} warm-up, µs per connect: ${connects.map((c) => c.toFixed(0)).join(' ')}`);
}

/**
 * HTTP publishes to a room nobody is in until their cost settles (`config.warmPublishes`), right
 * before the publish, fan-out and cross scenarios. Warmed before connect and memory instead (tens
 * of thousands of handshakes, forced collections), the publish path measured 2-3x its settled
 * cost again (bench/README.md, *Warming the publish path*).
 */
async function warmPublish({ impl, a, result }: Subject): Promise<void> {
  const curve = await untilSettled(config.warmPublishes, (size) => publishPass(a, size));
  result.warmup!.cpuUsPerPublish = curve;
  log(`  ${impl} warm-up, µs per publish: ${curve.map((c) => c.toFixed(0)).join(' ')}`);
}

/**
 * Runs warm-up passes until the cost settles: at least `min`, then until a pass is no longer 5 %
 * cheaper than every pass before it, at most `max`. Returns every pass's cost (the curve).
 */
async function untilSettled(
  { size, min, max }: { size: number; min: number; max: number },
  pass: (size: number) => Promise<number>,
): Promise<number[]> {
  const curve: number[] = [];
  while (curve.length < max) {
    const cost = await pass(size);
    const settled = curve.length >= min - 1 && cost >= 0.95 * Math.min(...curve);
    curve.push(cost);
    if (settled) break;
  }
  return curve;
}

/**
 * connect: one pass of `config.connectClients` authenticated handshakes (the clients are let go
 * afterwards, outside the measurement). Alternated between implementations like the others.
 */
async function connectPass({ a, load }: Subject, n = config.connectClients) {
  const before = await metrics(a);
  const done = await load.connect(a.url, n);
  const after = await waitSockets(a, done.connected);
  await load.keep(0);
  await waitSockets(a, 0);
  return {
    n,
    connected: done.connected,
    failed: done.failed + done.refused,
    perSecond: (done.connected / done.wallMs) * 1000,
    latency: latencyStats(done.latencies),
    cpuUsPerConnect: (after.cpuUs - before.cpuUs) / Math.max(1, done.connected),
    ...split(before, after, done.connected),
  };
}

/** memory: N authenticated idle connections, on one implementation at a time. */
async function memory({ impl, a, load, result }: Subject): Promise<void> {
  await quiet([a]);
  const base = await metrics(a, true);
  const connected = await load.connect(a.url, config.idle);
  await waitSockets(a, config.idle);
  if (connected.connected !== config.idle) {
    log(`  ${impl}: ${connected.connected}/${config.idle} connected, ${connected.failed} failed`);
  }
  await sleep(1500); // presence writes and the like settle
  const held = await metrics(a, true);
  result.memory = {
    n: config.idle,
    heapBytesPerConnection: (held.heapUsed - base.heapUsed) / config.idle,
    rssBytesPerConnection: (held.rss - base.rss) / config.idle,
  };
  // What fan-out and ack use; the others are let go.
  await load.keep(config.fanoutClients);
  await waitSockets(a, config.fanoutClients);
  const joined = await load.join('fanout', config.fanoutClients);
  if (joined !== config.fanoutClients) log(`  ${impl}: ${joined} joined the fan-out room`);
}

/** reject: tokens with a wrong signature. */
async function reject({ a, load, result }: Subject): Promise<void> {
  await quiet([a]);
  const before = await metrics(a);
  const rejected = await load.connect(a.url, config.reject, true);
  await waitSockets(a, 0);
  const after = await metrics(a);
  result.reject = {
    n: config.reject,
    refusedAtHandshake: rejected.refused,
    droppedAfterConnect: rejected.dropped,
    accepted: rejected.connected,
    cpuUsPerRefusal: (after.cpuUs - before.cpuUs) / config.reject,
  };
}

/**
 * One round: every implementation's servers run side by side, each with its own clients. Memory
 * and reject run on one implementation at a time; connect and the per-operation scenarios
 * (publish, fan-out, ack, cross) alternate single passes between them.
 */
async function runRound(
  impls: Impl[],
  round: number,
  redisUrl: string | undefined,
  runPrefix: string,
): Promise<RoundResult[]> {
  const subjects: Subject[] = [];
  // Before each alternated pass, every server of the round is idle: the pass before it (another
  // implementation's) leaves work behind, e.g. garbage collection after its disconnects.
  const allQuiet = () => quiet(subjects.flatMap((s) => (s.b ? [s.a, s.b] : [s.a])));
  const apply = <T>(values: T[], set: (s: Subject, value: T) => void) =>
    subjects.forEach((s, i) => set(s, values[i]));
  try {
    for (const impl of impls) {
      const keyPrefix = `${runPrefix}:${impl}:${round}`;
      const subject: Subject = {
        impl,
        a: await startServer(impl, redisUrl, keyPrefix),
        load: new Load(),
        result: { impl, round },
      };
      subjects.push(subject);
      if (redisUrl) subject.b = await startServer(impl, redisUrl, keyPrefix);
    }
    for (const s of subjects) await warmUp(s);

    // connect: authenticated handshakes, then let go.
    const connects = await interleaved(
      'connect',
      subjects,
      connectPass,
      (r) => r.cpuUsPerConnect,
      allQuiet,
      ['failed'],
    );
    apply(connects, (s, r) => (s.result.connect = r));

    for (const s of subjects) await memory(s);
    for (const s of subjects) await warmPublish(s);

    // publish: the same HTTP publishes to a room nobody is in. Not a target: it shows what
    // the HTTP stack (node's http, or Nest on Express) adds to each fan-out message.
    const published = await interleaved(
      'publish',
      subjects,
      async ({ a }) => ({ cpuUsPerPublish: await publishPass(a, config.fanoutMessages) }),
      (r) => r.cpuUsPerPublish,
      allQuiet,
    );
    apply(published, (s, r) => (s.result.publish = r));

    // fanout: clients in one room, messages published over HTTP.
    const fanned = await interleaved(
      'fanout',
      subjects,
      ({ a, load, result }) =>
        fanout(
          load,
          a,
          [a],
          config.fanoutClients,
          config.fanoutMessages,
          'fanout',
          publishCost(result),
        ),
      (r) => r.cpuUsPerDelivery,
      allQuiet,
      ['lost'],
    );
    apply(fanned, (s, r) => (s.result.fanout = r));

    // ack: closed loop, one request in flight per client.
    const acked = await interleaved(
      'ack',
      subjects,
      async ({ a, load }) => {
        await profile(a, 'ack');
        const before = await metrics(a);
        const done = await load.ack(config.ackClients, config.acksPerClient);
        const after = await metrics(a);
        await profile(a, 'ack');
        return {
          n: config.ackClients * config.acksPerClient,
          ok: done.ok,
          failed: done.failed,
          perSecond: (done.ok / done.wallMs) * 1000,
          latency: latencyStats(done.latencies),
          cpuUsPerAck: (after.cpuUs - before.cpuUs) / Math.max(1, done.ok),
          // Where it went: the main thread alone, the kernel, V8's GC pauses.
          ...split(before, after, done.ok),
        };
      },
      (r) => r.cpuUsPerAck,
      allQuiet,
      ['failed'],
    );
    apply(acked, (s, r) => (s.result.ack = r));

    for (const { a, load } of subjects) {
      await load.keep(0);
      await waitSockets(a, 0);
    }
    for (const s of subjects) await reject(s);

    // cross: clients on B, the publisher on A, one Redis.
    if (redisUrl) {
      for (const { a, b, load } of subjects) {
        await load.connect(b!.url, config.crossClients);
        await waitSockets(b!, config.crossClients);
        await load.join('cross', config.crossClients);
        await sleep(300);
        // B has not been warmed: without these unmeasured passes its first measured one was
        // always the costliest (receiving from Redis and delivering had not been optimised yet).
        for (let i = 0; i < 2; i++) {
          await fanout(load, a, [a, b!], config.crossClients, config.crossMessages, 'cross');
        }
      }
      const crossed = await interleaved(
        'cross',
        subjects,
        ({ a, b, load, result }) =>
          fanout(
            load,
            a,
            [a, b!],
            config.crossClients,
            config.crossMessages,
            'cross',
            publishCost(result),
          ),
        (r) => r.cpuUsPerDelivery,
        allQuiet,
        ['lost'],
      );
      apply(crossed, (s, r) => (s.result.cross = r));
    }
  } finally {
    for (const { a, b, load } of subjects) {
      await load.close();
      await stopServer(a);
      if (b) await stopServer(b);
    }
  }
  return subjects.map((s) => s.result);
}

/** 10,000 concurrent authenticated connections on one library instance, presence on. */
async function hold(redisUrl: string | undefined, runPrefix: string, n: number) {
  const server = await startServer('library', redisUrl, `${runPrefix}:hold`);
  const load = new Load();
  try {
    const result = await load.connect(server.url, n);
    await waitSockets(server, result.connected, 60_000);
    await sleep(2000);
    const m = await metrics(server, true);
    return {
      n,
      connected: result.connected,
      failed: result.failed + result.refused,
      serverSockets: m.sockets,
      presenceOnline: m.online ?? 0,
      heapMB: m.heapUsed / 2 ** 20,
      rssMB: m.rss / 2 ** 20,
      perSecond: (result.connected / result.wallMs) * 1000,
    };
  } finally {
    await load.close();
    await stopServer(server);
  }
}

// ---------------------------------------------------------------- main

async function main() {
  const redis = await openRedis();
  const runPrefix = `rt-bench:${randomUUID().slice(0, 8)}`;
  const started = new Date();
  log(
    `bench: ${config.rounds} round(s), ${only.join(', ')}; Redis ${redis.url ?? 'off'}; key prefix ${runPrefix}`,
  );
  const rounds: RoundResult[] = [];
  try {
    for (let round = 1; round <= config.rounds; round++) {
      const t0 = Date.now();
      rounds.push(...(await runRound(only, round, redis.url, runPrefix)));
      log(`  round ${round}: ${((Date.now() - t0) / 1000).toFixed(1)} s`);
    }
    const holdResult = config.hold ? await hold(redis.url, runPrefix, config.hold) : undefined;
    const report: Report = {
      date: started.toISOString(),
      command: `npm run bench${args.length ? ` -- ${args.join(' ')}` : ''}`,
      machine: `${cpus().length} × ${cpus()[0]?.model ?? 'cpu'}, ${(totalmem() / 2 ** 30).toFixed(0)} GiB, Node ${process.version}, ${process.platform}`,
      redis: redis.url ? 'on (one shared Redis, a key prefix per run)' : 'off',
      config,
      rounds,
      medians: {},
      hold: holdResult,
    };
    for (const impl of only) report.medians[impl] = medianOf(rounds.filter((r) => r.impl === impl));
    const dir = fileURLToPath(new URL('./results/', import.meta.url));
    mkdirSync(dir, { recursive: true });
    const stamp = started.toISOString().replace(/[:.]/g, '-');
    const markdown = renderMarkdown(report);
    writeFileSync(`${dir}bench-${stamp}.json`, JSON.stringify(report, null, 2));
    writeFileSync(`${dir}latest.json`, JSON.stringify(report, null, 2));
    writeFileSync(`${dir}latest.md`, markdown);
    writeFileSync(`${dir}ratios.svg`, renderSvg(report));
    process.stdout.write(markdown);
    log(`\nwrote bench/results/bench-${stamp}.json, latest.md, ratios.svg`);
  } finally {
    if (redis.url) await cleanupKeys(redis.url, runPrefix).catch(() => {});
    await redis.stop();
  }
}

/** Median of every numeric leaf across rounds. */
function medianOf(results: RoundResult[]): Record<string, number> {
  const values = new Map<string, number[]>();
  const visit = (node: unknown, path: string) => {
    if (typeof node === 'number') {
      values.set(path, [...(values.get(path) ?? []), node]);
    } else if (node && typeof node === 'object') {
      for (const [k, v] of Object.entries(node)) visit(v, path ? `${path}.${k}` : k);
    }
  };
  for (const r of results) {
    const { impl: _impl, round: _round, passes: _passes, warmup: _warmup, ...scenarios } = r;
    visit(scenarios, '');
  }
  return Object.fromEntries([...values].map(([k, v]) => [k, median(v)]));
}

await main();
process.exit(0);
