import { SubscribeMessage } from '@nestjs/websockets';
import { RealtimeEmits, RealtimeGateway, WsThrottle, WsUser } from 'nestjs-realtime';
import type { ChatUser } from '../chat/chat.types.js';
import { NotificationDto } from './notification.dto.js';
import { NotificationsService } from './notifications.service.js';

/**
 * `/notifications`: clients connect to receive `notification` events (sent by services with
 * `RealtimeEmitter.toUser(id).namespace('/notifications')`). Browsers that cannot keep a socket
 * use `GET /notifications/stream` (Server-Sent Events) for the same events.
 */
@RealtimeGateway({ namespace: NotificationsService.NAMESPACE })
@RealtimeEmits({ [NotificationsService.EVENT]: NotificationDto })
export class NotificationsGateway {
  constructor(private readonly notifications: NotificationsService) {}

  /** The page's "send me a test notification" button. */
  @SubscribeMessage('notify_me')
  @WsThrottle({ limit: 2, ttl: 5000 })
  notifyMe(@WsUser() user: ChatUser) {
    const sent = this.notifications.notify(user.sub, {
      kind: 'test',
      title: 'Test notification',
      body: 'Delivered to every tab and SSE stream of yours, on every instance.',
    });
    return { status: 'ok', id: sent.id };
  }
}
