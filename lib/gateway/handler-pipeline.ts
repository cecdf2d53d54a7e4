import { toErrorShape } from '../errors/error-shape.js';
import { RealtimeException } from '../errors/realtime.exception.js';
import type { CanActivate, Logger, NestInterceptor, PipeTransform } from '@nestjs/common';
import { MetadataScanner, type ModulesContainer } from '@nestjs/core';
import { WsException } from '@nestjs/websockets';
import { EMPTY, isObservable, lastValueFrom, type Observable } from 'rxjs';
import { catchError } from 'rxjs/operators';
import type { Socket } from 'socket.io';
import { GatewayCatalog } from './gateway-catalog.js';
import type { DiscoveredGateway } from './gateway-discovery.js';
import type { NestWsInternals } from '../internals/nest-internals.js';
import { type SocketCheck, socketCheckOf } from '../core/socket-check.js';

/** What Nest hands the adapter per socket: the handler callbacks, already bound to the socket. */
export interface BoundMessageHandler {
  message: unknown;
  callback: (...args: unknown[]) => unknown;
  isAckHandledManually?: boolean;
}

/** A handler as a socket keeps it: the library's pipeline, or Nest's bound callback. */
export interface MessageHandler {
  message: unknown;
  isAckHandledManually?: boolean;
  pipeline?: HandlerPipeline;
  callback?: (...args: unknown[]) => unknown;
}

type Method = (...args: unknown[]) => unknown;
type Host = InstanceType<NestWsInternals['ExecutionContextHost']>;

interface ExceptionsHandler {
  handle(error: unknown, host: Host): void;
}

interface InterceptorsConsumer {
  intercept(
    interceptors: NestInterceptor[],
    args: unknown[],
    instance: object,
    callback: Method,
    next: () => Promise<unknown>,
    type: string,
  ): Promise<unknown>;
}

/** A handler parameter as Nest describes it (`WsContextCreator.getMetadata`). */
interface ParamOption {
  index: number;
  extractValue: (...args: unknown[]) => unknown;
  type: unknown;
  data: unknown;
  metatype?: unknown;
  schema?: unknown;
  pipes: PipeTransform[];
}

interface Param {
  index: number;
  /** Nest's WsParamsFactory for its own parameter types; null for custom decorators. */
  factory: WsParamsFactory | null;
  type: unknown;
  data: unknown;
  extract: (...args: unknown[]) => unknown;
  pipes: PipeTransform[];
  metadata: { metatype: unknown; type: string; data: unknown; schema: unknown };
}

interface WsParamsFactory {
  exchangeKeyForValue(type: unknown, data: unknown, args: unknown[]): unknown;
}

const isThenable = (value: unknown): value is PromiseLike<unknown> =>
  value !== null &&
  (typeof value === 'object' || typeof value === 'function') &&
  typeof (value as { then?: unknown }).then === 'function';

/**
 * One gateway method's guards, interceptors, pipes and exception filters, resolved once by
 * Nest's own context creators and run the way Nest's `WsContextCreator` + `WsProxy` run them,
 * minus the async layers: a step that answers synchronously (a guard returning a boolean, a
 * pipe returning a value) is not awaited. Nest awaits every guard, pipe and parameter, which
 * costs about a dozen promises and microtask turns per message. Whatever a step returns
 * asynchronously (a promise, an Observable) is awaited as Nest would, and interceptors run
 * through Nest's own InterceptorsConsumer.
 */
export class HandlerPipeline {
  constructor(
    private readonly nest: NestWsInternals,
    private readonly instance: object,
    private readonly callback: Method,
    private readonly pattern: unknown,
    private readonly guards: CanActivate[],
    /** Per guard: its socket-only check (see SOCKET_CHECK), or null to call `canActivate`. */
    private readonly checks: Array<SocketCheck | null>,
    private readonly interceptors: NestInterceptor[],
    private readonly interceptorsConsumer: InterceptorsConsumer,
    private readonly params: Param[] | null,
    private readonly argsLength: number,
    private readonly exceptions: ExceptionsHandler,
  ) {}

  /**
   * Runs the message: returns the handler's result (a value, a promise or an Observable), or
   * undefined when a step threw and the exception filters handled it.
   */
  run(socket: Socket, data: unknown, ack: unknown): unknown {
    // What Nest hands guards, pipes and filters: client, data, ack, then the pattern.
    const args = [socket, data, ack, this.pattern];
    let result: unknown;
    try {
      result = this.guard(args, 0);
    } catch (error) {
      return this.fail(args, error);
    }
    return this.settle(args, result);
  }

  private guard(args: unknown[], from: number, shared?: Host): unknown {
    const { guards, checks } = this;
    // One context for all of a message's guards, as Nest's GuardsConsumer does.
    let context = shared;
    for (let i = from; i < guards.length; i++) {
      const check = checks[i];
      if (check) {
        if (!check(args[0] as Socket)) throw new WsException(this.nest.FORBIDDEN_MESSAGE);
        continue;
      }
      if (!context) {
        context = new this.nest.ExecutionContextHost(
          args,
          this.instance.constructor,
          this.callback,
        );
        context.setType('ws');
      }
      const verdict = guards[i].canActivate(context as never) as unknown;
      if (isObservable(verdict) || isThenable(verdict)) {
        const pending = isObservable(verdict) ? lastValueFrom(verdict) : verdict;
        const host = context;
        return Promise.resolve(pending).then((allowed) => {
          if (!allowed) throw new WsException(this.nest.FORBIDDEN_MESSAGE);
          return this.guard(args, i + 1, host);
        });
      }
      if (!verdict) throw new WsException(this.nest.FORBIDDEN_MESSAGE);
    }
    if (this.interceptors.length === 0) return this.handle(args);
    return this.interceptorsConsumer.intercept(
      this.interceptors,
      args,
      this.instance,
      this.callback,
      async () => this.handle(args),
      'ws',
    );
  }

  /** Pipes each parameter (Nest's order: global, class, method pipes, then the parameter's). */
  private handle(args: unknown[]): unknown {
    const { params } = this;
    if (!params) return this.callback.apply(this.instance, args);
    const values: unknown[] = [];
    for (let i = 0; i < this.argsLength; i++) values.push(undefined);
    let pending: Array<PromiseLike<unknown>> | undefined;
    for (const param of params) {
      // Nest's extractValue spreads the arguments into a new array; the factory takes them as is.
      const value = param.factory
        ? param.factory.exchangeKeyForValue(param.type, param.data, args)
        : param.extract(...args);
      // Nest awaits every parameter: a promised value (an async custom decorator) too.
      const piped = param.pipes.length === 0 ? value : this.pipe(param, value, 0);
      if (isThenable(piped)) {
        (pending ??= []).push(piped.then((v) => (values[param.index] = v)));
      } else {
        values[param.index] = piped;
      }
    }
    if (pending) {
      return Promise.all(pending).then(() => this.callback.apply(this.instance, values));
    }
    return this.callback.apply(this.instance, values);
  }

  private pipe(param: Param, value: unknown, from: number): unknown {
    // Nest awaits a promised value (an async custom decorator) before the first pipe.
    if (isThenable(value)) return Promise.resolve(value).then((v) => this.pipe(param, v, from));
    let current = value;
    for (let i = from; i < param.pipes.length; i++) {
      current = param.pipes[i].transform(current, param.metadata as never);
      if (isThenable(current)) {
        const next = i + 1;
        return Promise.resolve(current).then((v) => this.pipe(param, v, next));
      }
    }
    return current;
  }

  /** As Nest's WsProxy: a promise is awaited, an Observable's errors go to the filters too. */
  private settle(args: unknown[], result: unknown): unknown {
    if (isThenable(result)) {
      return Promise.resolve(result).then(
        (value) => this.settle(args, value),
        (error: unknown) => this.fail(args, error),
      );
    }
    if (isObservable(result)) {
      return (result as Observable<unknown>).pipe(
        catchError((error: unknown) => {
          this.fail(args, error);
          return EMPTY;
        }),
      );
    }
    return result;
  }

  private fail(args: unknown[], error: unknown): undefined {
    const host = new this.nest.ExecutionContextHost(args);
    host.setType('ws');
    this.exceptions.handle(error, host);
    // The library's own refusals (a forbidden personal room, ...) reach the ack whatever filter
    // the gateway has: Nest's default filter only emits `exception`. An ack already answered by
    // a filter is not sent twice (Socket.IO's ack callbacks answer once).
    const ack = args[2];
    if (error instanceof RealtimeException && typeof ack === 'function') {
      ack(toErrorShape(error, String(this.pattern)).shape);
    }
    return undefined;
  }
}

interface GatewayEntry {
  instance: object;
  moduleKey: string;
  namespace: DiscoveredGateway['namespace'];
  /** The gateway's message names in Nest's order (what `bindMessageHandlers` receives). */
  signature: string;
  /** null: Nest's own pipeline must run (request-scoped gateway, duplicate messages). */
  methods: Map<string, { methodName: string; callback: Method }> | null;
  /** Its handler list, built once and shared by its sockets on every namespace it serves. */
  handlers?: MessageHandler[];
}

/** Namespace matches remembered (dynamic namespaces can be many: the cache starts over). */
const MAX_REMEMBERED = 1000;

/**
 * Finds, for the handlers Nest binds on a socket, the gateway they belong to, and builds that
 * gateway's pipelines once. Nest hands the adapter per-socket bound callbacks, not the gateway,
 * so the gateway is recognised by its message names and namespace; when two gateways could
 * match (same names, compatible namespaces), Nest's own callbacks are used.
 */
export class GatewayPipelines {
  private entries?: GatewayEntry[];
  /** Per namespace and message names: the gateway they belong to, or null (ambiguous). */
  private readonly matches = new Map<string, GatewayEntry | null>();
  private readonly catalog: GatewayCatalog;
  private readonly creators: {
    guards: { create(instance: object, callback: unknown, moduleKey: string): unknown[] };
    pipes: { create(instance: object, callback: unknown, moduleKey: string): unknown[] };
    interceptors: { create(instance: object, callback: unknown, moduleKey: string): unknown[] };
    filters: { create(instance: object, callback: unknown, moduleKey: string): unknown };
    interceptorsConsumer: InterceptorsConsumer;
    ws: {
      wsParamsFactory?: WsParamsFactory;
      getMetadata(
        instance: object,
        methodName: string,
        type: string,
      ): {
        argsLength: number;
        paramtypes?: unknown[];
        getParamsMetadata(moduleKey: string): ParamOption[] | undefined;
      };
    };
    tokens: { exchangeEnumForString(type: unknown): string };
  };

  constructor(
    private readonly nest: NestWsInternals,
    modules: ModulesContainer | GatewayCatalog,
    container: { applicationConfig?: unknown },
    private readonly logger: Pick<Logger, 'debug'>,
  ) {
    this.catalog = modules instanceof GatewayCatalog ? modules : GatewayCatalog.of(modules);
    const config = container.applicationConfig;
    const guards = new nest.GuardsContextCreator(container, config);
    const pipes = new nest.PipesContextCreator(container, config);
    const interceptors = new nest.InterceptorsContextCreator(container, config);
    const filters = new nest.ExceptionFiltersContext(container);
    const interceptorsConsumer = new nest.InterceptorsConsumer() as InterceptorsConsumer;
    const ws = new nest.WsContextCreator(
      undefined,
      filters,
      pipes,
      new nest.PipesConsumer(),
      guards,
      new nest.GuardsConsumer(),
      interceptors,
      interceptorsConsumer,
    ) as GatewayPipelines['creators']['ws'];
    this.creators = {
      guards,
      pipes,
      interceptors,
      filters,
      interceptorsConsumer,
      ws,
      tokens: new nest.ParamsTokenFactory(),
    };
  }

  /**
   * The handlers of the gateway these belong to, with their pipelines: one array shared by
   * every socket of that gateway (on every namespace it serves), so a socket keeps no handler
   * objects of its own. Undefined where Nest's own callbacks must run.
   */
  resolve(socket: Socket, handlers: readonly BoundMessageHandler[]): MessageHandler[] | undefined {
    const signature = handlers.map((h) => String(h.message)).join('\u0000');
    const key = `${socket.nsp.name}\u0001${signature}`;
    let entry = this.matches.get(key);
    if (entry === undefined) {
      entry = this.match(socket.nsp.name, signature);
      if (this.matches.size >= MAX_REMEMBERED) this.matches.clear();
      this.matches.set(key, entry);
      if (entry?.methods && !entry.handlers) {
        const methods = entry.methods;
        entry.handlers = handlers.map((h) => {
          const { methodName, callback } = methods.get(String(h.message))!;
          return {
            message: String(h.message),
            isAckHandledManually: h.isAckHandledManually,
            pipeline: this.build(entry!, methodName, callback),
          };
        });
      }
      const gateway = entry ? entry.instance.constructor.name : 'a gateway';
      this.logger.debug(
        `${gateway} on ${socket.nsp.name}: ${entry?.handlers ? "the library's" : "Nest's"} message pipeline` +
          (entry?.handlers
            ? ''
            : ' (request-scoped, or other gateways share its messages and namespace)'),
      );
    }
    return entry?.handlers;
  }

  private match(namespace: string, signature: string): GatewayEntry | null {
    const candidates = this.gateways().filter(
      (g) => g.signature === signature && namespaceMay(g.namespace, namespace),
    );
    return candidates.length === 1 ? candidates[0] : null;
  }

  private build(entry: GatewayEntry, methodName: string, callback: Method): HandlerPipeline {
    const { instance, moduleKey } = entry;
    const c = this.creators;
    const guards = c.guards.create(instance, callback, moduleKey) as CanActivate[];
    const checks = guards.map((g) => socketCheckOf(g, instance.constructor, callback));
    const interceptors = c.interceptors.create(instance, callback, moduleKey) as NestInterceptor[];
    const pipes = c.pipes.create(instance, callback, moduleKey) as PipeTransform[];
    const exceptions = c.filters.create(instance, callback, moduleKey) as ExceptionsHandler;
    const { argsLength, paramtypes, getParamsMetadata } = c.ws.getMetadata(
      instance,
      methodName,
      'ws',
    );
    const options = getParamsMetadata(moduleKey) ?? [];
    const factory =
      typeof c.ws.wsParamsFactory?.exchangeKeyForValue === 'function' ? c.ws.wsParamsFactory : null;
    const params = options.map((p): Param => ({
      index: p.index,
      // Numeric types are Nest's (socket, payload, ack); custom decorators have string keys.
      factory: typeof p.type === 'number' ? factory : null,
      type: p.type,
      data: p.data,
      extract: p.extractValue,
      pipes: [...pipes, ...p.pipes],
      metadata: {
        metatype: paramtypes ? paramtypes[p.index] : p.metatype,
        type: c.tokens.exchangeEnumForString(p.type),
        data: p.data,
        schema: p.schema,
      },
    }));
    const pattern = Reflect.getMetadata(this.nest.MESSAGE_METADATA, callback) as unknown;
    return new HandlerPipeline(
      this.nest,
      instance,
      callback,
      pattern ?? 'unknown',
      guards,
      checks,
      interceptors,
      c.interceptorsConsumer,
      params.length ? params : null,
      argsLength,
      exceptions,
    );
  }

  private gateways(): GatewayEntry[] {
    if (this.entries) return this.entries;
    const explorer = new this.nest.GatewayMetadataExplorer(new MetadataScanner()) as {
      explore(instance: object): Array<{ message: unknown; methodName: string; callback: Method }>;
    };
    const entries: GatewayEntry[] = [];
    const namespaces = new Map(this.catalog.gateways().map((g) => [g.metatype, g.namespace]));
    for (const [moduleKey, wrapper] of this.catalog.instances()) {
      const { metatype, instance } = wrapper;
      const handlers = explorer.explore(instance);
      const names = handlers.map((h) => String(h.message));
      const unique = new Set(names).size === names.length;
      entries.push({
        instance,
        moduleKey,
        namespace: namespaces.get(metatype) ?? '/',
        signature: names.join('\u0000'),
        methods:
          unique && wrapper.isDependencyTreeStatic()
            ? new Map(handlers.map((h) => [String(h.message), h]))
            : null,
      });
    }
    return (this.entries = entries);
  }
}

/** False only when the gateway's namespace certainly excludes this namespace. */
function namespaceMay(namespace: DiscoveredGateway['namespace'], name: string): boolean {
  if (typeof namespace === 'string') return namespace === name;
  return true; // a RegExp or a function: dynamic namespaces, cannot rule out
}
