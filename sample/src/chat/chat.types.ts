/** The user the sample's tokens carry (the verified JWT payload is the socket's user). */
export interface ChatUser {
  sub: string;
  name: string;
}

export interface ChatMessage {
  id: string;
  roomId: string;
  text: string;
  user: { id: string; name: string };
  /** ISO 8601. */
  timestamp: string;
}

export interface DirectMessage {
  id: string;
  from: { id: string; name: string };
  to: string;
  text: string;
  timestamp: string;
}

export function publicUser(user: ChatUser): { id: string; name: string } {
  return { id: user.sub, name: user.name ?? user.sub };
}
