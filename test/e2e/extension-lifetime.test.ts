/**
 * What Chrome does with the extension's service worker while the customer is slow at the bank. Playwright
 * attaches DevTools to every service worker, and Chrome never stops a worker with DevTools attached, so this
 * suite drives Chromium over a DevTools pipe attached to pages only: the worker lives by Chrome's real rules
 * (stopped after 30 s without events). Builds the extension itself, starts its own sandbox and partner server.
 */
import assert from 'node:assert/strict';
import { rm } from 'node:fs/promises';
import { after, before, describe, it } from 'node:test';
import { type Sandbox, startSandbox } from '../sandbox/index.ts';
import { _DetachedChromium, _until } from './_cdp.ts';
import { _buildExtension, _startPartner, type PartnerServer } from './_extension.ts';

const CLIENT = {
  client_id: 'dc-extension-lifetime',
  client_secret: 'extension-lifetime-client-secret-0123456789',
  kind: 'recipient' as const,
  active_providers: [1000],
};
/** Longer than Chrome's 30 s idle limit for extension service workers. */
const SLOW_CONSENT_MS = 40_000;

const click = (selector: string) =>
  `(() => { const el = ${selector}; if (!el) return false; el.click(); return true; })()`;
const button = (text: string) =>
  `[...document.querySelectorAll('button')].find((b) => b.textContent.trim() === ${JSON.stringify(text)})`;

describe('the extension worker while a consent takes longer than its idle limit', () => {
  let sandbox: Sandbox;
  let partner: PartnerServer;
  let chromium: _DetachedChromium;
  let dir: string;
  let id: string;

  before(async () => {
    sandbox = await startSandbox();
    partner = await _startPartner();
    dir = await _buildExtension({
      FLINKS_CLIENT_ID: CLIENT.client_id,
      FLINKS_AUTHORIZE_URL: sandbox.authorizeUrl,
      FLINKS_ISSUER: sandbox.issuer,
      FLINKS_EXCHANGE_URL: partner.exchangeUrl,
      FLINKS_PROVIDERS_URL: partner.providersUrl,
    });
    chromium = await _DetachedChromium.launch(dir);
    const worker = await chromium.waitForTarget(
      (t) => t.type === 'service_worker' && t.url.startsWith('chrome-extension://'),
    );
    id = new URL(worker.url).host;
    const redirectUri = `https://${id}.chromiumapp.org/`;
    sandbox.addClient({ ...CLIENT, redirect_uris: [redirectUri] });
    partner.arm({
      tokenUrl: sandbox.tokenUrl,
      client_id: CLIENT.client_id,
      client_secret: CLIENT.client_secret,
      redirectUri,
      origin: `chrome-extension://${id}`,
    });
  });

  after(async () => {
    await chromium?.close();
    await partner?.close();
    await sandbox?.close();
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  it('keeps the worker running past 30 s while launchWebAuthFlow waits, finishes, then lets it stop when idle', async () => {
    const popupUrl = `chrome-extension://${id}/extension/popup.html`;
    const { targetId: popupId } = await chromium.send<{ targetId: string }>('Target.createTarget', {
      url: popupUrl,
    });
    const popup = await chromium.attach(popupId);
    await _until(popup, `document.body.dataset.ready === 'true'`);
    await _until(
      popup,
      click(`document.querySelector('flinks-connect').shadowRoot.querySelector('[part="button"]')`),
    );
    await _until(
      popup,
      click(`document.querySelector('flinks-connect').shadowRoot.querySelector('[role="option"]')`),
    );
    const bankTarget = await chromium.waitForTarget(
      (t) => t.type === 'page' && t.url.startsWith(sandbox.url),
    );
    // The popup closes when the bank's window takes focus; nothing of the extension stays open but its worker.
    await chromium.send('Target.closeTarget', { targetId: popupId });

    const worker = await chromium.waitForTarget(
      (t) => t.type === 'service_worker' && t.url.startsWith(`chrome-extension://${id}/`),
    );
    await new Promise((resolve) => setTimeout(resolve, SLOW_CONSENT_MS));
    assert.ok(
      chromium.targets.has(worker.targetId),
      `the worker running the flow is still there after ${SLOW_CONSENT_MS / 1000} s without an event`,
    );

    const before = partner.exchanges.length;
    const bank = await chromium.attach(bankTarget.targetId);
    await _until(bank, `document.querySelector('input[name="username"]')`);
    await bank.evaluate(`(() => {
      document.querySelector('input[name="username"]').value = 'greatday';
      document.querySelector('input[name="password"]').value = 'everyday';
      return true;
    })()`);
    await _until(bank, click(button('Sign in')));
    await _until(bank, click(button('Allow')), 15_000);
    for (let i = 0; i < 100 && !partner.exchanges[before]?.status; i++) {
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    assert.equal(
      partner.exchanges[before]?.status,
      200,
      'the same worker received the code and exchanged it',
    );
    assert.ok(chromium.targets.has(worker.targetId), 'no restart in between');

    // Control: this harness does let an idle worker stop, so the check above could have failed.
    const deadline = Date.now() + 45_000;
    while (chromium.targets.has(worker.targetId) && Date.now() < deadline) {
      await new Promise((resolve) => setTimeout(resolve, 250));
    }
    assert.ok(
      !chromium.targets.has(worker.targetId),
      'once idle, Chrome stops the worker within its idle limit',
    );

    // The result was stored: a popup opened later (which starts the worker again) shows it.
    const { targetId: reopenedId } = await chromium.send<{ targetId: string }>('Target.createTarget', {
      url: popupUrl,
    });
    const reopened = await chromium.attach(reopenedId);
    await _until(reopened, `document.querySelector('#status[data-kind="success"]')`);
    assert.equal(
      await reopened.evaluate<string>(`document.querySelector('#status').textContent`),
      'Flinks Capital is connected.',
    );
  });
});
