import { Type } from 'class-transformer';
import {
  ArrayMaxSize,
  IsArray,
  IsBoolean,
  IsDateString,
  IsEnum,
  IsIn,
  IsInt,
  IsOptional,
  IsString,
  IsUUID,
  Length,
  Max,
  Min,
  ValidateNested,
} from 'class-validator';
import {
  ConnectedSocket,
  MessageBody,
  SubscribeMessage,
  WebSocketGateway,
} from '@nestjs/websockets';
import type { Socket } from 'socket.io';
import {
  Public,
  RealtimeEmits,
  RealtimeGateway,
  type RealtimeModuleOptions,
  SkipThrottle,
  WsThrottle,
} from '../../lib/index.js';
import { TEST_SECRET } from '../kit/tokens.js';
import { ItemDto as InventoryItemDto } from './fixtures-inventory.js';

// An app that uses every DTO feature the document supports: nested classes, arrays of classes
// and of primitives, optional fields, string and numeric enums, inheritance, @ValidateNested,
// a class that contains itself, two classes with one name; and every kind of gateway: a
// @RealtimeGateway with guard and filter, a plain @WebSocketGateway, a dynamic (RegExp)
// namespace, the root namespace and a public namespace.

export enum Color {
  Red = 'red',
  Green = 'green',
}

export enum Priority {
  Low = 1,
  High = 2,
}

export class AddressDto {
  @IsString()
  street!: string;

  @IsOptional()
  @IsString()
  @Length(5, 5)
  zip?: string;
}

export class TagDto {
  @IsString()
  @Length(1, 20)
  name!: string;
}

/** Fields every order message has: the subclass inherits them. */
export class BaseMessageDto {
  @IsUUID()
  requestId!: string;

  @IsOptional()
  @IsString()
  note?: string;
}

export class CreateOrderDto extends BaseMessageDto {
  @ValidateNested()
  @Type(() => AddressDto)
  address!: AddressDto;

  @IsArray()
  @ValidateNested({ each: true })
  @Type(() => TagDto)
  tags!: TagDto[];

  @IsArray()
  @ArrayMaxSize(5)
  @IsString({ each: true })
  labels!: string[];

  @IsEnum(Color)
  color!: Color;

  @IsEnum(Priority)
  priority!: Priority;

  @IsOptional()
  @IsInt()
  @Min(1)
  @Max(10)
  quantity?: number;

  @IsBoolean()
  gift!: boolean;

  @IsOptional()
  @IsDateString()
  deliverBy?: string;
}

export class OrderAckDto {
  @IsUUID()
  orderId!: string;

  @IsIn(['accepted', 'queued'])
  state!: 'accepted' | 'queued';
}

/** A tree: a class whose property holds instances of itself. */
export class CategoryDto {
  @IsString()
  name!: string;

  @IsOptional()
  @ValidateNested({ each: true })
  @Type(() => CategoryDto)
  children?: CategoryDto[];
}

export class OrderShippedDto {
  @IsUUID()
  orderId!: string;

  @ValidateNested()
  @Type(() => AddressDto)
  address!: AddressDto;
}

/** Shares its name with the `ItemDto` of fixtures-inventory.ts: each gets its own schema. */
export class ItemDto {
  @IsString()
  sku!: string;
}

@RealtimeGateway({ namespace: '/orders' })
@RealtimeEmits({
  order_shipped: OrderShippedDto,
  stock_changed: {
    payload: {
      type: 'object',
      required: ['sku', 'left'],
      properties: { sku: { type: 'string' }, left: { type: 'integer' } },
    },
    summary: 'Stock of an item changed.',
  },
})
export class OrdersGateway {
  @SubscribeMessage('create_order')
  createOrder(@MessageBody() body: CreateOrderDto): OrderAckDto {
    return { orderId: body.requestId, state: 'accepted' };
  }

  @SubscribeMessage('save_category')
  @WsThrottle({ limit: 2, ttl: 1000 })
  saveCategory(@MessageBody() body: CategoryDto) {
    return { saved: body.name };
  }

  @SubscribeMessage('catalog_item')
  catalogItem(@MessageBody() body: ItemDto) {
    return body;
  }

  @SubscribeMessage('inventory_item')
  inventoryItem(@MessageBody() body: InventoryItemDto) {
    return body;
  }

  /** One property of the payload, and the socket. */
  @SubscribeMessage('track')
  track(@MessageBody('orderId') orderId: string, @ConnectedSocket() socket: Socket) {
    return { orderId, socket: socket.id };
  }

  /** No payload, no guard, no rate limit. */
  @SubscribeMessage('ping')
  @Public()
  @SkipThrottle()
  ping() {
    return 'pong';
  }
}

/** Inherits a handler, adds one, and extends the emits. */
@RealtimeEmits({ base_event: TagDto })
export class BaseTenantGateway {
  @SubscribeMessage('hello')
  hello(@MessageBody() body: TagDto) {
    return body.name;
  }
}

@RealtimeGateway({ namespace: /^\/tenant-\d+$/ })
@RealtimeEmits({ tenant_event: TagDto })
export class TenantGateway extends BaseTenantGateway {
  @SubscribeMessage('bye')
  bye() {
    return 'bye';
  }
}

/** Nest's own decorator: no library filter, so only the library's own refusals are shaped. */
@WebSocketGateway({ namespace: '/plain' })
export class PlainGateway {
  @SubscribeMessage('echo')
  echo(@MessageBody() body: TagDto) {
    return body;
  }
}

/** The root namespace. */
@RealtimeGateway()
export class RootGateway {
  @SubscribeMessage('status')
  status() {
    return 'ok';
  }
}

/** A namespace open to anonymous sockets (auth.publicNamespaces). */
@RealtimeGateway({ namespace: 'public' })
export class PublicGateway {
  @SubscribeMessage('lookup')
  lookup(@MessageBody() body: AddressDto) {
    return body.street;
  }
}

export const FIXTURE_GATEWAYS = [
  OrdersGateway,
  TenantGateway,
  PlainGateway,
  RootGateway,
  PublicGateway,
];

export const FIXTURE_OPTIONS: RealtimeModuleOptions = {
  auth: {
    secret: TEST_SECRET,
    publicNamespaces: ['/public'],
    tokenSources: { cookie: 'session' },
  },
  presence: { publicUserFields: ['name'] },
  asyncapi: {
    title: 'Orders realtime API',
    version: '2.3.0',
    description: 'The fixture app of the AsyncAPI tests.',
    servers: {
      production: { host: 'orders.example.com', protocol: 'wss', description: 'Production' },
      local: { host: 'localhost:3000', protocol: 'ws' },
    },
  },
};
