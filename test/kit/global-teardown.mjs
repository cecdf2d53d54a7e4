// Stops the private redis-server that global-setup started, by its pid.
export default async function globalTeardown() {
  const child = globalThis.__REALTIME_TEST_REDIS__;
  if (child && child.exitCode === null) {
    const exited = new Promise((resolve) => child.once('exit', resolve));
    child.kill('SIGTERM');
    await exited;
  }
}
