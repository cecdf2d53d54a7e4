import type { AddressInfo } from 'node:net';
import type {
  DynamicModule,
  INestApplication,
  LoggerService,
  Provider,
  Type,
} from '@nestjs/common';
import { Test } from '@nestjs/testing';
import { io, type ManagerOptions, type Socket, type SocketOptions } from 'socket.io-client';
import {
  createRedisIoAdapter,
  RealtimeModule,
  type RealtimeModuleOptions,
} from '../../lib/index.js';
import { connected } from './events.js';

export interface StartAppOptions {
  /** Options for RealtimeModule.forRoot(); ignored when `realtimeModule` is given. */
  realtime?: RealtimeModuleOptions;
  /** A ready registration, for example RealtimeModule.forRootAsync(...). */
  realtimeModule?: DynamicModule;
  imports?: Array<Type | DynamicModule>;
  providers?: Provider[];
  controllers?: Type[];
  /** Install the library's adapter (the main.ts line). @default true */
  adapter?: boolean;
  logger?: LoggerService | false;
}

export type ClientOptions = Partial<ManagerOptions & SocketOptions>;

/** A real Nest app on an ephemeral port, with a factory of socket.io-client clients it cleans up. */
export class TestApp {
  private readonly clients = new Set<Socket>();

  private constructor(
    readonly app: INestApplication,
    readonly url: string,
  ) {}

  static async start(options: StartAppOptions = {}): Promise<TestApp> {
    const realtime = options.realtimeModule ?? RealtimeModule.forRoot(options.realtime ?? {});
    const moduleRef = await Test.createTestingModule({
      imports: [realtime, ...(options.imports ?? [])],
      providers: options.providers ?? [],
      controllers: options.controllers ?? [],
    }).compile();
    const app = moduleRef.createNestApplication({ logger: options.logger ?? false });
    if (options.adapter !== false) app.useWebSocketAdapter(await createRedisIoAdapter(app));
    try {
      await app.listen(0, '127.0.0.1');
    } catch (error) {
      await app.close().catch(() => undefined);
      throw error;
    }
    const { port } = app.getHttpServer().address() as AddressInfo;
    return new TestApp(app, `http://127.0.0.1:${port}`);
  }

  get port(): number {
    return Number(new URL(this.url).port);
  }

  get<T>(token: Type<T> | string | symbol): T {
    return this.app.get(token, { strict: false });
  }

  /** A client that does not connect until asked (no reconnection, websocket only by default). */
  client(namespace = '/', options: ClientOptions = {}): Socket {
    const socket = io(`${this.url}${namespace}`, {
      transports: ['websocket'],
      forceNew: true,
      reconnection: false,
      autoConnect: false,
      ...options,
    });
    this.clients.add(socket);
    return socket;
  }

  /** A connected client; rejects with the connect_error when refused. */
  connect(namespace = '/', options: ClientOptions = {}): Promise<Socket> {
    return connected(this.client(namespace, options));
  }

  async close(): Promise<void> {
    for (const socket of this.clients) socket.disconnect();
    this.clients.clear();
    await this.app.close();
  }
}
