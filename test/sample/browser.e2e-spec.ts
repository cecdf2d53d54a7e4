import { mkdirSync, statSync } from 'node:fs';
import { launchChromium } from '../kit/browser.js';
import { join } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { type AppInstance, startAll } from '../kit/instance.js';
import { deletePrefix, REDIS_URL, uniquePrefix } from '../kit/redis.js';
import { startSample } from './sample-instance.js';

const ARTIFACTS = join(import.meta.dirname, 'artifacts');
const WIDE = { width: 1280, height: 800 };
/** A phone held upright. */
const NARROW = { width: 420, height: 800 };

describe('the sample page in a real browser, alice on instance A and bob on instance B', () => {
  const keyPrefix = uniquePrefix('sample-browser');
  let a: AppInstance;
  let b: AppInstance;
  /** In memory, with 2-second tokens. */
  let short: AppInstance;
  let browser: Browser;
  const pageErrors: string[] = [];

  beforeAll(async () => {
    mkdirSync(ARTIFACTS, { recursive: true });
    // The apps first, all or none (startAll stops the others if one fails), so that a browser
    // that cannot start leaves no app process behind: afterAll stops what was assigned.
    const cluster = { REDIS_URL, REALTIME_KEY_PREFIX: keyPrefix };
    [a, b, short] = await startAll([
      startSample('A', cluster),
      startSample('B', cluster),
      startSample('short-tokens', { REDIS_URL: '', TOKEN_TTL_SECONDS: '2' }),
    ]);
    // launch() runs Chromium on a fresh temporary profile (user-data dir) every time.
    browser = await launchChromium();
  }, 30_000);

  afterAll(async () => {
    await browser?.close();
    await Promise.all([a?.stop(), b?.stop(), short?.stop()]);
    await deletePrefix(keyPrefix);
  });

  /** The page, signed out, in a fresh browser context. */
  async function open(instance: AppInstance, name: string, viewport = WIDE): Promise<Page> {
    const context = await browser.newContext({ viewport });
    const page = await context.newPage();
    page.on('pageerror', (error) => pageErrors.push(`${name}: ${error.message}`));
    await page.goto(instance.url);
    return page;
  }

  async function signIn(instance: AppInstance, name: string, viewport = WIDE): Promise<Page> {
    const page = await open(instance, name, viewport);
    await page.fill('#login-name', name);
    await page.click('#login-button');
    await page.locator('#status[data-state="connected"]').waitFor();
    return page;
  }

  /** Saves a full-page screenshot to test/sample/artifacts; returns its path. */
  async function shot(page: Page, name: string): Promise<string> {
    const path = join(ARTIFACTS, `${name}.png`);
    await page.screenshot({ path, fullPage: true });
    return path;
  }

  async function box(page: Page, selector: string) {
    const found = await page.locator(selector).boundingBox();
    if (!found) throw new Error(`${selector} is not displayed`);
    return found;
  }

  /**
   * The signed-in page is one screen, whatever the viewport and with a banner or not: nothing
   * to scroll to, the message column at least `minRoomWidth` wide, the message form (input,
   * counter, Send) wholly on screen.
   */
  async function expectOneScreen(page: Page, minRoomWidth: number): Promise<void> {
    const viewport = page.viewportSize();
    if (!viewport) throw new Error('the page has no fixed viewport');
    const scrollSize = await page.evaluate(`({
      width: Math.max(document.documentElement.scrollWidth, document.body.scrollWidth),
      height: Math.max(document.documentElement.scrollHeight, document.body.scrollHeight),
    })`);
    expect(scrollSize).toEqual(viewport);
    expect((await box(page, '.room')).width).toBeGreaterThanOrEqual(minRoomWidth);
    const form = await box(page, '#message-form');
    expect(form.x).toBeGreaterThanOrEqual(0);
    expect(form.y).toBeGreaterThanOrEqual(0);
    expect(form.x + form.width).toBeLessThanOrEqual(viewport.width);
    expect(form.y + form.height).toBeLessThanOrEqual(viewport.height);
  }

  it('shows only the sign-in card before sign-in: the chat layout is hidden (screenshot)', async () => {
    const page = await open(a, 'signed-out');
    await page.locator('#instance', { hasText: 'instance A' }).waitFor(); // /info answered
    await page.locator('#login-name').waitFor();
    // `hidden` wins over main's display: grid; no box at all, not one under the card.
    expect(await page.locator('#chat').boundingBox()).toBeNull();
    expect(await page.locator('#chat').isVisible()).toBe(false);
    expect(await page.locator('#messages').boundingBox()).toBeNull();
    const path = await shot(page, '00-before-sign-in');
    expect(statSync(path).size).toBeGreaterThan(0);
    await page.context().close();
    expect(pageErrors).toEqual([]);
  });

  it('serves a favicon: the icon the page links, and /favicon.ico', async () => {
    const page = await open(a, 'favicon');
    const linked = await page.evaluate(
      'document.querySelector(\'link[rel="icon"]\')?.href ?? null',
    );
    await page.context().close();
    expect(linked).toBe(`${a.url}/favicon.svg`);
    for (const url of [linked as string, `${a.url}/favicon.ico`]) {
      const response = await fetch(url);
      expect({ url, status: response.status }).toEqual({ url, status: 200 });
      expect(response.headers.get('content-type')).toMatch(/^image\/svg\+xml/);
      expect(await response.text()).toContain('<svg');
    }
    expect(pageErrors).toEqual([]);
  });

  it('chats live across instances: messages, typing, DMs, validation errors, presence', async () => {
    const [alice, bob] = await Promise.all([signIn(a, 'alice'), signIn(b, 'bob')]);

    // Presence: each sees the other online (the other is on the other instance).
    await alice.locator('#online li[data-user="bob"]').waitFor();
    await bob.locator('#online li[data-user="alice"]').waitFor();

    // Both join #general (with its history).
    await alice.click('#rooms li[data-room="general"]');
    await bob.click('#rooms li[data-room="general"]');
    await alice.locator('#room-title', { hasText: 'General' }).waitFor();
    await bob.locator('#room-title', { hasText: 'General' }).waitFor();

    // Typing indicator shows on bob's page while alice types...
    await alice.locator('#message-input').pressSequentially('Hello bob');
    await bob.locator('#typing', { hasText: 'alice is typing' }).waitFor();
    await shot(bob, '01-bob-sees-alice-typing');

    // ...and clears when she sends; the message appears on bob's page.
    await alice.locator('#message-input').pressSequentially(', from instance A!');
    await alice.click('#send-button');
    await bob
      .locator('#messages .message', { hasText: 'Hello bob, from instance A!' })
      .locator('.author', { hasText: 'alice' })
      .waitFor();
    await bob.waitForFunction("document.querySelector('#typing').textContent === ''");
    await alice.locator('#messages .message', { hasText: 'Hello bob, from instance A!' }).waitFor();
    await shot(bob, '02-bob-sees-message');

    // A too-long message: the validation error is shown, nothing is sent.
    await alice.fill('#message-input', 'x'.repeat(1001));
    await alice.click('#send-button');
    await alice
      .locator('#error', { hasText: 'text must be shorter than or equal to 1000 characters' })
      .waitFor();
    await shot(alice, '03-alice-validation-error');
    // The banner takes its room from the message list: the input stays on screen.
    await expectOneScreen(alice, 600);
    expect(await bob.locator('#messages .message').count()).toBe(1);

    // A direct message to bob's personal room, and its notification, across instances.
    await alice.click('#online li[data-user="bob"]');
    await alice.fill('#dm-text', 'a secret for bob');
    await alice.click('#dm-send');
    await bob.locator('#dms li', { hasText: 'a secret for bob' }).waitFor();
    await bob.locator('#notifications li', { hasText: 'Message from alice' }).waitFor();
    await shot(bob, '04-bob-direct-message');

    // Bob closes his page: alice's online list drops him.
    await bob.context().close();
    await alice.locator('#online li[data-user="bob"]').waitFor({ state: 'detached' });
    await shot(alice, '05-alice-after-bob-left');

    expect(pageErrors).toEqual([]);
  }, 45_000);

  it('refreshes an expiring token silently (auth:expired, then auth:refresh in-band)', async () => {
    const carol = await signIn(short, 'carol');
    await carol.click('#rooms li[data-room="general"]');
    await carol.locator('#room-title', { hasText: 'General' }).waitFor();
    const first = await carol.evaluate("sessionStorage.getItem('token')");
    // The 2-second token expires; the page fetches a new one and refreshes both sockets in-band.
    await carol.waitForFunction(`sessionStorage.getItem('token') !== ${JSON.stringify(first)}`);
    await carol.fill('#message-input', 'still here after the refresh');
    await carol.click('#send-button');
    await carol
      .locator('#messages .message', { hasText: 'still here after the refresh' })
      .waitFor();
    expect(await carol.locator('#error').isHidden()).toBe(true);
    await shot(carol, '06-carol-after-silent-refresh');
    expect(pageErrors).toEqual([]);
  }, 20_000);

  it('says once why a private room refuses a non-member: Not allowed to join room "team"', async () => {
    const dave = await signIn(a, 'dave');
    await dave.click('#rooms li[data-room="team"]');
    await dave.locator('#error').waitFor();
    // The server's message alone, not "Not allowed: Not allowed to join room ...".
    expect(await dave.locator('#error').textContent()).toBe('Not allowed to join room "team"');
    await shot(dave, '07-dave-refused-private-room');
    await dave.context().close();
    expect(pageErrors).toEqual([]);
  });

  it('fits a 420 px wide screen: the message column takes the width, the input stays on screen under a banner', async () => {
    const erin = await signIn(a, 'erin', NARROW);
    await erin.click('#rooms li[data-room="general"]');
    // Attached, not visible: in a squeezed column the title has no width; the checks say so.
    await erin.locator('#room-title', { hasText: 'General' }).waitFor({ state: 'attached' });
    await expectOneScreen(erin, 300);
    await shot(erin, '08-erin-narrow');

    // A banner (here a validation error, long enough to wrap) must not push the input away.
    await erin.fill('#message-input', 'x'.repeat(1001));
    await erin.click('#send-button');
    await erin
      .locator('#error', { hasText: 'text must be shorter than or equal to 1000 characters' })
      .waitFor();
    await expectOneScreen(erin, 300);
    await shot(erin, '09-erin-narrow-with-banner');
    await erin.context().close();
    expect(pageErrors).toEqual([]);
  });
});
