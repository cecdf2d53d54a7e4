import {
  RealtimeTestApp,
  type RealtimeTestAppOptions,
  type TestClientOptions,
} from '../../lib/testing/index.js';

/** The suite's app is the testing kit's RealtimeTestApp (nestjs-realtime/testing), quiet by default. */
export type StartAppOptions = RealtimeTestAppOptions;
export type ClientOptions = TestClientOptions;
export type TestApp = RealtimeTestApp;

export const TestApp = {
  start(options: StartAppOptions = {}): Promise<RealtimeTestApp> {
    return RealtimeTestApp.start({ logger: false, ...options });
  },
};
