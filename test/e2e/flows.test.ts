import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, describe, it } from 'node:test';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { _launchChromium } from './_browser.ts';
import { type _Recorder, _record, type _Stack, _signInAndDecide, _startStack } from './_demo.ts';

describe('the widget against the sandbox: every way a flow can go', () => {
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

  async function _open(
    path = '',
    on = browser,
  ): Promise<{ context: BrowserContext; page: Page; recorder: _Recorder }> {
    const context = await on.newContext();
    const recorder = _record(context);
    const page = await context.newPage();
    await page.goto(new URL(path, stack.demo.url).href);
    return { context, page, recorder };
  }
  const connect = (page: Page) => page.getByRole('button', { name: /connect/i }).click();
  const exchanged = () => stack.demo.exchanges.length;

  it('connects in redirect mode, scrubs code and state from the address bar, and exchanges once even if reloaded', async () => {
    const { context, page, recorder } = await _open('/?mode=redirect');
    const before = exchanged();
    await connect(page);
    await page.waitForURL(
      (url) => url.pathname.endsWith('/api/v1/authorize') || url.pathname.includes('/interaction/'),
    );
    await _signInAndDecide(page, 'Allow');
    await page.getByText(/Connected: \d+ accounts? shared/).waitFor({ timeout: 15_000 });
    const url = new URL(page.url());
    assert.equal(url.pathname, '/callback');
    assert.equal(url.searchParams.has('code'), false, 'code removed from the address bar');
    assert.equal(url.searchParams.has('state'), false, 'state removed from the address bar');
    assert.equal(exchanged() - before, 1);

    await page.reload();
    await page.locator('flinks-connect').waitFor();
    await page.waitForTimeout(500);
    assert.equal(exchanged() - before, 1, 'a reload does not exchange again');
    assert.deepEqual(recorder.violations, []);
    await context.close();
  });

  it('lets the customer pick a bank in the picker, then connects that bank', async () => {
    const { context, page } = await _open('/?picker');
    const before = exchanged();
    await connect(page);
    await page
      .getByRole('searchbox')
      .or(page.getByRole('combobox'))
      .or(page.getByLabel(/search/i))
      .first()
      .fill('prairie');
    const option = page.getByText('Northern Prairie Credit Union');
    await option.waitFor();
    assert.equal(
      await page.getByText('Flinks Capital', { exact: true }).count(),
      0,
      'the search filtered the list',
    );
    const [bank] = await Promise.all([page.waitForEvent('popup'), option.click()]);
    await _signInAndDecide(bank, 'Allow');
    await page.getByText(/Connected: \d+ accounts? shared/).waitFor({ timeout: 15_000 });
    const log = (await page.locator('#log').textContent()) ?? '';
    assert.match(log, /flinks-select-provider .*"provider_id":"1002"/);
    assert.match(log, /flinks-success .*"provider_id":"1002"/);
    assert.equal(exchanged() - before, 1);
    await context.close();
  });

  it('emits flinks-exit with reason "closed" when the customer closes the bank popup', async () => {
    const { context, page } = await _open();
    const before = exchanged();
    const [bank] = await Promise.all([page.waitForEvent('popup'), connect(page)]);
    await bank.getByRole('button', { name: 'Sign in' }).waitFor();
    // A person reads the bank's page before giving up; a handle that reads closed at once is taken for a
    // popup severed by Cross-Origin-Opener-Policy (the callback then comes back on the BroadcastChannel).
    await bank.waitForTimeout(3500);
    await bank.close();
    await page.getByText('Not connected (closed).').waitFor({ timeout: 10_000 });
    assert.match((await page.locator('#log').textContent()) ?? '', /flinks-exit .*"reason":"closed"/);
    assert.equal(exchanged(), before);
    await context.close();
  });

  it('rejects a forged callback in the popup with STATE_MISMATCH and exchanges nothing', async () => {
    const { context, page } = await _open();
    const before = exchanged();
    const [bank] = await Promise.all([page.waitForEvent('popup'), connect(page)]);
    await bank.getByRole('button', { name: 'Sign in' }).waitFor();
    // An attacker's redirect instead of the bank's: a code with a state this browser never issued.
    // (Navigated from the page, as a redirect would: an address-bar navigation would sever the opener.)
    const forged = new URL('/callback?code=stolen-code&state=forged-state', stack.demo.url).href;
    await bank.evaluate((href) => window.location.assign(href), forged);
    await page.getByText(/Something went wrong/).waitFor({ timeout: 10_000 });
    assert.match((await page.locator('#log').textContent()) ?? '', /flinks-error .*"code":"STATE_MISMATCH"/);
    assert.equal(exchanged(), before);
    await context.close();
  });

  it('rejects a forged callback on the redirect page with STATE_MISMATCH and exchanges nothing', async () => {
    const before = exchanged();
    const { context, page } = await _open('/callback?mode=redirect&code=stolen-code&state=forged-state');
    await page.getByText(/Something went wrong/).waitFor({ timeout: 10_000 });
    assert.match((await page.locator('#log').textContent()) ?? '', /flinks-error .*"code":"STATE_MISMATCH"/);
    assert.equal(exchanged(), before);
    await context.close();
  });

  /** Serves a partner page that holds the demo in a frame sandboxed without allow-popups. */
  async function _framePage(host: string): Promise<{ url: string; close(): void }> {
    const outer = createServer((_request, response) =>
      response
        .writeHead(200, { 'Content-Type': 'text/html' })
        .end(
          `<!doctype html><title>Partner frame</title><iframe title="Partner" sandbox="allow-scripts allow-same-origin allow-forms" width="900" height="700" src="${stack.demo.url}"></iframe>`,
        ),
    );
    await new Promise<void>((resolve) => outer.listen(0, '127.0.0.1', resolve));
    return { url: `http://${host}:${(outer.address() as AddressInfo).port}/`, close: () => outer.close() };
  }

  async function _clickInFrame(page: Page): Promise<string[]> {
    const errors: string[] = [];
    await page.exposeFunction('_flinksError', (code: string) => errors.push(code));
    const frame = page.frames().find((f) => f !== page.mainFrame());
    assert.ok(frame, 'the partner frame loaded');
    await frame.locator('flinks-connect').waitFor({ state: 'attached' });
    await frame.evaluate(() =>
      document.addEventListener('flinks-error', (event) =>
        (window as unknown as { _flinksError(code: string): void })._flinksError(
          (event as CustomEvent).detail.code,
        ),
      ),
    );
    await frame.getByRole('button', { name: /connect/i }).click();
    return errors;
  }

  it('reports POPUP_BLOCKED when the browser blocks the popup, then falls back to a redirect to /authorize', async () => {
    // A real block: the partner's page sits in a frame whose sandbox has no allow-popups, so Chromium refuses
    // window.open. The fallback then sends that frame to /authorize. (The bank's pages refuse to be framed, as
    // real banks' do, so the flow stops there; redirect mode's own test follows a redirect to the end.)
    const outer = await _framePage('localhost');
    const { context, page, recorder } = await _open(outer.url);
    try {
      const blocked: string[] = [];
      page.on('console', (message) => {
        if (/Blocked opening .* in a new window/.test(message.text())) blocked.push(message.text());
      });
      const before = exchanged();
      const errors = await _clickInFrame(page);
      const authorize = `GET ${stack.sandbox.authorizeUrl}?`;
      for (let i = 0; i < 100 && !recorder.requests.some((r) => r.startsWith(authorize)); i++) {
        await page.waitForTimeout(100);
      }
      assert.equal(blocked.length, 1, 'Chromium blocked the popup');
      assert.deepEqual(errors, ['POPUP_BLOCKED']);
      const request = recorder.requests.find((r) => r.startsWith(authorize));
      assert.ok(request, 'the frame went to /authorize');
      const url = new URL(request.split(/\s/)[1] as string);
      assert.equal(url.searchParams.get('code_challenge_method'), 'S256');
      assert.equal(url.searchParams.get('provider_id'), '1000');
      assert.equal(exchanged(), before);
    } finally {
      await context.close();
      outer.close();
    }
  });

  it('fails with a clear error, not a hang, in a third-party frame whose storage the browser denies', async () => {
    // 127.0.0.1 around localhost: another site, so Chromium denies the frame its sessionStorage.
    const outer = await _framePage('127.0.0.1');
    const { context, page, recorder } = await _open(outer.url);
    try {
      const errors = await _clickInFrame(page);
      for (let i = 0; i < 50 && errors.length < 2; i++) await page.waitForTimeout(100);
      assert.deepEqual(errors, ['POPUP_BLOCKED', 'AUTHORIZATION_FAILED']);
      const frame = page.frames().find((f) => f !== page.mainFrame());
      assert.equal(await frame?.locator('flinks-connect').getAttribute('state'), 'error');
      assert.ok(
        !recorder.requests.some((r) => r.includes('/api/v1/authorize')),
        'no flow it could not finish',
      );
    } finally {
      await context.close();
      outer.close();
    }
  });

  it('says to serve the page over https when it is not a secure context, and starts nothing', async () => {
    // A non-loopback host over plain http: no Web Crypto, so no PKCE.
    const insecure = await _launchChromium({ args: ['--host-resolver-rules=MAP partner.test 127.0.0.1'] });
    try {
      const page = await insecure.newPage();
      const requests: string[] = [];
      page.on('request', (r) => requests.push(r.url()));
      await page.goto(`http://partner.test:${new URL(stack.demo.url).port}/`);
      assert.equal(await page.evaluate(() => isSecureContext), false);
      await connect(page);
      await page.getByText(/Something went wrong: Serve this page over https/).waitFor({ timeout: 5000 });
      assert.match(
        (await page.locator('#log').textContent()) ?? '',
        /flinks-error .*"code":"INVALID_CONFIG"/,
      );
      assert.ok(!requests.some((url) => url.startsWith(stack.sandbox.url)), 'nothing went to the bank');
    } finally {
      await insecure.close();
    }
  });
});
