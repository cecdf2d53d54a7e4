import { createParamDecorator, type ExecutionContext } from '@nestjs/common';
import type { RealtimeHttpRequest } from './realtime-http.guard.js';
import type { RealtimeParamDecorator } from './ws-user.decorator.js';

/** The user RealtimeHttpGuard authenticated (`request.user`), or one of its fields. */
export const HttpUser: RealtimeParamDecorator = createParamDecorator(
  (field: string | undefined, ctx: ExecutionContext) => {
    const user = ctx.switchToHttp().getRequest<RealtimeHttpRequest>().user;
    if (!field) return user;
    return (user as Record<string, unknown> | undefined)?.[field];
  },
);

/** The `{ userId, expiresAt }` identity RealtimeHttpGuard set on the request. */
export const HttpIdentity = createParamDecorator(
  (_field: unknown, ctx: ExecutionContext) =>
    ctx.switchToHttp().getRequest<RealtimeHttpRequest>().realtimeIdentity,
);
