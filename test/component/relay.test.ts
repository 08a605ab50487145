import { expect } from '@esm-bundle/chai';
import { sendKeys } from '@web/test-runner-commands';
import type { FlinksConnect } from '../../widget/index.ts';
import { _config, _key, _log, _mount, _next, _startPopupFlow, _wait } from './_helpers.ts';

const realOpen = window.open;

/** Records the real windows the page opens (window.open still does its job: this is not a stub). */
function _spyOpen(): Window[] {
  const opened: Window[] = [];
  const real = window.open;
  window.open = ((...args: Parameters<typeof window.open>) => {
    const handle = real.apply(window, args);
    if (handle) opened.push(handle);
    return handle;
  }) as typeof window.open;
  return opened;
}

/** A real key press on the element's button: a user activation, so Chromium's popup blocker lets it open. */
async function _press(el: FlinksConnect) {
  await el.updateComplete;
  el.shadowRoot?.querySelector<HTMLButtonElement>('[part~="button"]')?.focus();
  await sendKeys({ press: 'Enter' });
}

async function _until(check: () => boolean, what: string) {
  for (let i = 0; i < 200 && !check(); i++) await _wait(25);
  if (!check()) throw new Error(`never: ${what}`);
}

describe('the callback relay, with real popups', () => {
  it('finishes a whole popup flow: bank page, redirect-uri page relaying to the opener, popup closed', async () => {
    const key = _key();
    const el = await _mount(
      _config(key, {
        'authorize-url': `${location.origin}/__authorize?key=${key}&bank=approve`,
        'redirect-uri': `${location.origin}/__relay.html`,
        'exchange-url': `/__exchange/ok?key=${key}`,
      }),
    );
    const opened = _spyOpen();
    const success = _next(el, 'flinks-success');
    await _press(el);
    expect(opened).to.have.length(1);
    const { detail } = await success;
    expect(detail.result).to.deep.equal({ connected: true, accounts: [{ id: 'a1' }] });
    await _until(() => opened[0]?.closed === true, 'the popup closed');
    expect((await _log(key)).map((r) => `${r.method} ${r.path}`)).to.deep.equal([
      'GET /__authorize',
      'POST /__exchange/ok',
    ]);
  });

  it('closes a popup whose opener was severed once its element answers on the channel', async () => {
    // The element's own handle is a stub, so it cannot close the real callback window: only the answer on the
    // BroadcastChannel can, as when COOP has severed the handle.
    const key = _key();
    const el = await _mount(_config(key, { 'redirect-uri': `${location.origin}/__relay.html` }));
    const { state } = await _startPopupFlow(el);
    window.open = realOpen;
    const trigger = document.createElement('button');
    trigger.textContent = 'the bank redirects';
    let popup: Window | null = null;
    trigger.addEventListener('click', () => {
      popup = window.open('about:blank', 'severed', 'popup');
      if (!popup) return;
      popup.opener = null;
      popup.location.href = `${location.origin}/__relay.html?code=c0de&state=${state}`;
    });
    document.body.append(trigger);
    try {
      const consent = _next(el, 'flinks-consent');
      trigger.focus();
      await sendKeys({ press: 'Enter' });
      expect((await consent).detail.code).to.equal('c0de');
      await _until(() => (popup as Window | null)?.closed === true, 'the popup closed');
    } finally {
      (popup as Window | null)?.close();
      trigger.remove();
    }
  });

  it('leaves alone a popup on another OAuth callback that no element claims', async () => {
    const trigger = document.createElement('button');
    trigger.textContent = 'sign in elsewhere';
    let popup: Window | null = null;
    trigger.addEventListener('click', () => {
      popup = window.open(`/__relay.html?code=theirs&state=their-state`, 'other-login', 'popup');
    });
    document.body.append(trigger);
    const heard: unknown[] = [];
    const listen = (event: MessageEvent) => heard.push(event.data);
    window.addEventListener('message', listen);
    try {
      trigger.focus();
      await sendKeys({ press: 'Enter' });
      await _until(() => heard.length > 0, 'the relay posted');
      await _wait(400);
      expect(heard[0]).to.include({ type: 'flinks-connect:callback' });
      expect((popup as Window | null)?.closed).to.equal(false);
    } finally {
      window.removeEventListener('message', listen);
      (popup as Window | null)?.close();
      trigger.remove();
    }
  });
});
