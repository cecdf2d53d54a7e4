/** App-set state of one connection (for example `{ status: 'away' }`); JSON, at most `presence.maxStateBytes`. */
export type PresenceState = { [key: string]: unknown };

/** One live connection of a user, as every instance sees it. */
export interface PresenceConnection {
  socketId: string;
  userId: string;
  instanceId: string;
  namespace: string;
  /** ms since the epoch. */
  connectedAt: number;
  state: PresenceState | null;
}

/** A user in a room: deduplicated, with every connection (and its state) that is in the room. */
export interface PresenceMember {
  userId: string;
  /** The configured `presence.publicUserFields` of the user. */
  info: Record<string, unknown>;
  connections: PresenceConnection[];
}

/** What clients receive in `presence:online`/`presence:offline`: the id and the public fields only. */
export type PresenceUserPayload = { userId: string } & Record<string, unknown>;

export type PresenceTransitionType = 'online' | 'offline' | 'state';

/** Why a transition happened: a socket event, a state update, a dead instance swept, or a shutdown. */
export type PresenceTransitionCause = 'connect' | 'disconnect' | 'state' | 'sweep' | 'shutdown';

/**
 * One cluster-wide transition, emitted on `PresenceRegistry.transitions$` of the one instance that
 * decided it (so a subscriber that writes "last seen" runs exactly once across the cluster).
 */
export interface PresenceTransition {
  type: PresenceTransitionType;
  userId: string;
  /** The payload clients receive. */
  user: PresenceUserPayload;
  namespace: string;
  cause: PresenceTransitionCause;
  /** The new state, for `state` transitions. */
  state?: PresenceState | null;
}

export interface ListOnlineOptions {
  /** The `cursor` of the previous page; omit for the first page. */
  cursor?: string;
  /** @default 100 */
  limit?: number;
}

export interface OnlinePage {
  userIds: string[];
  /** Pass to the next call; null on the last page. */
  cursor: string | null;
}

/** `presence:state` room snapshot and `presence:diff` payloads (room presence). */
export type PresenceRoomMemberPayload = PresenceUserPayload & {
  states: Array<PresenceState | null>;
};

export interface PresenceRoomSnapshot {
  room: string;
  members: PresenceRoomMemberPayload[];
}

export interface PresenceRoomDiff {
  room: string;
  joins: PresenceRoomMemberPayload[];
  leaves: PresenceUserPayload[];
  /** Members whose state changed. */
  updates: PresenceRoomMemberPayload[];
}
