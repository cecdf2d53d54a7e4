// Rendering of a bench run: the markdown table (stdout, README) and an SVG chart of the ratios.
import type { Impl } from './load/processes.js';
import { median } from './load/stats.js';

export interface RoundResult {
  impl: Impl;
  round: number;
  connect?: Record<string, unknown>;
  memory?: Record<string, unknown>;
  fanout?: Record<string, unknown>;
  publish?: Record<string, unknown>;
  ack?: Record<string, unknown>;
  reject?: Record<string, unknown>;
  cross?: Record<string, unknown>;
  /**
   * Every measured pass of the interleaved scenarios, by scenario, in turn order: pass i of each
   * implementation in a round ran back to back with pass i of the others (one turn).
   */
  passes?: Record<string, unknown[]>;
  /** The unmeasured warm-up: publish and connect passes until their cost settled (see run.ts). */
  warmup?: { connectPasses: number; cpuUsPerConnect: number[]; cpuUsPerPublish?: number[] };
}

export interface Report {
  date: string;
  command: string;
  machine: string;
  redis: string;
  config: Record<string, unknown>;
  rounds: RoundResult[];
  medians: Partial<Record<Impl, Record<string, number>>>;
  hold?: Record<string, number>;
}

interface Row {
  key: string;
  label: string;
  better: 'lower' | 'higher';
  /** Target of library / plain: at most (lower) or at least (higher). */
  target?: number;
  scale?: number;
  digits?: number;
}

export const ROWS: Row[] = [
  { key: 'ack.cpuUsPerAck', label: 'ack: server CPU µs per ack', better: 'lower', target: 1.1 },
  { key: 'ack.perSecond', label: 'ack: round trips/s', better: 'higher', digits: 0 },
  { key: 'ack.latency.p50', label: 'ack: latency p50 ms', better: 'lower', digits: 2 },
  { key: 'ack.latency.p99', label: 'ack: latency p99 ms', better: 'lower', digits: 2 },
  {
    key: 'fanout.cpuUsPerDelivery',
    label: 'fanout: server CPU µs per delivery',
    better: 'lower',
    target: 1.05,
    digits: 2,
  },
  {
    key: 'fanout.cpuUsPerDeliveryNet',
    label: 'fanout: the same, less the HTTP publish requests',
    better: 'lower',
    digits: 2,
  },
  { key: 'fanout.perSecond', label: 'fanout: deliveries/s', better: 'higher', digits: 0 },
  { key: 'fanout.latency.p50', label: 'fanout: latency p50 ms', better: 'lower', digits: 2 },
  { key: 'fanout.latency.p99', label: 'fanout: latency p99 ms', better: 'lower', digits: 2 },
  { key: 'fanout.lost', label: 'fanout: lost', better: 'lower', digits: 0 },
  {
    key: 'publish.cpuUsPerPublish',
    label: 'publish: server CPU µs per HTTP publish, no receivers',
    better: 'lower',
    digits: 0,
  },
  {
    key: 'memory.heapBytesPerConnection',
    label: 'memory: heap KiB per idle connection',
    better: 'lower',
    target: 1.15,
    scale: 1 / 1024,
    digits: 2,
  },
  {
    key: 'memory.rssBytesPerConnection',
    label: 'memory: RSS KiB per idle connection',
    better: 'lower',
    scale: 1 / 1024,
    digits: 1,
  },
  {
    key: 'connect.cpuUsPerConnect',
    label: 'connect: server CPU µs per connect',
    better: 'lower',
    target: 1.2,
  },
  {
    key: 'connect.perSecond',
    label: 'connect: handshakes/s',
    better: 'higher',
    target: 0.9,
    digits: 0,
  },
  { key: 'connect.latency.p50', label: 'connect: handshake p50 ms', better: 'lower', digits: 1 },
  { key: 'connect.latency.p95', label: 'connect: handshake p95 ms', better: 'lower', digits: 1 },
  { key: 'connect.latency.p99', label: 'connect: handshake p99 ms', better: 'lower', digits: 1 },
  { key: 'reject.cpuUsPerRefusal', label: 'reject: server CPU µs per refusal', better: 'lower' },
  {
    key: 'reject.refusedAtHandshake',
    label: 'reject: refused at the handshake',
    better: 'higher',
    digits: 0,
  },
  {
    key: 'cross.cpuUsPerDelivery',
    label: 'cross: CPU µs per delivery (A+B)',
    better: 'lower',
    target: 1.1,
    digits: 2,
  },
  {
    key: 'cross.cpuUsPerDeliveryNet',
    label: 'cross: the same, less the HTTP publish requests',
    better: 'lower',
    digits: 2,
  },
  {
    key: 'cross.publisherCpuUsPerMessage',
    label: 'cross: A (publisher) CPU µs per message',
    better: 'lower',
    digits: 1,
  },
  {
    key: 'cross.receiverCpuUsPerDelivery',
    label: 'cross: B (receiver) CPU µs per delivery',
    better: 'lower',
    digits: 2,
  },
  { key: 'cross.perSecond', label: 'cross: deliveries/s', better: 'higher', digits: 0 },
  { key: 'cross.latency.p50', label: 'cross: latency p50 ms', better: 'lower', digits: 2 },
  { key: 'cross.latency.p99', label: 'cross: latency p99 ms', better: 'lower', digits: 2 },
  { key: 'cross.lost', label: 'cross: lost', better: 'lower', digits: 0 },
];

const fmt = (v: number | undefined, digits = 1) =>
  v === undefined || Number.isNaN(v)
    ? '–'
    : v.toLocaleString('en-US', { minimumFractionDigits: digits, maximumFractionDigits: digits });

function ratio(a: number | undefined, b: number | undefined): number | undefined {
  if (a === undefined || b === undefined || !Number.isFinite(a) || !Number.isFinite(b) || b === 0)
    return undefined;
  return a / b;
}

const field = (node: unknown, path: string[]): number | undefined => {
  const value = path.reduce<unknown>(
    (n, k) => (n as Record<string, unknown> | undefined)?.[k],
    node,
  );
  return typeof value === 'number' ? value : undefined;
};

/**
 * `a / b` for one metric. For an interleaved scenario: the median, over every turn of every
 * round, of a's pass against b's pass of the same turn. The two passes ran back to back, so a
 * slow spell of the machine (seen to move single passes by ±20 %) divides out instead of landing
 * on one implementation's median. Otherwise (memory, reject): the ratio of the medians.
 */
export function ratioOf(report: Report, a: Impl, b: Impl, key: string): number | undefined {
  const [scenario, ...path] = key.split('.');
  const ratios: number[] = [];
  for (const ra of report.rounds.filter((r) => r.impl === a)) {
    const rb = report.rounds.find((r) => r.impl === b && r.round === ra.round);
    const pa = ra.passes?.[scenario];
    const pb = rb?.passes?.[scenario];
    if (!pa || !pb) continue;
    for (let i = 0; i < Math.min(pa.length, pb.length); i++) {
      const r = ratio(field(pa[i], path), field(pb[i], path));
      if (r !== undefined) ratios.push(r);
    }
  }
  if (ratios.length > 0) return median(ratios);
  return ratio(report.medians[a]?.[key], report.medians[b]?.[key]);
}

export interface Verdict {
  label: string;
  vsPlain?: number;
  vsHand?: number;
  target: string;
  met: boolean;
}

export function verdicts(report: Report): Verdict[] {
  const { library } = report.medians;
  const out: Verdict[] = [];
  for (const row of ROWS.filter((r) => r.target !== undefined)) {
    const vsPlain = ratioOf(report, 'library', 'plain', row.key);
    const vsHand = ratioOf(report, 'library', 'handwritten', row.key);
    const okPlain =
      vsPlain !== undefined &&
      (row.better === 'lower' ? vsPlain <= row.target! : vsPlain >= row.target!);
    const okHand = vsHand === undefined || (row.better === 'lower' ? vsHand < 1 : vsHand > 1);
    out.push({
      label: row.label,
      vsPlain,
      vsHand,
      target: `${row.better === 'lower' ? '≤' : '≥'} ${row.target!.toFixed(2)}`,
      met: okPlain && okHand,
    });
  }
  const lost = library?.['cross.lost'];
  if (lost !== undefined) {
    out.push({ label: 'cross: deliveries lost', target: '= 0', met: lost === 0 });
  }
  if (report.hold) {
    out.push({
      label: `hold: ${report.hold.n} authenticated connections, presence on`,
      target: `${report.hold.n} held`,
      met:
        report.hold.serverSockets === report.hold.n && report.hold.presenceOnline === report.hold.n,
    });
  }
  return out;
}

export function renderMarkdown(report: Report): string {
  const { plain, handwritten, library } = report.medians;
  const lines = [
    `### nestjs-realtime bench (${report.date.slice(0, 10)})`,
    '',
    `Machine: ${report.machine}. Redis: ${report.redis}. Command: \`${report.command}\`.`,
    `Medians of ${report.config.rounds} round(s). In each round the implementations run side by side; connect, publish, fan-out, ack and cross alternate single passes between them (A B C, B C A, C A B …, median of ${report.config.reps} each), memory and reject run on one at a time. Ratios of the alternated scenarios are medians of per-turn ratios (each pass against the other implementation's pass of the same turn); the others are ratios of medians.`,
    '',
    '| metric | plain Socket.IO | hand-written Nest | library | library / plain | library / hand-written | target (/ plain) |',
    '| --- | ---: | ---: | ---: | ---: | ---: | --- |',
  ];
  for (const row of ROWS) {
    const s = row.scale ?? 1;
    const d = row.digits ?? 1;
    const v = (m?: Record<string, number>) =>
      m?.[row.key] === undefined ? undefined : m[row.key] * s;
    const r1 = ratioOf(report, 'library', 'plain', row.key);
    const r2 = ratioOf(report, 'library', 'handwritten', row.key);
    const target =
      row.target === undefined
        ? ''
        : `${row.better === 'lower' ? '≤' : '≥'} ${row.target.toFixed(2)}`;
    lines.push(
      `| ${row.label} | ${fmt(v(plain), d)} | ${fmt(v(handwritten), d)} | ${fmt(v(library), d)} | ${r1 === undefined ? '–' : r1.toFixed(2)} | ${r2 === undefined ? '–' : r2.toFixed(2)} | ${target} |`,
    );
  }
  lines.push(
    '',
    '| target | library / plain | library / hand-written | met |',
    '| --- | ---: | ---: | :---: |',
  );
  for (const v of verdicts(report)) {
    lines.push(
      `| ${v.label} ${v.target} | ${v.vsPlain?.toFixed(2) ?? '–'} | ${v.vsHand?.toFixed(2) ?? '–'} | ${v.met ? 'yes' : '**no**'} |`,
    );
  }
  const bare = report.medians['library-no-presence'];
  if (library && bare) {
    // Issue #6's figure: what tracking every connection costs the same app.
    const cost = (key: string, better: 'lower' | 'higher') => {
      const r = ratioOf(report, 'library', 'library-no-presence', key);
      return r === undefined
        ? '–'
        : `${(((better === 'lower' ? r : 1 / r) - 1) * 100).toFixed(1)} %`;
    };
    lines.push(
      '',
      '| presence cost | library | library without presence | cost |',
      '| --- | ---: | ---: | ---: |',
      `| connect: handshakes/s (target ≤ 10 %) | ${fmt(library['connect.perSecond'], 0)} | ${fmt(bare['connect.perSecond'], 0)} | ${cost('connect.perSecond', 'higher')} |`,
      `| connect: server CPU µs per connect | ${fmt(library['connect.cpuUsPerConnect'], 1)} | ${fmt(bare['connect.cpuUsPerConnect'], 1)} | ${cost('connect.cpuUsPerConnect', 'lower')} |`,
      `| memory: heap KiB per idle connection | ${fmt(library['memory.heapBytesPerConnection'] / 1024, 2)} | ${fmt(bare['memory.heapBytesPerConnection'] / 1024, 2)} | ${cost('memory.heapBytesPerConnection', 'lower')} |`,
    );
  }
  if (library && report.medians['plain-in-nest']) {
    // What hosting Socket.IO in a Nest app costs by itself, and the library against that.
    lines.push(
      '',
      '| target metric | plain in a Nest app / plain | library / plain in a Nest app |',
      '| --- | ---: | ---: |',
    );
    for (const row of ROWS.filter((r) => r.target !== undefined)) {
      const hosted = ratioOf(report, 'plain-in-nest', 'plain', row.key);
      const vsHosted = ratioOf(report, 'library', 'plain-in-nest', row.key);
      lines.push(
        `| ${row.label} | ${hosted?.toFixed(2) ?? '–'} | ${vsHosted?.toFixed(2) ?? '–'} |`,
      );
    }
  }
  if (report.hold) {
    const h = report.hold;
    lines.push(
      '',
      `Hold: ${fmt(h.serverSockets, 0)} of ${fmt(h.n, 0)} authenticated connections held by one library instance with presence on (presence online ${fmt(h.presenceOnline, 0)}, ${fmt(h.connected, 0)} clients connected at ${fmt(h.perSecond, 0)}/s, heap ${fmt(h.heapMB, 0)} MiB, RSS ${fmt(h.rssMB, 0)} MiB).`,
    );
  }
  return `${lines.join('\n')}\n`;
}

const esc = (s: string) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');

/** Horizontal bars of library/plain and library/hand-written per targeted metric; 1.0 and the target marked. */
export function renderSvg(report: Report): string {
  const rows = ROWS.filter((r) => r.target !== undefined);
  const width = 860;
  const left = 290;
  const barH = 14;
  const rowH = 48;
  const top = 50;
  const height = top + rows.length * rowH + 40;
  const values = rows.flatMap((r) => [
    ratioOf(report, 'library', 'plain', r.key) ?? 0,
    ratioOf(report, 'library', 'handwritten', r.key) ?? 0,
  ]);
  const max = Math.max(2, Math.ceil(Math.max(...values) * 2) / 2);
  const x = (v: number) => left + (v / max) * (width - left - 60);
  const parts = [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" font-family="sans-serif" font-size="12">`,
    `<rect width="100%" height="100%" fill="#fff"/>`,
    `<text x="10" y="20" font-size="15" font-weight="bold">nestjs-realtime: library / plain Socket.IO and library / hand-written Nest (per-turn medians)</text>`,
    `<text x="10" y="38" fill="#555">${esc(report.machine)} · ${esc(report.date.slice(0, 10))} · lower is better except handshakes/s · black tick: target</text>`,
  ];
  for (let t = 0; t <= max; t += 0.5) {
    parts.push(
      `<line x1="${x(t)}" y1="${top - 6}" x2="${x(t)}" y2="${height - 30}" stroke="${t === 1 ? '#333' : '#ddd'}" stroke-dasharray="${t === 1 ? '' : '3,3'}"/>`,
      `<text x="${x(t)}" y="${height - 14}" text-anchor="middle" fill="#555">${t.toFixed(1)}×</text>`,
    );
  }
  rows.forEach((row, i) => {
    const y = top + i * rowH;
    parts.push(`<text x="10" y="${y + 18}">${esc(row.label)}</text>`);
    const bars: Array<[string, number | undefined, string]> = [
      ['/ plain', ratioOf(report, 'library', 'plain', row.key), '#2b7bb9'],
      ['/ hand-written', ratioOf(report, 'library', 'handwritten', row.key), '#e08a2b'],
    ];
    bars.forEach(([name, value, color], j) => {
      const by = y + j * (barH + 3);
      if (value === undefined) return;
      parts.push(
        `<rect x="${left}" y="${by}" width="${Math.max(1, x(value) - left)}" height="${barH}" fill="${color}"/>`,
        `<text x="${x(value) + 4}" y="${by + 11}" fill="#222">${value.toFixed(2)} ${name}</text>`,
      );
    });
    const tx = x(row.target!);
    parts.push(
      `<line x1="${tx}" y1="${y - 2}" x2="${tx}" y2="${y + 2 * barH + 5}" stroke="#000" stroke-width="2"/>`,
    );
  });
  parts.push('</svg>');
  return `${parts.join('\n')}\n`;
}
