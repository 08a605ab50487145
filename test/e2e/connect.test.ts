import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { after, before, describe, it } from 'node:test';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { DEMO_CLIENT } from '../demo/client.ts';
import { _launchChromium } from './_browser.ts';
import {
  type _Recorder,
  _record,
  type _Stack,
  _signInAndDecide,
  _startStack,
  WIDGET_BUNDLE,
} from './_demo.ts';

describe('connecting a bank on the demo partner site (popup mode)', () => {
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

  async function _open(): Promise<{ context: BrowserContext; page: Page; recorder: _Recorder }> {
    const context = await browser.newContext();
    const recorder = _record(context);
    const page = await context.newPage();
    await page.goto(stack.demo.url);
    return { context, page, recorder };
  }

  it('connects Flinks Capital in the popup and shows the accounts the server read', async () => {
    const { context, page, recorder } = await _open();
    const exchangesBefore = stack.demo.exchanges.length;
    const [bank] = await Promise.all([
      page.waitForEvent('popup'),
      page.getByRole('button', { name: /connect/i }).click(),
    ]);
    // Listening before the click that ends the bank's part: its window may close before a later listener exists.
    const closed = bank.waitForEvent('close', { timeout: 20_000 });
    await _signInAndDecide(bank, 'Allow');
    await closed;

    await page.getByText(/Connected: \d+ accounts? shared/).waitFor({ timeout: 15_000 });
    const rows = page.locator('#accounts tbody tr');
    assert.ok((await rows.count()) >= 2, 'the sandbox customer has several accounts');
    assert.match(((await rows.first().textContent()) ?? '').replace(/\s+/g, ' '), /ending in •••• \d{4}/);
    assert.deepEqual(
      stack.demo.exchanges.slice(exchangesBefore).map((e) => e.status),
      [200],
      'exactly one exchange, and it succeeded',
    );
    const log = await page.locator('#log').textContent();
    for (const name of ['flinks-open', 'flinks-authorize', 'flinks-consent', 'flinks-success']) {
      assert.ok(log?.includes(name), `${name} was emitted`);
    }

    const sent = recorder.requests;
    assert.ok(
      sent.some((r) => r.includes('/api/v1/authorize')),
      'the browser went to /authorize',
    );
    assert.ok(
      sent.some((r) => r.includes('/api/flinks/exchange')),
      'the browser posted the exchange',
    );
    for (const request of sent) {
      assert.ok(
        !request.includes(DEMO_CLIENT.client_secret),
        `no request carries the client secret: ${request}`,
      );
      assert.ok(!/client_secret/.test(request), `no request names a client_secret: ${request.slice(0, 200)}`);
    }
    assert.deepEqual(recorder.violations, [], 'no CSP or Trusted Types violation under the strict CSP');
    await context.close();
  });

  it('emits flinks-exit with access_denied when the user refuses, and exchanges nothing', async () => {
    const { context, page, recorder } = await _open();
    const exchangesBefore = stack.demo.exchanges.length;
    const [bank] = await Promise.all([
      page.waitForEvent('popup'),
      page.getByRole('button', { name: /connect/i }).click(),
    ]);
    // Listening before the click that ends the bank's part: its window may close before a later listener exists.
    const closed = bank.waitForEvent('close', { timeout: 20_000 });
    await _signInAndDecide(bank, 'Deny');
    await closed;

    await page.getByText(/Not connected \(access_denied\)/).waitFor({ timeout: 10_000 });
    const log = (await page.locator('#log').textContent()) ?? '';
    assert.match(log, /flinks-exit .*"error":"access_denied"/);
    assert.doesNotMatch(log, /flinks-consent|flinks-success/);
    assert.equal(stack.demo.exchanges.length, exchangesBefore, 'nothing was exchanged');
    assert.ok(!recorder.requests.some((r) => r.includes('/api/flinks/exchange')));
    await context.close();
  });

  it('ships a widget bundle that holds no client secret', async () => {
    const bundle = await readFile(WIDGET_BUNDLE, 'utf8');
    assert.ok(bundle.length > 1000, 'the bundle was built');
    assert.ok(!bundle.includes(DEMO_CLIENT.client_secret));
    assert.doesNotMatch(bundle, /client_secret\s*[:=]/);
  });
});

describe('the demo partner site on a 320 px phone, in English and French', () => {
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

  /**
   * Connects on a 320 px wide page and returns the page, the account names the bank's consent page listed, and
   * every console error, page error and failed request (a missing favicon is one).
   */
  async function _connectOnPhone(lang: 'en' | 'fr') {
    const context = await browser.newContext({
      viewport: { width: 320, height: 640 },
      locale: lang === 'fr' ? 'fr-CA' : 'en-CA',
    });
    const problems: string[] = [];
    context.on('console', (m) => {
      if (m.type() === 'error') problems.push(`console: ${m.text()}`);
    });
    context.on('weberror', (e) => problems.push(`page error: ${e.error().message}`));
    context.on('response', (r) => {
      if (r.status() >= 400) problems.push(`${r.status()} ${r.url()}`);
    });
    const page = await context.newPage();
    await page.goto(`${stack.demo.url}${lang === 'fr' ? '?lang=fr' : ''}`);
    const [bank] = await Promise.all([
      page.waitForEvent('popup'),
      page.getByRole('button', { name: /connect/i }).click(),
    ]);
    await bank.waitForLoadState('domcontentloaded');
    const user =
      lang === 'fr'
        ? { username: 'bonjour', password: 'toutlemonde', signIn: 'Se connecter', allow: 'Autoriser' }
        : { username: 'greatday', password: 'everyday', signIn: 'Sign in', allow: 'Allow' };
    await bank.getByLabel(/username|nom d'utilisateur/i).fill(user.username);
    await bank.getByLabel(/password|mot de passe/i).fill(user.password);
    await bank.getByRole('button', { name: user.signIn }).click();
    await bank.getByRole('button', { name: user.allow }).waitFor();
    // "Everyday Chequing (****1234)": the name before the masked number.
    const consented = (await bank.locator('fieldset label').allTextContents()).map((label) =>
      label.replace(/\s*\([^)]*\)$/, ''),
    );
    const closed = bank.waitForEvent('close', { timeout: 20_000 });
    await bank.getByRole('button', { name: user.allow }).click();
    await closed;
    await page.locator('#accounts tbody tr').first().waitFor({ timeout: 15_000 });
    return { context, page, consented, problems };
  }

  async function _cells(page: Page, column: number): Promise<string[]> {
    return page.locator(`#accounts tbody td:nth-child(${column})`).allTextContents();
  }

  for (const lang of ['en', 'fr'] as const) {
    it(`fits 320 px without sideways scrolling and logs no error (${lang})`, async () => {
      const { context, page, problems } = await _connectOnPhone(lang);
      const widths = await page.evaluate(() => ({
        scroll: document.documentElement.scrollWidth,
        client: document.documentElement.clientWidth,
      }));
      assert.ok(
        widths.scroll <= widths.client,
        `page ${widths.scroll} px wide in a ${widths.client} px window`,
      );
      assert.deepEqual(problems, []);
      await context.close();
    });
  }

  it('names each account as the bank’s consent page did, with its type and number for people (en-CA)', async () => {
    const { context, page, consented } = await _connectOnPhone('en');
    assert.equal(
      await page.locator('#status').textContent(),
      `Connected: ${consented.length} accounts shared.`,
    );
    assert.deepEqual(await _cells(page, 1), consented, 'the names the customer saw at the bank');
    const types = await _cells(page, 2);
    assert.ok(types.includes('Line of credit') && types.includes('Chequing'), types.join(', '));
    for (const type of types) assert.doesNotMatch(type, /^[A-Z]+$/, 'no FDX enum shown');
    for (const number of await _cells(page, 3)) assert.match(number, /^ending in •••• \d{4}$/);
    for (const amount of await _cells(page, 4)) assert.match(amount, /^-?\$[\d,]+\.\d{2}$/);
    await context.close();
  });

  it('shows the page, the types, the amounts and the plural in French (fr-CA)', async () => {
    const { context, page, consented } = await _connectOnPhone('fr');
    assert.equal(await page.getAttribute('html', 'lang'), 'fr');
    assert.equal(
      await page.locator('#status').textContent(),
      `Connecté\u202f: ${consented.length} comptes partagés.`,
    );
    assert.deepEqual(await _cells(page, 1), consented);
    const types = await _cells(page, 2);
    assert.ok(types.includes('Marge de crédit') && types.includes('Chèques'), types.join(', '));
    for (const number of await _cells(page, 3)) assert.match(number, /^se terminant par •••• \d{4}$/);
    // fr-CA: a no-break space groups thousands, a comma for decimals, the $ after.
    for (const amount of await _cells(page, 4)) assert.match(amount, /^-?[\d\u00a0\u202f]+,\d{2}\u00a0\$$/);
    await context.close();
  });
});
