import {
  ArgumentsHost,
  type ArgumentMetadata,
  type CallHandler,
  type CanActivate,
  Catch,
  createParamDecorator,
  type ExecutionContext,
  Injectable,
  type INestApplication,
  Module,
  type NestInterceptor,
  type PipeTransform,
  UseFilters,
  UseGuards,
  UseInterceptors,
  UsePipes,
} from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { IoAdapter } from '@nestjs/platform-socket.io';
import {
  Ack,
  BaseWsExceptionFilter,
  ConnectedSocket,
  MessageBody,
  SubscribeMessage,
  WebSocketGateway,
  WebSocketServer,
  WsException,
} from '@nestjs/websockets';
import { map, type Observable, of, throwError } from 'rxjs';
import type { Namespace, Socket as ServerSocket } from 'socket.io';
import { io, type Socket } from 'socket.io-client';
import { handlerPaths } from '../../lib/gateway/message-binding.js';
import { createRedisIoAdapter, RealtimeModule } from '../../lib/index.js';
import { connected } from '../kit/events.js';

/**
 * The library's handler pipeline against Nest's own: the same gateways, guards, pipes,
 * interceptors, filters and parameter decorators, run once under Nest's IoAdapter and once under
 * the library's adapter, must give every client the same answers, and the steps must see the
 * same contexts and metadata.
 */

/** What guards, pipes and filters saw, per app: compared between the two. */
let seen: string[] = [];

class BoomError extends Error {}

@Catch(BoomError)
class BoomFilter extends BaseWsExceptionFilter {
  override catch(error: BoomError, host: ArgumentsHost) {
    const ws = host.switchToWs();
    seen.push(`filter:${host.getType()}:${String(ws.getPattern())}:${host.getArgs().length}`);
    ws.getClient<ServerSocket>().emit('caught', { message: error.message });
  }
}

@Injectable()
class DataGuard implements CanActivate {
  canActivate(context: ExecutionContext) {
    const ws = context.switchToWs();
    const mode = (ws.getData() as { guard?: string } | undefined)?.guard;
    seen.push(
      `guard:${context.getType()}:${context.getClass().name}.${context.getHandler().name}:${String(ws.getPattern())}:${mode}`,
    );
    switch (mode) {
      case 'deny':
        return false;
      case 'zero':
        return 0 as unknown as boolean;
      case 'throw':
        throw new WsException('guard threw');
      case 'async':
        return Promise.resolve(true);
      case 'async-deny':
        return Promise.resolve(false);
      case 'observable':
        return of(true);
      case 'observable-deny':
        return of(false);
      default:
        return true;
    }
  }
}

@Injectable()
class SecondGuard implements CanActivate {
  canActivate(context: ExecutionContext) {
    seen.push(`second-guard:${context.getHandler().name}`);
    return true;
  }
}

@Injectable()
class TrimPipe implements PipeTransform {
  transform(value: unknown, meta: ArgumentMetadata) {
    seen.push(`p:${meta.type}:${String(meta.data)}:trim:${meta.metatype?.name}`);
    const body = value as { text?: unknown; pipe?: string } | undefined;
    if (body?.pipe === 'throw') throw new WsException('pipe threw');
    if (typeof body?.text === 'string') return { ...body, text: body.text.trim() };
    return typeof value === 'string' ? value.trim() : value;
  }
}

@Injectable()
class AsyncPipe implements PipeTransform {
  async transform(value: unknown, meta: ArgumentMetadata) {
    await Promise.resolve();
    seen.push(`p:${meta.type}:${String(meta.data)}:async-pipe`);
    if ((value as { pipe?: string } | undefined)?.pipe === 'async-throw') {
      throw new WsException('async pipe threw');
    }
    return typeof value === 'string' ? `${value}!` : value;
  }
}

/** Registered with app.useGlobalPipes(): runs first, on every parameter. */
class GlobalPipe implements PipeTransform {
  transform(value: unknown, meta: ArgumentMetadata) {
    seen.push(`p:${meta.type}:${String(meta.data)}:global`);
    return value;
  }
}

@Injectable()
class WrapInterceptor implements NestInterceptor {
  intercept(context: ExecutionContext, next: CallHandler): Observable<unknown> {
    seen.push(`intercept:${context.getType()}:${context.getHandler().name}`);
    return next.handle().pipe(map((value) => ({ intercepted: value })));
  }
}

const Upper = createParamDecorator((_data: unknown, ctx: ExecutionContext) =>
  String((ctx.switchToWs().getData() as { text?: string }).text ?? '').toUpperCase(),
);
const Later = createParamDecorator(async (data: string, ctx: ExecutionContext) => {
  await Promise.resolve();
  return `${data}:${String(ctx.switchToWs().getPattern())}`;
});

class TextBody {
  text!: string;
  guard?: string;
  pipe?: string;
}

@WebSocketGateway({ namespace: '/same' })
@UseFilters(BoomFilter)
@UseGuards(DataGuard)
class SameGateway {
  @WebSocketServer() nsp!: Namespace;

  @SubscribeMessage('plain')
  plain(@MessageBody() body: TextBody) {
    return body;
  }

  @UsePipes(TrimPipe, AsyncPipe)
  @SubscribeMessage('piped')
  piped(@MessageBody() body: TextBody, @ConnectedSocket() socket: ServerSocket) {
    return { body, connected: socket.connected };
  }

  @SubscribeMessage('field')
  field(@MessageBody('text', TrimPipe, AsyncPipe) text: string) {
    return { text };
  }

  @UsePipes(AsyncPipe)
  @SubscribeMessage('ordered')
  ordered(@MessageBody('text', TrimPipe) text: string) {
    return { text };
  }

  @SubscribeMessage('custom')
  custom(@Upper() upper: string, @Later('later') later: string) {
    return { upper, later };
  }

  @UseGuards(SecondGuard)
  @SubscribeMessage('guarded')
  guarded() {
    return 'passed';
  }

  @UseInterceptors(WrapInterceptor)
  @SubscribeMessage('intercepted')
  intercepted(@MessageBody() body: { fail?: boolean }) {
    if (body.fail) throw new WsException('handler failed under an interceptor');
    return 'value';
  }

  @SubscribeMessage('observable')
  observable() {
    return of(1, 2);
  }

  @SubscribeMessage('observable-error')
  observableError() {
    return throwError(() => new WsException('stream failed'));
  }

  @SubscribeMessage('event')
  event(@MessageBody() body: unknown) {
    return { event: 'reply', data: body };
  }

  @SubscribeMessage('promise')
  async promise(@MessageBody() body: { n: number }) {
    await Promise.resolve();
    return { n: body.n + 1 };
  }

  @SubscribeMessage('reject')
  async reject() {
    await Promise.resolve();
    throw new WsException('async failure');
  }

  @SubscribeMessage('boom')
  boom() {
    throw new BoomError('custom filter');
  }

  @SubscribeMessage('manual')
  manual(@MessageBody() body: unknown, @Ack() ack: (answer: unknown) => void) {
    ack({ manual: body });
    return 'ignored';
  }

  @SubscribeMessage('side')
  side(@ConnectedSocket() socket: ServerSocket, @MessageBody() body: unknown) {
    socket.emit('side', body);
  }

  @SubscribeMessage('raw')
  raw(...args: unknown[]) {
    return { count: args.length, data: args[1], ack: typeof args[2], pattern: args[3] };
  }
}

/** Two gateways with the same messages on one namespace: the library cannot tell them apart. */
@WebSocketGateway({ namespace: '/twin' })
class TwinA {
  @WebSocketServer() nsp!: Namespace;

  @SubscribeMessage('who')
  who() {
    seen.push('twin:A');
    return 'A';
  }
}

@WebSocketGateway({ namespace: '/twin' })
class TwinB {
  @SubscribeMessage('who')
  who() {
    seen.push('twin:B');
    return 'B';
  }
}

/** Dynamic namespaces: one gateway serves every matching child namespace. */
@WebSocketGateway({ namespace: /^\/dyn-\d+$/ })
class DynamicGateway {
  @WebSocketServer() server!: Namespace;

  @UseGuards(DataGuard)
  @SubscribeMessage('where')
  where(@ConnectedSocket() socket: ServerSocket, @MessageBody() body: { guard?: string }) {
    return { nsp: socket.nsp.name, body };
  }
}

const providers = [
  SameGateway,
  TwinA,
  TwinB,
  DynamicGateway,
  DataGuard,
  SecondGuard,
  TrimPipe,
  AsyncPipe,
];

@Module({ providers })
class ReferenceModule {}

@Module({ imports: [RealtimeModule.forRoot({ throttle: false })], providers })
class LibraryModule {}

type Outcome = { kind: string; value: unknown };

/** Sends one message and waits for its one outcome: the ack or an event. */
function outcome(client: Socket, event: string, body: unknown, withAck = true): Promise<Outcome> {
  return new Promise((resolve) => {
    const events = ['exception', 'caught', 'reply', 'side'];
    const done = (result: Outcome) => {
      for (const name of events) client.off(name);
      resolve(result);
    };
    for (const name of events) client.once(name, (value: unknown) => done({ kind: name, value }));
    if (withAck) client.emit(event, body, (value: unknown) => done({ kind: 'ack', value }));
    else client.emit(event, body);
  });
}

const CASES: Array<[string, unknown, boolean?]> = [
  ['plain', { text: 'hi' }],
  ['plain', { text: 'hi', guard: 'deny' }],
  ['plain', { text: 'hi', guard: 'zero' }],
  ['plain', { text: 'hi', guard: 'throw' }],
  ['plain', { text: 'hi', guard: 'async' }],
  ['plain', { text: 'hi', guard: 'async-deny' }],
  ['plain', { text: 'hi', guard: 'observable' }],
  ['plain', { text: 'hi', guard: 'observable-deny' }],
  ['piped', { text: '  spaced  ' }],
  ['piped', { text: 'x', pipe: 'throw' }],
  ['piped', { text: 'x', pipe: 'async-throw' }],
  ['field', { text: '  field ' }],
  ['ordered', { text: '  order ' }],
  ['custom', { text: 'shout' }],
  ['guarded', {}],
  ['guarded', { guard: 'deny' }],
  ['intercepted', {}],
  ['intercepted', { fail: true }],
  ['observable', {}],
  ['observable-error', {}],
  ['event', { n: 1 }],
  ['promise', { n: 1 }],
  ['reject', {}],
  ['boom', {}],
  ['manual', { m: 1 }],
  ['side', { s: 1 }, false],
  ['raw', { r: 1 }],
];

interface Transcript {
  outcomes: Outcome[];
  /** Per case, what the steps saw. */
  seen: string[][];
  twins: Outcome;
  twinSeen: string[];
}

/**
 * Each parameter's pipes run in Nest's order, but Nest interleaves parameters (every pipe is
 * awaited) and the library runs one parameter's synchronous pipes before the next's: the
 * order across parameters is not a contract. Guards, interceptors and filters keep their order.
 */
function perParameter(entries: string[]): string[] {
  const param = (entry: string) => (entry.startsWith('p:') ? entry.split(':').slice(1, 3) : []);
  return entries
    .map((entry, i) => ({ entry, i, key: param(entry).join(':') }))
    .sort((a, b) => a.key.localeCompare(b.key) || a.i - b.i)
    .map(({ entry }) => entry);
}

async function transcript(app: INestApplication): Promise<Transcript> {
  const url = await app.getUrl();
  const base = url.replace('[::1]', '127.0.0.1');
  const client = io(`${base}/same`, { transports: ['websocket'], reconnection: false });
  const twin = io(`${base}/twin`, { transports: ['websocket'], reconnection: false });
  try {
    await Promise.all([connected(client), connected(twin)]);
    const outcomes: Outcome[] = [];
    const steps: string[][] = [];
    for (const [event, body, withAck] of CASES) {
      seen = [];
      outcomes.push(await outcome(client, event, body, withAck ?? true));
      steps.push(perParameter(seen));
    }
    seen = [];
    const twins = await outcome(twin, 'who', {});
    // Both twins run; wait until the second one has too (its ack is dropped by Socket.IO).
    await outcome(twin, 'who', {});
    return { outcomes, seen: steps, twins, twinSeen: seen.slice(0, 2) };
  } finally {
    client.disconnect();
    twin.disconnect();
  }
}

describe("the library's handler pipeline answers as Nest's own", () => {
  let reference: INestApplication;
  let library: INestApplication;

  beforeAll(async () => {
    reference = await NestFactory.create(ReferenceModule, { logger: false });
    reference.useWebSocketAdapter(new IoAdapter(reference));
    reference.useGlobalPipes(new GlobalPipe());
    await reference.listen(0, '127.0.0.1');
    library = await NestFactory.create(LibraryModule, { logger: false });
    library.useWebSocketAdapter(await createRedisIoAdapter(library));
    library.useGlobalPipes(new GlobalPipe());
    await library.listen(0, '127.0.0.1');
  });

  afterAll(async () => {
    await reference?.close();
    await library?.close();
  });

  it('gives the same answers, contexts and pipe metadata for every kind of step', async () => {
    const expected = await transcript(reference);
    const actual = await transcript(library);
    // The reference covers every case: acks, events, both filters, guard refusals.
    const kinds = new Set(expected.outcomes.map((o) => o.kind));
    expect([...kinds].sort()).toEqual(['ack', 'caught', 'exception', 'reply', 'side']);
    for (let i = 0; i < CASES.length; i++) {
      expect({ case: CASES[i], ...actual.outcomes[i] }).toEqual({
        case: CASES[i],
        ...expected.outcomes[i],
      });
    }
    for (let i = 0; i < CASES.length; i++) {
      expect({ case: CASES[i], seen: actual.seen[i] }).toEqual({
        case: CASES[i],
        seen: expected.seen[i],
      });
    }
    expect(expected.seen.flat()).toContain('p:custom:undefined:global');
    expect(actual.twins).toEqual(expected.twins);
    expect(actual.twinSeen).toEqual(expected.twinSeen);
  });

  it("runs the library's pipeline where the gateway is known, Nest's where it is ambiguous", async () => {
    const base = (await library.getUrl()).replace('[::1]', '127.0.0.1');
    const client = io(`${base}/same`, { transports: ['websocket'], reconnection: false });
    const twin = io(`${base}/twin`, { transports: ['websocket'], reconnection: false });
    try {
      await Promise.all([connected(client), connected(twin)]);
      const same = library.get(SameGateway).nsp.sockets.get(client.id!)!;
      const twins = library.get(TwinA).nsp.sockets.get(twin.id!)!;
      const paths = handlerPaths(same);
      const handlers = new Set(CASES.map(([event]) => event)).size;
      expect(paths).toEqual(Array(handlers).fill('library'));
      expect(handlerPaths(twins)).toEqual(['nest', 'nest']);
    } finally {
      client.disconnect();
      twin.disconnect();
    }
  });

  it('runs it on dynamic namespaces too, each child namespace answering for itself', async () => {
    const base = (await library.getUrl()).replace('[::1]', '127.0.0.1');
    const clients = ['/dyn-1', '/dyn-22'].map((nsp) =>
      io(`${base}${nsp}`, { transports: ['websocket'], reconnection: false }),
    );
    try {
      await Promise.all(clients.map((c) => connected(c)));
      const answers = await Promise.all(clients.map((c) => outcome(c, 'where', { n: 1 })));
      expect(answers).toEqual([
        { kind: 'ack', value: { nsp: '/dyn-1', body: { n: 1 } } },
        { kind: 'ack', value: { nsp: '/dyn-22', body: { n: 1 } } },
      ]);
      // The guard still runs there: a refusal comes back as Nest's exception event.
      expect(await outcome(clients[0], 'where', { guard: 'deny' })).toEqual({
        kind: 'exception',
        value: {
          status: 'error',
          message: 'Forbidden resource',
          cause: { pattern: 'where', data: { guard: 'deny' } },
        },
      });
      const io0 = library.get(DynamicGateway).server.server;
      for (const [i, nsp] of ['/dyn-1', '/dyn-22'].entries()) {
        const socket = io0.of(nsp).sockets.get(clients[i].id!)!;
        expect(handlerPaths(socket)).toEqual(['library']);
      }
    } finally {
      for (const c of clients) c.disconnect();
    }
  });
});
