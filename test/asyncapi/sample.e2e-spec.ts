import { mkdirSync, statSync } from 'node:fs';
import { launchChromium } from '../kit/browser.js';
import { join } from 'node:path';
import type { AsyncAPIDocumentInterface } from '@asyncapi/parser';
import type { Browser } from 'playwright-core';
import type { AsyncApiDocument } from '../../lib/index.js';
import type { AppInstance } from '../kit/instance.js';
import { startSample } from '../sample/sample-instance.js';
import { httpGet } from './http-get.js';
import { parseAsyncApi } from './parse.js';

const ARTIFACTS = join(import.meta.dirname, 'artifacts');

/** What the sample's gateways handle and declare (sample/src/chat, sample/src/notifications). */
const SAMPLE = {
  chat: {
    address: '/chat',
    handles: [
      'list_rooms',
      'who_is_online',
      'join_room',
      'leave_room',
      'send_message',
      'typing',
      'direct_message',
    ],
    emits: ['new_message', 'typing', 'direct_message'],
  },
  notifications: {
    address: '/notifications',
    handles: ['notify_me'],
    emits: ['notification'],
  },
};
/** The library's own events, on every channel of the sample (auth and presence are on). */
const LIBRARY_SENDS = ['exception', 'presence_online', 'presence_offline', 'auth_expired'];

describe("the sample's AsyncAPI document and page (GET /asyncapi)", () => {
  let sample: AppInstance;
  let browser: Browser;
  let doc: AsyncApiDocument;
  let parsed: AsyncAPIDocumentInterface;
  let problems: string[];

  beforeAll(async () => {
    mkdirSync(ARTIFACTS, { recursive: true });
    sample = await startSample('asyncapi', { REDIS_URL: '' });
    const response = await httpGet(`${sample.url}/asyncapi.json`);
    expect(response.status).toBe(200);
    doc = JSON.parse(response.body) as AsyncApiDocument;
    ({ document: parsed, problems } = await parseAsyncApi(doc));
    browser = await launchChromium();
  }, 30_000);

  afterAll(async () => {
    await browser?.close();
    await sample?.stop();
  });

  it('parses with @asyncapi/parser with no error and no warning', () => {
    expect(problems).toEqual([]);
    expect(parsed.info().title()).toBe('nestjs-realtime sample chat');
  });

  it("has the sample's namespaces as channels and its handlers and emits as operations", () => {
    expect(
      Object.fromEntries(
        parsed
          .channels()
          .all()
          .map((c) => [c.id(), c.address()]),
      ),
    ).toEqual({
      chat: '/chat',
      notifications: '/notifications',
    });
    const expected = Object.entries(SAMPLE).flatMap(([channel, { handles, emits }]) => [
      ...handles.map((event) => [`${channel}_${event}_receive`, 'receive', event]),
      ...emits.map((event) => [`${channel}_${event}_send`, 'send', event]),
      [`${channel}_auth_refresh_receive`, 'receive', 'auth:refresh'],
      ...LIBRARY_SENDS.map((event) => [
        `${channel}_${event}_send`,
        'send',
        event.replace('_', ':'),
      ]),
    ]);
    const actual = parsed
      .operations()
      .all()
      .map((op) => [op.id(), op.action(), op.messages().all()[0].name()]);
    expect(actual.sort()).toEqual(expected.sort());
  });

  it("describes the sample's DTOs: what clients send and what the server sends back", () => {
    const send = parsed.operations().get('chat_send_message_receive');
    const payload = send?.messages().all()[0].payload();
    expect(payload?.id()).toBe('SendMessageDto');
    expect(payload?.required()).toEqual(['roomId', 'text']);
    expect(payload?.properties()?.text.maxLength()).toBe(1000);
    const message = parsed.operations().get('chat_new_message_send')?.messages().all()[0].payload();
    expect(message?.id()).toBe('ChatMessageDto');
    expect(message?.properties()?.user.id()).toBe('PublicUserDto');
    // `typing` goes both ways, with a payload each way.
    expect(
      parsed.operations().get('chat_typing_receive')?.messages().all()[0].payload()?.id(),
    ).toBe('TypingDto');
    expect(parsed.operations().get('chat_typing_send')?.messages().all()[0].payload()?.id()).toBe(
      'TypingNoticeDto',
    );
    const notification = parsed
      .operations()
      .get('notifications_notification_send')
      ?.messages()
      .all()[0]
      .payload();
    expect(notification?.required()).toEqual(['id', 'kind', 'title', 'timestamp']);
  });

  it('answers every handler on its ack, with the codes of its guard, DTO and rate limit', () => {
    const reply = parsed.operations().get('chat_send_message_receive')?.reply();
    const [, error] = reply?.messages().all() ?? [];
    const codes = error.payload()?.allOf()?.[1].properties()?.code.enum();
    expect(codes).toEqual(
      expect.arrayContaining(['VALIDATION_FAILED', 'RATE_LIMITED', 'UNAUTHORIZED']),
    );
  });

  it('types the ack that @RealtimeAck declares on an async handler', () => {
    const [ack] =
      parsed.operations().get('chat_send_message_receive')?.reply()?.messages().all() ?? [];
    const payload = ack.payload();
    expect(Object.keys(payload?.properties() ?? {}).sort()).toEqual(['id', 'status']);
    expect(payload?.required()).toEqual(expect.arrayContaining(['id', 'status']));
    expect(payload?.properties()?.status.enum()).toEqual(['ok']);
  });

  it('requires the handshake JWT on every operation', () => {
    for (const operation of parsed.operations().all()) {
      const types = operation.security().flatMap((s) => s.all().map((r) => r.scheme().type()));
      expect({ id: operation.id(), types }).toEqual({ id: operation.id(), types: ['http'] });
    }
  });

  it("renders in Chromium with the sample's operations visible (screenshots)", async () => {
    // Wide enough for the component's sidebar.
    const context = await browser.newContext({ viewport: { width: 1600, height: 1000 } });
    const page = await context.newPage();
    const errors: string[] = [];
    page.on('pageerror', (error) => errors.push(error.message));
    page.on('console', (message) => {
      if (message.type() === 'error') errors.push(message.text());
    });
    await page.goto(`${sample.url}/asyncapi`);
    await page.locator('#operations').waitFor();
    expect(await page.title()).toBe('nestjs-realtime sample chat · AsyncAPI');
    await expect(page.locator('h1').first().textContent()).resolves.toBe(
      'nestjs-realtime sample chat 1.0.0',
    );

    for (const [channel, { handles, emits }] of Object.entries(SAMPLE)) {
      // The component marks a receive operation that has a reply REPLY, a send operation SEND.
      for (const event of handles) {
        const id = `operation-reply-${channel}_${event}_receive`;
        await expect(page.locator(`[id="${id}"]`).isVisible()).resolves.toBe(true);
      }
      for (const event of emits) {
        const id = `operation-send-${channel}_${event}_send`;
        await expect(page.locator(`[id="${id}"]`).isVisible()).resolves.toBe(true);
      }
    }
    const top = join(ARTIFACTS, 'asyncapi-page.png');
    await page.screenshot({ path: top });

    // One operation up close: send_message with its payload's fields expanded.
    const operation = page.locator('[id="operation-reply-chat_send_message_receive"]');
    await operation.scrollIntoViewIfNeeded();
    await operation.getByText('Expand all').first().click();
    for (const field of ['roomId', 'text']) {
      await expect(operation.getByText(field, { exact: true }).first().isVisible()).resolves.toBe(
        true,
      );
    }
    await operation.getByText('Message ID').first().scrollIntoViewIfNeeded();
    const detail = join(ARTIFACTS, 'asyncapi-send-message.png');
    await page.screenshot({ path: detail });

    expect(statSync(top).size).toBeGreaterThan(0);
    expect(statSync(detail).size).toBeGreaterThan(0);
    expect(errors).toEqual([]);
    await context.close();
  }, 60_000); // the page parses a 3 MB bundle, then the document, in the browser
});
