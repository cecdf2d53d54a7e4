import { ConnectedSocket, MessageBody, SubscribeMessage } from '@nestjs/websockets';
import { IsString, MaxLength } from 'class-validator';
import type { Socket } from 'socket.io';
import {
  RealtimeGateway,
  RealtimeRooms,
  SkipThrottle,
  WsThrottle,
  WsUser,
} from '../../lib/index.js';

export class NoteDto {
  @IsString()
  @MaxLength(500_000)
  text!: string;
}

@RealtimeGateway({ namespace: '/limits' })
export class LimitsGateway {
  /** How many times each user's `echo` handler actually ran. */
  static readonly runs = new Map<string, number>();

  constructor(private readonly rooms: RealtimeRooms) {}

  @SubscribeMessage('echo')
  echo(@MessageBody() body: unknown, @WsUser('sub') sub: string) {
    LimitsGateway.runs.set(sub, (LimitsGateway.runs.get(sub) ?? 0) + 1);
    return body;
  }

  @WsThrottle({ limit: 3, ttl: 1000 })
  @SubscribeMessage('expensive')
  expensive() {
    return 'done';
  }

  @SkipThrottle()
  @SubscribeMessage('heartbeat')
  heartbeat() {
    return 'alive';
  }

  @SubscribeMessage('note')
  note(@MessageBody() body: NoteDto) {
    return { length: body.text.length };
  }

  @SubscribeMessage('join')
  async join(@MessageBody() body: { room: string }, @ConnectedSocket() socket: Socket) {
    await this.rooms.join(socket, body.room);
    return { ok: true, rooms: [...socket.rooms].filter((r) => r !== socket.id).sort() };
  }
}
