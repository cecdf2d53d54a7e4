import type { OnApplicationShutdown } from '@nestjs/common';
import { Redis } from 'ioredis';
import type { ChatMessage } from '../chat/chat.types.js';
import { MessageHistory } from './message-history.js';

/** History in Redis, one capped list per room (RPUSH + LTRIM), shared by every instance. */
export class RedisMessageHistory extends MessageHistory implements OnApplicationShutdown {
  private readonly redis: Redis;

  constructor(
    url: string,
    private readonly keyPrefix: string,
  ) {
    super();
    this.redis = new Redis(url, { maxRetriesPerRequest: 2 });
    this.redis.on('error', (error: Error) => console.warn(`History Redis: ${error.message}`));
  }

  async append(message: ChatMessage): Promise<void> {
    const key = this.key(message.roomId);
    await this.redis
      .multi()
      .rpush(key, JSON.stringify(message))
      .ltrim(key, -MessageHistory.CAPACITY, -1)
      .exec();
  }

  async recent(roomId: string, limit: number): Promise<ChatMessage[]> {
    const items = await this.redis.lrange(this.key(roomId), -limit, -1);
    return items.map((item) => JSON.parse(item) as ChatMessage);
  }

  async onApplicationShutdown(): Promise<void> {
    await this.redis.quit().catch(() => this.redis.disconnect());
  }

  private key(roomId: string): string {
    return `${this.keyPrefix}:history:${roomId}`;
  }
}
