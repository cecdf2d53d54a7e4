// The workload of `npm run bench:instructions`, run under callgrind: one bench server in this
// process, `warm` operations, then `measured` ones with callgrind's instrumentation on.
//   ack: `send` events handed to a server socket one per event-loop turn (as bench/in-process.ts),
//        each answered to a real client; connect: authenticated handshakes, one at a time, kept.
//   node --import <checkout>/sample/register.mjs bench/load/counted.ts <server.ts> ack|connect W M
import { execFileSync } from 'node:child_process';
import { pathToFileURL } from 'node:url';
import { io as connect, type Socket as ClientSocket } from 'socket.io-client';
import { signBenchToken } from '../shared.js';
import { firstServerSocket, sendEvent } from './first-socket.js';
import { freePort } from './processes.js';

const [server, mode, warmArg, measuredArg] = process.argv.slice(2);
const warm = Number(warmArg);
const measured = Number(measuredArg);
const port = await freePort();
process.env.PORT = String(port);
process.env.KEY_PREFIX = `rt-counted:${process.pid}`;
const url = `http://127.0.0.1:${port}`;

/** callgrind counts only between these two calls (the process runs with --instr-atstart=no). */
const instrument = (on: boolean) =>
  execFileSync('callgrind_control', ['-i', on ? 'on' : 'off', String(process.pid)], {
    stdio: 'ignore',
  });

const target = firstServerSocket();
await import(pathToFileURL(server).href);

const turn = () => new Promise((resolve) => setImmediate(resolve));

if (mode === 'ack') {
  const client = connect(url, { transports: ['websocket'], auth: { token: signBenchToken('c') } });
  await new Promise<void>((resolve) => client.once('connect', () => resolve()));
  const socket = await target();
  let answered = 0;
  client.io.engine.on('message', () => answered++);
  let id = 1;
  const pass = async (n: number) => {
    for (let i = 0; i < n; i++) {
      sendEvent(socket, id++, `hi ${i}`);
      await turn();
    }
    while (answered < id - 1) await turn();
  };
  await pass(warm);
  instrument(true);
  await pass(measured);
  instrument(false);
} else if (mode === 'connect') {
  // Signed beforehand: signing is the client's work, not the server's.
  const tokens = Array.from({ length: warm + measured }, (_, i) => signBenchToken(`user-${i}`));
  const held: ClientSocket[] = [];
  const pass = async (from: number, n: number) => {
    for (let i = from; i < from + n; i++) {
      const client = connect(url, {
        transports: ['websocket'],
        forceNew: true,
        auth: { token: tokens[i] },
      });
      await new Promise<void>((resolve, reject) => {
        client.once('connect', () => resolve());
        client.once('connect_error', reject);
      });
      held.push(client);
    }
  };
  await pass(0, warm);
  for (const client of held.splice(0)) client.disconnect();
  await new Promise((resolve) => setTimeout(resolve, 500));
  instrument(true);
  await pass(warm, measured);
  instrument(false);
} else {
  throw new Error(`mode: ack or connect, not ${mode}`);
}
process.exit(0);
