// The operator console on a two-instance cluster (two Nest apps in their own processes on one
// Redis), used as an operator does: admin-ui's page served by instance A, in Debian's Chromium.
import { mkdirSync, statSync } from 'node:fs';
import { launchChromium } from '../kit/browser.js';
import { join } from 'node:path';
import { hostname } from 'node:os';
import type { Browser, Page } from 'playwright-core';
import { Manager, type Socket } from 'socket.io-client';
import { ask, connected, once } from '../kit/events.js';
import { AppInstance, startAll } from '../kit/instance.js';
import { deletePrefix, REDIS_URL, uniquePrefix } from '../kit/redis.js';
import { signToken, TEST_SECRET } from '../kit/tokens.js';
import {
  ADMIN_AUTH,
  ADMIN_PASSWORD,
  ADMIN_USERNAME,
  type ConsoleSocket,
  consoleClient,
  type ServerStats,
} from './console-kit.js';

const ARTIFACTS = join(import.meta.dirname, 'artifacts');

describe('the operator console on a two-instance cluster, in Chromium', () => {
  const keyPrefix = uniquePrefix('admin-console');
  let a: AppInstance;
  let b: AppInstance;
  let browser: Browser;
  let alice: Socket;
  let bob: Socket;
  const pageErrors: string[] = [];

  beforeAll(async () => {
    mkdirSync(ARTIFACTS, { recursive: true });
    const realtime = {
      auth: { secret: TEST_SECRET },
      redis: { url: REDIS_URL, keyPrefix },
      admin: { auth: ADMIN_AUTH },
    };
    [a, b] = await startAll([AppInstance.start({ realtime }), AppInstance.start({ realtime })]);
    [alice, bob] = await Promise.all([
      a.connect('/cluster', { auth: { token: signToken({ sub: 'alice' }) } }),
      b.connect('/cluster', { auth: { token: signToken({ sub: 'bob' }) } }),
    ]);
    await Promise.all([
      ask(alice, 'join', { room: 'ops-demo' }),
      ask(bob, 'join', { room: 'ops-demo' }),
    ]);
    browser = await launchChromium();
  }, 30_000);

  afterAll(async () => {
    await browser?.close();
    await Promise.all([a?.stop(), b?.stop()]);
    await deletePrefix(keyPrefix);
  });

  /** admin-ui's page from instance A, in a fresh browser context (empty localStorage). */
  async function openConsole(name: string): Promise<Page> {
    const context = await browser.newContext({ viewport: { width: 1280, height: 800 } });
    const page = await context.newPage();
    // A locator that never matches fails with its name, well before the test's own timeout.
    page.setDefaultTimeout(10_000);
    page.on('pageerror', (error) => pageErrors.push(`${name}: ${error.message}`));
    // A request the page's policy (CSP) blocks shows up here too.
    page.on('console', (message) => {
      if (message.type() === 'error') pageErrors.push(`${name}: console: ${message.text()}`);
    });
    await page.goto(`${a.url}/realtime-admin/`);
    // The page tries this server at once, with no session: it shows its login form, no error.
    await page.getByLabel('Server URL').waitFor();
    return page;
  }

  async function logIn(page: Page, password: string): Promise<void> {
    expect(await page.getByLabel('Server URL').inputValue()).toBe(a.url);
    await page.getByLabel('Username').fill(ADMIN_USERNAME);
    await page.getByLabel('Password').fill(password);
    await page.getByRole('button', { name: 'Connect' }).click();
  }

  /** The connection status the page's header shows ("connected" / "disconnected"). */
  function status(page: Page) {
    return page.locator('header .v-chip__content').first();
  }

  async function shot(page: Page, name: string): Promise<string> {
    const path = join(ARTIFACTS, `${name}.png`);
    await page.screenshot({ path, fullPage: true, animations: 'disabled' });
    expect(statSync(path).size).toBeGreaterThan(0);
    return path;
  }

  /** Picks a namespace in the page's "Select namespace" menu (sockets and rooms views). */
  async function selectNamespace(page: Page, name: string): Promise<void> {
    await page.locator('.v-select').filter({ hasText: 'Select namespace' }).click();
    await page.locator('.v-menu__content .v-list-item', { hasText: name }).click();
  }

  it('logs in on instance A and lists the sockets of both instances, each with its user id (screenshots)', async () => {
    const page = await openConsole('operator');
    await expect(page.locator('.v-dialog .red--text').count()).resolves.toBe(0);
    await shot(page, '00-login');
    await logIn(page, ADMIN_PASSWORD);
    await status(page)
      .filter({ hasText: /^\s*connected\s*$/i })
      .waitFor();

    // Both instances report to the console connected to A (through the Redis adapter).
    await page.goto(`${a.url}/realtime-admin/#/servers`);
    for (const instance of [a, b]) {
      await page.locator('tbody tr', { hasText: `${hostname()}#${instance.pid}` }).waitFor();
    }
    await shot(page, '01-servers');

    // The sockets of /cluster: alice's on A, bob's on B, with no action offered (read-only).
    await page.goto(`${a.url}/realtime-admin/#/sockets`);
    await selectNamespace(page, '/cluster');
    await page.locator('tbody tr', { hasText: alice.id! }).waitFor();
    await page.locator('tbody tr', { hasText: bob.id! }).waitFor();
    // A socket that connects to B now shows up live.
    const carol = await b.connect('/cluster', { auth: { token: signToken({ sub: 'carol' }) } });
    await page.locator('tbody tr', { hasText: carol.id! }).waitFor();
    expect(await page.locator('tbody tr td.text-end button').count()).toBe(0);
    await shot(page, '02-sockets-of-both-instances');

    // Each socket's details show its user id (socket.data.identity), wherever it is connected.
    for (const [socket, user] of [
      [bob, 'bob'],
      [alice, 'alice'],
    ] as const) {
      await page.goto(`${a.url}/realtime-admin/#/sockets`);
      await page.locator('tbody tr', { hasText: socket.id! }).click();
      const data = page.locator('pre code').first();
      await data.filter({ hasText: `"userId": "${user}"` }).waitFor();
      expect(JSON.parse(await data.innerText())).toMatchObject({
        identity: { userId: user },
        user: { sub: user },
      });
      await page.locator('td', { hasText: 'ops-demo' }).waitFor();
      await page.locator('td', { hasText: `user:${user}` }).waitFor();
      if (user === 'bob') await shot(page, '03-socket-details-bob-on-instance-B');
    }

    // The room both joined, one member on each instance.
    await page.goto(`${a.url}/realtime-admin/#/rooms`);
    await page.locator('tbody tr', { hasText: 'ops-demo' }).filter({ hasText: '2' }).waitFor();
    await shot(page, '04-rooms');
    expect(pageErrors).toEqual([]);
    await page.context().close();
  });

  it('refuses a wrong password: the page says so and stays disconnected (screenshot)', async () => {
    const page = await openConsole('wrong-password');
    await logIn(page, 'not the password');
    await page.locator('.v-dialog .red--text', { hasText: 'Invalid credentials' }).waitFor();
    await expect(status(page).innerText()).resolves.toMatch(/disconnected/i);
    await shot(page, '05-wrong-password');
    expect(pageErrors).toEqual([]);
    await page.context().close();
  });

  it('is read-only on every instance: no action offered, one sent anyway is ignored', async () => {
    for (const instance of [a, b]) {
      const admin = consoleClient(instance.url);
      const config = once<{ supportedFeatures: string[] }>(admin, 'config');
      const stats = once<ServerStats>(admin, 'server_stats');
      await connected(admin);
      expect((await config).supportedFeatures.sort()).toEqual(['AGGREGATED_EVENTS', 'ALL_EVENTS']);
      expect((await stats).pid).toEqual(expect.any(Number));
      admin.disconnect();
    }
    // Disconnect every socket of /cluster, sent to B on the connection of one of them: B reads
    // the console's packet first, and the socket still answers after it.
    const manager = new Manager(b.url, { transports: ['websocket'], reconnection: false });
    const admin = manager.socket('/admin', {
      auth: { username: ADMIN_USERNAME, password: ADMIN_PASSWORD },
    });
    const dave = manager.socket('/cluster', { auth: { token: signToken({ sub: 'dave' }) } });
    await Promise.all([connected(admin), connected(dave)]);
    admin.emit('_disconnect', '/cluster', true);
    admin.emit('join', '/cluster', 'taken-over', dave.id);
    await expect(ask(dave, 'rooms', {})).resolves.toEqual(['user:dave']);
    expect(alice.connected && bob.connected).toBe(true);
    manager._close();
  });

  it("lists through one instance what the other holds: all_sockets from A has B's sockets", async () => {
    const admin = consoleClient(a.url);
    const sockets = once<ConsoleSocket[]>(admin, 'all_sockets');
    await connected(admin);
    const listed = await sockets;
    expect(listed.find((s) => s.id === bob.id)).toMatchObject({
      nsp: '/cluster',
      data: { identity: { userId: 'bob' } },
    });
    expect(listed.find((s) => s.id === alice.id)).toMatchObject({
      data: { identity: { userId: 'alice' } },
    });
    admin.disconnect();
  });
});
