// The suite's helpers are the testing kit's (nestjs-realtime/testing), so the suite proves the kit.
export {
  ask,
  connected,
  eventually,
  refused,
  waitForEvent as once,
  type ConnectError,
} from '../../lib/testing/index.js';
