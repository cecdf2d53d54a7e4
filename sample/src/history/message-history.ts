import type { ChatMessage } from '../chat/chat.types.js';

/** Room message history: the last messages of each room, oldest first. */
export abstract class MessageHistory {
  /** How many messages a room keeps. */
  static readonly CAPACITY = 500;

  abstract append(message: ChatMessage): Promise<void>;
  abstract recent(roomId: string, limit: number): Promise<ChatMessage[]>;
}
