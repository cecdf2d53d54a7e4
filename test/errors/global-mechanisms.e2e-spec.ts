import { type CanActivate, type ExecutionContext, Injectable } from '@nestjs/common';
import { APP_FILTER, APP_GUARD } from '@nestjs/core';
import { MessageBody, SubscribeMessage, WebSocketGateway } from '@nestjs/websockets';
import { WsExceptionFilter } from '../../lib/index.js';
import { TestApp } from '../kit/app.js';
import { ask, once } from '../kit/events.js';

@Injectable()
class DenyWhenAskedGuard implements CanActivate {
  canActivate(context: ExecutionContext): boolean {
    return context.getType() !== 'ws' || context.switchToWs().getData() !== 'deny';
  }
}

/** A plain gateway: no @RealtimeGateway, no @UseFilters. */
@WebSocketGateway({ namespace: '/plain' })
class PlainGateway {
  @SubscribeMessage('echo')
  echo(@MessageBody() body: unknown) {
    if (body === 'crash') throw new Error('plain secret');
    return body;
  }
}

// What reaches gateways from the app level, on the Nest version under test (12): global guards,
// pipes and interceptors do (SocketModule passes the application config); global filters never
// do (ExceptionFiltersContext.getGlobalMetadata() returns []). README documents this.
describe('global mechanisms and gateways (Nest 12)', () => {
  let app: TestApp;
  beforeAll(async () => {
    app = await TestApp.start({
      providers: [
        PlainGateway,
        { provide: APP_GUARD, useClass: DenyWhenAskedGuard },
        { provide: APP_FILTER, useClass: WsExceptionFilter },
      ],
    });
  });
  afterAll(() => app.close());

  it('an APP_GUARD runs on gateway messages', async () => {
    const client = await app.connect('/plain');
    await expect(ask(client, 'echo', 'hello')).resolves.toBe('hello');
    const exception = once<Record<string, unknown>>(client, 'exception');
    client.emit('echo', 'deny');
    // Nest's own filter answers (the global filter does not reach the gateway): no ack, no code.
    await expect(exception).resolves.toMatchObject({
      status: 'error',
      message: 'Forbidden resource',
    });
  });

  it('an APP_FILTER does not shape gateway errors: use @RealtimeGateway or @UseFilters', async () => {
    const client = await app.connect('/plain');
    const exception = once<Record<string, unknown>>(client, 'exception');
    client.emit('echo', 'crash');
    const shape = await exception;
    expect(shape).toMatchObject({ status: 'error', message: 'Internal server error' });
    expect(shape.code).toBeUndefined();
  });
});
