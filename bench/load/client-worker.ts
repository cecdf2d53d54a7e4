// A load-generator process: holds socket.io-client connections (websocket only) and runs the
// commands the orchestrator (bench/run.ts) sends over IPC. Several run side by side.
import { io, type Socket } from 'socket.io-client';
import { forgedBenchToken, PUBLISH_EVENT, signBenchToken } from '../shared.js';

export type WorkerCommand =
  | { cmd: 'connect'; url: string; userIds: string[]; concurrency: number; forged?: boolean }
  | { cmd: 'join'; room: string; count: number }
  | { cmd: 'listen' }
  | { cmd: 'collect'; expected: number; timeoutMs: number }
  | { cmd: 'ack'; count: number; perSocket: number }
  | { cmd: 'disconnect'; keep: number }
  | { cmd: 'exit' };

export interface ConnectResult {
  connected: number;
  refused: number;
  /** Accepted by the handshake, then disconnected by the server (auth in handleConnection). */
  dropped: number;
  failed: number;
  latencies: number[];
  wallMs: number;
}

const now = () => performance.timeOrigin + performance.now();
let sockets: Socket[] = [];
let recording = false;
let received = 0;
let deliveryLatencies: number[] = [];

function onMessage(payload: { t: number }): void {
  if (!recording) return;
  received++;
  deliveryLatencies.push(now() - payload.t);
}

/** Runs `task` for each item with at most `limit` in flight. */
async function pool<T>(items: T[], limit: number, task: (item: T) => Promise<void>) {
  let next = 0;
  const lanes = Array.from({ length: Math.min(limit, items.length) }, async () => {
    while (next < items.length) await task(items[next++]);
  });
  await Promise.all(lanes);
}

function openOne(url: string, token: string, result: ConnectResult, probe: boolean) {
  return new Promise<void>((resolve) => {
    const start = now();
    const socket = io(url, {
      transports: ['websocket'],
      auth: { token },
      reconnection: false,
      forceNew: true,
      timeout: 20_000,
    });
    socket.on(PUBLISH_EVENT, onMessage);
    socket.once('connect', () => {
      result.latencies.push(now() - start);
      if (!probe) {
        result.connected++;
        sockets.push(socket);
        return resolve();
      }
      // A refusal that happens after the handshake: wait to see if the server drops it.
      const timer = setTimeout(() => {
        result.connected++;
        socket.disconnect();
        resolve();
      }, 1000);
      socket.once('disconnect', () => {
        clearTimeout(timer);
        result.dropped++;
        resolve();
      });
    });
    socket.once('connect_error', (err) => {
      socket.close();
      if (err.message === 'UNAUTHORIZED' || err.message === 'TOKEN_EXPIRED') result.refused++;
      else result.failed++;
      resolve();
    });
  });
}

async function connect(c: Extract<WorkerCommand, { cmd: 'connect' }>): Promise<ConnectResult> {
  const tokens = c.userIds.map((id) => (c.forged ? forgedBenchToken(id) : signBenchToken(id)));
  const result: ConnectResult = {
    connected: 0,
    refused: 0,
    dropped: 0,
    failed: 0,
    latencies: [],
    wallMs: 0,
  };
  const start = now();
  await pool(tokens, c.concurrency, (token) => openOne(c.url, token, result, !!c.forged));
  result.wallMs = now() - start;
  return result;
}

async function join(room: string, count: number) {
  let ok = 0;
  await pool(sockets.slice(0, count), 50, async (socket) => {
    const answer = (await socket.timeout(20_000).emitWithAck('join', { room })) as { ok?: boolean };
    if (answer?.ok === true) ok++;
  });
  return { ok };
}

async function collect(expected: number, timeoutMs: number) {
  const deadline = Date.now() + timeoutMs;
  while (received < expected && Date.now() < deadline) await new Promise((r) => setTimeout(r, 5));
  recording = false;
  const result = { received, latencies: deliveryLatencies };
  deliveryLatencies = [];
  return result;
}

async function ack(count: number, perSocket: number) {
  const latencies: number[] = [];
  let ok = 0;
  let failed = 0;
  const start = now();
  await Promise.all(
    sockets.slice(0, count).map(async (socket, i) => {
      for (let n = 0; n < perSocket; n++) {
        const sent = now();
        try {
          const answer = (await socket
            .timeout(20_000)
            .emitWithAck('send', { room: `r${i}`, text: `hello ${n}` })) as { ok?: boolean };
          latencies.push(now() - sent);
          if (answer?.ok === true) ok++;
          else failed++;
        } catch {
          failed++;
        }
      }
    }),
  );
  return { ok, failed, latencies, wallMs: now() - start };
}

async function disconnect(keep: number) {
  for (const socket of sockets.slice(keep)) socket.disconnect();
  sockets = sockets.slice(0, keep);
  return { left: sockets.length };
}

async function run(command: WorkerCommand): Promise<unknown> {
  switch (command.cmd) {
    case 'connect':
      return connect(command);
    case 'join':
      return join(command.room, command.count);
    case 'listen':
      received = 0;
      deliveryLatencies = [];
      recording = true;
      return { listening: true };
    case 'collect':
      return collect(command.expected, command.timeoutMs);
    case 'ack':
      return ack(command.count, command.perSocket);
    case 'disconnect':
      return disconnect(command.keep);
    case 'exit':
      await disconnect(0);
      setImmediate(() => process.exit(0));
      return { bye: true };
  }
}

process.on('message', (message: { id: number; command: WorkerCommand }) => {
  run(message.command).then(
    (result) => process.send!({ id: message.id, result }),
    (error: unknown) => process.send!({ id: message.id, error: String(error) }),
  );
});
process.on('disconnect', () => process.exit(0));
