import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Module } from '@nestjs/common';
import { type AbstractHttpAdapter, NestFactory } from '@nestjs/core';
import { ExpressAdapter } from '@nestjs/platform-express';
import { FastifyAdapter } from '@nestjs/platform-fastify';
import { parse as parseYaml } from 'yaml';
import { asyncApiPage } from '../../lib/asyncapi/asyncapi-page.js';
import {
  type AsyncApiDocument,
  buildAsyncApiDocument,
  RealtimeModule,
  writeAsyncApiDocument,
} from '../../lib/index.js';
import { TestApp } from '../kit/app.js';
import { FIXTURE_GATEWAYS, FIXTURE_OPTIONS, OrdersGateway } from './fixtures.js';
import { httpGet } from './http-get.js';
import { parseAsyncApi } from './parse.js';

const PLATFORMS: Array<[string, () => AbstractHttpAdapter]> = [
  ['express', () => new ExpressAdapter()],
  ['fastify', () => new FastifyAdapter()],
];

const PATH = '/docs/events';

describe.each(PLATFORMS)(
  'the served AsyncAPI document on @nestjs/platform-%s',
  (platform, adapter) => {
    let app: TestApp;
    let built: AsyncApiDocument;

    beforeAll(async () => {
      app = await TestApp.start({
        realtime: {
          ...FIXTURE_OPTIONS,
          asyncapi: { ...FIXTURE_OPTIONS.asyncapi, enabled: true, path: PATH },
        },
        providers: FIXTURE_GATEWAYS,
        httpAdapter: adapter(),
      });
      built = await buildAsyncApiDocument(app.app);
    });
    afterAll(() => app?.close());

    const get = (path: string) => httpGet(`${app.url}${path}`);

    it('runs on the platform it was given', () => {
      expect(app.app.getHttpAdapter().getType()).toBe(platform);
    });

    it('serves <path>.json: the document buildAsyncApiDocument returns', async () => {
      const response = await get(`${PATH}.json`);
      expect(response.status).toBe(200);
      expect(response.headers['content-type']).toMatch(/^application\/json/);
      const served = JSON.parse(response.body) as AsyncApiDocument;
      expect(served).toEqual(built);
      expect((await parseAsyncApi(served)).problems).toEqual([]);
    });

    it('serves <path>.yaml: the same document in YAML, which the parser accepts', async () => {
      const response = await get(`${PATH}.yaml`);
      expect(response.status).toBe(200);
      expect(response.headers['content-type']).toMatch(/^application\/yaml/);
      const text = response.body;
      expect(text.startsWith('asyncapi: 3.0.0\n')).toBe(true);
      expect(parseYaml(text)).toEqual(built);
      expect((await parseAsyncApi(text)).problems).toEqual([]);
    });

    it('serves <path>: an HTML page that loads the component from the app itself, no CDN', async () => {
      const response = await get(PATH);
      expect(response.status).toBe(200);
      expect(response.headers['content-type']).toMatch(/^text\/html/);
      const html = response.body;
      expect(html).toContain('<title>Orders realtime API · AsyncAPI</title>');
      const sources = [...html.matchAll(/(?:src|href)="([^"]+)"/g)].map((m) => m[1]);
      expect(sources).toEqual([
        `${PATH}/asyncapi-ui.css`,
        `${PATH}/asyncapi-ui.js`,
        `${PATH}/asyncapi-page.js`,
      ]);
      expect(html).toContain(`data-document="${PATH}.json"`);
      expect(html).not.toMatch(/https?:\/\//);
    });

    it("serves the page's files from @asyncapi/react-component's npm package", async () => {
      const bundle = await get(`${PATH}/asyncapi-ui.js`);
      expect(bundle.status).toBe(200);
      expect(bundle.headers['content-type']).toMatch(/^text\/javascript/);
      const script = bundle.body;
      const packaged = await readFile(
        join(
          import.meta.dirname,
          '../../node_modules/@asyncapi/react-component/browser/standalone/index.js',
        ),
        'utf8',
      );
      expect(script.length).toBe(packaged.length);
      expect(script).toContain('AsyncApiStandalone');
      const style = await get(`${PATH}/asyncapi-ui.css`);
      expect(style.status).toBe(200);
      expect(style.headers['content-type']).toMatch(/^text\/css/);
      const boot = await get(`${PATH}/asyncapi-page.js`);
      expect(boot.status).toBe(200);
      expect(boot.body).toContain('AsyncApiStandalone.render');
    });

    it("leaves the app's other routes alone: an unknown path is still a 404", async () => {
      expect((await get('/docs/nothing')).status).toBe(404);
      expect((await get(`${PATH}/other.js`)).status).toBe(404);
    });
  },
);

describe('the AsyncAPI routes are off by default', () => {
  let app: TestApp;
  beforeAll(async () => {
    app = await TestApp.start({ realtime: FIXTURE_OPTIONS, providers: [OrdersGateway] });
  });
  afterAll(() => app.close());

  it('serves nothing without asyncapi.enabled', async () => {
    for (const path of [
      '/asyncapi',
      '/asyncapi.json',
      '/asyncapi.yaml',
      '/asyncapi/asyncapi-ui.js',
    ]) {
      expect({ path, status: (await httpGet(`${app.url}${path}`)).status }).toEqual({
        path,
        status: 404,
      });
    }
  });
});

describe('the document in a build step (no HTTP server)', () => {
  @Module({
    imports: [RealtimeModule.forRoot({ ...FIXTURE_OPTIONS, asyncapi: { enabled: true } })],
    providers: FIXTURE_GATEWAYS,
  })
  class BuildModule {}

  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'asyncapi-'));
  });
  afterAll(() => rm(dir, { recursive: true, force: true }));

  async function withContext<T>(
    run: (app: Awaited<ReturnType<typeof NestFactory.createApplicationContext>>) => Promise<T>,
  ): Promise<T> {
    const app = await NestFactory.createApplicationContext(BuildModule, { logger: false });
    try {
      return await run(app);
    } finally {
      await app.close();
    }
  }

  it('builds from an application context', async () => {
    const doc = await withContext((app) => buildAsyncApiDocument(app));
    expect(Object.keys(doc.channels)).toEqual(['orders', 'dynamic', 'plain', 'root', 'public']);
    expect(doc.info.title).toBe('Realtime API'); // the default: these options set no title
  });

  it('writeAsyncApiDocument writes JSON or YAML by extension, creating folders', async () => {
    const json = join(dir, 'out', 'asyncapi.json');
    const yaml = join(dir, 'out', 'nested', 'asyncapi.yml');
    const written = await withContext((app) => writeAsyncApiDocument(app, json));
    await withContext((app) => writeAsyncApiDocument(app, yaml, { title: 'From the build' }));
    expect(JSON.parse(await readFile(json, 'utf8'))).toEqual(written);
    const fromYaml = parseYaml(await readFile(yaml, 'utf8')) as AsyncApiDocument;
    expect(fromYaml.info.title).toBe('From the build');
    expect({ ...fromYaml, info: written.info }).toEqual(written);
    expect((await parseAsyncApi(await readFile(yaml, 'utf8'))).problems).toEqual([]);
  });

  it('writeAsyncApiDocument refuses another extension, naming the file', async () => {
    await expect(
      withContext((app) => writeAsyncApiDocument(app, join(dir, 'doc.txt'))),
    ).rejects.toThrow(/expected a file ending in \.json, \.yaml or \.yml, got ".*doc\.txt"/);
  });

  it('buildAsyncApiDocument names what is missing in an app without RealtimeModule', async () => {
    @Module({})
    class EmptyModule {}
    const app = await NestFactory.createApplicationContext(EmptyModule, { logger: false });
    await expect(buildAsyncApiDocument(app)).rejects.toThrow(/does not import RealtimeModule/);
    await app.close();
  });
});

describe('the page without @asyncapi/react-component', () => {
  it('says how to install it, and links the document', () => {
    const html = asyncApiPage({ title: 'Chat <beta>', path: '/asyncapi', ui: false });
    expect(html).toContain('npm install @asyncapi/react-component');
    expect(html).toContain('<a href="/asyncapi.json">/asyncapi.json</a>');
    expect(html).toContain('<a href="/asyncapi.yaml">/asyncapi.yaml</a>');
    expect(html).toContain('<h1>Chat &lt;beta&gt;</h1>');
    expect(html).not.toContain('<script');
  });
});
