// (a') Plain Socket.IO's code (plain-socket.ts, no gateway) in a Nest app: the Socket.IO server
// is created by Nest's IoAdapter on Nest's HTTP server (Express), and /publish and /metrics are
// Nest controllers, as in the other two Nest apps. It is not one of the three implementations
// of the report: it shows what hosting Socket.IO in a Nest app costs by itself
// (`bench:pairs --impls plain,plain-in-nest,library`).
import 'reflect-metadata';
import { Body, Controller, Get, Module, Post, Query } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { IoAdapter } from '@nestjs/platform-socket.io';
import type { Server } from 'socket.io';
import { PUBLISH_EVENT, readMetrics } from '../shared.js';
import { servePlain } from './plain-socket.js';

@Controller()
class BenchController {
  @Get('metrics')
  metrics(@Query('gc') gc?: string) {
    return readMetrics(gc !== undefined, io.of('/').sockets.size);
  }

  @Post('publish')
  publish(@Body() body: { room: string; payload: unknown }) {
    io.to(body.room).emit(PUBLISH_EVENT, body.payload);
    return { ok: true };
  }
}

@Module({ controllers: [BenchController] })
class AppModule {}

// Profiling (BENCH_NODE_ARGS=--cpu-prof): exit at once so the profile is written.
if (process.env.BENCH_NODE_ARGS) process.once('SIGTERM', () => process.exit(0));
const app = await NestFactory.create(AppModule, { logger: ['error', 'warn'] });
const io = new IoAdapter(app).create(0) as unknown as Server;
servePlain(io);
app.enableShutdownHooks();
await app.listen(Number(process.env.PORT ?? 3000));
