import { NestFactory } from '@nestjs/core';
import { createRedisIoAdapter } from 'nestjs-realtime';
import { AppModule } from './app.module.js';

const app = await NestFactory.create(AppModule);
app.useWebSocketAdapter(await createRedisIoAdapter(app));
app.enableShutdownHooks();
const port = Number(process.env.PORT ?? 3000);
await app.listen(port);
console.log(`Sample chat listening on http://localhost:${port} (Socket.IO namespace /chat)`);
