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
    await _signInAndDecide(bank, 'Allow');
    await bank.waitForEvent('close', { timeout: 10_000 });

    await page.getByText(/Connected: \d+ account\(s\) shared/).waitFor({ timeout: 15_000 });
    const rows = page.locator('#accounts tbody tr');
    assert.ok((await rows.count()) >= 2, 'the sandbox customer has several accounts');
    assert.match(((await rows.first().textContent()) ?? '').replace(/\s+/g, ' '), /\*{2,}\d{4}/);
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
    await _signInAndDecide(bank, 'Deny');
    await bank.waitForEvent('close', { timeout: 10_000 });

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
