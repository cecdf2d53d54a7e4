// Soak: N clients exchange messages for D seconds against one instance (a separate process);
// the server's heap after a forced GC must come back to within 10 % of its value before they came
// (after a short warm-up round, so JIT code and lazily built pools are in both figures).
//   npm run soak -- [--clients 1000] [--seconds 60]
import { join } from 'node:path';
import { io, type Socket } from 'socket.io-client';
import { ask, connected, eventually } from '../test/kit/events.js';
import { AppInstance } from '../test/kit/instance.js';
import { signToken, TEST_SECRET } from '../test/kit/tokens.js';

const arg = (name: string, fallback: number) => {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? Number(process.argv[i + 1]) : fallback;
};
const CLIENTS = arg('clients', 1000);
const SECONDS = arg('seconds', 60);
const ROOMS = Math.max(1, Math.floor(CLIENTS / 10));

const instance = await AppInstance.start({
  // Presence to the rooms a user shares (10 per room), as a chat would; see README on scope.
  realtime: {
    auth: { secret: TEST_SECRET },
    throttle: { limit: 50, burst: 100 },
    presence: { scope: 'rooms' },
  },
  fixture: join(import.meta.dirname, '..', 'test', 'fixtures', 'emitter-app.ts'),
  nodeArgs: ['--expose-gc'],
});
const probe = await instance.connect('/app', { auth: { token: signToken({ sub: 'probe' }) } });
const heap = async () => (await ask<{ heapUsed: number }>(probe, 'heap')).heapUsed;
const mb = (n: number) => `${(n / 1024 / 1024).toFixed(1)} MB`;

async function round(seconds: number): Promise<{ sent: number; received: number }> {
  const sockets: Socket[] = [];
  await Promise.all(
    Array.from({ length: CLIENTS }, async (_, i) => {
      const socket = io(`${instance.url}/app`, {
        transports: ['websocket'],
        forceNew: true,
        reconnection: false,
        autoConnect: false,
        auth: { token: signToken({ sub: `soak-${i}` }) },
      });
      sockets.push(socket);
      await connected(socket, 60_000);
      await ask(socket, 'join', { room: `room-${i % ROOMS}` });
    }),
  );
  let sent = 0;
  let received = 0;
  for (const s of sockets) s.on('chat', () => received++);
  const until = Date.now() + seconds * 1000;
  await Promise.all(
    sockets.map(async (socket, i) => {
      await new Promise((r) => setTimeout(r, Math.random() * 2000));
      while (Date.now() < until) {
        await ask(socket, 'emit', {
          to: { room: `room-${i % ROOMS}` },
          event: 'chat',
          data: { i, at: Date.now() },
        });
        sent++;
        await new Promise((r) => setTimeout(r, 1500 + Math.random() * 1000));
      }
    }),
  );
  for (const s of sockets) s.disconnect();
  await eventually(async () => (await ask<number>(probe, 'count_online')) === 1, {
    timeoutMs: 30_000,
    what: 'every soak client to be gone',
  });
  return { sent, received };
}

try {
  const cold = await heap();
  await round(5); // warm-up: JIT, lazy modules and pools reach their steady size
  const start = await heap();
  const started = Date.now();
  const { sent, received } = await round(SECONDS);
  const end = await heap();
  const change = (end - start) / start;
  const result = {
    clients: CLIENTS,
    seconds: SECONDS,
    messagesSent: sent,
    deliveries: received,
    heapCold: mb(cold),
    heapBefore: mb(start),
    heapAfter: mb(end),
    change: `${(change * 100).toFixed(1)} %`,
    // A leak shows as growth; coming back below the start (pools shrinking) is fine.
    pass: change <= 0.1,
    wallSeconds: Math.round((Date.now() - started) / 1000),
  };
  console.log(JSON.stringify(result, null, 2));
  process.exitCode = result.pass ? 0 : 1;
} finally {
  await instance.stop();
}
