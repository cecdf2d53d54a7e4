import { type DynamicModule, Module } from '@nestjs/common';
import { RealtimeModule } from 'nestjs-realtime';
import { DemoAuthController } from './auth/demo-auth.controller.js';
import { ChatGateway } from './chat/chat.gateway.js';
import type { ChatUser } from './chat/chat.types.js';
import { FaviconController } from './favicon.controller.js';
import { MemoryMessageHistory } from './history/memory-message-history.js';
import { MessageHistory } from './history/message-history.js';
import { RedisMessageHistory } from './history/redis-message-history.js';
import { InfoController } from './info.controller.js';
import { NotificationsController } from './notifications/notifications.controller.js';
import { NotificationsGateway } from './notifications/notifications.gateway.js';
import { NotificationsService } from './notifications/notifications.service.js';
import { RoomCatalog } from './rooms/room-catalog.js';
import { RoomsController } from './rooms/rooms.controller.js';
import { SAMPLE_CONFIG, type SampleConfig } from './sample.config.js';

/** Settings and the room catalog, for the library's async options factory. */
@Module({})
class SampleCoreModule {
  static register(config: SampleConfig): DynamicModule {
    return {
      module: SampleCoreModule,
      providers: [{ provide: SAMPLE_CONFIG, useValue: config }, RoomCatalog],
      exports: [SAMPLE_CONFIG, RoomCatalog],
    };
  }
}

@Module({})
export class AppModule {
  static register(config: SampleConfig): DynamicModule {
    const core = SampleCoreModule.register(config);
    return {
      module: AppModule,
      imports: [
        core,
        RealtimeModule.forRootAsync({
          imports: [core],
          inject: [SAMPLE_CONFIG, RoomCatalog],
          useFactory: (settings: SampleConfig, catalog: RoomCatalog) => ({
            auth: { secret: settings.jwtSecret },
            redis: settings.redisUrl
              ? { url: settings.redisUrl, keyPrefix: settings.keyPrefix }
              : undefined,
            presence: { publicUserFields: ['name'] },
            // The event contract: /asyncapi (page), /asyncapi.json and /asyncapi.yaml.
            asyncapi: {
              enabled: true,
              title: 'nestjs-realtime sample chat',
              version: '1.0.0',
            },
            // Private rooms admit their members only; RealtimeRooms.join applies this.
            canJoin: (user: unknown, room: string) =>
              catalog.canJoin((user as ChatUser | undefined)?.sub, room),
          }),
        }),
      ],
      controllers: [
        InfoController,
        FaviconController,
        RoomsController,
        NotificationsController,
        // DEMO ONLY: token issuing without a password, off unless SAMPLE_DEMO=1.
        ...(config.demo ? [DemoAuthController] : []),
      ],
      providers: [
        {
          provide: MessageHistory,
          useFactory: () =>
            config.redisUrl
              ? new RedisMessageHistory(config.redisUrl, config.keyPrefix)
              : new MemoryMessageHistory(),
        },
        NotificationsService,
        ChatGateway,
        NotificationsGateway,
      ],
    };
  }
}
