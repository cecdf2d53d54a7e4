// The workload of `npm run bench:instructions`, run under callgrind: one bench server in this
// process, `warm` operations, then `measured` ones with callgrind's instrumentation on.
//   ack: `send` events handed to a server socket one per event-loop turn (as bench/in-process.ts),
//        each answered to a real client;
//   ack-net: the same over the network from a client process (the server's instructions alone);
//   connect: authenticated handshakes, one at a time, kept;
//   fanout: messages broadcast by the server to C clients in one room, one per event-loop turn;
//   cross: the same messages published on another instance (through Redis), received here.
//   node --import <checkout>/sample/register.mjs bench/load/counted.ts <server.ts> <mode> W M [C]
import { execFileSync } from 'node:child_process';
import { pathToFileURL } from 'node:url';
import { io as connect, type Socket as ClientSocket } from 'socket.io-client';
import type { Namespace } from 'socket.io';
import { PUBLISH_EVENT, signBenchToken } from '../shared.js';
import { firstServerSocket, sendEvent } from './first-socket.js';
import { freePort, publish, startServer, stopServer, Worker } from './processes.js';

const [server, mode, warmArg, measuredArg, clientsArg] = process.argv.slice(2);
/** Clients in the room of the fan-out workload. */
const FANOUT_CLIENTS = Number(clientsArg ?? 50);
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
} else if (mode === 'ack-net') {
  // The same events sent over the network by a client process, one at a time (more in flight
  // would let the count depend on how many frames each read happens to carry): only the
  // server's own instructions are counted, its network read path included.
  // BENCH_CHURN=N (bench:instructions --churn N): N handshakes and disconnects first, the state
  // `npm run bench` measures ack in after its connect and memory scenarios.
  const churn = Number(process.env.BENCH_CHURN ?? 0);
  if (churn > 0) {
    const churner = new Worker();
    const userIds = Array.from({ length: churn }, (_, i) => `churn-${i}`);
    await churner.send({ cmd: 'connect', url, userIds, concurrency: 25 });
    await churner.send({ cmd: 'disconnect', keep: 0 });
    await churner.exit();
  }
  const worker = new Worker();
  await worker.send({ cmd: 'connect', url, userIds: ['net-0'], concurrency: 1 });
  const pass = async (n: number) => {
    const { ok } = await worker.send<{ ok: number }>({ cmd: 'ack', count: 1, perSocket: n });
    if (ok !== n) throw new Error(`ack-net: ${ok} of ${n} acks answered`);
  };
  await pass(warm);
  instrument(true);
  await pass(measured);
  instrument(false);
  await worker.exit();
} else if (mode === 'fanout' || mode === 'cross') {
  // FANOUT_CLIENTS clients in one room. fanout: each message is broadcast by the server itself
  // (no HTTP publish), so what is counted is the broadcast: encoding once, then every delivery.
  let delivered = 0;
  // Awaited, not polled: polling turns would be counted, as many as the machine is slow.
  let expected = -1;
  let allDelivered = () => {};
  for (let i = 0; i < FANOUT_CLIENTS; i++) {
    const client = connect(url, {
      transports: ['websocket'],
      forceNew: true,
      auth: { token: signBenchToken(`fan-${i}`) },
    });
    await new Promise<void>((resolve) => client.once('connect', () => resolve()));
    client.on(PUBLISH_EVENT, () => {
      if (++delivered === expected) allDelivered();
    });
  }
  const { nsp } = (await target()) as unknown as { nsp: Namespace };
  // A local join: with the Redis adapter, socketsJoin would go through Redis.
  for (const socket of nsp.sockets.values()) socket.join('fan');
  let sent = 0;
  // cross: the messages come from another instance (a plain Socket.IO server on the same Redis
  // channel, published to over HTTP): this process only receives and delivers them.
  const publisher =
    mode === 'cross'
      ? await startServer('plain', process.env.REDIS_URL, process.env.KEY_PREFIX!)
      : undefined;
  const pass = async (n: number) => {
    const done = new Promise<void>((resolve) => (allDelivered = resolve));
    expected = (sent + n) * FANOUT_CLIENTS;
    for (let i = 0; i < n; i++) {
      if (publisher) await publish(publisher, 'fan', sent++);
      else nsp.to('fan').emit(PUBLISH_EVENT, { room: 'fan', text: `hi ${sent++}` });
      await turn();
    }
    await done;
  };
  await pass(warm);
  instrument(true);
  await pass(measured);
  instrument(false);
  if (publisher) await stopServer(publisher);
} else {
  throw new Error(`mode: ack, ack-net, connect, fanout or cross, not ${mode}`);
}
process.exit(0);
