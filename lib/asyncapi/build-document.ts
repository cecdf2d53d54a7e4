import { declaredAck } from './realtime-ack.decorator.js';
import type { INestApplicationContext } from '@nestjs/common';
import { ModulesContainer } from '@nestjs/core';
import { WsJwtGuard } from '../auth/ws-jwt.guard.js';
import { RealtimeErrorCode } from '../errors/error-codes.js';
import { WsExceptionFilter } from '../errors/ws-exception.filter.js';
import { GatewayCatalog } from '../gateway/gateway-catalog.js';
import type { DiscoveredGateway, DiscoveredHandler } from '../gateway/gateway-discovery.js';
import {
  PUBLIC_HANDLER_METADATA,
  REALTIME_OPTIONS,
  SKIP_THROTTLE_METADATA,
  THROTTLE_METADATA,
} from '../core/internal.constants.js';
import type { ResolvedRealtimeOptions } from '../options/options.defaults.js';
import type { RealtimeAsyncApiServer } from '../options/realtime-options.interface.js';
import { RealtimeEvents } from '../core/realtime.constants.js';
import type {
  AsyncApiChannel,
  AsyncApiDocument,
  AsyncApiMessage,
  AsyncApiOperation,
  AsyncApiRef,
  AsyncApiSchema,
  AsyncApiSecurityScheme,
} from './asyncapi.types.js';
import { DtoSchemas } from './dto-schemas.js';
import {
  errorPayload,
  LIBRARY_MESSAGES,
  libraryMessages,
  librarySchemas,
  presenceEvents,
} from './library-events.js';
import { declaredEmits, type RealtimeEmittedEvent } from './realtime-emits.decorator.js';

const GUARDS_METADATA = '__guards__';
const FILTERS_METADATA = '__exceptionFilters__';

/** What `buildAsyncApiDocument` takes over the module's `asyncapi` options. */
export interface AsyncApiDocumentOptions {
  title?: string;
  version?: string;
  description?: string;
  servers?: Record<string, RealtimeAsyncApiServer>;
}

/**
 * The AsyncAPI 3.0.0 document of an app's gateways, as a plain object.
 *
 * Each namespace is a channel; each `@SubscribeMessage()` handler a `receive` operation whose
 * payload is the JSON Schema of its `@MessageBody()` DTO and whose reply is its ack (its declared
 * return class when there is one) or the error shape with the codes it can answer. Events
 * declared with `@RealtimeEmits()` are `send` operations; so are the library's own events where
 * enabled. Info and servers come from the module's `asyncapi` options, then from `options`.
 *
 * Works on a started app or on an application context (`NestFactory.createApplicationContext`).
 */
export async function buildAsyncApiDocument(
  app: INestApplicationContext,
  options: AsyncApiDocumentOptions = {},
): Promise<AsyncApiDocument> {
  let realtime: ResolvedRealtimeOptions;
  try {
    realtime = app.get<ResolvedRealtimeOptions>(REALTIME_OPTIONS, { strict: false });
  } catch {
    throw new Error(
      'buildAsyncApiDocument: this app does not import RealtimeModule (RealtimeModule.forRoot or forRootAsync)',
    );
  }
  const modules = app.get(ModulesContainer, { strict: false });
  return createAsyncApiDocument(GatewayCatalog.of(modules), realtime, options);
}

/** The document from Nest's container and the resolved options (what the served routes use). */
export async function createAsyncApiDocument(
  catalog: GatewayCatalog,
  realtime: ResolvedRealtimeOptions,
  overrides: AsyncApiDocumentOptions = {},
): Promise<AsyncApiDocument> {
  const shared = librarySchemas(realtime);
  const dtos = await DtoSchemas.load(Object.keys(shared));
  return new DocumentBuilder(realtime, dtos, shared, catalog).build(overrides);
}

/** One namespace of the app: the gateways that serve it. */
interface Namespace {
  id: string;
  namespace: DiscoveredGateway['namespace'];
  gateways: DiscoveredGateway[];
}

class DocumentBuilder {
  private readonly channels: Record<string, AsyncApiChannel> = {};
  private readonly operations: Record<string, AsyncApiOperation> = {};
  private readonly messages: Record<string, AsyncApiMessage>;
  private readonly securitySchemes: Record<string, AsyncApiSecurityScheme> = {};
  private readonly ids = new Set<string>();

  constructor(
    private readonly realtime: ResolvedRealtimeOptions,
    private readonly dtos: DtoSchemas,
    private readonly shared: Record<string, AsyncApiSchema>,
    private readonly catalog: GatewayCatalog,
  ) {
    this.messages = libraryMessages(realtime);
  }

  build(overrides: AsyncApiDocumentOptions): AsyncApiDocument {
    const settings = this.realtime.asyncapi;
    this.addSecuritySchemes();
    for (const namespace of this.namespaces(this.catalog.gateways())) {
      this.addChannel(namespace);
    }
    const servers = overrides.servers ?? settings.servers;
    const document: AsyncApiDocument = {
      asyncapi: '3.0.0',
      info: {
        title: overrides.title ?? settings.title,
        version: overrides.version ?? settings.version,
        description: overrides.description ?? settings.description ?? this.defaultDescription(),
      },
      ...(Object.keys(servers).length > 0 ? { servers: structuredClone(servers) } : {}),
      defaultContentType: 'application/json',
      channels: this.channels,
      operations: this.operations,
      components: {
        schemas: { ...this.shared, ...this.dtos.schemas },
        messages: this.messages,
        ...(Object.keys(this.securitySchemes).length > 0
          ? { securitySchemes: this.securitySchemes }
          : {}),
      },
    };
    return document;
  }

  /** Gateways grouped by namespace, in discovery order; channel ids unique and key-safe. */
  private namespaces(gateways: readonly DiscoveredGateway[]): Namespace[] {
    const byKey = new Map<unknown, Namespace>();
    let dynamic = 0;
    for (const gateway of gateways) {
      const key =
        gateway.namespace instanceof RegExp ? gateway.namespace.toString() : gateway.namespace;
      let entry = byKey.get(key);
      if (!entry) {
        let id: string;
        if (typeof gateway.namespace === 'string') {
          id = sanitize(gateway.namespace.replace(/^\/+/, '')) || 'root';
        } else {
          id = `dynamic${++dynamic === 1 ? '' : `_${dynamic}`}`;
        }
        entry = { id: this.uniqueId(id), namespace: gateway.namespace, gateways: [] };
        byKey.set(key, entry);
      }
      entry.gateways.push(gateway);
    }
    return [...byKey.values()];
  }

  private uniqueId(base: string): string {
    let id = base;
    for (let i = 2; this.ids.has(id); i++) id = `${base}_${i}`;
    this.ids.add(id);
    return id;
  }

  private addChannel({ id, namespace, gateways }: Namespace): void {
    const names = gateways.map((g) => g.name).join(', ');
    const channel: AsyncApiChannel = { address: null, title: '', description: '', messages: {} };
    if (typeof namespace === 'string') {
      channel.address = namespace;
      channel.title = namespace;
      const url = namespace === '/' ? 'url' : `url + '${namespace}'`;
      const auth = this.realtime.auth ? ', { auth: { token } }' : '';
      channel.description = `The Socket.IO namespace \`${namespace}\`: \`io(${url}${auth})\`. Served by ${names}.`;
    } else if (namespace instanceof RegExp) {
      // An address with braces would read as AsyncAPI parameters: then the pattern is only described.
      channel.address = /[{}]/.test(namespace.source) ? null : namespace.source;
      channel.title = `Dynamic namespaces ${namespace.toString()}`;
      channel.description = `Dynamic: every Socket.IO namespace whose name matches \`${namespace.toString()}\`. Served by ${names}.`;
      channel['x-namespace-pattern'] = namespace.toString();
    } else {
      channel.title = 'Dynamic namespaces';
      channel.description = `Dynamic: the Socket.IO namespaces a function accepts. Served by ${names}.`;
    }
    this.channels[id] = channel;
    const security = this.securityFor(namespace);

    const received = new Set<string>();
    const sent = new Set<string>();
    for (const gateway of gateways) {
      for (const handler of this.catalog.handlers(gateway.metatype)) {
        if (received.has(handler.event)) continue;
        received.add(handler.event);
        this.addHandler(id, gateway, handler, security);
      }
    }
    for (const gateway of gateways) {
      for (const [event, declared] of Object.entries(declaredEmits(gateway.metatype))) {
        if (sent.has(event)) continue;
        sent.add(event);
        this.addEmit(id, gateway, event, declared, security);
      }
    }
    this.addLibraryEvents(id, security);
  }

  private addHandler(
    channelId: string,
    gateway: DiscoveredGateway,
    handler: DiscoveredHandler,
    security: AsyncApiRef[] | undefined,
  ): void {
    const event = handler.event;
    const base = this.freeKey(channelId, event, 'receive');
    const payload = this.payloadOf(handler);
    const message: AsyncApiMessage = { name: event, title: event };
    if (payload) message.payload = payload;
    else message.summary = 'Sent without a payload.';
    const ackKey = `${base}_ack`;
    const ack: AsyncApiMessage = {
      name: event,
      title: `${event} ack`,
      summary: "What the handler returns, on the client's ack.",
      payload: this.dtos.schemaOf(
        declaredAck((gateway.metatype as { prototype: object }).prototype, handler.methodName) ??
          handler.returnType,
      ),
    };
    const codes = this.errorCodes(gateway, handler, payload !== undefined);
    const received = this.channelMessage(channelId, `${base}_receive`, message);
    const reply: AsyncApiRef[] = [this.channelMessage(channelId, ackKey, ack)];
    if (codes.length > 0) {
      const error: AsyncApiMessage = {
        name: event,
        title: `${event} error`,
        summary: `The error answer: ${codes.join(', ')}.`,
        payload: errorPayload(codes),
      };
      reply.push(this.channelMessage(channelId, `${base}_error`, error));
    }
    const operation: AsyncApiOperation = {
      action: 'receive',
      channel: { $ref: `#/channels/${channelId}` },
      title: event,
      summary: `Clients emit ${event}, handled by ${gateway.name}.${handler.methodName}.`,
      messages: [received],
      reply: { channel: { $ref: `#/channels/${channelId}` }, messages: reply },
    };
    if (!this.shapesErrors(gateway, handler)) {
      operation.description =
        "This gateway has no WsExceptionFilter (use @RealtimeGateway or @UseFilters(WsExceptionFilter)): its handler's own errors reach the client as Nest's `exception` event, without a code.";
    }
    if (security) operation.security = security;
    this.operations[`${base}_receive`] = operation;
  }

  private addEmit(
    channelId: string,
    gateway: DiscoveredGateway,
    event: string,
    declared: RealtimeEmittedEvent,
    security: AsyncApiRef[] | undefined,
  ): void {
    const base = this.freeKey(channelId, event, 'send');
    const described = typeof declared === 'function' ? { payload: declared } : declared;
    const payload =
      typeof described.payload === 'function'
        ? this.dtos.schemaOf(described.payload)
        : structuredClone(described.payload);
    const message: AsyncApiMessage = { name: event, title: event, payload };
    if (described.summary) message.summary = described.summary;
    if (described.description) message.description = described.description;
    const operation: AsyncApiOperation = {
      action: 'send',
      channel: { $ref: `#/channels/${channelId}` },
      title: event,
      summary: described.summary ?? `The server emits ${event} (declared by ${gateway.name}).`,
      messages: [this.channelMessage(channelId, `${base}_send`, message)],
    };
    if (security) operation.security = security;
    this.operations[`${base}_send`] = operation;
  }

  /** `exception` everywhere; presence and token events where the options turn them on. */
  private addLibraryEvents(channelId: string, security: AsyncApiRef[] | undefined): void {
    const send = (event: string, messageKey: string) => {
      const operation: AsyncApiOperation = {
        action: 'send',
        channel: { $ref: `#/channels/${channelId}` },
        title: event,
        summary: this.messages[messageKey].summary,
        messages: [this.channelMessage(channelId, messageKey)],
      };
      if (security) operation.security = security;
      this.operations[`${key(channelId, event)}_send`] ??= operation;
    };
    send(RealtimeEvents.EXCEPTION, LIBRARY_MESSAGES.exception);
    if (presenceEvents(this.realtime)) {
      send(RealtimeEvents.PRESENCE_ONLINE, LIBRARY_MESSAGES.presenceOnline);
      send(RealtimeEvents.PRESENCE_OFFLINE, LIBRARY_MESSAGES.presenceOffline);
    }
    if (!this.realtime.auth) return;
    send(RealtimeEvents.AUTH_EXPIRED, LIBRARY_MESSAGES.authExpired);
    const refresh = `${key(channelId, RealtimeEvents.AUTH_REFRESH)}_receive`;
    this.operations[refresh] ??= {
      action: 'receive',
      channel: { $ref: `#/channels/${channelId}` },
      title: RealtimeEvents.AUTH_REFRESH,
      summary: this.messages[LIBRARY_MESSAGES.authRefresh].summary,
      messages: [this.channelMessage(channelId, LIBRARY_MESSAGES.authRefresh)],
      reply: {
        channel: { $ref: `#/channels/${channelId}` },
        messages: [
          this.channelMessage(channelId, LIBRARY_MESSAGES.authRefreshAck),
          this.channelMessage(channelId, LIBRARY_MESSAGES.authRefreshError),
        ],
      },
      ...(security ? { security } : {}),
    };
  }

  /**
   * `<channelId>_<event>`, made unique when two event names read the same once sanitised
   * (`a:b` and `a_b`).
   */
  private freeKey(channelId: string, event: string, action: 'receive' | 'send'): string {
    const base = key(channelId, event);
    let candidate = base;
    for (let i = 2; this.operations[`${candidate}_${action}`]; i++) candidate = `${base}_${i}`;
    return candidate;
  }

  /**
   * Adds a message to components (when given) and to the channel; returns the operation's
   * `$ref` to it (operations must refer to their channel's messages).
   */
  private channelMessage(
    channelId: string,
    messageKey: string,
    message?: AsyncApiMessage,
  ): AsyncApiRef {
    if (message) this.messages[messageKey] = message;
    this.channels[channelId].messages[messageKey] = {
      $ref: `#/components/messages/${messageKey}`,
    };
    return { $ref: `#/channels/${channelId}/messages/${messageKey}` };
  }

  /** The payload of a handler's `@MessageBody()` parameters; undefined when it takes none. */
  private payloadOf(handler: DiscoveredHandler): AsyncApiSchema | undefined {
    if (handler.payloads.length === 0) return undefined;
    const whole = handler.payloads.find((p) => p.property === undefined);
    if (whole) return this.dtos.schemaOf(whole.type);
    // `@MessageBody('field')` only: an object with those fields.
    const properties = Object.fromEntries(
      handler.payloads.map((p) => [p.property as string, this.dtos.schemaOf(p.type)]),
    );
    return { type: 'object', properties };
  }

  /** The codes a handler can answer, from what applies to it. */
  private errorCodes(
    gateway: DiscoveredGateway,
    handler: DiscoveredHandler,
    hasPayload: boolean,
  ): string[] {
    const codes = new Set<string>();
    const shaped = this.shapesErrors(gateway, handler);
    if (shaped) {
      codes.add(RealtimeErrorCode.BAD_REQUEST);
      codes.add(RealtimeErrorCode.NOT_FOUND);
      codes.add(RealtimeErrorCode.INTERNAL_ERROR);
      const guards = [
        ...metadataList(GUARDS_METADATA, gateway.metatype),
        ...metadataList(GUARDS_METADATA, handler.method),
      ];
      if (guards.length > 0) codes.add(RealtimeErrorCode.FORBIDDEN);
      const isPublic =
        Reflect.getMetadata(PUBLIC_HANDLER_METADATA, handler.method) === true ||
        Reflect.getMetadata(PUBLIC_HANDLER_METADATA, gateway.metatype) === true;
      if (this.realtime.auth && !isPublic && guards.some(isJwtGuard)) {
        codes.add(RealtimeErrorCode.UNAUTHORIZED);
        codes.add(RealtimeErrorCode.TOKEN_EXPIRED);
      }
      if (hasPayload && handler.payloads.some((p) => isDto(p.type))) {
        codes.add(RealtimeErrorCode.VALIDATION_FAILED);
        codes.add(RealtimeErrorCode.PAYLOAD_TOO_LARGE);
      }
    }
    // The library's rate limits answer before any Nest code runs, filter or not.
    const skip = Reflect.getMetadata(SKIP_THROTTLE_METADATA, handler.method) === true;
    const own = Reflect.getMetadata(THROTTLE_METADATA, handler.method) !== undefined;
    if (!skip && (this.realtime.throttle !== false || own))
      codes.add(RealtimeErrorCode.RATE_LIMITED);
    return [...codes];
  }

  /** Whether the library's WsExceptionFilter shapes this handler's errors. */
  private shapesErrors(gateway: DiscoveredGateway, handler: DiscoveredHandler): boolean {
    return [
      ...metadataList(FILTERS_METADATA, gateway.metatype),
      ...metadataList(FILTERS_METADATA, handler.method),
    ].some(
      (filter) =>
        filter === WsExceptionFilter ||
        filter instanceof WsExceptionFilter ||
        (typeof filter === 'function' && filter.prototype instanceof WsExceptionFilter),
    );
  }

  /** The handshake token as security schemes, one per place it is read from. */
  private addSecuritySchemes(): void {
    const auth = this.realtime.auth;
    if (!auth) return;
    const sources = auth.tokenSources;
    const where: string[] = [];
    if (sources.auth)
      where.push("the Socket.IO handshake's `auth.token`: `io(url, { auth: { token } })`");
    if (sources.header)
      where.push('an `Authorization: Bearer <token>` header of the handshake request');
    const algorithms = auth.algorithms.join(', ');
    const verified = auth.jwksUri
      ? `keys from ${auth.jwksUri}`
      : auth.publicKey
        ? 'a public key'
        : 'a shared secret';
    const common = `A JWT (${algorithms}, verified with ${verified}) sent once, at the handshake; a refused handshake ends in \`connect_error\` with \`err.message\` = the code and \`err.data\` = the error shape. Send \`auth:refresh\` with a new token before it expires.`;
    if (where.length > 0) {
      this.securitySchemes.jwt = {
        type: 'http',
        scheme: 'bearer',
        bearerFormat: 'JWT',
        description: `${common} Read from ${where.join(', or ')}.`,
      };
    }
    if (sources.cookie) {
      this.securitySchemes.jwtCookie = {
        type: 'httpApiKey',
        name: sources.cookie,
        in: 'cookie',
        description: `${common} Read from the \`${sources.cookie}\` cookie.`,
      };
    }
    if (sources.query) {
      this.securitySchemes.jwtQuery = {
        type: 'httpApiKey',
        name: sources.query,
        in: 'query',
        description: `${common} Read from the \`${sources.query}\` query parameter: \`io(url, { query: { ${sources.query}: token } })\`.`,
      };
    }
  }

  /** The security of a namespace's operations: none on public namespaces or without auth. */
  private securityFor(namespace: DiscoveredGateway['namespace']): AsyncApiRef[] | undefined {
    const auth = this.realtime.auth;
    if (!auth) return undefined;
    const isPublic = auth.publicNamespaces.some((p) =>
      typeof namespace === 'string'
        ? typeof p === 'string'
          ? p === namespace
          : p.test(namespace)
        : namespace instanceof RegExp &&
          p instanceof RegExp &&
          p.toString() === namespace.toString(),
    );
    if (isPublic) return undefined;
    return Object.keys(this.securitySchemes).map((name) => ({
      $ref: `#/components/securitySchemes/${name}`,
    }));
  }

  private defaultDescription(): string {
    const auth = this.realtime.auth;
    return [
      'The Socket.IO events of this app, generated from its gateways by nestjs-realtime.',
      '',
      `Each channel is a namespace: connect with \`io(url + namespace${auth ? ', { auth: { token } }' : ''})\`${this.realtime.server.path === '/socket.io' ? '' : ` and \`path: '${this.realtime.server.path}'\``}.`,
      '`receive` operations are events clients emit (with an ack callback for the reply); `send` operations are events the server emits.',
      'Every error has one shape (`RealtimeError`): on the ack when the client passed one, otherwise as an `exception` event.',
    ].join('\n');
  }
}

/** A component key for `<channelId>_<event>`: letters, digits, `_`, `.` and `-` only. */
function key(channelId: string, event: string): string {
  return `${channelId}_${sanitize(event) || 'event'}`;
}

function sanitize(value: string): string {
  return value.replace(/[^A-Za-z0-9_.-]+/g, '_');
}

function metadataList(name: string, target: object): unknown[] {
  const value = Reflect.getMetadata(name, target) as unknown;
  return Array.isArray(value) ? value : [];
}

function isJwtGuard(guard: unknown): boolean {
  return (
    guard === WsJwtGuard ||
    guard instanceof WsJwtGuard ||
    (typeof guard === 'function' && guard.prototype instanceof WsJwtGuard)
  );
}

/** A class payload the library's pipe would validate (not String, Object...). */
function isDto(type: unknown): boolean {
  return (
    typeof type === 'function' &&
    ![String, Number, Boolean, Object, Array, Date, Promise, Function].includes(type as never)
  );
}
