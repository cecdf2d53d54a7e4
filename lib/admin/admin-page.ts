import { readdir, readFile } from 'node:fs/promises';
import { extname, join, relative, sep } from 'node:path';
import { StreamableFile } from '@nestjs/common';
import type { AbstractHttpAdapter } from '@nestjs/core';

/** The script the page loads first: it fills in the console's connection form. */
export const CONSOLE_SETTINGS_SCRIPT = 'nestjs-realtime-console.js';

export interface AdminPageOptions {
  /** Where the page is served, without a trailing slash (e.g. '/realtime-admin'). */
  path: string;
  /** admin-ui's `ui/dist` directory. */
  uiDirectory: string;
  /** What the connection form starts with. */
  namespace: string;
  socketPath: string;
  websocketOnly: boolean;
}

const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.map': 'application/json; charset=utf-8',
  '.json': 'application/json; charset=utf-8',
  '.png': 'image/png',
  '.svg': 'image/svg+xml',
  '.ico': 'image/x-icon',
  '.woff': 'font/woff',
  '.woff2': 'font/woff2',
  '.ttf': 'font/ttf',
};

/**
 * The page only loads from and connects to the app itself: scripts and styles are the package's
 * files served here, and the socket goes to this origin. Vuetify sets inline styles.
 */
const PAGE_POLICY = [
  "default-src 'self'",
  "script-src 'self'",
  "style-src 'self' 'unsafe-inline'",
  "img-src 'self' data:",
  "font-src 'self' data:",
  "connect-src 'self'",
  "frame-ancestors 'none'",
  "base-uri 'self'",
  "form-action 'none'",
].join('; ');

interface ServedFile {
  body: Buffer;
  type: string;
  headers: Record<string, string>;
}

/**
 * Serves admin-ui's own built page (from the installed package, no CDN and no hosted page) on
 * the app's HTTP server, through Nest's HTTP adapter (Express and Fastify alike), one route per
 * file. The page is changed in three ways: the fonts it links from CDNs are left out (it falls
 * back to the system's), a `<base>` makes its relative URLs work under `path` with or without a
 * trailing slash, and a first script fills its connection form in with this server (its origin,
 * the console's namespace and Socket.IO's path). The files are read once, at boot.
 */
export async function serveAdminPage(
  http: AbstractHttpAdapter,
  options: AdminPageOptions,
): Promise<void> {
  const files = await readPackageFiles(options.uiDirectory);
  const page = files.get('index.html');
  if (!page) throw new Error(`admin-ui's index.html is missing from ${options.uiDirectory}`);
  const pageFile = served(Buffer.from(adaptPage(page.toString('utf8'), options.path)), '.html');
  const routes = new Map<string, ServedFile>([
    [options.path, pageFile],
    [`${options.path}/`, pageFile],
    [
      `${options.path}/${CONSOLE_SETTINGS_SCRIPT}`,
      served(Buffer.from(settingsScript(options)), '.js'),
    ],
  ]);
  for (const [file, body] of files) {
    if (file === 'index.html') routes.set(`${options.path}/${file}`, pageFile);
    else routes.set(`${options.path}/${file}`, served(body, extname(file), file));
  }
  for (const [route, file] of routes) {
    http.get(route, (_request: unknown, response: unknown) => {
      for (const [name, value] of Object.entries(file.headers)) {
        http.setHeader(response, name, value);
      }
      http.reply(
        response,
        new StreamableFile(file.body, { type: file.type, length: file.body.length }),
        200,
      );
    });
  }
}

async function readPackageFiles(directory: string): Promise<Map<string, Buffer>> {
  const files = new Map<string, Buffer>();
  const entries = await readdir(directory, { recursive: true, withFileTypes: true });
  for (const entry of entries) {
    if (!entry.isFile()) continue;
    const full = join(entry.parentPath, entry.name);
    const name = relative(directory, full).split(sep).join('/');
    // Route paths: plain file names only (no router syntax such as ':' or '*').
    if (!/^[A-Za-z0-9._/-]+$/.test(name)) continue;
    files.set(name, await readFile(full));
  }
  return files;
}

function served(body: Buffer, extension: string, file?: string): ServedFile {
  const type = TYPES[extension] ?? 'application/octet-stream';
  // Built files carry a content hash in their names (app.0d7d7845.js): cached for good.
  const hashed = file !== undefined && /\.[0-9a-f]{8}\./.test(file);
  const headers: Record<string, string> = {
    'X-Content-Type-Options': 'nosniff',
    'Cache-Control': hashed ? 'public, max-age=31536000, immutable' : 'no-cache',
  };
  if (extension === '.html') {
    headers['Content-Security-Policy'] = PAGE_POLICY;
    headers['X-Frame-Options'] = 'DENY';
    headers['Referrer-Policy'] = 'no-referrer';
  }
  return { body, type, headers };
}

/** admin-ui's index.html without external links, under `path`, with the settings script first. */
export function adaptPage(html: string, path: string): string {
  const withoutCdn = html.replace(/<link\b[^>]*\bhref="(?:https?:)?\/\/[^"]*"[^>]*>/gi, '');
  const base = `<base href="${path}/">`;
  const settings = `<script src="${CONSOLE_SETTINGS_SCRIPT}"></script>`;
  const withBase = /<head>/i.test(withoutCdn)
    ? withoutCdn.replace(/<head>/i, `<head>${base}`)
    : `${base}${withoutCdn}`;
  return /<script\b/i.test(withBase)
    ? withBase.replace(/<script\b/i, `${settings}<script`)
    : withBase.replace(/<\/body>/i, `${settings}</body>`);
}

/**
 * Fills in admin-ui's connection form (it keeps it in localStorage) with this server, unless the
 * operator pointed the page at another server before.
 */
function settingsScript(options: AdminPageOptions): string {
  const settings = JSON.stringify({
    namespace: options.namespace,
    path: options.socketPath,
    wsOnly: options.websocketOnly,
  });
  return `// nestjs-realtime: the operator console's connection form starts with this server.
(function () {
  var settings = ${settings};
  try {
    var store = window.localStorage;
    var saved = store.getItem('server_url');
    if (saved && saved !== location.origin) return;
    store.setItem('server_url', location.origin);
    store.setItem('namespace', settings.namespace);
    store.setItem('path', settings.path);
    store.setItem('ws_only', String(settings.wsOnly));
  } catch (e) {
    // storage is off: the form starts empty
  }
})();
`;
}
