/**
 * The companion extension, built with a configuration pointing at the sandbox and loaded unpacked in Chromium,
 * runs the whole flow from its popup: `<flinks-connect>`'s picker, the bank's window opened by the background with
 * `identity.launchWebAuthFlow`, the code sent to a partner server built with the server kit. The suite builds the
 * extension itself (no `npm run build` needed) and starts its own sandbox and partner server on 127.0.0.1.
 */
import assert from 'node:assert/strict';
import { rm } from 'node:fs/promises';
import { after, afterEach, before, describe, it } from 'node:test';
import type { Page } from 'playwright-core';
import { type Sandbox, startSandbox } from '../sandbox/index.ts';
import {
  _axe,
  _badge,
  _buildExtension,
  _loadExtension,
  _request,
  _signIn,
  _signInAndDecide,
  _startPartner,
  type LoadedExtension,
  type PartnerServer,
} from './_extension.ts';

const CLIENT = {
  client_id: 'dc-extension-e2e',
  client_secret: 'extension-e2e-client-secret-0123456789',
  kind: 'recipient' as const,
  active_providers: [1000],
};

type Outcome = { type: string; code?: string; message?: string; reason?: string; result?: unknown };
interface State {
  connections: { provider_id: string; provider_name?: string; result: unknown }[];
  pending?: unknown;
  last?: { outcome: Outcome };
}
interface Recorded {
  name: string;
  detail: Record<string, unknown>;
}

describe('the companion extension (Chromium, unpacked build) against the sandbox', () => {
  let sandbox: Sandbox;
  let partner: PartnerServer;
  let ext: LoadedExtension;
  let dir: string;
  /** Console errors of extension pages: CSP and Trusted Types violations land there. */
  const pageErrors: string[] = [];

  before(async () => {
    sandbox = await startSandbox();
    partner = await _startPartner();
    dir = await _buildExtension({
      FLINKS_CLIENT_ID: CLIENT.client_id,
      FLINKS_AUTHORIZE_URL: sandbox.authorizeUrl,
      FLINKS_ISSUER: sandbox.issuer,
      FLINKS_EXCHANGE_URL: partner.exchangeUrl,
      FLINKS_PROVIDERS_URL: partner.providersUrl,
      FLINKS_SCOPE: 'ACCOUNT_BASIC TRANSACTIONS',
    });
    ext = await _loadExtension(dir);
    sandbox.addClient({ ...CLIENT, redirect_uris: [ext.redirectUri] });
    partner.arm({
      tokenUrl: sandbox.tokenUrl,
      client_id: CLIENT.client_id,
      client_secret: CLIENT.client_secret,
      redirectUri: ext.redirectUri,
      origin: `chrome-extension://${ext.id}`,
    });
    ext.context.on('page', (page) => {
      page.on('console', (message) => {
        if (message.type() === 'error' && page.url().startsWith('chrome-extension://')) {
          pageErrors.push(message.text());
        }
      });
      page.on('pageerror', (error) => pageErrors.push(error.message));
    });
  });

  after(async () => {
    await ext?.close();
    await partner?.close();
    await sandbox?.close();
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  // A test that fails mid-flow must not leave its bank window (and so a pending attempt) to the next one.
  afterEach(async () => {
    for (const page of ext.context.pages()) await page.close().catch(() => {});
    const page = await ext.open('extension/options.html');
    for (let i = 0; i < 50 && (await _state(page)).pending; i++) await page.waitForTimeout(200);
    await page.close();
  });

  async function _state(page: Page): Promise<State> {
    return _request<State>(page, { type: 'get-state' });
  }

  /** Opens the popup (as a tab: same page, same code) with a recorder on the element's events. */
  async function _openPopup(): Promise<Page> {
    const popup = await ext.open('extension/popup.html');
    await popup.locator('body[data-ready="true"]').waitFor();
    await popup.evaluate(() => {
      const events: { name: string; detail: unknown }[] = [];
      (globalThis as unknown as { events: typeof events }).events = events;
      const element = document.querySelector('flinks-connect') as HTMLElement;
      for (const name of ['flinks-select-provider', 'flinks-success', 'flinks-exit', 'flinks-error']) {
        element.addEventListener(name, (event) =>
          events.push({ name, detail: (event as CustomEvent).detail }),
        );
      }
    });
    return popup;
  }

  async function _events(popup: Page): Promise<Recorded[]> {
    return popup.evaluate(() => (globalThis as unknown as { events: Recorded[] }).events);
  }

  async function _waitForEvent(popup: Page, name: string): Promise<Recorded> {
    await popup.waitForFunction(
      (name) => (globalThis as unknown as { events: Recorded[] }).events.some((e) => e.name === name),
      name,
      { timeout: 15_000 },
    );
    return (await _events(popup)).find((e) => e.name === name) as Recorded;
  }

  /** Picks Flinks Capital in the element's picker; returns the bank's window the background opened. */
  async function _pickBank(popup: Page): Promise<Page> {
    await popup.locator('flinks-connect').locator('[part="button"]').click();
    const bankOpened = ext.context.waitForEvent('page', { timeout: 10_000 });
    await popup.getByRole('option', { name: 'Flinks Capital' }).click();
    const bank = await bankOpened;
    await bank.waitForURL((url) => url.href.startsWith(sandbox.url), { timeout: 10_000 });
    return bank;
  }

  /** Waits for the exchange after the first `before` ones to be answered; its status, or 0 when none came. */
  async function _answeredExchange(before: number): Promise<number> {
    for (let i = 0; i < 100; i++) {
      const status = partner.exchanges[before]?.status;
      if (status) return status;
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    return 0;
  }

  async function _disconnectAll(): Promise<void> {
    const page = await ext.open('extension/options.html');
    for (const c of (await _state(page)).connections) {
      await _request(page, { type: 'disconnect', provider_id: c.provider_id });
    }
    await page.close();
  }

  it('has no accessibility violation in the popup (idle, picker open) and the options page', async () => {
    const popup = await _openPopup();
    assert.deepEqual(await _axe(popup), [], 'popup');
    await popup.locator('flinks-connect').locator('[part="button"]').click();
    await popup.getByRole('option', { name: 'Flinks Capital' }).waitFor();
    assert.deepEqual(await _axe(popup), [], 'popup with the picker open');
    const options = await ext.open('extension/options.html');
    await options.getByLabel('Client ID').waitFor();
    assert.deepEqual(await _axe(options), [], 'options page');
  });

  it('connects a bank from the popup: picker, bank consent, contract body to the exchange endpoint, bank listed', async () => {
    await _disconnectAll();
    const popup = await _openPopup();
    const before = partner.exchanges.length;
    const bank = await _pickBank(popup);
    await _signIn(bank);
    // The configured scope reached /authorize: the bank asks for transactions too.
    await bank.getByText('Transactions (up to 24 months)').waitFor();
    await bank.getByRole('button', { name: 'Allow' }).click();

    const success = await _waitForEvent(popup, 'flinks-success');
    assert.deepEqual(success.detail.result, {
      connected: true,
      provider_id: '1000',
      has_refresh_token: true,
    });
    assert.equal(await popup.locator('flinks-connect').getAttribute('state'), 'connected');
    const exchanges = partner.exchanges.slice(before);
    assert.equal(exchanges.length, 1, 'exactly one exchange');
    assert.equal(
      exchanges[0]?.status,
      200,
      'the server kit exchanged the code at the sandbox (PKCE enforced)',
    );
    assert.equal(exchanges[0]?.origin, `chrome-extension://${ext.id}`);
    assert.deepEqual(Object.keys(exchanges[0]?.body ?? {}).sort(), [
      'code',
      'code_verifier',
      'correlation_id',
      'provider_id',
      'redirect_uri',
      'state',
    ]);
    assert.equal(exchanges[0]?.body.redirect_uri, ext.redirectUri);
    assert.equal(exchanges[0]?.body.provider_id, '1000');

    const item = popup.locator('#connections li[data-provider-id="1000"]');
    await item.getByText('Flinks Capital').waitFor();
    assert.equal(
      await popup.locator('#status').isHidden(),
      true,
      'the element shows the result; no banner repeats it',
    );
    assert.equal(await _badge(ext), '', 'no badge while the popup is open');
    assert.deepEqual(pageErrors, [], 'no console error (CSP, Trusted Types) in the extension pages');
  });

  it('disconnects a bank from the popup list', async () => {
    const popup = await _openPopup();
    const item = popup.locator('#connections li[data-provider-id="1000"]');
    await item.waitFor();
    await item.getByRole('button', { name: 'Disconnect Flinks Capital' }).click();
    await item.waitFor({ state: 'detached' });
    await popup.locator('#no-connections').waitFor({ state: 'visible' });
    assert.deepEqual((await _state(popup)).connections, []);
  });

  it('emits flinks-exit with access_denied when the customer refuses, and exchanges nothing', async () => {
    const popup = await _openPopup();
    const before = partner.exchanges.length;
    const bank = await _pickBank(popup);
    await _signInAndDecide(bank, 'Deny');
    const exit = await _waitForEvent(popup, 'flinks-exit');
    assert.equal(exit.detail.reason, 'access_denied');
    assert.equal(exit.detail.error, 'access_denied');
    assert.equal(partner.exchanges.length, before, 'nothing was exchanged');
    assert.deepEqual((await _state(popup)).connections, []);
  });

  it('finishes the flow with the popup closed mid-flow, badges the icon, and shows the result when reopened', async () => {
    await _disconnectAll();
    const popup = await _openPopup();
    const before = partner.exchanges.length;
    const bank = await _pickBank(popup);
    // What Chrome does when the bank's window takes focus: the popup is gone, its page and scripts with it.
    await popup.close();
    // Reopened while the customer is at the bank, it says so.
    const meanwhile = await _openPopup();
    await meanwhile.locator('#status[data-kind="info"]').waitFor();
    assert.match((await meanwhile.locator('#status').textContent()) ?? '', /^Waiting for Flinks Capital\./);
    await meanwhile.close();
    await _signInAndDecide(bank, 'Allow');
    assert.equal(await _answeredExchange(before), 200, 'the background exchanged the code on its own');
    for (let i = 0; i < 50 && (await _badge(ext)) === ''; i++) await new Promise((r) => setTimeout(r, 100));
    assert.equal(await _badge(ext), '✓', 'the badge says a connection finished while the popup was closed');

    const reopened = await _openPopup();
    await reopened.locator('#status[data-kind="success"]').waitFor();
    assert.equal(await reopened.locator('#status').textContent(), 'Flinks Capital is connected.');
    await reopened.locator('#connections li[data-provider-id="1000"]').waitFor();
    assert.equal(await _badge(ext), '', 'opening the popup clears the badge');
  });

  it('refuses a forged callback (a state this browser never sent) with STATE_MISMATCH, and exchanges nothing', async () => {
    await _disconnectAll();
    const popup = await _openPopup();
    const before = partner.exchanges.length;
    const bank = await _pickBank(popup);
    // An attacker's link: a code of their own and a state of their choosing, sent to this extension's redirect URI.
    const forged = new URL(ext.redirectUri);
    forged.search = new URLSearchParams({
      code: 'attacker-code',
      state: 'attacker-state',
      iss: sandbox.issuer,
    }).toString();
    await bank.goto(forged.href).catch(() => {});
    const error = await _waitForEvent(popup, 'flinks-error');
    assert.equal(error.detail.code, 'STATE_MISMATCH');
    assert.equal(partner.exchanges.length, before, 'nothing was exchanged');
    assert.deepEqual((await _state(popup)).connections, []);
  });

  it('emits flinks-error EXCHANGE_FAILED when the exchange endpoint fails, and stores no connection', async () => {
    await _disconnectAll();
    partner.mode = 'fail';
    try {
      const popup = await _openPopup();
      const bank = await _pickBank(popup);
      await _signInAndDecide(bank, 'Allow');
      const error = await _waitForEvent(popup, 'flinks-error');
      assert.equal(error.detail.code, 'EXCHANGE_FAILED');
      assert.match(String(error.detail.message), /502.*Flinks is unavailable/);
      assert.equal(partner.exchanges.at(-1)?.status, 502);
      assert.equal(await popup.locator('flinks-connect').getAttribute('state'), 'error');
      assert.deepEqual((await _state(popup)).connections, [], 'no connection stored');
    } finally {
      partner.mode = 'ok';
    }
  });

  it('ends the attempt as FLOW_INTERRUPTED when the browser stops the worker mid-flow, and exchanges nothing', async () => {
    const popup = await _openPopup();
    const before = partner.exchanges.length;
    const bank = await _pickBank(popup);
    await popup.close();
    const page = await ext.open('extension/options.html');
    const cdp = await ext.context.newCDPSession(page);
    await cdp.send('ServiceWorker.enable');
    await cdp.send('ServiceWorker.stopAllWorkers');
    // The customer still finishes at the bank: the worker that would have received the code is gone.
    await _signInAndDecide(bank, 'Allow').catch(() => {});

    const reopened = await _openPopup();
    await reopened.locator('#status[data-kind="error"]').waitFor();
    assert.match(
      (await reopened.locator('#status').textContent()) ?? '',
      /stopped the extension.*start again/,
    );
    const state = await _state(reopened);
    assert.equal(state.pending, undefined);
    assert.equal(state.last?.outcome.code, 'FLOW_INTERRUPTED');
    assert.equal(partner.exchanges.length, before, 'nothing was exchanged');
  });

  it('options page: shows the redirect URI, refuses invalid values field by field, saves and resets overrides', async () => {
    const options = await ext.open('extension/options.html');
    assert.equal(await options.locator('#redirect-uri').textContent(), ext.redirectUri);
    assert.equal(await options.getByLabel('Scope').inputValue(), 'ACCOUNT_BASIC TRANSACTIONS');

    await options.getByLabel('Authorize URL').fill('http://bank.example/authorize');
    await options.getByLabel('Scope').fill('TRANSACTIONS');
    await options.getByLabel('Client ID').fill('');
    await options.getByRole('button', { name: 'Save' }).click();
    await options.locator('#summary').waitFor({ state: 'visible' });
    assert.equal(await options.getByLabel('Authorize URL').getAttribute('aria-invalid'), 'true');
    assert.match((await options.locator('#authorize_url-error').textContent()) ?? '', /must use https/);
    assert.match((await options.locator('#scope-error').textContent()) ?? '', /ACCOUNT_BASIC/);
    assert.match((await options.locator('#client_id-error').textContent()) ?? '', /Required/);
    assert.equal(await options.getByLabel('Exchange URL').getAttribute('aria-invalid'), 'false');
    const unchanged = await _request<{ overridden: boolean; settings: Record<string, string> }>(options, {
      type: 'get-settings',
    });
    assert.equal(unchanged.overridden, false, 'nothing invalid was saved');

    // Least privilege: an exchange origin the browser has not granted is refused, whoever asks.
    const refused = await _request<{ ok: boolean; errors: { form?: string } }>(options, {
      type: 'save-settings',
      settings: { ...unchanged.settings, exchange_url: 'https://other-partner.example/exchange' },
    });
    assert.equal(refused.ok, false);
    assert.match(refused.errors.form ?? '', /may not reach https:\/\/other-partner\.example\/\*/);

    await options.reload();
    await options.getByLabel('Scope').fill('ACCOUNT_BASIC ACCOUNT_DETAILED');
    await options.getByRole('button', { name: 'Save' }).click();
    await options.locator('#notice').waitFor({ state: 'visible' });
    const saved = await _request<{ overridden: boolean; settings: { scope: string } }>(options, {
      type: 'get-settings',
    });
    assert.equal(saved.overridden, true);
    assert.equal(saved.settings.scope, 'ACCOUNT_BASIC ACCOUNT_DETAILED');

    // The next flow uses the override: the bank asks for detailed account data, not transactions.
    const popup = await _openPopup();
    const bank = await _pickBank(popup);
    await _signIn(bank);
    await bank.getByText('Balances and account details').waitFor();
    assert.equal(await bank.getByText('Transactions (up to 24 months)').count(), 0);
    await bank.getByRole('button', { name: 'Deny' }).click();
    await _waitForEvent(popup, 'flinks-exit');

    await options.getByRole('button', { name: "Reset to the build's values" }).click();
    await options.getByText("Using the build's values.").waitFor();
    assert.equal(await options.getByLabel('Scope').inputValue(), 'ACCOUNT_BASIC TRANSACTIONS');
  });
});
