import { SetMetadata } from '@nestjs/common';
import { PUBLIC_HANDLER_METADATA } from '../core/internal.constants.js';

/** Exempts a handler (or a whole gateway) from WsJwtGuard. */
export const Public = (): MethodDecorator & ClassDecorator =>
  SetMetadata(PUBLIC_HANDLER_METADATA, true);
