import { mkdir, writeFile } from 'node:fs/promises';
import { dirname, extname, resolve } from 'node:path';
import type { INestApplicationContext } from '@nestjs/common';
import { stringify } from 'yaml';
import type { AsyncApiDocument } from './asyncapi.types.js';
import { type AsyncApiDocumentOptions, buildAsyncApiDocument } from './build-document.js';

export type AsyncApiFormat = 'json' | 'yaml';

/** The document as JSON (two-space indented) or YAML, ending with a newline. */
export function formatAsyncApiDocument(document: AsyncApiDocument, format: AsyncApiFormat): string {
  if (format === 'yaml') return stringify(document, { aliasDuplicateObjects: false, lineWidth: 0 });
  return `${JSON.stringify(document, null, 2)}\n`;
}

/**
 * Writes the app's AsyncAPI document to `file`, as YAML for `.yaml`/`.yml` and JSON for `.json`
 * (folders are created), for a build step:
 *
 * ```ts
 * const app = await NestFactory.createApplicationContext(AppModule, { logger: false });
 * await writeAsyncApiDocument(app, 'dist/asyncapi.yaml');
 * await app.close();
 * ```
 */
export async function writeAsyncApiDocument(
  app: INestApplicationContext,
  file: string,
  options: AsyncApiDocumentOptions = {},
): Promise<AsyncApiDocument> {
  const extension = extname(file).toLowerCase();
  const format: AsyncApiFormat | undefined =
    extension === '.json'
      ? 'json'
      : extension === '.yaml' || extension === '.yml'
        ? 'yaml'
        : undefined;
  if (!format) {
    throw new Error(
      `writeAsyncApiDocument: expected a file ending in .json, .yaml or .yml, got ${JSON.stringify(file)}`,
    );
  }
  const document = await buildAsyncApiDocument(app, options);
  const path = resolve(file);
  await mkdir(dirname(path), { recursive: true });
  await writeFile(path, formatAsyncApiDocument(document, format));
  return document;
}
