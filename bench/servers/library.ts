// (c) A Nest app on the library: handshake authentication, validation (@RealtimeGateway's pipe),
// the exception filter, the JWT guard, presence, rate limiting and the Redis adapter, all on.
import 'reflect-metadata';
import { Body, Controller, Get, Module, Post, Query } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import {
  ConnectedSocket,
  MessageBody,
  SubscribeMessage,
  WebSocketServer,
} from '@nestjs/websockets';
import { IsString, Length } from 'class-validator';
import {
  createRedisIoAdapter,
  PresenceRegistry,
  RealtimeEmitter,
  RealtimeGateway,
  RealtimeModule,
  RealtimeRooms,
} from 'nestjs-realtime';
import type { Server, Socket } from 'socket.io';
import { BENCH_SECRET, PUBLISH_EVENT, readMetrics } from '../shared.js';

/**
 * BENCH_OFF=guard,validation,throttle,presence: the same app with those parts turned off, to see
 * what each costs (bench/in-process.ts; the library-no-presence variant of the orchestrators).
 */
const PARTS = ['guard', 'validation', 'throttle', 'presence'];
const off = new Set((process.env.BENCH_OFF ?? '').split(',').filter(Boolean));
for (const part of off) {
  if (!PARTS.includes(part))
    throw new Error(`BENCH_OFF: ${part} is not one of ${PARTS.join(', ')}`);
}

class JoinDto {
  @IsString()
  @Length(1, 100)
  room!: string;
}

class SendDto {
  @IsString()
  @Length(1, 100)
  room!: string;

  @IsString()
  @Length(1, 1000)
  text!: string;
}

@RealtimeGateway({ guard: !off.has('guard'), validation: !off.has('validation') })
export class ChatGateway {
  @WebSocketServer() server!: Server;

  constructor(private readonly rooms: RealtimeRooms) {}

  @SubscribeMessage('join')
  async join(@ConnectedSocket() client: Socket, @MessageBody() dto: JoinDto) {
    await this.rooms.join(client, dto.room);
    return { ok: true, room: dto.room };
  }

  @SubscribeMessage('send')
  send(@MessageBody() _dto: SendDto) {
    return { ok: true };
  }
}

@Controller()
export class BenchController {
  constructor(
    private readonly emitter: RealtimeEmitter,
    private readonly presence: PresenceRegistry,
    private readonly gateway: ChatGateway,
  ) {}

  @Get('metrics')
  async metrics(@Query('gc') gc?: string) {
    const sockets = this.gateway.server.of('/').sockets.size;
    const metrics = readMetrics(gc !== undefined, sockets);
    return { ...metrics, online: await this.presence.countOnline() };
  }

  @Post('publish')
  publish(@Body() body: { room: string; payload: unknown }) {
    this.emitter.toRoom(body.room).emit(PUBLISH_EVENT, body.payload);
    return { ok: true };
  }
}

@Module({
  imports: [
    RealtimeModule.forRoot({
      auth: { secret: BENCH_SECRET },
      redis: process.env.REDIS_URL
        ? { url: process.env.REDIS_URL, keyPrefix: process.env.KEY_PREFIX ?? 'bench' }
        : undefined,
      // Tracking on, announcements off: the other two implementations send no presence events,
      // and the client-visible behaviour must be the same (scope 'namespace' would add an O(N)
      // broadcast to every connect).
      presence: off.has('presence') ? false : { scope: 'none' },
      // On, with limits above the bench's closed-loop rate (the defaults, 20/s, would refuse it).
      throttle: off.has('throttle') ? false : { limit: 100_000, burst: 100_000 },
    }),
  ],
  controllers: [BenchController],
  providers: [ChatGateway],
})
class AppModule {}

// Profiling (BENCH_NODE_ARGS=--cpu-prof): exit at once so the profile is written.
if (process.env.BENCH_NODE_ARGS) process.once('SIGTERM', () => process.exit(0));
const app = await NestFactory.create(AppModule, { logger: ['error', 'warn'] });
app.useWebSocketAdapter(await createRedisIoAdapter(app));
app.enableShutdownHooks();
await app.listen(Number(process.env.PORT ?? 3000));
