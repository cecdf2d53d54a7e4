import { Inject, Injectable, Logger, type OnModuleInit } from '@nestjs/common';
import { type AbstractHttpAdapter, HttpAdapterHost } from '@nestjs/core';
import { GatewayCatalog } from '../gateway/gateway-catalog.js';
import { REALTIME_OPTIONS } from '../core/internal.constants.js';
import type { ResolvedRealtimeOptions } from '../options/options.defaults.js';
import {
  ASYNCAPI_UI_PACKAGE,
  type AsyncApiUiFiles,
  asyncApiPage,
  loadAsyncApiUi,
  PAGE_ASSETS,
  PAGE_BOOT_SCRIPT,
} from './asyncapi-page.js';
import { createAsyncApiDocument } from './build-document.js';
import { formatAsyncApiDocument } from './write-document.js';

interface Asset {
  type: string;
  body: string;
  /** Cache-Control. */
  cache: string;
}

const NO_CACHE = 'no-cache';
const ONE_HOUR = 'public, max-age=3600';

/**
 * With `asyncapi.enabled`, serves the document and its page on the app's own HTTP server,
 * Express or Fastify, through HttpAdapterHost (no controller in the host app):
 * `GET <path>` (the page), `<path>.json`, `<path>.yaml`, and the page's files under `<path>/`.
 * The document is built at boot, so a DTO the generator cannot read stops the app there.
 */
@Injectable()
export class AsyncApiRoutes implements OnModuleInit {
  private readonly logger = new Logger('RealtimeModule');

  constructor(
    @Inject(REALTIME_OPTIONS) private readonly options: ResolvedRealtimeOptions,
    private readonly gateways: GatewayCatalog,
    private readonly adapterHost: HttpAdapterHost,
  ) {}

  // onModuleInit, not later: Nest adds its not-found handler after the init hooks, and an
  // Express route registered after it would never be reached.
  async onModuleInit(): Promise<void> {
    const settings = this.options.asyncapi;
    const http = this.adapterHost?.httpAdapter;
    if (!settings.enabled || !http) return;
    const document = await createAsyncApiDocument(this.gateways, this.options);
    const ui = await loadAsyncApiUi();
    if (!ui) {
      this.logger.warn(
        `asyncapi: ${settings.path} shows how to install ${ASYNCAPI_UI_PACKAGE} (an optional peer dependency), which renders the document: npm install ${ASYNCAPI_UI_PACKAGE}`,
      );
    }
    const path = settings.path;
    const assets: Record<string, Asset> = {
      [path]: {
        type: 'text/html; charset=utf-8',
        body: asyncApiPage({ title: document.info.title, path, ui: ui !== null }),
        cache: NO_CACHE,
      },
      [`${path}.json`]: {
        type: 'application/json; charset=utf-8',
        body: formatAsyncApiDocument(document, 'json'),
        cache: NO_CACHE,
      },
      [`${path}.yaml`]: {
        type: 'application/yaml; charset=utf-8',
        body: formatAsyncApiDocument(document, 'yaml'),
        cache: NO_CACHE,
      },
      ...(ui ? uiAssets(path, ui) : {}),
    };
    for (const [url, asset] of Object.entries(assets)) {
      http.get(url, (_request: unknown, response: unknown) => send(http, response, asset));
    }
    this.logger.log(`AsyncAPI document on ${path} (page), ${path}.json and ${path}.yaml`);
  }
}

function uiAssets(path: string, ui: AsyncApiUiFiles): Record<string, Asset> {
  return {
    [`${path}/${PAGE_ASSETS.script}`]: {
      type: 'text/javascript; charset=utf-8',
      body: ui.script,
      cache: ONE_HOUR,
    },
    [`${path}/${PAGE_ASSETS.style}`]: {
      type: 'text/css; charset=utf-8',
      body: ui.style,
      cache: ONE_HOUR,
    },
    [`${path}/${PAGE_ASSETS.boot}`]: {
      type: 'text/javascript; charset=utf-8',
      body: PAGE_BOOT_SCRIPT,
      cache: NO_CACHE,
    },
  };
}

function send(http: AbstractHttpAdapter, response: unknown, asset: Asset): unknown {
  http.setHeader(response, 'Content-Type', asset.type);
  http.setHeader(response, 'Cache-Control', asset.cache);
  http.setHeader(response, 'X-Content-Type-Options', 'nosniff');
  return http.reply(response, asset.body, 200);
}
