import { Controller, type MessageEvent, Sse, UseGuards } from '@nestjs/common';
import {
  HttpIdentity,
  RealtimeHttpGuard,
  type SocketIdentity,
  UserEventStream,
} from 'nestjs-realtime';
import type { Observable } from 'rxjs';
import { NotificationsService } from './notifications.service.js';

@Controller('notifications')
export class NotificationsController {
  constructor(private readonly events: UserEventStream) {}

  /**
   * Server-Sent Events: the same `notification` events the `/notifications` gateway delivers,
   * from any instance or worker. Authenticated with the sockets' JWT (`Authorization: Bearer`);
   * the stream ends with `auth:expired` when the token expires.
   */
  @Sse('stream')
  @UseGuards(RealtimeHttpGuard)
  stream(@HttpIdentity() identity: SocketIdentity): Observable<MessageEvent> {
    return this.events.stream(identity.userId, {
      namespace: NotificationsService.NAMESPACE,
      events: [NotificationsService.EVENT],
      expiresAt: identity.expiresAt,
    });
  }
}
