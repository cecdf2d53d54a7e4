// `npm run sample:cluster`: two sample instances (ports 3000 and 3001) on the Redis at REDIS_URL,
// in demo mode. Open http://localhost:3000 and http://localhost:3001 side by side. Ctrl+C stops
// both (by their pids).
import { spawn } from 'node:child_process';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
const redisUrl = process.env.REDIS_URL || 'redis://127.0.0.1:6379';
const ports = (process.env.PORTS || '3000,3001').split(',').map(Number);

const children = ports.map((port, i) => {
  const name = String.fromCharCode(65 + i); // A, B, ...
  const child = spawn(
    process.execPath,
    ['--import', join(here, 'register.mjs'), join(here, 'src', 'main.ts')],
    {
      env: {
        ...process.env,
        SAMPLE_DEMO: process.env.SAMPLE_DEMO ?? '1',
        REDIS_URL: redisUrl,
        PORT: String(port),
        INSTANCE_NAME: `${name} :${port}`,
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  );
  const prefix = `[${name}] `;
  const relay = (stream) => (chunk) => stream.write(chunk.toString().replace(/^(?=.)/gm, prefix));
  child.stdout.on('data', relay(process.stdout));
  child.stderr.on('data', relay(process.stderr));
  child.on('exit', (code, signal) => {
    console.log(`${prefix}exited (${signal ?? code})`);
    if (!stopping) stop(1);
  });
  return child;
});

let stopping = false;
function stop(code = 0) {
  if (stopping) return;
  stopping = true;
  const alive = children.filter((c) => c.exitCode === null && c.signalCode === null);
  let left = alive.length;
  if (left === 0) process.exit(code);
  for (const child of alive) {
    child.once('exit', () => --left === 0 && process.exit(code));
    child.kill('SIGTERM');
  }
}
process.on('SIGINT', () => stop(0));
process.on('SIGTERM', () => stop(0));
