import { IsISO8601, IsOptional, IsString, IsUUID } from 'class-validator';
import type { Notification } from './notifications.service.js';

/** `notification` on /notifications (declared with @RealtimeEmits, for the AsyncAPI document). */
export class NotificationDto implements Notification {
  @IsUUID()
  id!: string;

  /** What happened, e.g. `direct_message` or `test`. */
  @IsString()
  kind!: string;

  @IsString()
  title!: string;

  @IsOptional()
  @IsString()
  body?: string;

  @IsISO8601()
  timestamp!: string;
}
