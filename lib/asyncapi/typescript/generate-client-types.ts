import { mkdir, writeFile } from 'node:fs/promises';
import { dirname, resolve } from 'node:path';
import type { INestApplicationContext } from '@nestjs/common';
import { buildAsyncApiDocument } from '../build-document.js';
import {
  asyncApiToTypeScript,
  type AsyncApiToTypeScriptOptions,
} from './asyncapi-to-typescript.js';

export interface GenerateClientTypesOptions extends AsyncApiToTypeScriptOptions {
  /** Also write the source to this file (its folders are created). */
  out?: string;
}

/**
 * The TypeScript types of the app's Socket.IO events for socket.io-client, from its AsyncAPI
 * document (`buildAsyncApiDocument`): `ServerToClientEvents`, `ClientToServerEvents`, payloads
 * and ack results. Works on an application context (no HTTP server needed), for a build step:
 *
 * ```ts
 * const app = await NestFactory.createApplicationContext(AppModule, { logger: false });
 * await generateClientTypes(app, { out: '../web/src/realtime.d.ts' });
 * await app.close();
 * ```
 */
export async function generateClientTypes(
  app: INestApplicationContext,
  options: GenerateClientTypesOptions = {},
): Promise<string> {
  const { out, ...typeOptions } = options;
  const document = await buildAsyncApiDocument(app);
  const source = asyncApiToTypeScript(document, typeOptions);
  if (out !== undefined) {
    await mkdir(dirname(resolve(out)), { recursive: true });
    await writeFile(out, source);
  }
  return source;
}
