// Runs once before all test files: makes sure a Redis answers at REDIS_URL, starting a private
// redis-server for this run when the shared one is unreachable. Fails loudly when neither works.
import { spawn, spawnSync } from 'node:child_process';
import { connect, createServer } from 'node:net';

const reachable = (url) =>
  new Promise((resolve) => {
    const { hostname, port } = new URL(url);
    const socket = connect({ host: hostname, port: Number(port || 6379) });
    socket.setTimeout(1000);
    socket.once('connect', () => (socket.end(), resolve(true)));
    socket.once('error', () => resolve(false));
    socket.once('timeout', () => (socket.destroy(), resolve(false)));
  });

const freePort = () =>
  new Promise((resolve) => {
    const server = createServer().listen(0, '127.0.0.1', () => {
      const { port } = server.address();
      server.close(() => resolve(port));
    });
  });

export default async function globalSetup() {
  const url = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';
  if (await reachable(url)) {
    process.env.REDIS_URL = url;
    return;
  }
  if (spawnSync('redis-server', ['--version']).status !== 0) {
    throw new Error(
      `Tests need Redis: nothing answers at ${url} (set REDIS_URL) and redis-server is not on PATH.`,
    );
  }
  const port = await freePort();
  const child = spawn(
    'redis-server',
    ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'],
    {
      stdio: 'ignore',
    },
  );
  globalThis.__REALTIME_TEST_REDIS__ = child;
  process.env.REDIS_URL = `redis://127.0.0.1:${port}`;
  for (let i = 0; i < 50 && !(await reachable(process.env.REDIS_URL)); i++) {
    await new Promise((r) => setTimeout(r, 100));
  }
}
