import { Inject, Injectable } from '@nestjs/common';
import type { Socket } from 'socket.io';
import { identityOf, type RealtimeSocketData } from '../auth/socket-identity.js';
import { RealtimeErrorCode } from '../errors/error-codes.js';
import { RealtimeException } from '../errors/realtime.exception.js';
import { REALTIME_OPTIONS } from '../core/internal.constants.js';
import type { ResolvedRealtimeOptions } from '../options/options.defaults.js';

/**
 * Join and leave with authorization: applies the module's `canJoin(user, room, namespace)` and
 * never lets a socket into another user's personal room. A refusal throws FORBIDDEN, which the
 * library's filter answers on the client's ack.
 */
@Injectable()
export class RealtimeRooms {
  constructor(@Inject(REALTIME_OPTIONS) private readonly options: ResolvedRealtimeOptions) {}

  async canJoin(socket: Socket, room: string): Promise<boolean> {
    if (typeof room !== 'string' || room.length === 0 || room.length > 256) return false;
    const prefix = this.options.userRoomPrefix;
    if (room.startsWith(prefix)) return room === `${prefix}${identityOf(socket)?.userId}`;
    const check = this.options.canJoin;
    if (!check) return true;
    return (await check((socket.data as RealtimeSocketData).user, room, socket.nsp.name)) === true;
  }

  async join(socket: Socket, room: string): Promise<void> {
    if (!(await this.canJoin(socket, room))) {
      throw new RealtimeException(
        RealtimeErrorCode.FORBIDDEN,
        `Not allowed to join room "${String(room).slice(0, 256)}"`,
      );
    }
    await socket.join(room);
  }

  async leave(socket: Socket, room: string): Promise<void> {
    await socket.leave(room);
  }
}
