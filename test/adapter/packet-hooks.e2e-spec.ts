import { MessageBody, type OnGatewayConnection, SubscribeMessage } from '@nestjs/websockets';
import type { Socket as ServerSocket } from 'socket.io';
import { RealtimeGateway } from '../../lib/index.js';
import { TestApp } from '../kit/app.js';
import { ask } from '../kit/events.js';

/** An app that adds its own `socket.use` middleware, as Socket.IO documents it. */
@RealtimeGateway({ namespace: '/mw', validation: false })
class MiddlewareGateway implements OnGatewayConnection {
  handleConnection(client: ServerSocket): void {
    client.use(([event], next) =>
      event === 'blocked' ? next(new Error('blocked by the app')) : next(),
    );
    client.on('error', (err) => client.emit('app-error', err.message));
  }

  @SubscribeMessage('echo')
  echo(@MessageBody() body: unknown) {
    return body;
  }

  @SubscribeMessage('blocked')
  blocked() {
    return 'never';
  }
}

describe("the library's per-event hooks and the app's own socket.use middleware", () => {
  let app: TestApp;
  beforeAll(async () => {
    app = await TestApp.start({
      realtime: { throttle: { limit: 1, burst: 3 } },
      providers: [MiddlewareGateway],
    });
  });
  afterAll(() => app.close());

  it("run in order: the library's limits first, then the app's middleware, then the handler", async () => {
    const client = await app.connect('/mw');
    const appErrors: string[] = [];
    client.on('app-error', (message: string) => appErrors.push(message));
    const answered: unknown[] = [];
    // Passes the library's limit (1 of a burst of 3) and the app's middleware.
    await expect(ask(client, 'echo', { n: 1 })).resolves.toEqual({ n: 1 });
    // The rest of the burst on events the app's middleware refuses: the handler never runs...
    for (let i = 0; i < 2; i++) client.emit('blocked', {}, (a: unknown) => answered.push(a));
    // ...but the library counted them first, so the next event is over the limit.
    await expect(ask(client, 'echo', { n: 2 })).resolves.toMatchObject({
      status: 'error',
      code: 'RATE_LIMITED',
      event: 'echo',
    });
    expect(appErrors).toEqual(['blocked by the app', 'blocked by the app']);
    expect(answered).toEqual([]);
  });
});
