import {
  BadRequestException,
  type CallHandler,
  type CanActivate,
  type ExecutionContext,
  ForbiddenException,
  HttpException,
  Injectable,
  InternalServerErrorException,
  type NestInterceptor,
  NotFoundException,
  PayloadTooLargeException,
  UnauthorizedException,
  UseGuards,
  UseInterceptors,
  Catch,
  type ArgumentsHost,
  UseFilters,
  type ExceptionFilter,
  Controller,
  Get,
} from '@nestjs/common';
import {
  MessageBody,
  type OnGatewayConnection,
  type OnGatewayDisconnect,
  SubscribeMessage,
  WsException,
} from '@nestjs/websockets';
import { Type } from 'class-transformer';
import {
  ArrayMaxSize,
  IsArray,
  IsInt,
  IsOptional,
  IsString,
  Length,
  Max,
  Min,
  Validate,
  ValidateNested,
  ValidatorConstraint,
  type ValidatorConstraintInterface,
} from 'class-validator';
import { throwError } from 'rxjs';
import type { Socket } from 'socket.io';
import { Public, RealtimeErrorCode, RealtimeException, RealtimeGateway } from '../../lib/index.js';

export class ItemDto {
  @IsString()
  @Length(1, 20)
  name!: string;

  @IsInt()
  @Min(1)
  @Max(99)
  qty!: number;
}

export class OrderDto {
  @IsString()
  @Length(1, 100)
  title!: string;

  @IsArray()
  @ArrayMaxSize(10)
  @ValidateNested({ each: true })
  @Type(() => ItemDto)
  items!: ItemDto[];

  @IsOptional()
  @ValidateNested()
  @Type(() => ItemDto)
  gift?: ItemDto;
}

/** An asynchronous rule (a database lookup, say): the pipe must wait for it. */
@ValidatorConstraint({ name: 'handleIsFree', async: true })
class HandleIsFree implements ValidatorConstraintInterface {
  async validate(handle: unknown): Promise<boolean> {
    await new Promise((resolve) => setTimeout(resolve, 5));
    return handle !== 'taken';
  }

  defaultMessage(): string {
    return 'handle is taken';
  }
}

export class ClaimDto {
  @IsString()
  @Validate(HandleIsFree)
  handle!: string;

  /** A class default: class-transformer keeps it when the payload leaves the field out. */
  @IsOptional()
  @IsString()
  note: string = 'none';
}

@Injectable()
class DenyGuard implements CanActivate {
  canActivate(): boolean {
    return false;
  }
}

@Injectable()
class ExplodingInterceptor implements NestInterceptor {
  intercept(_context: ExecutionContext, _next: CallHandler) {
    return throwError(() => new Error('interceptor secret detail'));
  }
}

@Catch()
class TeapotFilter implements ExceptionFilter {
  catch(_exception: unknown, host: ArgumentsHost) {
    const ack = host.getArgByIndex(2);
    if (typeof ack === 'function') ack({ teapot: true });
  }
}

export const hooks = { connections: 0, disconnections: 0 };

@RealtimeGateway({ namespace: '/errors' })
export class ErrorsGateway implements OnGatewayConnection, OnGatewayDisconnect {
  async handleConnection(socket: Socket) {
    hooks.connections++;
    if (socket.handshake.auth?.explode === 'sync') throw new Error('connection hook blew up');
    if (socket.handshake.auth?.explode === 'async') {
      await Promise.resolve();
      throw new Error('async connection hook blew up');
    }
  }

  handleDisconnect(socket: Socket) {
    hooks.disconnections++;
    if (socket.handshake.auth?.explode) throw new Error('disconnect hook blew up');
  }

  @SubscribeMessage('throw')
  throwKind(@MessageBody() kind: unknown): unknown {
    switch (kind) {
      case 'ws-string':
        throw new WsException('plain ws message');
      case 'ws-object':
        throw new WsException({ code: 'NOT_FOUND', message: 'room not found' });
      case 'ws-object-unknown-code':
        throw new WsException({ code: 'WHATEVER', message: 'custom' });
      case 'bad-request':
        throw new BadRequestException('bad thing');
      case 'unauthorized':
        throw new UnauthorizedException();
      case 'forbidden':
        throw new ForbiddenException('no access');
      case 'not-found':
        throw new NotFoundException('nothing here');
      case 'too-large':
        throw new PayloadTooLargeException();
      case 'too-many':
        throw new HttpException('slow down', 429);
      case 'validation-400':
        throw new BadRequestException(['name must be a string', 'qty must be an integer']);
      case 'server-500':
        throw new InternalServerErrorException('db host 10.0.0.5 unreachable');
      case 'realtime':
        throw new RealtimeException(RealtimeErrorCode.RATE_LIMITED, 'easy', { retryAfter: 2 });
      case 'plain':
        throw new Error('db password is x');
      case 'non-error':
        throw 'a thrown string';
      default:
        return { ok: true };
    }
  }

  @SubscribeMessage('reject')
  async reject(): Promise<never> {
    await Promise.resolve();
    throw new Error('async secret');
  }

  @SubscribeMessage('observable_error')
  observableError() {
    return throwError(() => new Error('observable secret'));
  }

  @UseGuards(DenyGuard)
  @SubscribeMessage('guarded')
  guarded() {
    return 'never';
  }

  @UseInterceptors(ExplodingInterceptor)
  @SubscribeMessage('intercepted')
  intercepted() {
    return 'never';
  }

  @UseFilters(TeapotFilter)
  @SubscribeMessage('own_filter')
  ownFilter() {
    throw new Error('handled by the handler filter');
  }

  @SubscribeMessage('order')
  order(@MessageBody() body: OrderDto) {
    return {
      ok: true,
      isDto: body instanceof OrderDto,
      itemIsDto: body.items[0] instanceof ItemDto,
      body,
    };
  }

  @SubscribeMessage('claim')
  claim(@MessageBody() body: ClaimDto) {
    return { isDto: body instanceof ClaimDto, body };
  }

  @SubscribeMessage('raw')
  raw(@MessageBody() body: unknown) {
    return { echo: body };
  }

  @Public()
  @SubscribeMessage('ping')
  ping() {
    return 'pong';
  }
}

@Controller('http')
export class HttpController {
  @Get('missing')
  missing() {
    throw new NotFoundException('no such thing');
  }

  @Get('crash')
  crash() {
    throw new Error('http secret');
  }

  @Get('ok')
  ok() {
    return { ok: true };
  }
}
