// Server CPU per message without the network: events are handed straight to a server socket of
// one bench server (plain or library) in this process, and each answer is written to a real
// client over WebSocket. `batched`: 64 events per event-loop turn (the code stays hot);
// `spaced`: one per turn, with its write, as messages arrive over the network.
//   node --import ./sample/register.mjs bench/in-process.ts plain|library [batched|spaced]
//   BENCH_OFF=guard,validation,throttle,presence turns parts of the library's app off.
import { io as connect } from 'socket.io-client';
import { firstServerSocket, sendEvent } from './load/first-socket.js';
import { freePort } from './load/processes.js';
import { median } from './load/stats.js';
import { signBenchToken } from './shared.js';

const impl = process.argv[2] ?? 'plain';
if (impl !== 'plain' && impl !== 'library') throw new Error('first argument: plain or library');
const mode = process.argv[3] ?? 'batched';
if (mode !== 'batched' && mode !== 'spaced') throw new Error('second argument: batched or spaced');

const port = await freePort();
process.env.PORT = String(port);
process.env.REDIS_URL ??= 'redis://127.0.0.1:6379';
process.env.KEY_PREFIX = `rt-in-process:${process.pid}`;

// The server socket of the first connection: the one the events are handed to.
const target = firstServerSocket();
await import(`./servers/${impl}.ts`);
const client = connect(`http://127.0.0.1:${port}`, {
  transports: ['websocket'],
  auth: { token: signBenchToken('in-process') },
});
await new Promise<void>((resolve) => client.once('connect', () => resolve()));
const socket = await target();
let answered = 0;
client.io.engine.on('message', () => answered++);

const turn = () => new Promise((resolve) => setImmediate(resolve));
let id = 1;
/** CPU µs per event over `n` events (or per empty step with `send` false: the loop's own cost). */
async function pass(n: number, send: boolean): Promise<number> {
  const start = process.cpuUsage();
  for (let i = 0; i < n; i++) {
    if (send) {
      sendEvent(socket, id++, `hello ${i}`);
    }
    if (mode === 'spaced' || i % 64 === 63) await turn();
  }
  await turn();
  const spent = process.cpuUsage(start);
  return (spent.user + spent.system) / n;
}

const n = 20_000;
for (let i = 0; i < 3; i++) await pass(n, true);
const sent: number[] = [];
const empty: number[] = [];
for (let i = 0; i < 5; i++) {
  sent.push(await pass(n, true));
  empty.push(await pass(n, false));
}
const perEvent = median(sent) - median(empty);
console.log(
  `${impl} ${mode}: ${perEvent.toFixed(2)} µs of CPU per event (median of 5 passes of ${n}; ` +
    `${answered} answers received)`,
);
process.exit(0);
