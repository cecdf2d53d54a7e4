// Instructions the server's main thread executes per operation, counted by valgrind (callgrind):
// unlike CPU time, the count hardly moves from run to run, so a change of a few percent shows.
// Each implementation runs bench/load/counted.ts twice (short and long measured part, same
// warm-up); the difference divided by the extra operations is the figure (fixed costs cancel).
// The client and the harness run in the same process and are counted too, alike for all.
// Garbage collection on the main thread (V8's Heap::CollectGarbage, inclusive) is reported apart:
// whether a collection falls in the short or the long run moves the total by thousands of
// instructions per operation, while the rest stays within a few hundred.
//   npm run bench:instructions -- --mode ack|ack-net|connect|fanout|cross [--impls ...]
//   ack-net: the clients in another process, so only the server's instructions are counted;
//   with --churn N, after N handshakes and disconnects (ack-net only).
import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { flag, implsFlag } from './load/args.js';
import { type Impl, serverOf } from './load/processes.js';

const SIZES = {
  ack: { warm: 20_000, short: 2_000, long: 12_000 },
  'ack-net': { warm: 20_000, short: 2_000, long: 12_000 },
  connect: { warm: 300, short: 200, long: 700 },
  // Messages, each delivered to FANOUT_CLIENTS clients.
  fanout: { warm: 400, short: 40, long: 240 },
  cross: { warm: 400, short: 40, long: 240 },
} as const;
const FANOUT_CLIENTS = 50;
const mode = flag('--mode', 'ack') as keyof typeof SIZES;
if (!(mode in SIZES)) throw new Error(`--mode: one of ${Object.keys(SIZES).join(', ')}`);
const impls = implsFlag('plain,library');
const churn = Number(flag('--churn', '0'));
if (churn && mode !== 'ack-net') throw new Error('--churn: with --mode ack-net only');
if (spawnSync('valgrind', ['--version']).status !== 0) {
  throw new Error('bench:instructions needs valgrind on PATH (Debian: apt-get install valgrind)');
}
const counted = fileURLToPath(new URL('./load/counted.ts', import.meta.url));
const { warm, short, long } = SIZES[mode];

interface Count {
  total: number;
  /** Of which inside Heap::CollectGarbage (scavenges and full collections on the main thread). */
  gc: number;
}

/** Main-thread instructions of one run with `measured` operations counted. */
async function run(impl: Impl, measured: number): Promise<Count> {
  const { file, env, cwd } = serverOf(impl);
  const dir = mkdtempSync(join(tmpdir(), 'rt-instructions-'));
  try {
    const child = spawn(
      'valgrind',
      [
        '--tool=callgrind',
        '--instr-atstart=no',
        '--separate-threads=yes',
        `--callgrind-out-file=${join(dir, 'callgrind.out')}`,
        process.execPath,
        '--import',
        join(cwd, 'sample/register.mjs'),
        counted,
        join(cwd, 'bench/servers', `${file}.ts`),
        mode,
        String(warm),
        String(measured),
        String(FANOUT_CLIENTS),
      ],
      {
        cwd,
        env: {
          ...process.env,
          ...env,
          REDIS_URL: process.env.REDIS_URL ?? 'redis://127.0.0.1:6379',
          BENCH_CHURN: String(churn),
        },
        stdio: ['ignore', 'ignore', 'pipe'],
      },
    );
    let stderr = '';
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    const code = await new Promise<number | null>((resolve) => child.once('exit', resolve));
    if (code !== 0)
      throw new Error(`${impl} (${measured}) exited with ${code}:\n${stderr.slice(-2000)}`);
    // Thread 1 is the main thread (callgrind writes one file per thread: callgrind.out-01, ...).
    const main = readdirSync(dir).find((f) => f.endsWith('-01'));
    const totals = main && /^totals: (\d+)/m.exec(readFileSync(join(dir, main), 'utf8'));
    if (!totals) throw new Error(`${impl}: no callgrind totals for the main thread`);
    return { total: Number(totals[1]), gc: collectGarbage(join(dir, main)) };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** Inclusive instructions of Heap::CollectGarbage in a callgrind file (callgrind_annotate). */
function collectGarbage(file: string): number {
  const out = spawnSync('callgrind_annotate', ['--inclusive=yes', '--threshold=100', file], {
    encoding: 'utf8',
    maxBuffer: 256 * 1024 * 1024,
  }).stdout;
  const line = out.split('\n').find((l) => l.includes('v8::internal::Heap::CollectGarbage('));
  return line ? Number(/^\s*([\d,]+)/.exec(line)![1].replaceAll(',', '')) : 0;
}

const perDelivery = mode === 'fanout' || mode === 'cross';
const unit = perDelivery ? 'delivery' : mode === 'ack-net' ? 'ack' : mode;
const perMeasured = perDelivery ? FANOUT_CLIENTS : 1;
const rows: Array<{ impl: Impl; perOp: number; gc: number }> = [];
for (const impl of impls) {
  // The two runs of an implementation side by side (one per core).
  const [a, b] = await Promise.all([run(impl, short), run(impl, long)]);
  const per = (x: number, y: number) => (y - x) / ((long - short) * perMeasured);
  const row = { impl, perOp: per(a.total, b.total), gc: per(a.gc, b.gc) };
  rows.push(row);
  process.stderr.write(
    `  ${impl}: ${Math.round(row.perOp)} per ${unit}, ${Math.round(row.gc)} in GC\n`,
  );
}
console.log(`### bench:instructions --mode ${mode}: main-thread instructions per ${unit}\n`);
console.log(
  `warm-up ${warm}${churn ? ` after ${churn} handshakes and disconnects` : ''}, counted ${short} and ${long}; figure = difference / ${(long - short) * perMeasured}` +
    (perDelivery ? ` (${FANOUT_CLIENTS} clients per message)\n` : '\n'),
);
const fmt = (n: number) => Math.round(n).toLocaleString('en');
const [first] = rows;
console.log(
  `| implementation | instructions per ${unit} | / ${first.impl} | of which GC | without GC | / ${first.impl} |`,
);
console.log('| --- | ---: | ---: | ---: | ---: | ---: |');
for (const { impl, perOp, gc } of rows) {
  console.log(
    `| ${impl} | ${fmt(perOp)} | ${(perOp / first.perOp).toFixed(3)} | ${fmt(gc)} | ` +
      `${fmt(perOp - gc)} | ${((perOp - gc) / (first.perOp - first.gc)).toFixed(3)} |`,
  );
}
