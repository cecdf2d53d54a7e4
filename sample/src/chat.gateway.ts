import { ConnectedSocket, MessageBody, SubscribeMessage } from '@nestjs/websockets';
import { IsString, Length } from 'class-validator';
import { RealtimeGateway } from 'nestjs-realtime';
import type { Socket } from 'socket.io';

export class SendMessageDto {
  @IsString()
  @Length(1, 1000)
  text!: string;
}

@RealtimeGateway({ namespace: '/chat' })
export class ChatGateway {
  @SubscribeMessage('send_message')
  send(@MessageBody() body: SendMessageDto, @ConnectedSocket() socket: Socket) {
    const message = { id: crypto.randomUUID(), text: body.text, at: Date.now() };
    socket.nsp.emit('new_message', message);
    return { status: 'ok', id: message.id };
  }
}
