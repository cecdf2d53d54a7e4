import {
  Controller,
  DefaultValuePipe,
  ForbiddenException,
  Get,
  NotFoundException,
  Param,
  ParseIntPipe,
  Query,
  UseGuards,
} from '@nestjs/common';
import { HttpUser, RealtimeHttpGuard } from 'nestjs-realtime';
import type { ChatUser } from '../chat/chat.types.js';
import { MessageHistory } from '../history/message-history.js';
import { RoomCatalog } from './room-catalog.js';

/** Rooms over HTTP, authenticated with the same JWT as the sockets. */
@Controller('rooms')
@UseGuards(RealtimeHttpGuard)
export class RoomsController {
  constructor(
    private readonly catalog: RoomCatalog,
    private readonly history: MessageHistory,
  ) {}

  @Get()
  list(@HttpUser() user: ChatUser) {
    return this.catalog.list(user.sub);
  }

  @Get(':id/messages')
  async messages(
    @Param('id') id: string,
    @Query('limit', new DefaultValuePipe(50), ParseIntPipe) limit: number,
    @HttpUser() user: ChatUser,
  ) {
    if (!this.catalog.get(id)) throw new NotFoundException(`No room "${id}"`);
    if (!this.catalog.canJoin(user.sub, id))
      throw new ForbiddenException(`Not a member of "${id}"`);
    const messages = await this.history.recent(id, Math.min(Math.max(limit, 1), 100));
    return { roomId: id, messages };
  }
}
