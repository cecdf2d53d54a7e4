import { Type } from 'class-transformer';
import { IsBoolean, IsIn, IsISO8601, IsString, IsUUID, ValidateNested } from 'class-validator';
import type { ChatMessage, DirectMessage } from './chat.types.js';

// What the chat sends to clients. Declared with @RealtimeEmits on ChatGateway, these classes are
// the payloads of the AsyncAPI document's `send` operations (and of the generated client types);
// the decorators describe the fields, nothing validates outgoing events.

export class PublicUserDto {
  @IsString()
  id!: string;

  @IsString()
  name!: string;
}

/** `new_message`: a message stored in a room, to every member on every instance. */
export class ChatMessageDto implements ChatMessage {
  @IsUUID()
  id!: string;

  @IsString()
  roomId!: string;

  @IsString()
  text!: string;

  @ValidateNested()
  @Type(() => PublicUserDto)
  user!: PublicUserDto;

  @IsISO8601()
  timestamp!: string;
}

/** `typing`: someone in the room started or stopped typing (volatile: may be dropped). */
export class TypingNoticeDto {
  @IsString()
  roomId!: string;

  @ValidateNested()
  @Type(() => PublicUserDto)
  user!: PublicUserDto;

  @IsBoolean()
  typing!: boolean;
}

/** `direct_message`: to every device of the recipient and the sender's other devices. */
export class DirectMessageNoticeDto implements DirectMessage {
  @IsUUID()
  id!: string;

  @ValidateNested()
  @Type(() => PublicUserDto)
  from!: PublicUserDto;

  @IsString()
  to!: string;

  @IsString()
  text!: string;

  @IsISO8601()
  timestamp!: string;
}

/** The ack of `send_message` and `direct_message`: the stored message's id. */
export class MessageSentDto {
  @IsIn(['ok'])
  status!: 'ok';

  @IsUUID()
  id!: string;
}
