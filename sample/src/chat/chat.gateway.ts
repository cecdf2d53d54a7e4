import { randomUUID } from 'node:crypto';
import { ConnectedSocket, MessageBody, SubscribeMessage } from '@nestjs/websockets';
import {
  PresenceRegistry,
  RealtimeAck,
  RealtimeEmits,
  RealtimeEmitter,
  RealtimeErrorCode,
  RealtimeException,
  RealtimeGateway,
  RealtimeRooms,
  WsThrottle,
  WsUser,
} from 'nestjs-realtime';
import type { Socket } from 'socket.io';
import { MessageHistory } from '../history/message-history.js';
import { NotificationsService } from '../notifications/notifications.service.js';
import { RoomCatalog } from '../rooms/room-catalog.js';
import { DirectMessageDto, RoomDto, SendMessageDto, TypingDto } from './chat.dto.js';
import {
  ChatMessageDto,
  DirectMessageNoticeDto,
  MessageSentDto,
  TypingNoticeDto,
} from './chat.events.js';
import { type ChatMessage, type ChatUser, type DirectMessage, publicUser } from './chat.types.js';

const NAMESPACE = '/chat';
/** Messages sent with a room join. */
const HISTORY_ON_JOIN = 50;

/**
 * The chat. The library has already authenticated the socket (handshake JWT), put it in its
 * personal room `user:<id>` and recorded its presence; handlers get validated DTOs, rate limits
 * and the one error shape on the client's ack. `@RealtimeEmits` declares what it sends, for the
 * AsyncAPI document at /asyncapi.
 */
@RealtimeGateway({ namespace: NAMESPACE })
@RealtimeEmits({
  new_message: ChatMessageDto,
  typing: TypingNoticeDto,
  direct_message: DirectMessageNoticeDto,
})
export class ChatGateway {
  constructor(
    private readonly rooms: RealtimeRooms,
    private readonly emitter: RealtimeEmitter,
    private readonly presence: PresenceRegistry,
    private readonly history: MessageHistory,
    private readonly catalog: RoomCatalog,
    private readonly notifications: NotificationsService,
  ) {}

  @SubscribeMessage('list_rooms')
  listRooms(@WsUser() user: ChatUser) {
    return { status: 'ok', rooms: this.catalog.list(user.sub) };
  }

  @SubscribeMessage('who_is_online')
  async whoIsOnline() {
    const { userIds } = await this.presence.listOnline({ limit: 200 });
    return { status: 'ok', users: userIds };
  }

  /** Joins a room (private rooms admit members only: the module's canJoin) and sends its history. */
  @SubscribeMessage('join_room')
  async joinRoom(@MessageBody() body: RoomDto, @ConnectedSocket() socket: Socket) {
    const room = this.catalog.get(body.roomId);
    if (!room) throw new RealtimeException(RealtimeErrorCode.NOT_FOUND, `No room "${body.roomId}"`);
    await this.rooms.join(socket, room.id);
    const history = await this.history.recent(room.id, HISTORY_ON_JOIN);
    return { status: 'ok', room: { id: room.id, title: room.title }, history };
  }

  @SubscribeMessage('leave_room')
  async leaveRoom(@MessageBody() body: RoomDto, @ConnectedSocket() socket: Socket) {
    await this.rooms.leave(socket, body.roomId);
    return { status: 'ok' };
  }

  /** Stores the message, then broadcasts it to the room on every instance. */
  @SubscribeMessage('send_message')
  @WsThrottle({ limit: 5, ttl: 5000 })
  @RealtimeAck(MessageSentDto)
  async sendMessage(
    @MessageBody() body: SendMessageDto,
    @ConnectedSocket() socket: Socket,
    @WsUser() user: ChatUser,
  ) {
    this.requireMember(socket, body.roomId);
    const message: ChatMessage = {
      id: randomUUID(),
      roomId: body.roomId,
      text: body.text,
      user: publicUser(user),
      timestamp: new Date().toISOString(),
    };
    await this.history.append(message);
    this.emitter.toRoom(body.roomId).namespace(NAMESPACE).emit('new_message', message);
    return { status: 'ok', id: message.id };
  }

  /** Typing indicator: volatile (may be dropped), throttled, to the room except the typist. */
  @SubscribeMessage('typing')
  @WsThrottle({ limit: 5, ttl: 1000 })
  typing(
    @MessageBody() body: TypingDto,
    @ConnectedSocket() socket: Socket,
    @WsUser() user: ChatUser,
  ) {
    this.requireMember(socket, body.roomId);
    this.emitter
      .toRoom(body.roomId)
      .exceptUser(user.sub)
      .volatile.namespace(NAMESPACE)
      .emit('typing', { roomId: body.roomId, user: publicUser(user), typing: body.typing });
  }

  /** To every device of the recipient (and the sender's other devices), on every instance. */
  @SubscribeMessage('direct_message')
  @WsThrottle({ limit: 5, ttl: 5000 })
  @RealtimeAck(MessageSentDto)
  directMessage(@MessageBody() body: DirectMessageDto, @WsUser() user: ChatUser) {
    const to = body.to.toLowerCase();
    if (to === user.sub) {
      throw new RealtimeException(RealtimeErrorCode.BAD_REQUEST, 'You cannot message yourself');
    }
    const message: DirectMessage = {
      id: randomUUID(),
      from: publicUser(user),
      to,
      text: body.text,
      timestamp: new Date().toISOString(),
    };
    this.emitter.toUser(to, user.sub).namespace(NAMESPACE).emit('direct_message', message);
    this.notifications.notify(to, {
      kind: 'direct_message',
      title: `Message from ${message.from.name}`,
      body: body.text.slice(0, 140),
    });
    return { status: 'ok', id: message.id };
  }

  private requireMember(socket: Socket, roomId: string): void {
    if (!socket.rooms.has(roomId)) {
      throw new RealtimeException(RealtimeErrorCode.FORBIDDEN, `Join room "${roomId}" first`);
    }
  }
}
