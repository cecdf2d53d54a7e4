// An event that no handler takes is answered NOT_FOUND in the error shape (a client waiting on
// its ack would otherwise only time out), logged, and counted.
import { SubscribeMessage, WebSocketGateway } from '@nestjs/websockets';
import { captureLogs } from '../kit/logs.js';
import type { Socket } from 'socket.io';
import { RealtimeGateway } from '../../lib/index.js';
import { TestApp } from '../kit/app.js';
import { ask, once } from '../kit/events.js';
import { TEST_SECRET } from '../kit/tokens.js';

@RealtimeGateway({ namespace: '/known' })
class KnownGateway {
  @SubscribeMessage('known')
  known() {
    return 'yes';
  }
}

/** An app that takes every event itself with onAny: nothing is answered for it. */
@WebSocketGateway({ namespace: '/any' })
class CatchAllGateway {
  handleConnection(socket: Socket) {
    socket.onAny((event: string, ...args: unknown[]) => {
      const ack = args[args.length - 1];
      if (typeof ack === 'function') ack(`caught ${event}`);
    });
  }
}

const { logger, lines } = captureLogs();

describe('events without a handler', () => {
  let app: TestApp;
  beforeAll(async () => {
    app = await TestApp.start({
      realtime: { auth: { secret: TEST_SECRET } },
      providers: [KnownGateway, CatchAllGateway],
      logger,
    });
  });
  afterAll(() => app.close());

  it('are answered NOT_FOUND on the ack, and logged', async () => {
    const alice = await app.connectAs('alice', '/known');
    await expect(ask(alice, 'unknown_event', { x: 1 })).resolves.toEqual({
      status: 'error',
      code: 'NOT_FOUND',
      message: 'No handler for event "unknown_event" on namespace /known',
      event: 'unknown_event',
    });
    await expect(ask(alice, 'known', {})).resolves.toBe('yes');
    expect(lines.join('\n')).toMatch(
      /warn Event "unknown_event" on \/known has no handler; answered NOT_FOUND/,
    );
  });

  it('without an ack, arrive back as the `exception` event', async () => {
    const bob = await app.connectAs('bob', '/known');
    const exception = once(bob, 'exception');
    bob.emit('typo_event', 'data');
    await expect(exception).resolves.toMatchObject({ code: 'NOT_FOUND', event: 'typo_event' });
  });

  it('are left to the app when it listens with onAny', async () => {
    const carol = await app.connectAs('carol', '/any');
    await expect(ask(carol, 'anything', {})).resolves.toBe('caught anything');
  });
});
