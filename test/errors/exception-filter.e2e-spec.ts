import { APP_FILTER } from '@nestjs/core';
import type { Socket } from 'socket.io-client';
import { WsExceptionFilter } from '../../lib/index.js';
import { TestApp } from '../kit/app.js';
import { ask, once } from '../kit/events.js';
import { ErrorsGateway, hooks, HttpController } from './fixtures.js';

describe('WsExceptionFilter: one error shape, on the ack or as `exception`', () => {
  let app: TestApp;
  let client: Socket;
  const logged: string[] = [];
  const logger = {
    log: () => undefined,
    warn: () => undefined,
    debug: () => undefined,
    verbose: () => undefined,
    error: (message: unknown, ...rest: unknown[]) =>
      logged.push([message, ...rest].map(String).join(' | ')),
  };

  beforeAll(async () => {
    app = await TestApp.start({
      providers: [ErrorsGateway, { provide: APP_FILTER, useClass: WsExceptionFilter }],
      controllers: [HttpController],
      logger,
    });
    client = await app.connect('/errors');
  });
  afterAll(() => app.close());

  const mappings: Array<[string, string, string | RegExp]> = [
    ['ws-string', 'BAD_REQUEST', 'plain ws message'],
    ['ws-object', 'NOT_FOUND', 'room not found'],
    ['ws-object-unknown-code', 'BAD_REQUEST', 'custom'],
    ['bad-request', 'BAD_REQUEST', 'bad thing'],
    ['unauthorized', 'UNAUTHORIZED', 'Unauthorized'],
    ['forbidden', 'FORBIDDEN', 'no access'],
    ['not-found', 'NOT_FOUND', 'nothing here'],
    ['too-large', 'PAYLOAD_TOO_LARGE', 'Payload Too Large'],
    ['too-many', 'RATE_LIMITED', 'slow down'],
    ['validation-400', 'VALIDATION_FAILED', 'name must be a string; qty must be an integer'],
    ['server-500', 'INTERNAL_ERROR', 'Internal server error'],
    ['realtime', 'RATE_LIMITED', 'easy'],
    ['plain', 'INTERNAL_ERROR', 'Internal server error'],
    ['non-error', 'INTERNAL_ERROR', 'Internal server error'],
  ];

  it.each(mappings)('maps %s to %s on the ack', async (kind, code, message) => {
    const answer = await ask<Record<string, unknown>>(client, 'throw', kind);
    expect(answer).toMatchObject({ status: 'error', code, message, event: 'throw' });
    expect(Object.keys(answer).slice(0, 4)).toEqual(['status', 'code', 'message', 'event']);
  });

  it('keeps details and retryAfter of library errors', async () => {
    await expect(ask(client, 'throw', 'realtime')).resolves.toEqual({
      status: 'error',
      code: 'RATE_LIMITED',
      message: 'easy',
      event: 'throw',
      retryAfter: 2,
    });
    await expect(ask(client, 'throw', 'validation-400')).resolves.toMatchObject({
      details: [
        { field: 'name', message: 'name must be a string' },
        { field: 'qty', message: 'qty must be an integer' },
      ],
    });
  });

  it('never leaks the message or stack of an unexpected error, and logs it once with its stack', async () => {
    logged.length = 0;
    const answer = await ask(client, 'throw', 'plain');
    expect(JSON.stringify(answer)).not.toContain('password');
    expect(JSON.stringify(answer)).not.toContain('at ');
    const server500 = await ask(client, 'throw', 'server-500');
    expect(JSON.stringify(server500)).not.toContain('10.0.0.5');
    const mine = logged.filter((l) => l.includes('db password is x'));
    expect(mine).toHaveLength(1);
    expect(mine[0]).toMatch(/Error: db password is x\n\s+at /);
  });

  it('emits `exception` when the client sent no ack', async () => {
    const exception = once<Record<string, unknown>>(client, 'exception');
    client.emit('throw', 'forbidden');
    await expect(exception).resolves.toEqual({
      status: 'error',
      code: 'FORBIDDEN',
      message: 'no access',
      event: 'throw',
    });
  });

  it('shapes async rejections and erroring observables', async () => {
    await expect(ask(client, 'reject')).resolves.toMatchObject({
      code: 'INTERNAL_ERROR',
      event: 'reject',
    });
    const observable = await ask(client, 'observable_error');
    expect(observable).toMatchObject({ code: 'INTERNAL_ERROR', event: 'observable_error' });
    expect(JSON.stringify(observable)).not.toContain('secret');
  });

  it('shapes guard and interceptor failures', async () => {
    await expect(ask(client, 'guarded')).resolves.toMatchObject({
      code: 'FORBIDDEN',
      event: 'guarded',
    });
    const intercepted = await ask(client, 'intercepted');
    expect(intercepted).toMatchObject({ code: 'INTERNAL_ERROR', event: 'intercepted' });
    expect(JSON.stringify(intercepted)).not.toContain('secret');
  });

  it('lets a handler-level filter take over (per-handler opt-out)', async () => {
    await expect(ask(client, 'own_filter')).resolves.toEqual({ teapot: true });
  });

  it('registered as a global APP_FILTER, leaves HTTP responses to Nest', async () => {
    const missing = await fetch(`${app.url}/http/missing`);
    expect(missing.status).toBe(404);
    await expect(missing.json()).resolves.toEqual({
      statusCode: 404,
      message: 'no such thing',
      error: 'Not Found',
    });
    const crash = await fetch(`${app.url}/http/crash`);
    expect(crash.status).toBe(500);
    await expect(crash.json()).resolves.toEqual({
      statusCode: 500,
      message: 'Internal server error',
    });
    await expect((await fetch(`${app.url}/http/ok`)).json()).resolves.toEqual({ ok: true });
  });

  it('catches errors thrown (sync or async) in handleConnection/handleDisconnect and keeps serving', async () => {
    const unhandled: unknown[] = [];
    const onUnhandled = (reason: unknown) => unhandled.push(reason);
    process.on('unhandledRejection', onUnhandled);
    try {
      logged.length = 0;
      const before = hooks.connections;
      const sync = await app.connect('/errors', { auth: { explode: 'sync' } });
      const async = await app.connect('/errors', { auth: { explode: 'async' } });
      await expect(ask(sync, 'ping')).resolves.toBe('pong');
      sync.disconnect();
      async.disconnect();
      await expect(ask(client, 'ping')).resolves.toBe('pong');
      expect(hooks.connections - before).toBe(2);
      await new Promise((r) => setImmediate(r));
      expect(
        logged.some((l) =>
          l.includes('ErrorsGateway.handleConnection failed: connection hook blew up'),
        ),
      ).toBe(true);
      expect(logged.some((l) => l.includes('async connection hook blew up'))).toBe(true);
      const fresh = await app.connect('/errors');
      await expect(ask(fresh, 'ping')).resolves.toBe('pong');
      expect(logged.some((l) => l.includes('disconnect hook blew up'))).toBe(true);
      expect(unhandled).toEqual([]);
    } finally {
      process.off('unhandledRejection', onUnhandled);
    }
  });
});
