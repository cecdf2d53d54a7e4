import { Injectable } from '@nestjs/common';
import type { ChatMessage } from '../chat/chat.types.js';
import { MessageHistory } from './message-history.js';

/** History in this process's memory: for a single instance without Redis. */
@Injectable()
export class MemoryMessageHistory extends MessageHistory {
  private readonly rooms = new Map<string, ChatMessage[]>();

  async append(message: ChatMessage): Promise<void> {
    const list = this.rooms.get(message.roomId) ?? [];
    list.push(message);
    if (list.length > MessageHistory.CAPACITY)
      list.splice(0, list.length - MessageHistory.CAPACITY);
    this.rooms.set(message.roomId, list);
  }

  async recent(roomId: string, limit: number): Promise<ChatMessage[]> {
    return (this.rooms.get(roomId) ?? []).slice(-limit);
  }
}
