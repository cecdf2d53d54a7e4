import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { NestFactory } from '@nestjs/core';
import type { NestExpressApplication } from '@nestjs/platform-express';
import { createRedisIoAdapter } from 'nestjs-realtime';
import { AppModule } from './app.module.js';
import { loadSampleConfig } from './sample.config.js';

const config = loadSampleConfig();
const app = await NestFactory.create<NestExpressApplication>(AppModule.register(config));
app.useWebSocketAdapter(await createRedisIoAdapter(app));
app.enableShutdownHooks();

// The page: plain files, and the socket.io-client browser build straight from node_modules.
const here = dirname(fileURLToPath(import.meta.url));
app.useStaticAssets(join(here, '..', 'public'));
const clientDir = join(fileURLToPath(import.meta.resolve('socket.io-client')), '../../../dist');
app.useStaticAssets(clientDir, { prefix: '/vendor/socket.io-client/' });

await app.listen(config.port, config.host ?? '0.0.0.0');
const { port } = app.getHttpServer().address() as { port: number };
const mode = config.redisUrl ? `Redis, key prefix "${config.keyPrefix}"` : 'in memory';
console.log(`Sample chat on http://localhost:${port} (${config.instanceName}, ${mode})`);
if (config.demo) console.log('Demo mode: POST /auth/demo-login issues tokens for any name');
// Test harnesses wait for this line.
console.log(`READY ${port}`);
