import { Module } from '@nestjs/common';
import { RealtimeModule } from 'nestjs-realtime';
import { ChatGateway } from './chat.gateway.js';

@Module({
  imports: [
    RealtimeModule.forRootAsync({
      useFactory: () => ({
        redis: process.env.REDIS_URL ? { url: process.env.REDIS_URL } : undefined,
        server: { cors: { origin: process.env.CORS_ORIGIN ?? false } },
      }),
    }),
  ],
  providers: [ChatGateway],
})
export class AppModule {}
