import { RealtimeConfigError } from '../options/realtime-config.error.js';
import { RealtimeTestApp, type RealtimeTestAppOptions } from './realtime-test-app.js';

export interface RealtimeTestClusterOptions extends RealtimeTestAppOptions {
  /** How many instances. @default 2 */
  instances?: number;
}

/**
 * Several instances of the same app in this process, sharing one Redis (the `redis` option of
 * `realtime`, or the Redis of the app's module): cross-instance delivery, presence and
 * `RealtimeEmitter` behave as in a deployment with several servers.
 */
export class RealtimeTestCluster {
  private constructor(readonly apps: RealtimeTestApp[]) {}

  static async start(options: RealtimeTestClusterOptions): Promise<RealtimeTestCluster> {
    const { instances = 2, ...appOptions } = options;
    if (!appOptions.module && !appOptions.realtimeModule && !appOptions.realtime?.redis) {
      throw new RealtimeConfigError(
        'redis',
        'expected a redis option for a test cluster: instances share state only through Redis',
      );
    }
    const apps: RealtimeTestApp[] = [];
    try {
      // One after another: each instance's adapter waits for Redis before the next boots.
      for (let i = 0; i < instances; i++) apps.push(await RealtimeTestApp.start(appOptions));
    } catch (error) {
      await Promise.all(apps.map((app) => app.close().catch(() => undefined)));
      throw error;
    }
    return new RealtimeTestCluster(apps);
  }

  /** The instance at `index`. */
  at(index: number): RealtimeTestApp {
    const app = this.apps[index];
    if (!app) throw new RangeError(`no instance ${index}; the cluster has ${this.apps.length}`);
    return app;
  }

  async close(): Promise<void> {
    await Promise.all(this.apps.map((app) => app.close()));
  }
}
