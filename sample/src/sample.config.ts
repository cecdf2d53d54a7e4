/** The sample's settings, read once from the environment. */
export interface SampleConfig {
  port: number;
  host?: string;
  /** Demo mode: the demo login endpoint is on and a development JWT secret may be used. */
  demo: boolean;
  jwtSecret: string;
  /** Lifetime of demo tokens, in seconds (short, so the page's silent refresh is exercised). */
  tokenTtlSeconds: number;
  /** Redis for the adapter, presence and message history; in memory without it. */
  redisUrl?: string;
  /** Prefix of every Redis key and channel (the library's and the history's). */
  keyPrefix: string;
  /** A name shown on the page, to tell instances apart in cluster mode. */
  instanceName: string;
}

export const SAMPLE_CONFIG = Symbol('SAMPLE_CONFIG');

/** Only for demo mode: a real deployment sets JWT_SECRET and leaves demo mode off. */
const DEMO_SECRET = 'nestjs-realtime-sample-demo-secret-not-for-production';

export function loadSampleConfig(env: NodeJS.ProcessEnv = process.env): SampleConfig {
  const demo = env.SAMPLE_DEMO === '1' || env.SAMPLE_DEMO === 'true';
  const jwtSecret = env.JWT_SECRET || (demo ? DEMO_SECRET : undefined);
  if (!jwtSecret) {
    throw new Error(
      'JWT_SECRET is required (a development default is used only in demo mode, SAMPLE_DEMO=1)',
    );
  }
  const ttl = Number(env.TOKEN_TTL_SECONDS ?? 900);
  if (!Number.isInteger(ttl) || ttl < 1)
    throw new Error('TOKEN_TTL_SECONDS must be a positive integer');
  const port = Number(env.PORT ?? 3000);
  if (!Number.isInteger(port) || port < 0) throw new Error('PORT must be a port number');
  return {
    port,
    host: env.HOST || undefined,
    demo,
    jwtSecret,
    tokenTtlSeconds: ttl,
    redisUrl: env.REDIS_URL || undefined,
    keyPrefix: env.REALTIME_KEY_PREFIX || 'nestjs-realtime-sample',
    instanceName: env.INSTANCE_NAME || `port ${port}`,
  };
}
