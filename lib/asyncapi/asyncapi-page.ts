import { readFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';

/** The optional peer whose standalone bundle renders the page. */
export const ASYNCAPI_UI_PACKAGE = '@asyncapi/react-component';

/** The files the page loads, under `<path>/`. */
export const PAGE_ASSETS = {
  script: 'asyncapi-ui.js',
  style: 'asyncapi-ui.css',
  boot: 'asyncapi-page.js',
} as const;

export interface AsyncApiUiFiles {
  /** `browser/standalone/index.js`: React, the parser and the component, as `AsyncApiStandalone`. */
  script: string;
  /** `styles/default.min.css`. */
  style: string;
}

/**
 * The standalone bundle and styles of @asyncapi/react-component, read from its npm package
 * (resolved from this library, then from the app's folder); null when it is not installed.
 */
export async function loadAsyncApiUi(): Promise<AsyncApiUiFiles | null> {
  const root = resolvePackageRoot();
  if (!root) return null;
  try {
    const [script, style] = await Promise.all([
      readFile(join(root, 'browser', 'standalone', 'index.js'), 'utf8'),
      readFile(join(root, 'styles', 'default.min.css'), 'utf8'),
    ]);
    return { script, style };
  } catch {
    return null; // a version without the standalone bundle
  }
}

function resolvePackageRoot(): string | null {
  const bases = [import.meta.url, join(process.cwd(), 'package.json')];
  for (const base of bases) {
    try {
      return dirname(createRequire(base).resolve(`${ASYNCAPI_UI_PACKAGE}/package.json`));
    } catch {
      // not resolvable from here; try the next base
    }
  }
  return null;
}

/** The page: the component renders `<path>.json`; without it, how to install it. */
export function asyncApiPage(options: { title: string; path: string; ui: boolean }): string {
  const title = escapeHtml(options.title);
  const path = escapeHtml(options.path);
  const links = `<a href="${path}.json">${path}.json</a> · <a href="${path}.yaml">${path}.yaml</a>`;
  const body = options.ui
    ? `<div id="asyncapi" data-document="${path}.json"><p class="loading">Loading ${path}.json…</p></div>
    <script src="${path}/${PAGE_ASSETS.script}"></script>
    <script src="${path}/${PAGE_ASSETS.boot}"></script>`
    : `<main class="missing">
      <h1>${title}</h1>
      <p>This page renders the app's AsyncAPI document with <code>${ASYNCAPI_UI_PACKAGE}</code>,
      an optional peer dependency of nestjs-realtime that is not installed. Install it and restart the app:</p>
      <pre><code>npm install ${ASYNCAPI_UI_PACKAGE}</code></pre>
      <p>The document itself is served either way: ${links}</p>
    </main>`;
  return `<!doctype html>
<html lang="en">
  <head>
    <meta charset="utf-8" />
    <meta name="viewport" content="width=device-width, initial-scale=1" />
    <title>${title} · AsyncAPI</title>
    ${options.ui ? `<link rel="stylesheet" href="${path}/${PAGE_ASSETS.style}" />` : ''}
    <style>
      body { margin: 0; font-family: system-ui, sans-serif; }
      .missing { max-width: 42rem; margin: 3rem auto; padding: 0 1rem; line-height: 1.5; }
      .missing pre { background: #f4f4f5; padding: 0.75rem 1rem; border-radius: 6px; }
      .loading, .failed { margin: 2rem; color: #52525b; }
    </style>
  </head>
  <body>
    ${body}
  </body>
</html>
`;
}

/**
 * The page's script (a file, not inline, so a Content-Security-Policy without 'unsafe-inline'
 * allows it): fetches the document and renders it with the standalone bundle.
 */
export const PAGE_BOOT_SCRIPT = `(function () {
  var root = document.getElementById('asyncapi');
  function fail(message) {
    root.innerHTML = '';
    var p = document.createElement('p');
    p.className = 'failed';
    p.textContent = message;
    root.appendChild(p);
  }
  if (typeof AsyncApiStandalone === 'undefined') return fail('The AsyncAPI component did not load.');
  fetch(root.getAttribute('data-document'), { headers: { accept: 'application/json' } })
    .then(function (response) {
      if (!response.ok) throw new Error('HTTP ' + response.status);
      return response.json();
    })
    .then(function (schema) {
      AsyncApiStandalone.render(
        {
          schema: schema,
          config: {
            show: { sidebar: true, info: true, servers: true, operations: true, messages: true, schemas: true, errors: true },
            sidebar: { showOperations: 'byDefault' },
          },
        },
        root,
      );
    })
    .catch(function (error) {
      fail('Could not load the AsyncAPI document: ' + error.message);
    });
})();
`;

function escapeHtml(value: string): string {
  return value.replace(
    /[&<>"']/g,
    (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c] as string,
  );
}
