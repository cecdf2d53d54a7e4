// Interleaved passes: every implementation's server runs at the same time, each with its own
// clients, and one measured pass of a scenario runs on each in turn (A B C, B C A, ...), many
// times. Neighbouring passes share the machine's state, so slow spells of a noisy machine hit
// every implementation alike (as in `npm run bench`, which runs five passes per scenario and
// round). Reports each implementation's median, and the median of the per-turn ratios to the
// first implementation.
//   npm run bench:pairs -- --mode ack|fanout|cross|connect [--impls plain,library] [--reps 10]
//     [--clients N] [--churn N] [--held N] [--warm N] [--warm-publishes N]
//   --churn N: N handshakes and disconnects first; --held N: N connections, then `clients` kept
//   --warm-publishes N (fanout, cross; default 4000): HTTP publishes to an empty room first
//   --warm-fanout N (ack): N fan-out passes to the clients' room first
import { flag, implsFlag } from './load/args.js';
import type { ConnectResult, WorkerCommand } from './load/client-worker.js';
import {
  type Impl,
  metrics,
  profile,
  publish,
  publishPass,
  quiet,
  type ServerHandle,
  startServer,
  stopServer,
  Worker,
} from './load/processes.js';
import { median, turnOrder } from './load/stats.js';

const MODES = ['ack', 'fanout', 'cross', 'connect'] as const;
type Mode = (typeof MODES)[number];
const mode = flag('--mode', 'ack') as Mode;
if (!MODES.includes(mode)) throw new Error(`--mode: one of ${MODES.join(', ')}`);
const impls = implsFlag('plain,library');
const reps = Number(flag('--reps', '10'));
const clients = Number(
  flag('--clients', mode === 'cross' ? '500' : mode === 'connect' ? '2000' : '1000'),
);
const churn = Number(flag('--churn', '0'));
const held = Number(flag('--held', '0'));
const messages = 60;
/** Unmeasured passes first: the library's longer code paths need more calls to be optimised. */
const warm = Number(flag('--warm', mode === 'connect' ? '4' : '2'));
/**
 * Fan-out and cross count the HTTP publish requests, whose cost falls for about 4,000 requests
 * (the same for `npm run bench`'s warm-up): publish that many first, to a room nobody is in.
 */
const warmPublishes = Number(
  flag('--warm-publishes', mode === 'fanout' || mode === 'cross' ? '4000' : '0'),
);
/**
 * --warm-fanout N (ack): N unmeasured fan-out passes to the clients' room first, as `npm run
 * bench` runs fan-out before ack (broadcast deliveries take some of the same code paths).
 */
const warmFanout = Number(flag('--warm-fanout', '0'));
if (warmFanout && mode !== 'ack') throw new Error('--warm-fanout: with --mode ack only');
/** --gc: a forced full GC of every server after set-up (to see what the heap's state costs). */
const forceGc = process.argv.includes('--gc');

const run = Date.now();
const redisUrl = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

interface Subject {
  impl: Impl;
  /** The instance the clients use; in cross mode `publisher` is another instance. */
  target: ServerHandle;
  publisher: ServerHandle;
  measured: ServerHandle[];
  workers: Worker[];
  /** Per measured pass: server CPU µs per operation (all threads, main thread, kernel, GC). */
  costs: Cpu[];
  rates: number[];
}

let nextUser = 0;
const users = (n: number) => Array.from({ length: n }, () => `p${nextUser++}`);
const half = (n: number) => Math.ceil(n / 2);

async function setUp(impl: Impl, started: ServerHandle[]): Promise<Subject> {
  // A and B of one implementation share the prefix: one Redis channel.
  const keyPrefix = `rt-pairs:${run}:${impl}`;
  const a = await startServer(impl, redisUrl, keyPrefix);
  started.push(a);
  const b = mode === 'cross' ? await startServer(impl, redisUrl, keyPrefix) : undefined;
  if (b) started.push(b);
  const workers = [new Worker(), new Worker()];
  const subject: Subject = {
    impl,
    target: b ?? a,
    publisher: a,
    measured: b ? [a, b] : [a],
    workers,
    costs: [],
    rates: [],
  };
  // A factory, not a command: each worker gets its own user ids.
  const each = (command: () => WorkerCommand) => Promise.all(workers.map((w) => w.send(command())));
  if (churn) {
    await each(() => ({
      cmd: 'connect',
      url: a.url,
      userIds: users(half(churn)),
      concurrency: 25,
    }));
    await each(() => ({ cmd: 'disconnect', keep: 0 }));
  }
  if (mode !== 'connect') {
    // --held N: N connections first, of which `clients` stay (what npm run bench does).
    await each(() => ({
      cmd: 'connect',
      url: subject.target.url,
      userIds: users(half(Math.max(held, clients))),
      concurrency: 25,
    }));
    if (held > clients) await each(() => ({ cmd: 'disconnect', keep: half(clients) }));
    await each(() => ({ cmd: 'join', room: 'pairs', count: half(clients) }));
  }
  if (warmPublishes) await publishPass(a, warmPublishes);
  return subject;
}

/** The servers' CPU µs so far: all threads, and the main threads alone. */
async function cpu(servers: ServerHandle[]): Promise<Cpu> {
  const all = await Promise.all(servers.map((server) => metrics(server)));
  return {
    all: all.reduce((n, m) => n + m.cpuUs, 0),
    main: all.reduce((n, m) => n + (m.mainCpuUs ?? Number.NaN), 0),
    system: all.reduce((n, m) => n + m.systemCpuUs, 0),
    gc: all.reduce((n, m) => n + m.gcPauseUs, 0),
  };
}
type Cpu = { all: number; main: number; system: number; gc: number };
const per = (before: Cpu, after: Cpu, n: number): Cpu => ({
  all: (after.all - before.all) / n,
  main: (after.main - before.main) / n,
  system: (after.system - before.system) / n,
  gc: (after.gc - before.gc) / n,
});

/** One measured pass; returns server CPU µs per operation. */
async function pass(s: Subject, kind: Mode = mode): Promise<Cpu> {
  if (kind === 'connect') {
    await Promise.all(s.workers.map((w) => w.send({ cmd: 'disconnect', keep: 0 })));
    while ((await metrics(s.target)).sockets > 0) await sleep(50);
    await quiet(started); // presence removals and the clients' disconnects settle
    await profile(s.target, 'connect');
    const before = await cpu(s.measured);
    const results = await Promise.all(
      s.workers.map((w) =>
        w.send<ConnectResult>({
          cmd: 'connect',
          url: s.target.url,
          userIds: users(half(clients)),
          concurrency: 25,
        }),
      ),
    );
    const connected = results.reduce((n, r) => n + r.connected, 0);
    while ((await metrics(s.target)).sockets < connected) await sleep(20);
    const after = await cpu(s.measured);
    await profile(s.target, 'connect');
    s.rates.push((connected / Math.max(...results.map((r) => r.wallMs))) * 1000);
    return per(before, after, connected);
  }
  await quiet(started);
  if (kind === 'ack') {
    await profile(s.target, 'ack');
    const before = await cpu(s.measured);
    const results = await Promise.all(
      s.workers.map((w) => w.send<{ ok: number }>({ cmd: 'ack', count: 50, perSocket: 100 })),
    );
    const after = await cpu(s.measured);
    await profile(s.target, 'ack');
    return per(
      before,
      after,
      results.reduce((n, r) => n + r.ok, 0),
    );
  }
  const before = await cpu(s.measured);
  await Promise.all(s.workers.map((w) => w.send({ cmd: 'listen' })));
  for (let seq = 0; seq < messages; seq++) {
    await publish(s.publisher, 'pairs', seq);
    await sleep(5);
  }
  const got = await Promise.all(
    s.workers.map((w) =>
      w.send<{ received: number }>({
        cmd: 'collect',
        expected: half(clients) * messages,
        timeoutMs: 30_000,
      }),
    ),
  );
  const received = got.reduce((n, r) => n + r.received, 0);
  if (received !== clients * messages) {
    process.stderr.write(`${s.impl}: ${clients * messages - received} deliveries lost\n`);
  }
  return per(before, await cpu(s.measured), received);
}

const subjects: Subject[] = [];
const started: ServerHandle[] = [];
try {
  for (const impl of impls) subjects.push(await setUp(impl, started));
  if (forceGc) for (const server of started) await metrics(server, true);
  for (let i = 0; i < warmFanout; i++)
    for (const s of turnOrder(subjects, i)) await pass(s, 'fanout');
  for (let i = 0; i < warm; i++) for (const s of turnOrder(subjects, i)) await pass(s);
  for (let rep = 0; rep < reps; rep++) {
    for (const s of turnOrder(subjects, rep)) s.costs.push(await pass(s));
  }
  const unit = { ack: 'ack', fanout: 'delivery', cross: 'delivery (A+B)', connect: 'connect' }[
    mode
  ];
  console.log(
    `### bench:pairs --mode ${mode}: server CPU µs per ${unit}, ${reps} interleaved passes`,
  );
  console.log(
    `clients ${mode === 'ack' ? 100 : clients}${churn ? `, after ${churn} handshakes` : ''}` +
      `${warmFanout ? `, after ${warmFanout} fan-out passes` : ''}\n`,
  );
  console.log(
    '| implementation | median | / first (median of per-turn ratios) | main thread alone | / first | system (kernel) | / first | GC pauses | passes |',
  );
  console.log('| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | --- |');
  const base = subjects[0];
  // Of one column (`part`): this implementation's median, and the median of per-turn ratios.
  const medianOf = (s: Subject, part: keyof Cpu) => median(s.costs.map((c) => c[part]));
  const ratioOf = (s: Subject, part: keyof Cpu) =>
    median(s.costs.map((c, i) => c[part] / base.costs[i][part])).toFixed(3);
  for (const s of subjects) {
    const passes = s.costs.map((c) => c.all.toFixed(1)).join(' ');
    console.log(
      `| ${s.impl} | ${medianOf(s, 'all').toFixed(2)} | ${ratioOf(s, 'all')} | ` +
        `${medianOf(s, 'main').toFixed(2)} | ${ratioOf(s, 'main')} | ` +
        `${medianOf(s, 'system').toFixed(2)} | ${ratioOf(s, 'system')} | ` +
        `${medianOf(s, 'gc').toFixed(2)} | ${passes} |`,
    );
  }
  if (mode === 'connect') {
    console.log('\n| implementation | handshakes/s (median) | / first |');
    console.log('| --- | ---: | ---: |');
    for (const s of subjects) {
      const ratio = median(s.rates.map((r, i) => r / base.rates[i]));
      console.log(`| ${s.impl} | ${median(s.rates).toFixed(0)} | ${ratio.toFixed(3)} |`);
    }
  }
} finally {
  for (const s of subjects) await Promise.all(s.workers.map((w) => w.exit()));
  for (const server of started) await stopServer(server);
}
process.exit(0);
