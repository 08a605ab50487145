/**
 * The customer's flows against the sandbox, the same in every engine: `E2E_BROWSER` picks Chromium (default),
 * Firefox ESR or WebKitGTK (`npm test` runs this file once per browser). Driven through `_engines.ts`, so only
 * what every protocol can do: real clicks and key presses, scripts in the page, windows and frames.
 */
import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, afterEach, before, describe, it } from 'node:test';
import { type _Stack, _startStack } from './_demo.ts';
import {
  type _Engine,
  _engineFromEnv,
  _launchEngine,
  _poll,
  type _Session,
  type _Window,
  BUTTON,
  BUTTON_EXPRESSION,
  BY_TEXT,
} from './_engines.ts';

const name = _engineFromEnv();
const LABEL = { chromium: 'Chromium', firefox: 'Firefox', webkit: 'WebKit' }[name];

describe(`the widget against the sandbox in ${LABEL}`, () => {
  let stack: _Stack;
  let engine: _Engine;
  const sessions: _Session[] = [];

  before(async () => {
    stack = await _startStack();
    engine = await _launchEngine(name);
  });
  // WebKitWebDriver holds one session at a time; every engine gets a fresh one (no bank cookie) per test.
  afterEach(async () => {
    for (const session of sessions.splice(0)) await session.close().catch(() => {});
  });
  after(async () => {
    await engine?.close();
    await stack?.close();
  });

  /** A fresh session (no bank cookie from an earlier test) on a page of the demo partner site. */
  async function _open(path = '/'): Promise<{ session: _Session; page: _Window }> {
    const session = await engine.newSession();
    sessions.push(session);
    await session.main.goto(new URL(path, stack.demo.url).href);
    await session.main.until(
      `return document.querySelector('flinks-connect')?.shadowRoot?.querySelector('[part~="button"]')`,
      'the element',
    );
    return { session, page: session.main };
  }

  const status = (page: _Window, pattern: RegExp) =>
    page.until<string>(
      `const text = document.querySelector('#status')?.textContent ?? '';
       return new RegExp(arguments[0]).test(text) ? text : '';`,
      `status ${pattern}`,
      15_000,
      pattern.source,
    );
  const log = (page: _Window) => page.run<string>(`return document.querySelector('#log').textContent`);

  /** Signs in at the sandbox bank (in English) as the test user and answers its consent page. */
  async function _bank(bank: _Window, decision: 'Allow' | 'Deny'): Promise<void> {
    const user = { username: 'greatday', password: 'everyday' };
    await bank.until(`return document.querySelector('input[name="username"]')`, 'the bank sign-in');
    await bank.type(`return document.querySelector('input[name="username"]')`, user.username);
    await bank.type(`return document.querySelector('input[name="password"]')`, user.password);
    await bank.click(BY_TEXT, 'button', 'Sign in');
    await bank.until(BY_TEXT, `the ${decision} button`, 15_000, 'button', decision);
    await bank.click(BY_TEXT, 'button', decision);
  }

  async function _connectInPopup(page: _Window, session: _Session): Promise<_Window> {
    const popup = session.nextWindow();
    await page.click(BUTTON);
    return popup;
  }

  it('connects Flinks Capital in a popup and shows the accounts the server read', async () => {
    const { session, page } = await _open();
    const before = stack.demo.exchanges.length;
    const bank = await _connectInPopup(page, session);
    await _bank(bank, 'Allow');
    await status(page, /^Connected: \d+ accounts? shared/);
    const rows = await page.run<number>(`return document.querySelectorAll('#accounts tbody tr').length`);
    assert.ok(rows >= 2, 'the sandbox customer has several accounts');
    assert.deepEqual(
      stack.demo.exchanges.slice(before).map((e) => e.status),
      [200],
      'exactly one exchange, and it succeeded',
    );
    const events = await log(page);
    for (const event of ['flinks-open', 'flinks-authorize', 'flinks-consent', 'flinks-success'])
      assert.ok(events.includes(event), `${event} was emitted`);
    await _poll(() => bank.closed(), 'the callback page to close the popup', 10_000);
  });

  it('emits flinks-exit with access_denied when the customer refuses, and exchanges nothing', async () => {
    const { session, page } = await _open();
    const before = stack.demo.exchanges.length;
    const bank = await _connectInPopup(page, session);
    await _bank(bank, 'Deny');
    await status(page, /^Not connected \(access_denied\)/);
    const events = await log(page);
    assert.match(events, /flinks-exit .*"error":"access_denied"/);
    assert.doesNotMatch(events, /flinks-consent|flinks-success/);
    assert.equal(stack.demo.exchanges.length, before, 'nothing was exchanged');
  });

  it('connects in redirect mode and scrubs code and state from the address bar', async () => {
    const { page } = await _open('/?mode=redirect');
    const before = stack.demo.exchanges.length;
    await page.click(BUTTON);
    await _bank(page, 'Allow');
    await status(page, /^Connected: \d+ accounts? shared/);
    const url = new URL(await page.url());
    assert.equal(url.pathname, '/callback');
    assert.equal(url.searchParams.has('code'), false, 'code removed from the address bar');
    assert.equal(url.searchParams.has('state'), false, 'state removed from the address bar');
    assert.equal(stack.demo.exchanges.length - before, 1);
  });

  it('rejects a forged callback in the popup with STATE_MISMATCH and exchanges nothing', async () => {
    const { session, page } = await _open();
    const before = stack.demo.exchanges.length;
    const bank = await _connectInPopup(page, session);
    await bank.until(BY_TEXT, 'the bank sign-in', 15_000, 'button', 'Sign in');
    // An attacker's redirect instead of the bank's: a code with a state this browser never issued.
    const forged = new URL('/callback?code=stolen-code&state=forged-state', stack.demo.url).href;
    await bank.run('location.assign(arguments[0])', forged);
    await status(page, /^Something went wrong/);
    assert.match(await log(page), /flinks-error .*"code":"STATE_MISMATCH"/);
    assert.equal(stack.demo.exchanges.length, before);
  });

  it('reports POPUP_BLOCKED in a frame sandboxed without allow-popups, then redirects that frame to /authorize', async () => {
    // The partner's page in a frame whose sandbox lacks allow-popups: every engine refuses window.open there
    // (Firefox by throwing). The frame tells the outer page what its element emitted, and each load.
    const outer = createServer((_request, response) =>
      response
        .writeHead(200, { 'Content-Type': 'text/html' })
        .end(`<!doctype html><title>Partner frame</title>
        <style>body { margin: 0 } iframe { border: 0 }</style>
        <script>window.heard = []; window.loads = 0;
          addEventListener('message', (event) => window.heard.push(event.data));</script>
        <iframe title="Partner" sandbox="allow-scripts allow-same-origin allow-forms" width="900" height="700"
          onload="window.loads++" src="${stack.demo.url}"></iframe>`),
    );
    await new Promise<void>((resolve) => outer.listen(0, '127.0.0.1', resolve));
    try {
      const session = await engine.newSession();
      sessions.push(session);
      const page = session.main;
      await page.goto(`http://localhost:${(outer.address() as AddressInfo).port}/`);
      const frame = page.frame();
      await frame.until(BUTTON, 'the element in the frame');
      await frame.run(`for (const name of ['flinks-error', 'flinks-authorize'])
        document.querySelector('flinks-connect').addEventListener(name, (event) =>
          parent.postMessage({ name, code: event.detail.code, mode: event.detail.mode, url: event.detail.url }, '*'));`);
      const before = stack.demo.exchanges.length;
      await frame.click(BUTTON);
      const heard = await page.until<{ name: string; code?: string; mode?: string; url?: string }[]>(
        'return window.heard.length >= 2 && window.loads >= 2 && window.heard',
        'the fallback to load /authorize in the frame',
      );
      assert.deepEqual(
        heard.map((e) => [e.name, e.code ?? e.mode]),
        [
          ['flinks-error', 'POPUP_BLOCKED'],
          ['flinks-authorize', 'redirect'],
        ],
      );
      const url = new URL(heard[1]?.url ?? '');
      assert.equal(`${url.origin}${url.pathname}`, stack.sandbox.authorizeUrl);
      assert.equal(url.searchParams.get('code_challenge_method'), 'S256');
      assert.equal(stack.demo.exchanges.length, before);
    } finally {
      outer.close();
    }
  });

  it('lets the customer pick a bank in the picker, then connects that bank', async () => {
    const { session, page } = await _open('/?picker');
    const before = stack.demo.exchanges.length;
    await page.click(BUTTON);
    const search = `return document.querySelector('flinks-connect').shadowRoot.querySelector('[part~="picker"] input')`;
    await page.until(search, 'the picker');
    await page.type(search, 'prairie');
    const options = `[...document.querySelector('flinks-connect').shadowRoot.querySelectorAll('[role="option"]')]`;
    const names = await page.until<string[]>(
      `const names = ${options}.map((o) => o.textContent.trim());
       return names.length === 1 && names;`,
      'the search to filter the list',
    );
    assert.deepEqual(names, ['Northern Prairie Credit Union']);
    const popup = session.nextWindow();
    await page.click(`return ${options}[0]`);
    await _bank(await popup, 'Allow');
    await status(page, /^Connected: \d+ accounts? shared/);
    const events = await log(page);
    assert.match(events, /flinks-select-provider .*"provider_id":"1002"/);
    assert.match(events, /flinks-success .*"provider_id":"1002"/);
    assert.equal(stack.demo.exchanges.length - before, 1);
  });

  it('connects in French: the element in French opens the bank in French (ui_locales), a French-speaking customer', async () => {
    const { session, page } = await _open();
    await page.run(`document.querySelector('flinks-connect').setAttribute('lang', 'fr')`);
    const label = await page.until<string>(
      `const text = ${BUTTON_EXPRESSION}.textContent.trim(); return text !== 'Connect your bank' && text;`,
      'the French label',
    );
    assert.match(label, /banque/i);
    const before = stack.demo.exchanges.length;
    const bank = await _connectInPopup(page, session);
    // The element sends ui_locales=fr: the bank's sign-in page opens in French, with no click of the customer's.
    await bank.until(BY_TEXT, 'the French sign-in', 15_000, 'button', 'Se connecter');
    await bank.type(`return document.querySelector('input[name="username"]')`, 'bonjour');
    await bank.type(`return document.querySelector('input[name="password"]')`, 'toutlemonde');
    await bank.click(BY_TEXT, 'button', 'Se connecter');
    // The bank keeps the customer's choice after the sign-in: the consent page is French without switching again.
    await bank.until(BY_TEXT, 'the French consent page', 15_000, 'button', 'Autoriser');
    await bank.click(BY_TEXT, 'button', 'Autoriser');
    await status(page, /^Connected: \d+ accounts? shared/);
    const shown = await page.run<string>(
      `return document.querySelector('flinks-connect').shadowRoot.querySelector('[part~="status"]').textContent.trim()`,
    );
    assert.equal(shown, 'Votre banque est connectée.');
    assert.equal(stack.demo.exchanges.length - before, 1);
  });
});
