import {
  createParamDecorator,
  type ExecutionContext,
  type PipeTransform,
  type Type,
} from '@nestjs/common';
import type { Socket } from 'socket.io';
import type { RealtimeSocketData } from './socket-identity.js';

/**
 * A parameter decorator taking a field name and/or pipes. Declared here rather than inferred: the
 * inferred type names `ParameterDecoratorOptions`, which Nest 11 lacks (TS2694 in a Nest 11 app
 * that type-checks libraries, `skipLibCheck: false`).
 */
export type RealtimeParamDecorator = (
  ...dataOrPipes: Array<string | PipeTransform | Type<PipeTransform> | undefined>
) => ParameterDecorator;

/** The authenticated user of the socket (`socket.data.user`), or one of its fields. */
export const WsUser: RealtimeParamDecorator = createParamDecorator(
  (field: string | undefined, ctx: ExecutionContext) => {
    const user = (ctx.switchToWs().getClient<Socket>().data as RealtimeSocketData).user;
    if (!field) return user;
    return (user as Record<string, unknown> | undefined)?.[field];
  },
);
