import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, describe, it } from 'node:test';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { _launchChromium } from './_browser.ts';
import { type _Stack, _signInAndDecide, _startStack } from './_demo.ts';

type _Detail = Record<string, unknown> & { name: string };

/**
 * The cases that used to leave the customer on "Continue in your bank's window" for good: each must show a way
 * on (reopen the bank's window, or cancel) and tell the partner (`flinks-event` `flinks-stalled`, `flinks-exit`).
 */
describe('the widget against the sandbox: nobody is left stuck', () => {
  let stack: _Stack;
  let browser: Browser;

  before(async () => {
    stack = await _startStack();
    browser = await _launchChromium();
  });
  after(async () => {
    await browser?.close();
    await stack?.close();
  });

  /** The demo page with the element's attributes changed, its stall timeout shortened and its events kept. */
  async function _open(
    attributes: Record<string, string> = {},
  ): Promise<{ context: BrowserContext; page: Page }> {
    const context = await browser.newContext();
    const page = await context.newPage();
    await page.goto(stack.demo.url);
    await page.locator('flinks-connect').waitFor();
    await page.evaluate((attributes) => {
      const el = document.querySelector('flinks-connect') as HTMLElement;
      for (const [name, value] of Object.entries(attributes)) el.setAttribute(name, value);
      const timings = (customElements.get('flinks-connect') as unknown as { timings: Record<string, number> })
        .timings;
      Object.assign(timings, { poll: 100, stalled: 2000 });
      const events: unknown[] = [];
      (window as unknown as { _events: unknown[] })._events = events;
      document.addEventListener('flinks-event', (event) => events.push((event as CustomEvent).detail));
    }, attributes);
    return { context, page };
  }
  const events = (page: Page) => page.evaluate(() => (window as unknown as { _events: _Detail[] })._events);
  const names = async (page: Page) => (await events(page)).map((e) => e.name);
  const connect = (page: Page) => page.getByRole('button', { name: /connect/i }).click();
  const reopen = (page: Page) => page.getByRole('button', { name: 'Reopen the bank’s window' });
  const cancel = (page: Page) => page.locator('flinks-connect').getByRole('button', { name: 'Cancel' });

  /** The bank's own error page, which never sends the customer back: the way on shows after the timeout. */
  async function _stallsOnTheBanksErrorPage(page: Page): Promise<Page> {
    const [bank] = await Promise.all([page.waitForEvent('popup'), connect(page)]);
    await bank.waitForLoadState('domcontentloaded');
    assert.equal(await reopen(page).count(), 0, 'no reopen before the timeout');
    await reopen(page).waitFor({ timeout: 10_000 });
    await cancel(page).waitFor();
    await page.getByText(/Reopen it or cancel/).waitFor();
    const stalled = (await events(page)).find((e) => e.name === 'flinks-stalled');
    assert.equal(stalled?.reason, 'no_callback');
    assert.ok(!new URL(bank.url()).pathname.startsWith('/callback'), 'the bank never sent the customer back');
    return bank;
  }

  it('offers reopen or cancel when the bank shows its error page for an unknown client id; cancel ends it', async () => {
    const { context, page } = await _open({ 'client-id': 'dc-not-registered' });
    const bank = await _stallsOnTheBanksErrorPage(page);
    await cancel(page).click();
    await page.getByText('Connection cancelled.').waitFor();
    const exit = (await events(page)).find((e) => e.name === 'flinks-exit');
    assert.equal(exit?.reason, 'cancelled');
    await bank.waitForEvent('close', { timeout: 5000 }).catch(() => undefined);
    assert.equal(bank.isClosed(), true, 'the bank’s error page was closed');
    await context.close();
  });

  it('offers reopen or cancel when the bank refuses an unregistered redirect URI; reopen opens a new window', async () => {
    const { context, page } = await _open({
      'redirect-uri': new URL('/not-registered', stack.demo.url).href,
    });
    const bank = await _stallsOnTheBanksErrorPage(page);
    const [again] = await Promise.all([page.waitForEvent('popup'), reopen(page).click()]);
    await again.waitForLoadState('domcontentloaded');
    assert.deepEqual((await names(page)).slice(-3), ['flinks-exit', 'flinks-open', 'flinks-authorize']);
    assert.equal((await events(page)).find((e) => e.name === 'flinks-exit')?.reason, 'closed');
    assert.equal(bank.isClosed(), true, 'the stalled window was closed');
    await context.close();
  });

  it('offers reopen or cancel when the bank is down and its window shows the browser’s error page', async () => {
    const down = createServer();
    await new Promise<void>((resolve) => down.listen(0, '127.0.0.1', resolve));
    const port = (down.address() as AddressInfo).port;
    await new Promise((resolve) => down.close(resolve));
    const { context, page } = await _open({ 'authorize-url': `http://127.0.0.1:${port}/api/v1/authorize` });
    await _stallsOnTheBanksErrorPage(page);
    await context.close();
  });

  it('offers reopen or cancel at once when the bank’s window is closed within seconds, and reopen connects', async () => {
    const { context, page } = await _open();
    const [bank] = await Promise.all([page.waitForEvent('popup'), connect(page)]);
    await bank.close();
    await reopen(page).waitFor({ timeout: 5000 });
    await cancel(page).waitFor();
    assert.equal((await events(page)).find((e) => e.name === 'flinks-stalled')?.reason, 'window_lost');
    const [again] = await Promise.all([page.waitForEvent('popup'), reopen(page).click()]);
    await _signInAndDecide(again, 'Allow');
    await page.getByText(/Connected: \d+ accounts? shared/).waitFor({ timeout: 15_000 });
    await context.close();
  });

  it('offers reopen or cancel when Cross-Origin-Opener-Policy severs the handle, and still connects on the channel', async () => {
    // A bank page served with COOP: same-origin, that then goes on to the sandbox's /authorize: Chromium puts it
    // in a browsing context group of its own, so the element's handle reads closed at once.
    const coop: Server = createServer((request, response) => {
      const target = new URL(stack.sandbox.authorizeUrl);
      target.search = new URL(request.url ?? '/', 'http://x').search;
      response
        .writeHead(200, { 'Content-Type': 'text/html', 'Cross-Origin-Opener-Policy': 'same-origin' })
        .end(
          `<!doctype html><title>Bank</title><script>setTimeout(() => location.replace(${JSON.stringify(target.href)}), 300)</script>`,
        );
    });
    await new Promise<void>((resolve) => coop.listen(0, '127.0.0.1', resolve));
    try {
      const { context, page } = await _open({
        'authorize-url': `http://127.0.0.1:${(coop.address() as AddressInfo).port}/api/v1/authorize`,
      });
      const opened = context.waitForEvent('page');
      await connect(page);
      const bank = await opened;
      await reopen(page).waitFor({ timeout: 5000 });
      await cancel(page).waitFor();
      assert.equal((await events(page)).find((e) => e.name === 'flinks-stalled')?.reason, 'window_lost');
      assert.equal(await page.locator('flinks-connect').getAttribute('state'), 'authorizing');
      await bank.waitForURL((url) => url.href.startsWith(stack.sandbox.url), { timeout: 10_000 });
      await _signInAndDecide(bank, 'Allow');
      await page.getByText(/Connected: \d+ accounts? shared/).waitFor({ timeout: 15_000 });
      await context.close();
    } finally {
      coop.close();
    }
  });
});
