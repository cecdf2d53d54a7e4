import { IsBoolean, IsString, Length, Matches } from 'class-validator';

export class RoomDto {
  @IsString()
  @Length(1, 64)
  roomId!: string;
}

export class SendMessageDto {
  @IsString()
  @Length(1, 64)
  roomId!: string;

  @IsString()
  @Length(1, 1000)
  @Matches(/\S/, { message: 'text must not be blank' })
  text!: string;
}

export class TypingDto {
  @IsString()
  @Length(1, 64)
  roomId!: string;

  @IsBoolean()
  typing!: boolean;
}

export class DirectMessageDto {
  @IsString()
  @Length(1, 32)
  to!: string;

  @IsString()
  @Length(1, 1000)
  @Matches(/\S/, { message: 'text must not be blank' })
  text!: string;
}
