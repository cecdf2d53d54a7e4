import { randomUUID } from 'node:crypto';
import { Injectable } from '@nestjs/common';
import { RealtimeEmitter } from 'nestjs-realtime';

export interface Notification {
  id: string;
  kind: string;
  title: string;
  body?: string;
  timestamp: string;
}

/**
 * Sends notifications from any service: to every socket of the user on `/notifications`, on every
 * instance, and (through the library's UserEventStream) to the user's Server-Sent Events streams.
 */
@Injectable()
export class NotificationsService {
  static readonly NAMESPACE = '/notifications';
  static readonly EVENT = 'notification';

  constructor(private readonly emitter: RealtimeEmitter) {}

  notify(
    userId: string,
    notification: { kind: string; title: string; body?: string },
  ): Notification {
    const sent: Notification = {
      id: randomUUID(),
      ...notification,
      timestamp: new Date().toISOString(),
    };
    this.emitter
      .toUser(userId)
      .namespace(NotificationsService.NAMESPACE)
      .emit(NotificationsService.EVENT, sent);
    return sent;
  }
}
