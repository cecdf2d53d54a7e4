// (b) A hand-written Nest gateway, as tutorials write it: the JWT checked in handleConnection with
// JwtService and a string secret, @SubscribeMessage handlers with a ValidationPipe, and the
// documented RedisIoAdapter subclass (connectToRedis() + createIOServer) over ioredis.
import 'reflect-metadata';
import {
  Body,
  Controller,
  Get,
  Injectable,
  Module,
  Post,
  Query,
  UsePipes,
  ValidationPipe,
  type INestApplicationContext,
} from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { JwtModule, JwtService } from '@nestjs/jwt';
import { IoAdapter } from '@nestjs/platform-socket.io';
import {
  ConnectedSocket,
  MessageBody,
  type OnGatewayConnection,
  SubscribeMessage,
  WebSocketGateway,
  WebSocketServer,
  WsException,
} from '@nestjs/websockets';
import { createAdapter } from '@socket.io/redis-adapter';
import { IsString, Length } from 'class-validator';
import { Redis } from 'ioredis';
import type { Server, ServerOptions, Socket } from 'socket.io';
import { BENCH_SECRET, PUBLISH_EVENT, readMetrics } from '../shared.js';

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

@WebSocketGateway()
@UsePipes(
  new ValidationPipe({
    whitelist: true,
    forbidNonWhitelisted: true,
    transform: true,
    exceptionFactory: (errors) => new WsException(errors),
  }),
)
export class ChatGateway implements OnGatewayConnection {
  @WebSocketServer() server!: Server;

  constructor(private readonly jwt: JwtService) {}

  async handleConnection(client: Socket): Promise<void> {
    try {
      const token =
        (client.handshake.auth as { token?: string }).token ??
        client.handshake.headers.authorization?.split(' ')[1];
      if (!token) throw new Error('missing token');
      client.data.user = await this.jwt.verifyAsync(token, { secret: BENCH_SECRET });
    } catch {
      client.emit('exception', { status: 'error', message: 'Unauthorized' });
      client.disconnect();
    }
  }

  @SubscribeMessage('join')
  async join(@ConnectedSocket() client: Socket, @MessageBody() dto: JoinDto) {
    await client.join(dto.room);
    return { ok: true, room: dto.room };
  }

  @SubscribeMessage('send')
  send(@MessageBody() _dto: SendDto) {
    return { ok: true };
  }
}

@Injectable()
@Controller()
export class BenchController {
  constructor(private readonly gateway: ChatGateway) {}

  @Get('metrics')
  metrics(@Query('gc') gc?: string) {
    return readMetrics(gc !== undefined, this.gateway.server.of('/').sockets.size);
  }

  @Post('publish')
  publish(@Body() body: { room: string; payload: unknown }) {
    this.gateway.server.to(body.room).emit(PUBLISH_EVENT, body.payload);
    return { ok: true };
  }
}

@Module({
  imports: [JwtModule.register({ secret: BENCH_SECRET })],
  controllers: [BenchController],
  providers: [ChatGateway],
})
class AppModule {}

/** The Redis adapter recipe of the Nest documentation, with ioredis. */
export class RedisIoAdapter extends IoAdapter {
  private adapterConstructor?: ReturnType<typeof createAdapter>;

  constructor(app: INestApplicationContext) {
    super(app);
  }

  async connectToRedis(url: string, key: string): Promise<void> {
    const pubClient = new Redis(url);
    const subClient = pubClient.duplicate();
    await Promise.all([
      new Promise((resolve) => pubClient.once('ready', resolve)),
      new Promise((resolve) => subClient.once('ready', resolve)),
    ]);
    this.adapterConstructor = createAdapter(pubClient, subClient, { key });
  }

  override createIOServer(port: number, options?: ServerOptions): Server {
    const server = super.createIOServer(port, options) as Server;
    if (this.adapterConstructor) server.adapter(this.adapterConstructor);
    return server;
  }
}

// Profiling (BENCH_NODE_ARGS=--cpu-prof): exit at once so the profile is written.
if (process.env.BENCH_NODE_ARGS) process.once('SIGTERM', () => process.exit(0));
const app = await NestFactory.create(AppModule, { logger: ['error', 'warn'] });
if (process.env.REDIS_URL) {
  const adapter = new RedisIoAdapter(app);
  await adapter.connectToRedis(process.env.REDIS_URL, `${process.env.KEY_PREFIX ?? 'bench'}:io`);
  app.useWebSocketAdapter(adapter);
}
app.enableShutdownHooks();
await app.listen(Number(process.env.PORT ?? 3000));
