import { randomUUID } from 'node:crypto';
import { type DynamicModule, Module } from '@nestjs/common';
import { MessageBody, SubscribeMessage } from '@nestjs/websockets';
import { Type } from 'class-transformer';
import {
  IsArray,
  IsBoolean,
  IsEnum,
  IsIn,
  IsInt,
  IsOptional,
  IsString,
  IsUrl,
  IsUUID,
  Length,
  Min,
  ValidateNested,
} from 'class-validator';
// The CLI test compiles this file with `nestjs-realtime` in place of this path.
import { RealtimeEmits, RealtimeGateway, RealtimeModule } from '../../../lib/index.js';

/**
 * The app the typed-client tests generate types from (in process, and compiled for the CLI): two
 * namespaces whose DTOs use nested classes, arrays of classes and of strings, optional fields,
 * enums, inheritance and @ValidateNested, with typed acks (a handler's declared return class) and
 * server-sent events declared with @RealtimeEmits.
 */
export const TYPED_APP_SECRET = 'typed-client-test-secret-0123456789abcdef';

export enum Priority {
  Low = 'low',
  Normal = 'normal',
  High = 'high',
}

export class AttachmentDto {
  @IsUrl()
  url!: string;

  @IsOptional()
  @IsInt()
  @Min(0)
  size?: number;
}

/** What every room event carries; the DTOs below extend it. */
export class RoomEventDto {
  @IsString()
  @Length(1, 64)
  roomId!: string;
}

export class SendMessageDto extends RoomEventDto {
  @IsString()
  @Length(1, 1000)
  text!: string;

  @IsOptional()
  @IsEnum(Priority)
  priority?: Priority;

  @IsOptional()
  @IsArray()
  @IsString({ each: true })
  mentions?: string[];

  @IsOptional()
  @ValidateNested()
  @Type(() => AttachmentDto)
  attachment?: AttachmentDto;

  @IsOptional()
  @IsArray()
  @ValidateNested({ each: true })
  @Type(() => AttachmentDto)
  gallery?: AttachmentDto[];
}

export class SendMessageResult {
  @IsIn(['ok'])
  status!: 'ok';

  @IsUUID()
  id!: string;
}

export class TypingDto extends RoomEventDto {
  @IsBoolean()
  typing!: boolean;
}

export class RoomDto {
  @IsString()
  id!: string;

  @IsString()
  title!: string;

  @IsIn(['public', 'private'])
  visibility!: 'public' | 'private';
}

export class RoomListResult {
  @IsArray()
  @ValidateNested({ each: true })
  @Type(() => RoomDto)
  rooms!: RoomDto[];
}

export class PublicUserDto {
  @IsString()
  id!: string;

  @IsString()
  name!: string;
}

export class ChatMessageDto extends RoomEventDto {
  @IsUUID()
  id!: string;

  @IsString()
  text!: string;

  @ValidateNested()
  @Type(() => PublicUserDto)
  user!: PublicUserDto;

  @IsOptional()
  @IsEnum(Priority)
  priority?: Priority;
}

export class NotificationDto {
  @IsUUID()
  id!: string;

  @IsString()
  title!: string;

  @IsOptional()
  @IsString()
  body?: string;
}

export class MarkReadDto {
  @IsArray()
  @IsUUID('4', { each: true })
  ids!: string[];
}

export class MarkReadResult {
  @IsInt()
  @Min(0)
  unread!: number;
}

@RealtimeGateway({ namespace: '/chat' })
@RealtimeEmits({ new_message: ChatMessageDto, typing: TypingDto })
export class ChatGateway {
  @SubscribeMessage('send_message')
  sendMessage(@MessageBody() _body: SendMessageDto): SendMessageResult {
    return { status: 'ok', id: randomUUID() };
  }

  @SubscribeMessage('list_rooms')
  listRooms(): RoomListResult {
    return { rooms: [] };
  }

  /** No declared result: the ack may be anything. */
  @SubscribeMessage('typing')
  typing(@MessageBody() body: TypingDto) {
    return body.typing;
  }
}

@RealtimeGateway({ namespace: '/notifications' })
@RealtimeEmits({ notification: NotificationDto })
export class NotificationsGateway {
  @SubscribeMessage('mark_read')
  markRead(@MessageBody() body: MarkReadDto): MarkReadResult {
    return { unread: body.ids.length };
  }
}

@Module({
  imports: [RealtimeModule.forRoot({ auth: { secret: TYPED_APP_SECRET } })],
  providers: [ChatGateway, NotificationsGateway],
})
export class AppModule {}

/** The same app as a DynamicModule from a function (the CLI takes either). */
export function typedAppModule(): DynamicModule {
  return { module: AppModule };
}

/** An app without RealtimeModule. */
@Module({})
export class PlainModule {}
