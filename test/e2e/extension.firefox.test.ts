/**
 * The Firefox build of the companion extension, installed in Firefox ESR over WebDriver BiDi
 * (`webExtension.install`), runs one whole connect from its popup against the sandbox: the picker, the bank's
 * window opened by `identity.launchWebAuthFlow`, the code sent to a partner server built with the server kit
 * that accepts the extension's random `moz-extension://` origin and answers CORS for it, as the extension's
 * README tells partners to. `npm test` runs this file in its Firefox step only.
 */
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { rm } from 'node:fs/promises';
import { after, before, describe, it } from 'node:test';
import type { Browser, Page } from 'puppeteer-core';
import { DEFAULT_GECKO_ID } from '../../extension/vite.extension.ts';
import { type Sandbox, startSandbox } from '../sandbox/index.ts';
import { _launchPuppeteer, _poll } from './_engines.ts';
import { _buildExtension, _startPartner, type PartnerServer } from './_extension.ts';

const CLIENT = {
  client_id: 'dc-extension-firefox-e2e',
  client_secret: 'extension-firefox-e2e-client-secret-0123456789',
  kind: 'recipient' as const,
  active_providers: [1000],
};

describe('the companion extension in Firefox (its Firefox build, installed over BiDi) against the sandbox', () => {
  let sandbox: Sandbox;
  let partner: PartnerServer;
  let dir: string;
  let browser: Browser;
  let close: () => Promise<void>;
  // Firefox gives each install a random origin; the test fixes it through a pref to open the extension's pages.
  const uuid = randomUUID();
  const origin = `moz-extension://${uuid}`;

  before(async () => {
    sandbox = await startSandbox();
    partner = await _startPartner();
    dir = await _buildExtension(
      {
        FLINKS_CLIENT_ID: CLIENT.client_id,
        FLINKS_AUTHORIZE_URL: sandbox.authorizeUrl,
        FLINKS_ISSUER: sandbox.issuer,
        FLINKS_EXCHANGE_URL: partner.exchangeUrl,
        FLINKS_PROVIDERS_URL: partner.providersUrl,
        FLINKS_SCOPE: 'ACCOUNT_BASIC TRANSACTIONS',
      },
      { browser: 'firefox' },
    );
    const engine = await _launchPuppeteer('firefox', {
      // Lets BiDi reach the extension's own (privileged) pages.
      args: ['--remote-allow-system-access'],
      extraPrefs: { 'extensions.webextensions.uuids': JSON.stringify({ [DEFAULT_GECKO_ID]: uuid }) },
    });
    browser = engine.browser;
    close = engine.close;
    const id = await browser.installExtension(dir);
    assert.equal(id, DEFAULT_GECKO_ID);
  });

  after(async () => {
    await close?.();
    await partner?.close();
    await sandbox?.close();
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  async function _page(path: string): Promise<Page> {
    const page = await browser.newPage();
    const url = `${origin}/${path}`;
    // Firefox loads the page, but BiDi reports no navigation of an extension page: so wait for it by hand.
    page.goto(url, { timeout: 20_000 }).catch(() => {});
    await _poll(
      () =>
        page
          .evaluate((url) => document.readyState === 'complete' && location.href === url, url)
          .catch(() => false),
      `${path} to load`,
      20_000,
    );
    return page;
  }

  it('connects a bank from its popup: picker, bank window, exchange from moz-extension:// with CORS, bank listed', async () => {
    const options = await _page('extension/options.html');
    const redirectUri = await _poll(
      () => options.evaluate(() => document.querySelector('#redirect-uri')?.textContent ?? ''),
      'the redirect URI on the options page',
      10_000,
    );
    assert.match(redirectUri, /^https:\/\/[0-9a-f]+\.extensions\.allizom\.org\/$/);
    await options.close();
    sandbox.addClient({ ...CLIENT, redirect_uris: [redirectUri] });
    partner.arm({
      tokenUrl: sandbox.tokenUrl,
      client_id: CLIENT.client_id,
      client_secret: CLIENT.client_secret,
      redirectUri,
      origin,
    });

    // The popup's page, opened as a tab: the same page and code as the toolbar popup.
    const popup = await _page('extension/popup.html');
    await popup.waitForSelector('body[data-ready="true"]');
    await popup.evaluate(() => {
      const heard: { name: string; detail: unknown }[] = [];
      (globalThis as unknown as { heard: typeof heard }).heard = heard;
      const element = document.querySelector('flinks-connect') as HTMLElement;
      for (const name of ['flinks-success', 'flinks-exit', 'flinks-error'])
        element.addEventListener(name, (event) =>
          heard.push({ name, detail: (event as CustomEvent).detail }),
        );
    });
    const before = partner.exchanges.length;
    await (await popup.waitForSelector('flinks-connect >>> [part~="button"]'))?.click();
    const bankOpened = browser.waitForTarget((t) => t.url().startsWith(sandbox.url), { timeout: 15_000 });
    const option = await popup.waitForSelector('flinks-connect >>> [role="option"]');
    assert.equal(await option?.evaluate((o) => o.textContent?.trim()), 'Flinks Capital');
    await option?.click();

    const bank = await (await bankOpened).page();
    assert.ok(bank, "the bank's window opened");
    await (await bank.waitForSelector('input[name="username"]'))?.type('greatday');
    await (await bank.waitForSelector('input[name="password"]'))?.type('everyday');
    await (await bank.waitForSelector('button.primary'))?.click();
    // The configured scope reached /authorize: the bank asks for transactions too.
    await bank.waitForSelector('::-p-text(Transactions (up to 24 months))');
    await (await bank.waitForSelector('button[value="allow"]'))?.click();

    const heard = await _poll(
      () =>
        popup.evaluate(() => {
          const heard = (globalThis as unknown as { heard: { name: string; detail: unknown }[] }).heard;
          return heard.length ? heard : undefined;
        }),
      'the outcome in the popup',
      20_000,
    );
    assert.deepEqual(heard ?? [], [
      {
        name: 'flinks-success',
        detail: {
          ...(heard?.[0]?.detail as object),
          result: { connected: true, provider_id: '1000', has_refresh_token: true },
        },
      },
    ]);
    const exchanges = partner.exchanges.slice(before);
    assert.equal(exchanges.length, 1, 'exactly one exchange');
    assert.equal(exchanges[0]?.origin, origin, 'posted from the extension origin');
    assert.equal(
      exchanges[0]?.status,
      200,
      'the server kit exchanged the code at the sandbox (PKCE enforced)',
    );
    assert.equal(exchanges[0]?.body.redirect_uri, redirectUri);
    await popup.waitForSelector('#connections li[data-provider-id="1000"]');
    assert.equal(await popup.$eval('flinks-connect', (e) => e.getAttribute('state')), 'connected');
  });
});
