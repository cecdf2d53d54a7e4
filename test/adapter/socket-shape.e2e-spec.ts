import { setFlagsFromString } from 'node:v8';
import type { Socket } from 'socket.io';
import { NamespaceHooks } from '../../lib/connection/namespace-hooks.js';
import { TestApp } from '../kit/app.js';
import { ask } from '../kit/events.js';
import { signToken, TEST_SECRET } from '../kit/tokens.js';
import { LimitsGateway } from '../throttle/fixtures.js';

setFlagsFromString('--allow-natives-syntax');
// V8's own answer to "do these two objects have the same hidden class?"
const sameMap = new Function('a', 'b', 'return %HaveSameMap(a, b)') as (
  a: object,
  b: object,
) => boolean;

const as = (sub: string) => ({ auth: { token: signToken({ sub }) } });

// Socket.IO's per-packet code stays monomorphic only if the library gives every connected socket
// (and engine.io connection) the same fields in the same order, whatever it has done since.
describe('one hidden class per connected socket', () => {
  it('an idle socket and one that sent events and acks have the same map; connections get the wrapper before their first packet', async () => {
    const app = await TestApp.start({
      realtime: { auth: { secret: TEST_SECRET }, presence: false },
      providers: [LimitsGateway],
    });
    try {
      const server = app.get(NamespaceHooks).servers[0];
      const wrappedAtOpen: boolean[] = [];
      // Runs after the library's own engine.io connection hook.
      server.engine.on('connection', (conn: object) =>
        wrappedAtOpen.push(Object.prototype.hasOwnProperty.call(conn, 'sendPacket')),
      );
      await app.connect('/limits', as('idle'));
      const busy = await app.connect('/limits', as('busy'));
      expect(await ask(busy, 'echo', { n: 1 })).toEqual({ n: 1 });
      busy.emit('heartbeat'); // no ack
      expect(await ask(busy, 'heartbeat')).toBe('alive');

      const nsp = server.of('/limits');
      const byUser = (sub: string) =>
        [...nsp.sockets.values()].find(
          (s: Socket) => (s.data as { identity?: { userId: string } }).identity?.userId === sub,
        )!;
      expect(nsp.sockets.size).toBe(2);
      const [idle, active] = [byUser('idle'), byUser('busy')];
      expect(sameMap(idle, active)).toBe(true);
      expect(sameMap(idle.conn, active.conn)).toBe(true);
      expect(wrappedAtOpen).toEqual([true, true]);
    } finally {
      await app.close();
    }
  });
});
