import { join } from 'node:path';
import { AppInstance, startAll } from '../kit/instance.js';
import { REDIS_URL } from '../kit/redis.js';
import { TEST_SECRET } from '../kit/tokens.js';

const root = join(import.meta.dirname, '..', '..');
export const SAMPLE_MAIN = join(root, 'sample', 'src', 'main.ts');

/** The sample app (sample/src/main.ts) in its own process, on an ephemeral port. */
export function startSample(
  name: string,
  env: Record<string, string>,
  nodeArgs: string[] = [],
): Promise<AppInstance> {
  return AppInstance.start({
    realtime: {},
    fixture: SAMPLE_MAIN,
    nodeArgs,
    env: {
      PORT: '0',
      HOST: '127.0.0.1',
      INSTANCE_NAME: name,
      SAMPLE_DEMO: '1',
      JWT_SECRET: TEST_SECRET,
      ...env,
    },
  });
}

/** Two demo-mode instances on the shared Redis under `keyPrefix`. */
export function startSampleCluster(keyPrefix: string): Promise<[AppInstance, AppInstance]> {
  const env = { REDIS_URL, REALTIME_KEY_PREFIX: keyPrefix };
  return startAll([startSample('A', env), startSample('B', env)]) as Promise<
    [AppInstance, AppInstance]
  >;
}

/** A demo token from an instance's demo login endpoint. */
export async function demoLogin(instance: AppInstance, name: string): Promise<string> {
  const response = await fetch(`${instance.url}/auth/demo-login`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ name }),
  });
  if (!response.ok) throw new Error(`demo login failed: ${response.status}`);
  return ((await response.json()) as { token: string }).token;
}
