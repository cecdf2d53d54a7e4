/**
 * `nestjs-realtime/testing`: boot an app with the library on an ephemeral port, sign tokens for
 * test users, connect typed socket.io-client clients, await events with a timeout, and run several
 * instances against one Redis. Needs `socket.io-client` (an optional peer dependency).
 */
export {
  RealtimeTestApp,
  type RealtimeTestAppOptions,
  type TestClientOptions,
  type TestEventsMap,
  type TestingModuleLike,
} from './realtime-test-app.js';
export { RealtimeTestCluster, type RealtimeTestClusterOptions } from './realtime-test-cluster.js';
export { createTestClient } from './test-client.js';
export { signTestToken, TEST_JWT_SECRET } from './tokens.js';
export {
  ask,
  askWithin,
  connected,
  eventually,
  refused,
  waitForEvent,
  type AnyClientSocket,
  type ConnectError,
} from './events.js';
