import { createParamDecorator, type ExecutionContext } from '@nestjs/common';
import type { Socket } from 'socket.io';
import type { RealtimeSocketData } from './socket-identity.js';

/** The authenticated user of the socket (`socket.data.user`), or one of its fields. */
export const WsUser = createParamDecorator((field: string | undefined, ctx: ExecutionContext) => {
  const user = (ctx.switchToWs().getClient<Socket>().data as RealtimeSocketData).user;
  if (!field) return user;
  return (user as Record<string, unknown> | undefined)?.[field];
});
