import { expect } from '@esm-bundle/chai';
import type { FlinksConnect } from '../../widget/index.ts';
import { _bankAnswers, _config, _key, _log, _mount, _next, _startPopupFlow, _wait } from './_helpers.ts';

/** The same test server under its other loopback name: a cross-origin exchange endpoint. */
function _otherOrigin(path: string): string {
  const url = new URL(path, location.href);
  url.hostname = url.hostname === 'localhost' ? '127.0.0.1' : 'localhost';
  return url.href;
}

describe('<flinks-connect> options and the remaining error codes', () => {
  it('loads twice without throwing and keeps the first definition', async () => {
    const first = customElements.get('flinks-connect');
    const again = await import(`../../widget/index.ts?twice=${Date.now()}`);
    expect(again.FlinksConnect).to.be.a('function');
    // index.ts ran a second time (its URL differs); without its guard, define() would throw NotSupportedError.
    expect(customElements.get('flinks-connect')).to.equal(first);
  });

  it('takes its language from lang, then <html lang>, and follows a change of either', async () => {
    const html = document.documentElement;
    const before = html.lang;
    try {
      html.lang = 'fr-CA';
      const config = _config(_key());
      delete config.lang;
      const el = await _mount(config);
      expect(el.shadowRoot?.querySelector('slot')?.textContent).to.equal('Connecter votre banque');
      el.lang = 'en';
      await el.updateComplete;
      expect(el.shadowRoot?.querySelector('slot')?.textContent).to.equal('Connect your bank');
      el.removeAttribute('lang');
      html.lang = 'en-US';
      const other = await _mount(config);
      expect(other.shadowRoot?.querySelector('slot')?.textContent).to.equal('Connect your bank');
    } finally {
      html.lang = before;
    }
  });

  it('emits INVALID_CALLBACK for a malformed authorization response, and exchanges nothing', async () => {
    const key = _key();
    const el = await _mount(_config(key, { 'exchange-url': `/__exchange/ok?key=${key}` }));
    const { state } = await _startPopupFlow(el);
    const error = _next(el, 'flinks-error');
    // The same parameter twice: an authorization response must carry each once (RFC 6749 §3.1).
    const url = new URL('/callback', location.origin);
    url.search = `code=a&state=${state}&state=${state}`;
    window.postMessage({ type: 'flinks-connect:callback', url: url.href }, location.origin);
    expect((await error).detail.code).to.equal('INVALID_CALLBACK');
    await _wait(50);
    expect(await _log(key)).to.deep.equal([]);
  });

  it('emits FLOW_EXPIRED when the bank answers after the pending flow’s time limit', async () => {
    const key = _key();
    const el = await _mount(_config(key, { 'exchange-url': `/__exchange/ok?key=${key}` }));
    const { state } = await _startPopupFlow(el);
    // The customer left the bank's page open for 16 minutes.
    const stored = `flinks-connect:flow:${state}`;
    const flow = JSON.parse(sessionStorage.getItem(stored) ?? '{}');
    flow.created_at -= 16 * 60 * 1000;
    sessionStorage.setItem(stored, JSON.stringify(flow));
    const error = _next(el, 'flinks-error');
    _bankAnswers({ code: 'late', state });
    const { detail } = await error;
    expect(detail.code).to.equal('FLOW_EXPIRED');
    await el.updateComplete;
    expect(el.shadowRoot?.querySelector('[part~="status"]')?.textContent).to.equal(
      'This attempt took too long. Please start again.',
    );
    expect(await _log(key)).to.deep.equal([]);
  });

  it('sends the exchange without credentials across origins by default, with them under exchange-credentials="include"', async () => {
    // Same-origin credentials: a cross-origin endpoint that does not allow credentials still answers.
    const key = _key();
    const plain = await _mount(_config(key, { 'exchange-url': _otherOrigin(`/__exchange/cors?key=${key}`) }));
    const ok = _next(plain, 'flinks-success');
    _bankAnswers({ code: 'c', state: (await _startPopupFlow(plain)).state });
    await ok;
    // include: the browser now requires the endpoint to allow credentials, so the same endpoint fails…
    const strict = await _mount(
      _config(key, {
        'exchange-url': _otherOrigin(`/__exchange/cors?key=${key}`),
        'exchange-credentials': 'include',
      }),
    );
    const failed = _next(strict, 'flinks-error');
    _bankAnswers({ code: 'c', state: (await _startPopupFlow(strict)).state });
    expect((await failed).detail.code).to.equal('EXCHANGE_NETWORK_ERROR');
    // …and one that allows credentials succeeds.
    const allowed = await _mount(
      _config(key, {
        'exchange-url': _otherOrigin(`/__exchange/corscred?key=${key}`),
        'exchange-credentials': 'include',
      }),
    );
    const success = _next(allowed, 'flinks-success');
    _bankAnswers({ code: 'c', state: (await _startPopupFlow(allowed)).state });
    await success;
    // The credentialed request to the endpoint that does not allow credentials stopped at its preflight.
    const posts = (await _log(key)).filter((r) => r.method === 'POST');
    expect(posts.map((r) => r.path)).to.deep.equal(['/__exchange/cors', '/__exchange/corscred']);
  });

  it('in redirect mode, navigates the page to /authorize and finishes on its return', async () => {
    const key = _key();
    const frame = document.createElement('iframe');
    frame.title = 'partner page';
    frame.src = `/__page.html?key=${key}&mode=redirect`;
    document.body.append(frame);
    try {
      const ready = async (until: (el: FlinksConnect) => boolean) => {
        for (let i = 0; i < 150; i++) {
          const win = frame.contentWindow as (Window & { ready?: boolean }) | null;
          const el = win?.ready ? win.document.querySelector('flinks-connect') : null;
          if (el && until(el)) return el;
          await _wait(40);
        }
        throw new Error('the framed partner page never got there');
      };
      const el = await ready(() => true);
      await el.updateComplete;
      const authorize = _next(el, 'flinks-authorize');
      el.shadowRoot?.querySelector<HTMLButtonElement>('[part~="button"]')?.click();
      const { detail } = await authorize;
      expect(detail.mode).to.equal('redirect');
      const back = await ready((e) => e.state === 'connected');
      expect(back).to.not.equal(el);
      const requests = await _log(key);
      expect(requests.map((r) => `${r.method} ${r.path}`)).to.deep.equal([
        'GET /__authorize',
        'POST /__exchange/ok',
      ]);
      expect(new URL(frame.contentWindow?.location.href ?? '').searchParams.has('code')).to.equal(false);
      // The page's own script loaded after the bundle and still heard how it ended.
      const heard = (frame.contentWindow as Window & { heard?: string[][] }).heard;
      expect(heard).to.deep.equal([
        ['flinks-consent', 'bank-code'],
        ['flinks-success', ''],
      ]);
    } finally {
      frame.remove();
    }
  });

  it('on the redirect page, rejects a forged callback with STATE_MISMATCH that a late page script still hears', async () => {
    const key = _key();
    const frame = document.createElement('iframe');
    frame.title = 'partner page';
    frame.src = `/__page.html?key=${key}&mode=redirect&code=stolen-code&state=forged-state`;
    document.body.append(frame);
    try {
      let heard: string[][] | undefined;
      for (let i = 0; i < 150 && !heard?.length; i++) {
        await _wait(40);
        heard = (frame.contentWindow as (Window & { heard?: string[][] }) | null)?.heard;
      }
      expect(heard).to.deep.equal([['flinks-error', 'STATE_MISMATCH']]);
      const url = new URL(frame.contentWindow?.location.href ?? '');
      expect([url.searchParams.has('code'), url.searchParams.has('state')]).to.deep.equal([false, false]);
      expect(await _log(key)).to.deep.equal([]);
    } finally {
      frame.remove();
    }
  });
});
