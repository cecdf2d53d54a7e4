// A page on an origin the server does not allow learns why it is refused, in a real browser (where
// CORS applies to long-polling), on both transports; a page on an allowed origin connects.
import { createServer, type Server } from 'node:http';
import { launchChromium } from '../kit/browser.js';
import type { AddressInfo } from 'node:net';
import { SubscribeMessage } from '@nestjs/websockets';
import type { Browser, Page } from 'playwright-core';
import { RealtimeGateway } from '../../lib/index.js';
import { TestApp } from '../kit/app.js';

@RealtimeGateway({ namespace: '/lobby' })
class LobbyGateway {
  @SubscribeMessage('ping')
  ping() {
    return 'pong';
  }
}

interface Outcome {
  connected: boolean;
  message?: string;
  data?: unknown;
  pong?: unknown;
}

/** In the page: connects with one transport and reports what the client saw. */
function attempt(page: Page, url: string, transport: string): Promise<Outcome> {
  return page.evaluate(
    ([url, transport]) =>
      new Promise<Outcome>((resolve) => {
        const io = (globalThis as unknown as { io: (...args: unknown[]) => never }).io;
        const socket = io(url, { transports: [transport], reconnection: false }) as {
          on(event: string, listener: (...args: never[]) => void): void;
          emitWithAck(event: string): Promise<unknown>;
          close(): void;
        };
        socket.on('connect', () => {
          void socket.emitWithAck('ping').then((pong) => {
            socket.close();
            resolve({ connected: true, pong });
          });
        });
        socket.on('connect_error', (error: Error & { data?: unknown }) => {
          socket.close();
          resolve({ connected: false, message: error.message, data: error.data });
        });
      }),
    [url, transport],
  );
}

describe('Origin refusals in a real browser', () => {
  let browser: Browser;
  let site: Server;
  let siteOrigin: string;
  let app: TestApp;

  beforeAll(async () => {
    // The page's own origin: another port of 127.0.0.1, so another origin than the app's.
    site = createServer((_req, res) => {
      res.writeHead(200, { 'content-type': 'text/html' });
      res.end('<!doctype html><title>site</title>');
    });
    await new Promise<void>((resolve) => site.listen(0, '127.0.0.1', resolve));
    siteOrigin = `http://127.0.0.1:${(site.address() as AddressInfo).port}`;
    app = await TestApp.start({
      realtime: { server: { cors: { origin: ['https://app.example'], credentials: true } } },
      providers: [LobbyGateway],
    });
    browser = await launchChromium();
  }, 30_000);

  afterAll(async () => {
    await browser?.close();
    await app?.close();
    await new Promise((resolve) => site?.close(resolve));
  });

  async function pageOn(origin: string, server: TestApp): Promise<Page> {
    const page = await browser.newPage();
    await page.goto(origin);
    await page.addScriptTag({ url: `${server.url}/socket.io/socket.io.min.js` });
    return page;
  }

  it.each(['polling', 'websocket'])(
    'a page on a refused origin gets connect_error FORBIDDEN naming its origin over %s',
    async (transport) => {
      const page = await pageOn(siteOrigin, app);
      try {
        await expect(attempt(page, `${app.url}/lobby`, transport)).resolves.toEqual({
          connected: false,
          message: 'FORBIDDEN',
          data: {
            status: 'error',
            code: 'FORBIDDEN',
            message: `Origin ${siteOrigin} is not allowed to connect to this server`,
          },
        });
      } finally {
        await page.close();
      }
    },
  );

  it('a page on an allowed origin connects and gets answers over both transports', async () => {
    const allowing = await TestApp.start({
      realtime: { server: { cors: { origin: [siteOrigin], credentials: true } } },
      providers: [LobbyGateway],
    });
    const page = await pageOn(siteOrigin, allowing);
    try {
      for (const transport of ['polling', 'websocket']) {
        await expect(attempt(page, `${allowing.url}/lobby`, transport)).resolves.toEqual({
          connected: true,
          pong: 'pong',
        });
      }
    } finally {
      await page.close();
      await allowing.close();
    }
  });
});
