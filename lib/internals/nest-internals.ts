/**
 * The classes Nest's own WebSocket controller builds its per-message pipeline from, loaded from
 * the host's Nest. They are not public API: each is imported by the path it has in both Nest 11
 * (CommonJS) and Nest 12 (ES modules, whose `exports` map allows `./*.js`). When a future Nest
 * moves one, loading fails, and gateways keep Nest's own pipeline (slower, same behaviour).
 */
export interface NestWsInternals {
  ExecutionContextHost: new (
    args: unknown[],
    constructorRef?: unknown,
    handler?: unknown,
  ) => {
    setType(type: string): void;
  };
  ParamsTokenFactory: new () => { exchangeEnumForString(type: unknown): string };
  GuardsContextCreator: ContextCreatorClass;
  PipesContextCreator: ContextCreatorClass;
  InterceptorsContextCreator: ContextCreatorClass;
  InterceptorsConsumer: new () => unknown;
  PipesConsumer: new () => unknown;
  GuardsConsumer: new () => unknown;
  ExceptionFiltersContext: new (container: unknown) => {
    create(instance: object, callback: unknown, moduleKey: string): unknown;
  };
  WsContextCreator: new (...parts: unknown[]) => unknown;
  GatewayMetadataExplorer: new (scanner: unknown) => unknown;
  FORBIDDEN_MESSAGE: string;
  GATEWAY_OPTIONS: string;
  MESSAGE_METADATA: string;
}

type ContextCreatorClass = new (
  container: unknown,
  config?: unknown,
) => {
  create(instance: object, callback: unknown, moduleKey: string): unknown[];
};

let loading: Promise<NestWsInternals | null> | undefined;

/** Loads once per process; resolves to null when any part is missing. */
export function loadNestWsInternals(): Promise<NestWsInternals | null> {
  loading ??= load().catch(() => null);
  return loading;
}

async function load(): Promise<NestWsInternals | null> {
  const [host, tokens, guards, guardsConsumer, pipes, pipesConsumer, interceptors] =
    await Promise.all([
      import('@nestjs/core/helpers/execution-context-host.js'),
      import('@nestjs/core/pipes/params-token-factory.js'),
      import('@nestjs/core/guards/guards-context-creator.js'),
      import('@nestjs/core/guards/guards-consumer.js'),
      import('@nestjs/core/pipes/pipes-context-creator.js'),
      import('@nestjs/core/pipes/pipes-consumer.js'),
      import('@nestjs/core/interceptors/interceptors-context-creator.js'),
    ]);
  const [interceptorsConsumer, guardConstants, filters, creator, explorer, ws] = await Promise.all([
    import('@nestjs/core/interceptors/interceptors-consumer.js'),
    import('@nestjs/core/guards/constants.js'),
    import('@nestjs/websockets/context/exception-filters-context.js'),
    import('@nestjs/websockets/context/ws-context-creator.js'),
    import('@nestjs/websockets/gateway-metadata-explorer.js'),
    import('@nestjs/websockets/constants.js'),
  ]);
  const internals = {
    ExecutionContextHost: host.ExecutionContextHost,
    ParamsTokenFactory: tokens.ParamsTokenFactory,
    GuardsContextCreator: guards.GuardsContextCreator,
    GuardsConsumer: guardsConsumer.GuardsConsumer,
    PipesContextCreator: pipes.PipesContextCreator,
    PipesConsumer: pipesConsumer.PipesConsumer,
    InterceptorsContextCreator: interceptors.InterceptorsContextCreator,
    InterceptorsConsumer: interceptorsConsumer.InterceptorsConsumer,
    ExceptionFiltersContext: filters.ExceptionFiltersContext,
    WsContextCreator: creator.WsContextCreator,
    GatewayMetadataExplorer: explorer.GatewayMetadataExplorer,
    FORBIDDEN_MESSAGE: guardConstants.FORBIDDEN_MESSAGE,
    GATEWAY_OPTIONS: ws.GATEWAY_OPTIONS,
    MESSAGE_METADATA: ws.MESSAGE_METADATA,
  } as unknown as NestWsInternals;
  const missing = Object.values(internals).some((part) => part === undefined);
  return missing ? null : internals;
}
