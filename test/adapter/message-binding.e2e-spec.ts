import {
  type CallHandler,
  type CanActivate,
  type ExecutionContext,
  Injectable,
  type NestInterceptor,
  UseGuards,
  UseInterceptors,
} from '@nestjs/common';
import {
  Ack,
  ConnectedSocket,
  MessageBody,
  SubscribeMessage,
  WebSocketGateway,
  type WsResponse,
} from '@nestjs/websockets';
import { IsString } from 'class-validator';
import { map, type Observable, of } from 'rxjs';
import type { Socket as ServerSocket } from 'socket.io';
import type { Socket } from 'socket.io-client';
import { RealtimeGateway } from '../../lib/index.js';
import { TestApp } from '../kit/app.js';
import { ask, once } from '../kit/events.js';

class EchoDto {
  @IsString()
  text!: string;
}

@Injectable()
class DenyGuard implements CanActivate {
  canActivate(context: ExecutionContext): boolean {
    return (context.switchToWs().getData() as { allow?: boolean })?.allow === true;
  }
}

@Injectable()
class WrapInterceptor implements NestInterceptor {
  intercept(_context: ExecutionContext, next: CallHandler): Observable<unknown> {
    return next.handle().pipe(map((value) => ({ wrapped: value })));
  }
}

const calls: string[] = [];

@RealtimeGateway({ namespace: '/binding', guard: false })
class BindingGateway {
  @SubscribeMessage('echo')
  echo(@MessageBody() dto: EchoDto) {
    return { text: dto.text };
  }

  @SubscribeMessage('async')
  async later(@MessageBody() body: { n: number }) {
    await new Promise((r) => setTimeout(r, 5));
    return { n: body.n + 1 };
  }

  @SubscribeMessage('observable')
  stream(): Observable<number> {
    return of(1);
  }

  @SubscribeMessage('event-response')
  eventResponse(): WsResponse<{ ok: boolean }> {
    return { event: 'answered', data: { ok: true } };
  }

  @SubscribeMessage('void')
  nothing(@ConnectedSocket() socket: ServerSocket) {
    calls.push(`void:${socket.id}`);
  }

  @SubscribeMessage('manual')
  manual(@Ack() ack: (answer: unknown) => void) {
    setTimeout(() => ack({ manual: true }), 1);
    return { ignored: true };
  }

  @UseGuards(DenyGuard)
  @SubscribeMessage('guarded')
  guarded() {
    return { passed: true };
  }

  @UseInterceptors(WrapInterceptor)
  @SubscribeMessage('intercepted')
  intercepted() {
    return 'value';
  }

  @SubscribeMessage('throws')
  throws() {
    throw new Error('boom');
  }
}

/** A second gateway on the same namespace: both handlers of a shared event run, as with Nest's adapter. */
@WebSocketGateway({ namespace: '/binding' })
class SecondGateway {
  @SubscribeMessage('void')
  alsoVoid() {
    calls.push('second');
  }

  @SubscribeMessage('second-only')
  secondOnly() {
    return { second: true };
  }
}

describe('RedisIoAdapter message binding (one shared listener per event)', () => {
  let app: TestApp;
  let client: Socket;

  beforeAll(async () => {
    app = await TestApp.start({
      providers: [BindingGateway, SecondGateway, DenyGuard, WrapInterceptor],
    });
    client = await app.connect('/binding');
  });
  afterAll(() => app.close());

  it('answers on the ack with pipes applied, sync and async', async () => {
    expect(await ask(client, 'echo', { text: 'hi' })).toEqual({ text: 'hi' });
    expect(await ask(client, 'async', { n: 1 })).toEqual({ n: 2 });
  });

  it('runs the validation pipe and the library filter', async () => {
    const answer = await ask<{ code: string; event: string }>(client, 'echo', { text: 5 });
    expect(answer).toMatchObject({ status: 'error', code: 'VALIDATION_FAILED', event: 'echo' });
  });

  it('answers each value of an Observable and emits { event, data } responses', async () => {
    expect(await ask(client, 'observable', {})).toBe(1);
    const answered = once(client, 'answered');
    client.emit('event-response', {});
    expect(await answered).toEqual({ ok: true });
  });

  it('leaves the ack to a handler that takes @Ack()', async () => {
    expect(await ask(client, 'manual', {})).toEqual({ manual: true });
  });

  it('runs guards and interceptors', async () => {
    expect(await ask(client, 'guarded', { allow: false })).toMatchObject({ code: 'FORBIDDEN' });
    expect(await ask(client, 'guarded', { allow: true })).toEqual({ passed: true });
    expect(await ask(client, 'intercepted', {})).toEqual({ wrapped: 'value' });
  });

  it('shapes an unexpected error as INTERNAL_ERROR and keeps serving', async () => {
    expect(await ask(client, 'throws', {})).toMatchObject({ code: 'INTERNAL_ERROR' });
    expect(await ask(client, 'echo', { text: 'still here' })).toEqual({ text: 'still here' });
  });

  it('runs the handlers of every gateway on the namespace, and events without an ack', async () => {
    calls.length = 0;
    client.emit('void');
    expect(await ask(client, 'second-only', {})).toEqual({ second: true });
    expect([...calls].sort()).toEqual([`void:${client.id}`, 'second'].sort());
  });

  it('binds handlers per socket: another client has its own', async () => {
    const other = await app.connect('/binding');
    calls.length = 0;
    other.emit('void');
    await ask(other, 'echo', { text: 'x' });
    expect(calls).toContain(`void:${other.id}`);
    expect(calls).not.toContain(`void:${client.id}`);
  });
});
