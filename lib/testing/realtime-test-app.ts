import type { AddressInfo } from 'node:net';
import {
  type DynamicModule,
  type INestApplication,
  type LoggerService,
  type LogLevel,
  Module,
  type Provider,
  type Type,
} from '@nestjs/common';
import { type AbstractHttpAdapter, NestFactory } from '@nestjs/core';
import type { JwtSignOptions } from '@nestjs/jwt';
import type { Socket } from 'socket.io-client';
import { createRedisIoAdapter } from '../adapter/redis-io.adapter.js';
import { REALTIME_OPTIONS } from '../core/internal.constants.js';
import type { ResolvedRealtimeOptions } from '../options/options.defaults.js';
import type { RealtimeModuleOptions } from '../options/realtime-options.interface.js';
import { RealtimeModule } from '../realtime.module.js';
import { connected } from './events.js';
import { createTestClient, type TestClientOptions } from './test-client.js';
import { signTestToken } from './tokens.js';

/** Events a typed client listens to or emits: `{ name: (payload) => void }`. */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type TestEventsMap = { [event: string]: any };

export type { TestClientOptions } from './test-client.js';

/** A compiled `@nestjs/testing` TestingModule (to override providers before the app boots). */
export interface TestingModuleLike {
  createNestApplication(...args: never[]): INestApplication;
}

export interface RealtimeTestAppOptions {
  /**
   * The app's module (its AppModule, which imports RealtimeModule). Without it, the kit builds
   * one from `realtime` (or `realtimeModule`), `imports`, `providers` and `controllers`.
   */
  module?: Type | DynamicModule;
  /** A compiled TestingModule from `Test.createTestingModule(...).overrideProvider(...).compile()`. */
  testingModule?: TestingModuleLike;
  /** Options of `RealtimeModule.forRoot()` when neither `module` nor `realtimeModule` is given. */
  realtime?: RealtimeModuleOptions;
  /** A ready registration, for example `RealtimeModule.forRootAsync(...)`. */
  realtimeModule?: DynamicModule;
  imports?: Array<Type | DynamicModule>;
  providers?: Provider[];
  controllers?: Type[];
  /** The HTTP platform, e.g. `new FastifyAdapter()`. @default Express */
  httpAdapter?: AbstractHttpAdapter;
  /** Install the library's adapter (the main.ts line). @default true */
  adapter?: boolean;
  /** Called before listen: global pipes, prefixes, anything main.ts does. */
  configure?: (app: INestApplication) => void | Promise<void>;
  /** Nest's logger. @default ['error', 'warn'] */
  logger?: LoggerService | LogLevel[] | false;
}

@Module({})
class RealtimeTestRootModule {}

/**
 * A real Nest app with the library on an ephemeral port of 127.0.0.1, and a factory of
 * socket.io-client clients (typed if you like) that `close()` disconnects.
 *
 * ```ts
 * const app = await RealtimeTestApp.start({ module: AppModule });
 * const alice = await app.connectAs('alice', '/chat');
 * await expect(ask(alice, 'send_message', { text: 'hi' })).resolves.toEqual({ ok: true });
 * await app.close();
 * ```
 */
export class RealtimeTestApp {
  private readonly clients = new Set<Socket>();

  protected constructor(
    readonly app: INestApplication,
    readonly url: string,
  ) {}

  static async start(options: RealtimeTestAppOptions = {}): Promise<RealtimeTestApp> {
    const app = await createApp(options);
    if (options.adapter !== false) app.useWebSocketAdapter(await createRedisIoAdapter(app));
    try {
      await options.configure?.(app);
      await app.listen(0, '127.0.0.1');
    } catch (error) {
      await app.close().catch(() => undefined);
      throw error;
    }
    const { port } = app.getHttpServer().address() as AddressInfo;
    return new RealtimeTestApp(app, `http://127.0.0.1:${port}`);
  }

  get port(): number {
    return Number(new URL(this.url).port);
  }

  get<T>(token: Type<T> | string | symbol): T {
    return this.app.get(token, { strict: false });
  }

  /** The app's resolved RealtimeModule options. */
  get options(): ResolvedRealtimeOptions {
    return this.get<ResolvedRealtimeOptions>(REALTIME_OPTIONS);
  }

  /**
   * A token for a user, signed with the app's `auth.secret` (or with `options.secret` /
   * `options.privateKey` for apps verifying with a public key or JWKS).
   */
  token(user: string | Record<string, unknown>, options: JwtSignOptions = {}): string {
    const payload = typeof user === 'string' ? { sub: user } : user;
    const auth = this.options.auth;
    const secret = auth && auth.secret !== undefined ? { secret: auth.secret } : {};
    return signTestToken(payload, { ...secret, ...options });
  }

  /** A client that does not connect until asked (websocket only, no reconnection by default). */
  client<Listen extends TestEventsMap = TestEventsMap, Emit extends TestEventsMap = TestEventsMap>(
    namespace = '/',
    options: TestClientOptions = {},
  ): Socket<Listen, Emit> {
    const socket = createTestClient(`${this.url}${namespace}`, options);
    this.clients.add(socket);
    return socket as unknown as Socket<Listen, Emit>;
  }

  /** A connected client; rejects with the connect_error when the handshake is refused. */
  connect<Listen extends TestEventsMap = TestEventsMap, Emit extends TestEventsMap = TestEventsMap>(
    namespace = '/',
    options: TestClientOptions = {},
  ): Promise<Socket<Listen, Emit>> {
    return connected(this.client<Listen, Emit>(namespace, options));
  }

  /** A client connected with a token for `user` (an id, or the token's payload). */
  connectAs<
    Listen extends TestEventsMap = TestEventsMap,
    Emit extends TestEventsMap = TestEventsMap,
  >(
    user: string | Record<string, unknown>,
    namespace = '/',
    options: TestClientOptions = {},
  ): Promise<Socket<Listen, Emit>> {
    return this.connect<Listen, Emit>(namespace, {
      ...options,
      auth: { ...(options.auth as object | undefined), token: this.token(user) },
    });
  }

  /** Disconnects the clients this app handed out and closes the app. */
  async close(): Promise<void> {
    for (const socket of this.clients) socket.disconnect();
    this.clients.clear();
    await this.app.close();
  }
}

async function createApp(options: RealtimeTestAppOptions): Promise<INestApplication> {
  const appOptions = { logger: options.logger ?? ['error' as const, 'warn' as const] };
  if (options.testingModule) {
    const create = options.testingModule.createNestApplication.bind(options.testingModule) as (
      ...args: unknown[]
    ) => INestApplication;
    return options.httpAdapter ? create(options.httpAdapter, appOptions) : create(appOptions);
  }
  const realtime = options.module
    ? []
    : [options.realtimeModule ?? RealtimeModule.forRoot(options.realtime ?? {})];
  const root: DynamicModule = {
    module: RealtimeTestRootModule,
    imports: [...(options.module ? [options.module] : []), ...realtime, ...(options.imports ?? [])],
    providers: options.providers ?? [],
    controllers: options.controllers ?? [],
  };
  // abortOnError off: a failing boot rejects here instead of ending the test process.
  const nestOptions = { ...appOptions, abortOnError: false };
  return options.httpAdapter
    ? NestFactory.create(root, options.httpAdapter, nestOptions)
    : NestFactory.create(root, nestOptions);
}
