import { Injectable } from '@nestjs/common';

export interface Room {
  id: string;
  title: string;
  /** Private rooms admit their members only. */
  private: boolean;
  members?: string[];
}

/**
 * The rooms of the sample. A real app reads rooms and memberships from its database; the
 * library only asks "may this user join this room?" through the module's `canJoin` option.
 */
@Injectable()
export class RoomCatalog {
  private readonly rooms = new Map<string, Room>(
    [
      { id: 'general', title: 'General', private: false },
      { id: 'random', title: 'Random', private: false },
      {
        id: 'team',
        title: 'Team (private: alice and bob)',
        private: true,
        members: ['alice', 'bob'],
      },
    ].map((room) => [room.id, room]),
  );

  get(id: string): Room | undefined {
    return this.rooms.get(id);
  }

  canJoin(userId: string | undefined, roomId: string): boolean {
    const room = this.rooms.get(roomId);
    if (!room || userId === undefined) return false;
    return !room.private || (room.members ?? []).includes(userId);
  }

  /** Every room, with whether this user may join it. */
  list(userId: string): Array<Omit<Room, 'members'> & { joinable: boolean }> {
    return [...this.rooms.values()].map(({ members: _members, ...room }) => ({
      ...room,
      joinable: this.canJoin(userId, room.id),
    }));
  }
}
