import type { AsyncAPIDocumentInterface } from '@asyncapi/parser';
import { type AsyncApiDocument, buildAsyncApiDocument } from '../../lib/index.js';
import { TestApp } from '../kit/app.js';
import { FIXTURE_GATEWAYS, FIXTURE_OPTIONS, PlainGateway, RootGateway } from './fixtures.js';
import { parseAsyncApi } from './parse.js';

const GATEWAY_OPTIONS = 'websockets:gateway_options';
const MESSAGE = 'message';

/** What the gateways declare, read from Nest's own metadata (not through the library). */
function declared(gateway: object): { namespace: unknown; events: string[] } {
  const options = Reflect.getMetadata(GATEWAY_OPTIONS, gateway) as { namespace?: unknown };
  const events: string[] = [];
  for (let proto = (gateway as { prototype: object }).prototype; proto !== Object.prototype;) {
    for (const name of Object.getOwnPropertyNames(proto)) {
      const value = Object.getOwnPropertyDescriptor(proto, name)?.value as unknown;
      const event = typeof value === 'function' ? Reflect.getMetadata(MESSAGE, value) : undefined;
      if (typeof event === 'string') events.push(event);
    }
    proto = Object.getPrototypeOf(proto) as object;
  }
  return { namespace: options?.namespace, events };
}

/** The channel id the document gives a namespace. */
function channelIdOf(namespace: unknown): string {
  if (namespace instanceof RegExp) return 'dynamic';
  if (namespace === undefined) return 'root';
  return String(namespace).replace(/^\//, '');
}

const ALL_CODES = [
  'UNAUTHORIZED',
  'TOKEN_EXPIRED',
  'FORBIDDEN',
  'VALIDATION_FAILED',
  'RATE_LIMITED',
  'PAYLOAD_TOO_LARGE',
  'BAD_REQUEST',
  'NOT_FOUND',
  'INTERNAL_ERROR',
];

describe('the AsyncAPI document of an app using every supported DTO feature', () => {
  let app: TestApp;
  let doc: AsyncApiDocument;
  let parsed: AsyncAPIDocumentInterface;
  let problems: string[];

  beforeAll(async () => {
    app = await TestApp.start({ realtime: FIXTURE_OPTIONS, providers: FIXTURE_GATEWAYS });
    doc = await buildAsyncApiDocument(app.app);
    ({ document: parsed, problems } = await parseAsyncApi(doc));
  });
  afterAll(() => app.close());

  /** The error codes of a receive operation's error reply. */
  function codesOf(operationId: string): string[] {
    const reply = doc.operations[operationId].reply;
    const errorRef = reply?.messages[1]?.$ref;
    if (!errorRef) return [];
    const key = errorRef.split('/').pop() as string;
    const payload = doc.components.messages[key].payload as {
      allOf: [unknown, { properties: { code: { enum: string[] } } }];
    };
    return payload.allOf[1].properties.code.enum;
  }

  it('is AsyncAPI 3.0.0 that @asyncapi/parser accepts with no error and no warning', () => {
    expect(doc.asyncapi).toBe('3.0.0');
    expect(problems).toEqual([]);
  });

  it('takes its title, version, description and servers from the module options', () => {
    expect(parsed.info().title()).toBe('Orders realtime API');
    expect(parsed.info().version()).toBe('2.3.0');
    expect(parsed.info().description()).toBe('The fixture app of the AsyncAPI tests.');
    const production = parsed.servers().get('production');
    expect(production?.host()).toBe('orders.example.com');
    expect(production?.protocol()).toBe('wss');
    expect(production?.description()).toBe('Production');
    expect(parsed.servers().get('local')?.host()).toBe('localhost:3000');
  });

  it('has one channel per namespace, addressed by its name; a RegExp namespace is a dynamic channel', () => {
    const expected = FIXTURE_GATEWAYS.map((g) => declared(g).namespace);
    expect(
      parsed
        .channels()
        .all()
        .map((c) => c.id()),
    ).toEqual(expected.map(channelIdOf));
    expect(
      Object.fromEntries(
        parsed
          .channels()
          .all()
          .map((c) => [c.id(), c.address()]),
      ),
    ).toEqual({
      orders: '/orders',
      dynamic: '^\\/tenant-\\d+$',
      plain: '/plain',
      root: '/',
      public: '/public',
    });
    expect(doc.channels.dynamic.description).toMatch(/^Dynamic: every Socket\.IO namespace/);
    expect(doc.channels.dynamic['x-namespace-pattern']).toBe('/^\\/tenant-\\d+$/');
  });

  it('has a receive operation per @SubscribeMessage handler, inherited handlers included', () => {
    const expected = FIXTURE_GATEWAYS.flatMap((gateway) => {
      const { namespace, events } = declared(gateway);
      return events.map((event) => `${channelIdOf(namespace)}_${event}_receive`);
    });
    expect(expected).toContain('dynamic_hello_receive'); // inherited from BaseTenantGateway
    for (const id of expected) {
      const operation = parsed.operations().get(id);
      expect({ id, action: operation?.action() }).toEqual({ id, action: 'receive' });
      // The message is the event, on the channel of the gateway's namespace.
      expect(
        operation
          ?.channels()
          .all()
          .map((c) => c.id()),
      ).toEqual([id.split('_')[0]]);
      expect(operation?.messages().all()[0].name()).toBe(id.split('_').slice(1, -1).join('_'));
    }
    const handlers = Object.entries(doc.operations)
      .filter(([, op]) => op.action === 'receive' && !op.title?.startsWith('auth:'))
      .map(([id]) => id);
    expect(handlers.sort()).toEqual([...expected].sort());
  });

  it('describes a DTO with its class-validator metadata: inherited, nested, arrays, optional, enums', () => {
    const order = doc.components.schemas.CreateOrderDto as {
      properties: Record<string, Record<string, unknown>>;
      required: string[];
    };
    expect(Object.keys(order.properties).sort()).toEqual(
      [
        'address',
        'color',
        'deliverBy',
        'gift',
        'labels',
        'note',
        'priority',
        'quantity',
        'requestId',
        'tags',
      ].sort(),
    );
    // Optional fields (@IsOptional) are not required, inherited ones included.
    expect(order.required.sort()).toEqual(
      ['address', 'color', 'gift', 'labels', 'priority', 'requestId', 'tags'].sort(),
    );
    expect(order.properties.requestId).toEqual({ type: 'string', format: 'uuid' });
    expect(order.properties.address).toEqual({ $ref: '#/components/schemas/AddressDto' });
    expect(order.properties.tags).toEqual({
      type: 'array',
      items: { $ref: '#/components/schemas/TagDto' },
    });
    expect(order.properties.labels).toEqual({
      type: 'array',
      maxItems: 5,
      items: { type: 'string' },
    });
    expect(order.properties.color).toEqual({ type: 'string', enum: ['red', 'green'] });
    // A numeric enum: its values, without TypeScript's reverse mapping.
    expect(order.properties.priority).toEqual({ type: 'integer', enum: [1, 2] });
    expect(order.properties.quantity).toEqual({ type: 'integer', minimum: 1, maximum: 10 });
    expect(doc.components.schemas.AddressDto).toEqual({
      type: 'object',
      properties: {
        street: { type: 'string' },
        zip: { type: 'string', minLength: 5, maxLength: 5 },
      },
      required: ['street'],
    });

    // Read back through the parser, with every $ref resolved.
    const payload = parsed
      .operations()
      .get('orders_create_order_receive')
      ?.messages()
      .all()[0]
      .payload();
    expect(payload?.id()).toBe('CreateOrderDto');
    expect(payload?.properties()?.address.properties()?.street.type()).toBe('string');
    expect(payload?.properties()?.tags.items()).toMatchObject({});
    const tagItems = payload?.properties()?.tags.items();
    expect(!Array.isArray(tagItems) && tagItems?.properties()?.name.maxLength()).toBe(20);
  });

  it('gives a class that contains itself, and two classes with one name, their own schemas', () => {
    expect(doc.components.schemas.CategoryDto).toMatchObject({
      properties: {
        children: { type: 'array', items: { $ref: '#/components/schemas/CategoryDto' } },
      },
      required: ['name'],
    });
    const refOf = (id: string) =>
      doc.components.messages[`${id}_receive`].payload as { $ref: string };
    expect(refOf('orders_catalog_item').$ref).toBe('#/components/schemas/ItemDto');
    expect(refOf('orders_inventory_item').$ref).toBe('#/components/schemas/ItemDto_2');
    expect(doc.components.schemas.ItemDto).toMatchObject({
      properties: { sku: { type: 'string' } },
    });
    expect(doc.components.schemas.ItemDto_2).toMatchObject({
      properties: { count: { type: 'integer' } },
    });
  });

  it('describes @MessageBody("field") as an object with that field, and no @MessageBody as no payload', () => {
    expect(doc.components.messages.orders_track_receive.payload).toEqual({
      type: 'object',
      properties: { orderId: { type: 'string' } },
    });
    expect(doc.components.messages.orders_ping_receive.payload).toBeUndefined();
    expect(parsed.operations().get('orders_ping_receive')?.messages().all()[0].hasPayload()).toBe(
      false,
    );
  });

  it('makes the ack the reply: the declared return class, else an open schema, then the error shape', () => {
    const reply = parsed.operations().get('orders_create_order_receive')?.reply();
    expect(reply?.channel()?.id()).toBe('orders');
    const [ack, error] = reply?.messages().all() ?? [];
    expect(ack.payload()?.id()).toBe('OrderAckDto');
    expect(ack.payload()?.properties()?.state.enum()).toEqual(['accepted', 'queued']);
    expect(error.payload()?.allOf()?.[0].id()).toBe('RealtimeError');
    // An undeclared (inferred) return type: any JSON.
    expect(doc.components.messages.orders_save_category_ack.payload).toEqual({});
  });

  it('lists the codes each handler can answer, from its DTO, guard, throttle and filter', () => {
    // @RealtimeGateway (guard + filter), a DTO, the module's rate limit: every code.
    expect(codesOf('orders_create_order_receive')).toEqual(ALL_CODES);
    // @Public, @SkipThrottle, no payload.
    expect(codesOf('orders_ping_receive')).toEqual([
      'FORBIDDEN',
      'BAD_REQUEST',
      'NOT_FOUND',
      'INTERNAL_ERROR',
    ]);
    // A public namespace's handler still has the guard (which lets anonymous sockets through).
    expect(codesOf('public_lookup_receive')).toEqual(ALL_CODES);
    // A plain @WebSocketGateway: only the library's own refusals reach the ack in the shape.
    expect(codesOf('plain_echo_receive')).toEqual(['RATE_LIMITED']);
    expect(doc.operations.plain_echo_receive.description).toMatch(/no WsExceptionFilter/);
    // The shared error shape carries every code.
    expect(doc.components.schemas.RealtimeErrorCode).toMatchObject({ enum: ALL_CODES });
    expect(
      Object.keys((doc.components.schemas.RealtimeError as { properties: object }).properties),
    ).toEqual(['status', 'code', 'message', 'event', 'details', 'retryAfter']);
  });

  it('makes the events declared with @RealtimeEmits send operations, inherited ones included', () => {
    const shipped = parsed.operations().get('orders_order_shipped_send');
    expect(shipped?.action()).toBe('send');
    expect(shipped?.messages().all()[0].name()).toBe('order_shipped');
    expect(shipped?.messages().all()[0].payload()?.id()).toBe('OrderShippedDto');
    const stock = doc.components.messages.orders_stock_changed_send;
    expect(stock).toMatchObject({ name: 'stock_changed', summary: 'Stock of an item changed.' });
    expect(stock.payload).toMatchObject({ required: ['sku', 'left'] });
    expect(doc.operations.dynamic_tenant_event_send.action).toBe('send');
    expect(doc.operations.dynamic_base_event_send.action).toBe('send');
  });

  it("includes the library's own events on every channel: exception, presence, auth:expired, auth:refresh", () => {
    for (const channel of Object.keys(doc.channels)) {
      expect({
        channel,
        ops: Object.keys(doc.operations).filter((id) => id.startsWith(`${channel}_`)),
      }).toMatchObject({
        channel,
        ops: expect.arrayContaining([
          `${channel}_exception_send`,
          `${channel}_presence_online_send`,
          `${channel}_presence_offline_send`,
          `${channel}_auth_expired_send`,
          `${channel}_auth_refresh_receive`,
        ]),
      });
    }
    const online = parsed.operations().get('orders_presence_online_send')?.messages().all()[0];
    expect(online?.name()).toBe('presence:online');
    expect(Object.keys(online?.payload()?.properties() ?? {})).toEqual(['userId', 'name']);
    const refresh = parsed.operations().get('orders_auth_refresh_receive');
    expect(refresh?.messages().all()[0].name()).toBe('auth:refresh');
    const [ack, error] = refresh?.reply()?.messages().all() ?? [];
    expect(ack.payload()?.id()).toBe('AuthRefreshAck');
    expect(error.payload()?.allOf()?.[0].id()).toBe('RealtimeError');
    expect(
      parsed.operations().get('orders_exception_send')?.messages().all()[0].payload()?.id(),
    ).toBe('RealtimeError');
  });

  it('describes the handshake token as security schemes, on every channel but the public one', () => {
    expect(doc.components.securitySchemes).toMatchObject({
      jwt: { type: 'http', scheme: 'bearer', bearerFormat: 'JWT' },
      jwtCookie: { type: 'httpApiKey', in: 'cookie', name: 'session' },
    });
    expect(doc.components.securitySchemes?.jwt.description).toMatch(/auth\.token/);
    expect(doc.components.securitySchemes?.jwt.description).toMatch(/Authorization: Bearer/);
    for (const operation of parsed.operations().all()) {
      const channel = operation.channels().all()[0].id();
      const schemes = operation
        .security()
        .flatMap((requirements) => requirements.all().map((r) => r.scheme().type()));
      expect({ id: operation.id(), schemes }).toEqual({
        id: operation.id(),
        schemes: channel === 'public' ? [] : ['http', 'httpApiKey'],
      });
    }
  });
});

describe('the AsyncAPI document follows the options', () => {
  let app: TestApp;
  let doc: AsyncApiDocument;

  beforeAll(async () => {
    // No auth, no presence, no rate limits, no asyncapi options.
    app = await TestApp.start({
      realtime: { presence: false, throttle: false },
      providers: [PlainGateway, RootGateway],
    });
    doc = await buildAsyncApiDocument(app.app, { title: 'Given in code', version: '0.0.1' });
  });
  afterAll(() => app.close());

  it('parses with no error and no warning', async () => {
    expect((await parseAsyncApi(doc)).problems).toEqual([]);
  });

  it('takes info from the call, with defaults, and has no servers unless configured', () => {
    expect(doc.info.title).toBe('Given in code');
    expect(doc.info.version).toBe('0.0.1');
    expect(doc.info.description).toMatch(/generated from its gateways by nestjs-realtime/);
    expect(doc.servers).toBeUndefined();
  });

  it('has no security and only the exception event without auth and presence', () => {
    expect(doc.components.securitySchemes).toBeUndefined();
    expect(Object.keys(doc.operations).sort()).toEqual(
      [
        'plain_echo_receive',
        'plain_exception_send',
        'root_status_receive',
        'root_exception_send',
      ].sort(),
    );
    expect(Object.values(doc.operations).some((op) => op.security)).toBe(false);
  });

  it('answers no UNAUTHORIZED without auth and no RATE_LIMITED without rate limits', () => {
    const errorOf = (key: string) =>
      (
        doc.components.messages[key]?.payload as
          { allOf: [unknown, { properties: { code: { enum: string[] } } }] } | undefined
      )?.allOf[1].properties.code.enum;
    expect(errorOf('root_status_error')).toEqual([
      'FORBIDDEN',
      'BAD_REQUEST',
      'NOT_FOUND',
      'INTERNAL_ERROR',
    ]);
    // Nothing the plain gateway answers is shaped: the reply is the ack alone.
    expect(errorOf('plain_echo_error')).toBeUndefined();
    expect(doc.operations.plain_echo_receive.reply?.messages).toEqual([
      { $ref: '#/channels/plain/messages/plain_echo_ack' },
    ]);
  });
});
