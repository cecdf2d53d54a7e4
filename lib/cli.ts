#!/usr/bin/env node
import { existsSync } from 'node:fs';
import { mkdir, writeFile } from 'node:fs/promises';
import { dirname, extname, relative, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';
import type { DynamicModule, INestApplicationContext, Type } from '@nestjs/common';
import type { AsyncApiDocument } from './asyncapi/asyncapi.types.js';

// Nest and the library are imported once the arguments are read: --help and usage errors are quick.

const USAGE = `Usage: nestjs-realtime <command> --app <file>[#Export] [options]

Commands:
  types      Write the TypeScript types of the app's Socket.IO events, for socket.io-client:
             ServerToClientEvents, ClientToServerEvents, payloads and ack results.
  asyncapi   Write the app's AsyncAPI 3.0 document (YAML when the file ends in .yaml or .yml).

Options:
  --app <file>[#Export]  The app's compiled root module (ESM or CommonJS) and the name of its
                         export, AppModule by default. A module class, a DynamicModule, or a
                         function returning one.
  --out <file>           The file to write (created with its folders); standard output without it.
  --namespace <ns>       types: only this namespace, as ServerToClientEvents/ClientToServerEvents.
  --asyncapi <file>      types: also write the AsyncAPI document there.
  -h, --help             Show this help.

The app is started as a Nest application context (its providers, no HTTP server), logger off,
and closed when done: give it the environment it needs to start (for example its JWT secret).

Examples:
  npx nestjs-realtime types --app dist/app.module.js --out src/realtime.d.ts
  npx nestjs-realtime types --app dist/app.module.js#ChatModule --namespace /chat
  npx nestjs-realtime asyncapi --app dist/app.module.js --out asyncapi.yaml
`;

/** A failure the user can fix; printed without a stack trace. */
class CliError extends Error {
  constructor(
    message: string,
    readonly exitCode = 1,
  ) {
    super(message);
  }
}

type RootModule = Type<unknown> | DynamicModule;

interface CliArgs {
  command: 'types' | 'asyncapi';
  app: string;
  exportName: string;
  out?: string;
  namespace?: string;
  asyncapi?: string;
}

function parse(argv: string[]): CliArgs | 'help' {
  let parsed;
  try {
    parsed = parseArgs({
      args: argv,
      allowPositionals: true,
      options: {
        app: { type: 'string' },
        out: { type: 'string', short: 'o' },
        namespace: { type: 'string' },
        asyncapi: { type: 'string' },
        help: { type: 'boolean', short: 'h' },
      },
    });
  } catch (error) {
    throw new CliError(`${(error as Error).message}\n\n${USAGE}`, 2);
  }
  const { values, positionals } = parsed;
  if (values.help) return 'help';
  const [command, ...rest] = positionals;
  if (command === undefined) throw new CliError(`No command given.\n\n${USAGE}`, 2);
  if (command !== 'types' && command !== 'asyncapi') {
    throw new CliError(`Unknown command "${command}".\n\n${USAGE}`, 2);
  }
  if (rest.length > 0) throw new CliError(`Unexpected argument "${rest[0]}".\n\n${USAGE}`, 2);
  if (!values.app) {
    throw new CliError(
      `--app is required: the compiled module of the app, e.g. --app dist/app.module.js\n\n${USAGE}`,
      2,
    );
  }
  if (command === 'asyncapi' && (values.namespace || values.asyncapi)) {
    throw new CliError('--namespace and --asyncapi belong to the types command.', 2);
  }
  const hash = values.app.lastIndexOf('#');
  const app = hash > 0 ? values.app.slice(0, hash) : values.app;
  const exportName = hash > 0 ? values.app.slice(hash + 1) : 'AppModule';
  if (exportName === '') throw new CliError(`--app ${values.app}: no export name after "#".`, 2);
  return {
    command,
    app,
    exportName,
    out: values.out,
    namespace: values.namespace,
    asyncapi: values.asyncapi,
  };
}

/** Imports the app's module file and returns the named export, as Nest takes it. */
async function loadRootModule(file: string, exportName: string): Promise<RootModule> {
  const path = resolve(file);
  if (!existsSync(path)) {
    throw new CliError(`--app: no file at ${path}. Build the app first, then point at its module.`);
  }
  if (['.ts', '.mts', '.cts'].includes(extname(path)) && !path.endsWith('.d.ts')) {
    throw new CliError(
      `--app: ${file} is TypeScript; build the app (nest build or tsc) and point at the compiled .js file.`,
    );
  }
  let loaded: Record<string, unknown>;
  try {
    loaded = (await import(pathToFileURL(path).href)) as Record<string, unknown>;
  } catch (error) {
    throw new CliError(`--app: could not load ${file}: ${describe(error)}`);
  }
  // A CommonJS file's exports are also on `default`.
  const fallback = loaded.default as Record<string, unknown> | undefined;
  let found =
    loaded[exportName] ??
    (typeof fallback === 'object' || typeof fallback === 'function'
      ? fallback?.[exportName]
      : undefined);
  if (found === undefined) {
    const names = Object.keys(loaded).filter((name) => name !== 'default' && name !== '__esModule');
    throw new CliError(
      `--app: ${file} has no export "${exportName}" (its exports: ${names.join(', ') || 'none'}). ` +
        `Name the module's export with --app ${file}#ExportName.`,
    );
  }
  if (typeof found === 'function' && !isClass(found)) found = await found();
  found = await found;
  const isDynamic = typeof found === 'object' && found !== null && 'module' in found;
  if (!isDynamic && !(typeof found === 'function' && isClass(found))) {
    throw new CliError(
      `--app: the export "${exportName}" of ${file} is not a Nest module (a class, a DynamicModule or a function returning one).`,
    );
  }
  return found as RootModule;
}

function isClass(value: unknown): value is Type<unknown> {
  return typeof value === 'function' && /^class[\s{]/.test(Function.prototype.toString.call(value));
}

async function withApp<T>(
  root: RootModule,
  label: string,
  use: (app: INestApplicationContext) => Promise<T>,
): Promise<T> {
  const { NestFactory } = await import('@nestjs/core');
  const { getRealtimeOptionsToken } = await import('./core/realtime.constants.js');
  let app: INestApplicationContext;
  try {
    app = await NestFactory.createApplicationContext(root, { logger: false, abortOnError: false });
  } catch (error) {
    throw new CliError(`Could not start ${label}: ${describe(error)}`);
  }
  try {
    try {
      app.get(getRealtimeOptionsToken(), { strict: false });
    } catch {
      throw new CliError(
        `${label} does not import RealtimeModule (RealtimeModule.forRoot() or forRootAsync()), ` +
          'or imports another copy of nestjs-realtime than this CLI: there is nothing to describe.',
      );
    }
    return await use(app);
  } finally {
    await app.close();
  }
}

async function write(path: string, text: string): Promise<void> {
  await mkdir(dirname(resolve(path)), { recursive: true });
  await writeFile(path, text);
}

async function documentText(document: AsyncApiDocument, path: string): Promise<string> {
  const { formatAsyncApiDocument } = await import('./asyncapi/write-document.js');
  return formatAsyncApiDocument(document, /\.ya?ml$/i.test(path) ? 'yaml' : 'json');
}

function describe(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

function print(stream: NodeJS.WriteStream, text: string): Promise<void> {
  return new Promise((done) => stream.write(text, () => done()));
}

async function main(argv: string[]): Promise<number> {
  try {
    const args = parse(argv);
    if (args === 'help') {
      await print(process.stdout, USAGE);
      return 0;
    }
    const root = await loadRootModule(args.app, args.exportName);
    const label = `${args.app}#${args.exportName}`;
    const { buildAsyncApiDocument } = await import('./asyncapi/build-document.js');
    const { asyncApiToTypeScript } =
      await import('./asyncapi/typescript/asyncapi-to-typescript.js');
    const { output, asyncapi, summary } = await withApp(root, label, async (app) => {
      const document = await buildAsyncApiDocument(app).catch((error: unknown) => {
        throw new CliError(`Could not describe ${label}: ${describe(error)}`);
      });
      if (args.command === 'asyncapi') {
        const text = await documentText(document, args.out ?? '.json');
        return { output: text, asyncapi: undefined, summary: 'the AsyncAPI document' };
      }
      let types: string;
      try {
        types = asyncApiToTypeScript(document, { namespace: args.namespace });
      } catch (error) {
        throw new CliError(describe(error));
      }
      return {
        output: types,
        asyncapi: args.asyncapi ? await documentText(document, args.asyncapi) : undefined,
        summary: 'the client types',
      };
    });
    if (args.asyncapi && asyncapi !== undefined) {
      await write(args.asyncapi, asyncapi);
      await print(process.stderr, `Wrote the AsyncAPI document to ${shown(args.asyncapi)}\n`);
    }
    if (args.out) {
      await write(args.out, output);
      await print(process.stderr, `Wrote ${summary} of ${label} to ${shown(args.out)}\n`);
    } else {
      await print(process.stdout, output);
    }
    return 0;
  } catch (error) {
    if (error instanceof CliError) {
      await print(process.stderr, `nestjs-realtime: ${error.message}\n`);
      return error.exitCode;
    }
    await print(
      process.stderr,
      `nestjs-realtime: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`,
    );
    return 1;
  }
}

function shown(path: string): string {
  const rel = relative(process.cwd(), resolve(path));
  return rel.startsWith('..') ? resolve(path) : rel;
}

// An app may leave handles open (a Redis client, a timer) after close(): the CLI ends anyway.
process.exit(await main(process.argv.slice(2)));
