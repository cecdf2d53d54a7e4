import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import type { Server } from 'socket.io';
import { RealtimeConfigError } from '../options/realtime-config.error.js';

const PACKAGE = '@socket.io/admin-ui';

/** Where the console keeps login sessions (admin-ui's `Store`, read structurally). */
export interface AdminUiStore {
  doesSessionExist(sessionId: string): Promise<boolean>;
  saveSession(sessionId: string): void;
}

/** The options of admin-ui's `instrument()` the library sets. */
export interface AdminUiInstrumentOptions {
  namespaceName: string;
  auth: { type: 'basic'; username: string; password: string };
  readonly: boolean;
  serverId: string;
  mode: 'development' | 'production';
  store: AdminUiStore;
}

/**
 * What the library uses of `@socket.io/admin-ui`. Its types are restated here, not imported, so
 * that the library's declarations never name an optional peer an app may not have installed.
 */
export interface AdminUiPackage {
  instrument(server: Server, options: AdminUiInstrumentOptions): void;
  /** The package's built UI (`ui/dist`: index.html, js/, css/, img/). */
  uiDirectory: string;
}

/** Loads the optional peer; a boot error that says what to install when it is missing. */
export async function loadAdminUi(): Promise<AdminUiPackage> {
  let loaded: { instrument?: unknown; default?: { instrument?: unknown } };
  try {
    loaded = await import(PACKAGE);
  } catch (error) {
    if (!isMissing(error)) throw error;
    throw new RealtimeConfigError(
      'admin',
      `expected ${PACKAGE} to be installed for the operator console (an optional peer dependency): npm install ${PACKAGE}`,
    );
  }
  const instrument = loaded.instrument ?? loaded.default?.instrument;
  if (typeof instrument !== 'function') {
    throw new RealtimeConfigError(
      'admin',
      `expected ${PACKAGE} ^0.5 (the installed one exports no instrument function)`,
    );
  }
  const manifest = createRequire(import.meta.url).resolve(`${PACKAGE}/package.json`);
  const uiDirectory = join(dirname(manifest), 'ui', 'dist');
  if (!existsSync(join(uiDirectory, 'index.html'))) {
    throw new RealtimeConfigError(
      'admin',
      `expected ${PACKAGE} with its UI files (${uiDirectory}/index.html is missing)`,
    );
  }
  return { instrument: instrument as AdminUiPackage['instrument'], uiDirectory };
}

/** The package itself is not installed (not: one of its own imports failed). */
function isMissing(error: unknown): boolean {
  const { code, message } = (error ?? {}) as { code?: unknown; message?: unknown };
  return (
    (code === 'ERR_MODULE_NOT_FOUND' || code === 'MODULE_NOT_FOUND') &&
    typeof message === 'string' &&
    message.includes(`'${PACKAGE}'`)
  );
}
