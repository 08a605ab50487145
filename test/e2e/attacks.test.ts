// Attacks on the browser side, end to end: the built bundle on a partner site under the strict CSP, the real
// sandbox as the bank, Chromium. Each test names the attack; "nothing exchanged" is checked at the partner's
// exchange endpoints, which really trade codes at the sandbox.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { type _AttackSite, _startAttackSite } from './_attack-site.ts';
import { _launchChromium } from './_browser.ts';
import { _signInAndDecide } from './_demo.ts';

interface _Event {
  type: string;
  id: string;
  detail: Record<string, unknown>;
}

describe('attacks on the widget, end to end against the sandbox', () => {
  let site: _AttackSite;
  let browser: Browser;
  const contexts: BrowserContext[] = [];

  before(async () => {
    site = await _startAttackSite();
    browser = await _launchChromium();
  });
  after(async () => {
    for (const context of contexts) await context.close().catch(() => undefined);
    await browser?.close();
    await site?.close();
  });

  async function _open(
    path: string,
    context?: BrowserContext,
  ): Promise<{ context: BrowserContext; page: Page }> {
    const ctx = context ?? (await browser.newContext());
    if (!context) contexts.push(ctx);
    const page = await ctx.newPage();
    await page.goto(new URL(path, site.url).href);
    await page.locator('flinks-connect').first().waitFor({ state: 'attached' });
    return { context: ctx, page };
  }
  const _button = (page: Page, id?: string) =>
    page.locator(id ? `flinks-connect#${id}` : 'flinks-connect').getByRole('button', { name: /connect/i });
  /** Clicks connect and returns the bank popup. */
  async function _connect(page: Page, id?: string): Promise<Page> {
    const [bank] = await Promise.all([page.waitForEvent('popup'), _button(page, id).click()]);
    await bank.waitForLoadState('domcontentloaded');
    return bank;
  }
  /** The page's events, without `result` (a hostile exchange answer may be too big or deep to bring back). */
  /** Waits until the bank's sign-in page is there (navigating it earlier races its own redirects). */
  const _atBank = (bank: Page) => bank.getByRole('button', { name: 'Sign in' }).waitFor();
  const _events = (page: Page): Promise<_Event[]> =>
    page.evaluate(() =>
      (window as unknown as { events: _Event[] }).events.map((e) => ({
        ...e,
        detail: { ...e.detail, result: e.detail.result === undefined ? undefined : '(in the page)' },
      })),
    );
  async function _until(page: Page, check: (events: _Event[]) => boolean, what: string, ms = 15_000) {
    const end = Date.now() + ms;
    while (Date.now() < end) {
      if (check(await _events(page))) return;
      await page.waitForTimeout(100);
    }
    throw new Error(`never: ${what}\n${JSON.stringify(await _events(page)).slice(0, 2000)}`);
  }
  const _named = (events: _Event[], type: string, id = '') =>
    events.filter((e) => e.type === type && e.id === id);
  const _state = (page: Page, id?: string) =>
    page.locator(id ? `flinks-connect#${id}` : 'flinks-connect').getAttribute('state');
  const _exchangesSince = (start: number) => site.exchanges.slice(start);
  /** The state the element sent to /authorize in its last attempt. */
  const _authorizeState = async (page: Page, id = '') =>
    new URL(String(_named(await _events(page), 'flinks-authorize', id).at(-1)?.detail.url)).searchParams.get(
      'state',
    ) ?? '';

  it('two elements on one page: each gets its own window, and each code goes to its own exchange endpoint', async () => {
    const start = site.exchanges.length;
    const { page } = await _open('/two');
    const bankA = await _connect(page, 'a');
    const bankB = await _connect(page, 'b');
    assert.notEqual(bankA, bankB, 'the second element did not reuse the first one’s window');
    // B's customer finishes first; A's window is still at the bank.
    await _signInAndDecide(bankB, 'Allow');
    await _until(page, (e) => _named(e, 'flinks-success', 'b').length === 1, 'B connected');
    assert.equal(await _state(page, 'a'), 'authorizing');
    assert.equal(bankA.isClosed(), false, 'A’s window stays open');
    await _signInAndDecide(bankA, 'Allow');
    await _until(page, (e) => _named(e, 'flinks-success', 'a').length === 1, 'A connected');
    const events = await _events(page);
    const codeOf = (id: string) => String(_named(events, 'flinks-consent', id)[0]?.detail.code);
    assert.deepEqual(
      _exchangesSince(start).map(({ endpoint, code, status }) => [endpoint, code, status]),
      [
        ['b', codeOf('b'), 200],
        ['a', codeOf('a'), 200],
      ],
    );
    assert.deepEqual(_named(events, 'flinks-error', 'a'), []);
  });

  it('a cancelled attempt’s callback, arriving during the next attempt, is ignored and not exchanged', async () => {
    const start = site.exchanges.length;
    const { page } = await _open('/');
    const first = await _connect(page);
    const cancelledUrl = String(_named(await _events(page), 'flinks-authorize').at(-1)?.detail.url);
    await _atBank(first);
    await page.locator('flinks-connect').getByRole('button', { name: 'Cancel' }).click();
    const current = await _connect(page);
    // The customer finishes at the bank in the cancelled attempt's window anyway, if it is still open (the
    // bank's Cross-Origin-Opener-Policy can sever the handle that close() needs): the callback comes back on
    // the BroadcastChannel.
    if (!first.isClosed()) {
      await _signInAndDecide(first, 'Allow');
      await first.waitForURL(/\/callback\?/);
    }
    // The cancelled attempt's authorization completes in another window of this page (as a popup whose
    // handle COOP severed would): the sandbox issues a real code for the cancelled state.
    const [late] = await Promise.all([
      page.waitForEvent('popup'),
      page.evaluate((href) => void window.open(href, 'late', 'popup'), cancelledUrl),
    ]);
    await _signInAndDecide(late, 'Allow');
    await late.waitForURL(/\/callback\?/);
    await page.waitForTimeout(1000);
    assert.equal(await _state(page), 'authorizing');
    assert.deepEqual(_exchangesSince(start), []);
    assert.equal(current.isClosed(), false);
    assert.deepEqual(_named(await _events(page), 'flinks-consent'), []);
    // The current attempt still finishes.
    await _signInAndDecide(current, 'Allow');
    await _until(page, (e) => _named(e, 'flinks-success').length === 1, 'connected');
    assert.equal(_exchangesSince(start).length, 1);
  });

  it('the partner’s other same-origin OAuth popup is neither closed nor answered, and the bank flow goes on', async () => {
    const start = site.exchanges.length;
    const { page } = await _open('/');
    const bank = await _connect(page);
    const [other] = await Promise.all([
      page.waitForEvent('popup'),
      page.evaluate(
        () => void window.open('/google/callback?code=google-code&state=google-state', 'google', 'popup'),
      ),
    ]);
    await other.waitForLoadState('load');
    await page.waitForTimeout(1500);
    assert.equal(other.isClosed(), false, 'the other popup is left open');
    assert.equal(new URL(other.url()).search, '?code=google-code&state=google-state', 'and untouched');
    assert.equal(await _state(page), 'authorizing');
    assert.deepEqual(_named(await _events(page), 'flinks-error'), []);
    await _signInAndDecide(bank, 'Allow');
    await _until(page, (e) => _named(e, 'flinks-success').length === 1, 'connected');
    assert.equal(_exchangesSince(start).length, 1);
  });

  it('redirect mode leaves the partner’s /google/callback?code=…&state=… alone: no scrubbing, no event', async () => {
    const start = site.exchanges.length;
    const { page } = await _open('/google/callback?code=google-code&state=google-state');
    await page.waitForTimeout(800);
    assert.equal(new URL(page.url()).search, '?code=google-code&state=google-state');
    assert.deepEqual(await _events(page), []);
    assert.equal(await _state(page), 'idle');
    assert.deepEqual(_exchangesSince(start), []);
  });

  it('a forged state in the bank’s popup fails with STATE_MISMATCH, closes that popup and exchanges nothing', async () => {
    const start = site.exchanges.length;
    const { page } = await _open('/');
    const bank = await _connect(page);
    await bank.evaluate(
      (href) => window.location.assign(href),
      `${site.url}/callback?code=stolen&state=forged`,
    );
    await _until(page, (e) => _named(e, 'flinks-error').length === 1, 'an error');
    assert.equal(_named(await _events(page), 'flinks-error')[0]?.detail.code, 'STATE_MISMATCH');
    await bank.waitForEvent('close', { timeout: 5000 }).catch(() => undefined);
    assert.equal(bank.isClosed(), true);
    assert.deepEqual(_exchangesSince(start), []);
  });

  it('a replayed callback (a code and state already used) fails with STATE_MISMATCH, in popup and redirect mode', async () => {
    const start = site.exchanges.length;
    const { page } = await _open('/');
    const bank = await _connect(page);
    await _signInAndDecide(bank, 'Allow');
    await _until(page, (e) => _named(e, 'flinks-success').length === 1, 'connected');
    const consent = _named(await _events(page), 'flinks-consent')[0]?.detail ?? {};
    const used = `${site.url}/callback?code=${consent.code}&state=${consent.state}&iss=${encodeURIComponent(site.sandbox.issuer)}`;
    // Popup: a new attempt's window is sent the used response.
    const again = await _connect(page);
    await _atBank(again);
    await again.evaluate((href) => window.location.assign(href), used);
    await _until(page, (e) => _named(e, 'flinks-error').length === 1, 'an error');
    assert.equal(_named(await _events(page), 'flinks-error')[0]?.detail.code, 'STATE_MISMATCH');
    // Redirect: the used response opened as the redirect-uri page (a shared link, the back button).
    const { page: tab } = await _open(`${used.replace('/callback?', '/callback?mode=redirect&')}`);
    await _until(tab, (e) => _named(e, 'flinks-error').length === 1, 'an error on the redirect page');
    assert.equal(_named(await _events(tab), 'flinks-error')[0]?.detail.code, 'STATE_MISMATCH');
    assert.equal(new URL(tab.url()).searchParams.has('code'), false, 'scrubbed from the address bar');
    assert.deepEqual(
      _exchangesSince(start).map((x) => x.code),
      [consent.code],
      'exchanged once, the first time',
    );
  });

  it('in redirect mode, the used response opened again in the same tab finds its flow gone (one use)', async () => {
    const start = site.exchanges.length;
    const { page } = await _open('/?mode=redirect');
    await _button(page).click();
    await _signInAndDecide(page, 'Allow');
    await page.waitForURL((url) => url.pathname === '/callback');
    await _until(page, (e) => _named(e, 'flinks-success').length === 1, 'connected');
    const consent = _named(await _events(page), 'flinks-consent')[0]?.detail ?? {};
    assert.equal(new URL(page.url()).searchParams.has('code'), false, 'scrubbed');
    // The same tab (same sessionStorage) goes to the used response again: a pasted link, a script.
    await page.goto(
      `${site.url}/callback?mode=redirect&code=${consent.code}&state=${consent.state}&iss=${encodeURIComponent(site.sandbox.issuer)}`,
    );
    await _until(page, (e) => _named(e, 'flinks-error').length === 1, 'an error');
    assert.equal(_named(await _events(page), 'flinks-error')[0]?.detail.code, 'STATE_MISMATCH');
    assert.deepEqual(
      _exchangesSince(start).map((x) => x.code),
      [consent.code],
    );
  });

  it('an expired pending flow fails with FLOW_EXPIRED when the bank answers, and exchanges nothing', async () => {
    const start = site.exchanges.length;
    const { page } = await _open('/');
    const bank = await _connect(page);
    const state = await _authorizeState(page);
    // The customer left the bank's page open for 16 minutes.
    await page.evaluate((key) => {
      const flow = JSON.parse(sessionStorage.getItem(key) ?? '{}');
      flow.created_at -= 16 * 60 * 1000;
      sessionStorage.setItem(key, JSON.stringify(flow));
    }, `flinks-connect:flow:${state}`);
    await _signInAndDecide(bank, 'Allow');
    await _until(page, (e) => _named(e, 'flinks-error').length === 1, 'an error');
    assert.equal(_named(await _events(page), 'flinks-error')[0]?.detail.code, 'FLOW_EXPIRED');
    assert.deepEqual(_exchangesSince(start), []);
  });

  it('a response from another issuer (mix-up, RFC 9207) fails with ISSUER_MISMATCH and exchanges nothing', async () => {
    const start = site.exchanges.length;
    // The element expects another bank's issuer; the sandbox answers with its own iss.
    const { page } = await _open(`/?issuer=${encodeURIComponent('https://other-bank.example')}`);
    const bank = await _connect(page);
    await _signInAndDecide(bank, 'Allow');
    await _until(page, (e) => _named(e, 'flinks-error').length === 1, 'an error');
    const error = _named(await _events(page), 'flinks-error')[0]?.detail ?? {};
    assert.equal(error.code, 'ISSUER_MISMATCH');
    assert.match(String(error.message), /https:\/\/other-bank\.example/);
    // The right issuer, but a forged response naming another: the state is real, the iss is not.
    const { page: second } = await _open('/');
    const bank2 = await _connect(second);
    const state = await _authorizeState(second);
    await _atBank(bank2);
    await bank2.evaluate(
      (href) => window.location.assign(href),
      `${site.url}/callback?code=c&state=${state}&iss=${encodeURIComponent('https://evil.example')}`,
    );
    await _until(second, (e) => _named(e, 'flinks-error').length === 1, 'an error');
    assert.equal(_named(await _events(second), 'flinks-error')[0]?.detail.code, 'ISSUER_MISMATCH');
    assert.deepEqual(_exchangesSince(start), []);
  });

  it('a double click opens one window, starts one attempt and exchanges once', async () => {
    const start = site.exchanges.length;
    const { context, page } = await _open('/');
    const popups: Page[] = [];
    context.on('page', (p) => popups.push(p));
    await _button(page).dblclick();
    await page.waitForTimeout(800);
    assert.equal(popups.length, 1);
    const bank = popups[0] as Page;
    await _signInAndDecide(bank, 'Allow');
    await _until(page, (e) => _named(e, 'flinks-success').length === 1, 'connected');
    assert.equal(_named(await _events(page), 'flinks-open').length, 1);
    assert.equal(_exchangesSince(start).length, 1);
  });

  it('two tabs connecting at once each finish their own flow (the shared channel carries no cross-talk)', async () => {
    const start = site.exchanges.length;
    const { context, page: one } = await _open('/');
    const { page: two } = await _open('/', context);
    const bankOne = await _connect(one);
    const bankTwo = await _connect(two);
    await _signInAndDecide(bankTwo, 'Allow');
    await _until(two, (e) => _named(e, 'flinks-success').length === 1, 'tab two connected');
    assert.equal(await _state(one), 'authorizing');
    await _signInAndDecide(bankOne, 'Allow');
    await _until(one, (e) => _named(e, 'flinks-success').length === 1, 'tab one connected');
    const codes = [two, one].map(async (p) =>
      String(_named(await _events(p), 'flinks-consent')[0]?.detail.code),
    );
    assert.deepEqual(
      _exchangesSince(start).map((x) => x.code),
      await Promise.all(codes),
    );
    for (const p of [one, two]) assert.deepEqual(_named(await _events(p), 'flinks-error'), []);
  });

  it('a slow exchange endpoint: the element waits, a click meanwhile starts nothing, and it connects once', async () => {
    const start = site.exchanges.length;
    const { page } = await _open('/?exchange=/exchange/slow');
    const bank = await _connect(page);
    await _signInAndDecide(bank, 'Allow');
    await _until(page, (e) => _named(e, 'flinks-consent').length === 1, 'consent');
    assert.equal(await _state(page), 'exchanging');
    await _button(page)
      .click({ force: true, timeout: 2000 })
      .catch(() => undefined);
    await _until(page, (e) => _named(e, 'flinks-success').length === 1, 'connected');
    assert.equal(_named(await _events(page), 'flinks-open').length, 1);
    assert.deepEqual(
      _exchangesSince(start).map((x) => [x.endpoint, x.status]),
      [['slow', 200]],
    );
    // With a shorter exchange-timeout the same endpoint ends in EXCHANGE_TIMEOUT, not a hang.
    const { page: hurried } = await _open('/?exchange=/exchange/slow&timeout=800');
    const bank2 = await _connect(hurried);
    await _signInAndDecide(bank2, 'Allow');
    await _until(hurried, (e) => _named(e, 'flinks-error').length === 1, 'a timeout');
    assert.equal(_named(await _events(hurried), 'flinks-error')[0]?.detail.code, 'EXCHANGE_TIMEOUT');
  });

  it('a huge (8 MB) or deeply nested (200,000 levels) exchange answer ends the flow without a hang or crash', async () => {
    for (const endpoint of ['huge', 'deep']) {
      const { page } = await _open(`/?exchange=/exchange/${endpoint}`);
      const crashed: string[] = [];
      page.on('crash', () => crashed.push(endpoint));
      const bank = await _connect(page);
      await _signInAndDecide(bank, 'Allow');
      const started = Date.now();
      await _until(
        page,
        (e) => e.some((x) => x.type === 'flinks-success' || x.type === 'flinks-error'),
        'an end',
      );
      assert.ok(Date.now() - started < 20_000, `${endpoint}: ended in ${Date.now() - started} ms`);
      // Checked in the page: the answer is too big (or too deep) to bring back whole.
      const ok = await page.evaluate((kind) => {
        const events = (window as unknown as { events: _Event[] }).events;
        const result = events.find((e) => e.type === 'flinks-success')?.detail.result as
          | { rows?: unknown[]; deep?: unknown }
          | undefined;
        return kind === 'huge' ? result?.rows?.length === 80_000 : Array.isArray(result?.deep);
      }, endpoint);
      assert.equal(ok, true, `${endpoint}: flinks-success with the whole answer as detail.result`);
      assert.equal(await _state(page), 'connected');
      assert.deepEqual(crashed, []);
    }
  });

  it('a hostile opener on another origin hears nothing from the callback page it opened', async () => {
    // 127.0.0.1 and localhost: the same server, two origins.
    const context = await browser.newContext();
    contexts.push(context);
    const opener = await context.newPage();
    await opener.goto(new URL('/opener', site.url.replace('localhost', '127.0.0.1')).href);
    const [callback] = await Promise.all([
      opener.waitForEvent('popup'),
      opener.evaluate(
        (href) => void window.open(href, 'cb', 'popup'),
        `${site.url}/callback?code=c0de&state=st4te`,
      ),
    ]);
    await callback.waitForLoadState('load');
    await callback.waitForTimeout(1000);
    assert.deepEqual(await opener.evaluate(() => (window as unknown as { heard: unknown[] }).heard), []);
  });

  it('refuses a data: exchange-url with INVALID_CONFIG before any window opens', async () => {
    const { context, page } = await _open(
      `/?exchange=${encodeURIComponent('data:application/json,{"connected":true}')}`,
    );
    const popups: Page[] = [];
    context.on('page', (p) => popups.push(p));
    await _button(page).click();
    await _until(page, (e) => _named(e, 'flinks-error').length === 1, 'an error');
    const error = _named(await _events(page), 'flinks-error')[0]?.detail ?? {};
    assert.equal(error.code, 'INVALID_CONFIG');
    assert.match(String(error.message), /exchange-url .* must use https/);
    assert.deepEqual(popups, []);
    assert.deepEqual(_named(await _events(page), 'flinks-success'), []);
  });

  it('keeps the code, its verifier and the state out of every flinks-event of a whole flow', async () => {
    const { page } = await _open('/');
    const bank = await _connect(page);
    await _signInAndDecide(bank, 'Allow');
    await _until(page, (e) => _named(e, 'flinks-success').length === 1, 'connected');
    const events = await _events(page);
    const consent = _named(events, 'flinks-consent')[0]?.detail ?? {};
    const secrets = [consent.code, consent.code_verifier, consent.state].map(String);
    assert.ok(
      secrets.every((s) => s.length > 10),
      'the consent itself carries them',
    );
    const analytics = _named(events, 'flinks-event');
    assert.deepEqual(
      analytics.map((e) => e.detail.name),
      ['flinks-open', 'flinks-authorize', 'flinks-consent', 'flinks-success'],
    );
    for (const { detail } of analytics) {
      const text = JSON.stringify(detail);
      for (const secret of secrets) assert.ok(!text.includes(secret), `${detail.name} carries ${secret}`);
    }
  });
});
