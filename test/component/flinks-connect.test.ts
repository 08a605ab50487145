import { expect } from '@esm-bundle/chai';
import { createStorageFlowStore } from '../../core/src/index.ts';
import { CALLBACK_CHANNEL } from '../../widget/index.ts';
import {
  _axeViolations,
  _bankAnswers,
  _click,
  _config,
  _key,
  _log,
  _mount,
  _next,
  _record,
  _startPopupFlow,
  _statusText,
  _stubOpen,
  _wait,
} from './_helpers.ts';

describe('<flinks-connect>', () => {
  it('has no accessibility violations when idle, in English and in French', async () => {
    const el = await _mount(_config(_key()));
    expect(await _axeViolations(el)).to.deep.equal([]);
    const fr = await _mount(_config(_key(), { lang: 'fr' }));
    expect(await _axeViolations(fr)).to.deep.equal([]);
  });

  it('renders a real button with part="button" and the default label in the element language', async () => {
    const en = await _mount(_config(_key()));
    const button = en.shadowRoot?.querySelector('button[part~="button"]');
    expect(button?.textContent?.trim()).to.equal('Connect your bank');
    expect(button?.querySelector('slot')).to.not.equal(null);
    const fr = await _mount(_config(_key(), { lang: 'fr-CA' }));
    expect(fr.shadowRoot?.querySelector('slot')?.textContent).to.equal('Connecter votre banque');
  });

  it('asks the bank for its own language with ui_locales, following a change of lang', async () => {
    const fr = await _mount(_config(_key(), { lang: 'fr-CA' }));
    await _wait(50);
    const first = await _startPopupFlow(fr);
    expect(new URL(first.detail.url).searchParams.get('ui_locales')).to.equal('fr-CA');
    fr.close();
    fr.setAttribute('lang', 'en');
    await fr.updateComplete;
    await _wait(50);
    const second = await _startPopupFlow(fr);
    expect(new URL(second.detail.url).searchParams.get('ui_locales')).to.equal('en');
  });

  it('uses slotted content as the button label', async () => {
    const el = await _mount(_config(_key()));
    el.textContent = 'Link my account';
    const slot = el.shadowRoot?.querySelector('slot');
    expect(slot?.assignedNodes().map((n) => n.textContent)).to.deep.equal(['Link my account']);
  });

  it('opens the popup synchronously in the click, straight on the prepared /authorize URL with PKCE', async () => {
    const el = await _mount(_config(_key()));
    await _wait(50); // the request is prepared ahead, as after a page load
    const events = _record(el);
    const { popup, calls, detail } = await _startPopupFlow(el);
    expect(calls).to.have.length(1);
    expect(calls[0]?.[0]).to.equal(detail.url);
    const url = new URL(detail.url);
    expect(url.pathname).to.equal('/__authorize');
    expect(url.searchParams.get('client_id')).to.equal('dc-test-client');
    expect(url.searchParams.get('redirect_uri')).to.equal(`${location.origin}/callback`);
    expect(url.searchParams.get('provider_id')).to.equal('1000');
    expect(url.searchParams.get('scope')).to.equal('ACCOUNT_BASIC');
    expect(url.searchParams.get('code_challenge_method')).to.equal('S256');
    expect(url.searchParams.get('code_challenge')).to.match(/^[\w-]{43}$/);
    expect(popup.location.href).to.equal(detail.url);
    expect(detail).to.include({ provider_id: '1000', mode: 'popup' });
    expect(events.map((e) => e.name)).to.deep.equal(['flinks-open', 'flinks-authorize']);
    expect(el.state).to.equal('authorizing');
    expect(el.getAttribute('state')).to.equal('authorizing');
    expect(await _axeViolations(el)).to.deep.equal([]);
  });

  it('calls window.open before anything is awaited, even when the request is not prepared yet', async () => {
    const el = await _mount(_config(_key()));
    const { calls } = _stubOpen('window');
    _click(el);
    // Synchronously after the click: a popup blocker would only allow it here.
    expect(calls).to.have.length(1);
    // Blank: the PKCE request is prepared after the first render, so it is not ready yet.
    expect(calls[0]?.[0]).to.equal('');
  });

  it('emits consent then success with the exchange answer, every detail with session_id and timestamp', async () => {
    const key = _key();
    const el = await _mount(_config(key, { 'exchange-url': `/__exchange/ok?key=${key}` }));
    const events = _record(el);
    const consented = _next(el, 'flinks-consent');
    const callbacks: string[] = [];
    el.onConsent = () => callbacks.push('consent');
    el.onSuccess = () => callbacks.push('success');
    el.onEvent = (detail) => callbacks.push(`event:${detail.name}`);
    const { state, popup } = await _startPopupFlow(el);
    const success = _next(el, 'flinks-success');
    _bankAnswers({ code: 'the-code', state });
    const { detail } = await success;
    expect(detail.result).to.deep.equal({ connected: true, accounts: [{ id: 'a1' }] });
    expect(detail.provider_id).to.equal('1000');
    expect(events.map((e) => e.name)).to.deep.equal([
      'flinks-open',
      'flinks-authorize',
      'flinks-consent',
      'flinks-success',
    ]);
    const session = events[0]?.detail.session_id;
    expect(session).to.match(/^[0-9a-f-]{36}$/);
    for (const { detail: d } of events) {
      expect(d.session_id).to.equal(session);
      expect(new Date(String(d.timestamp)).toISOString()).to.equal(d.timestamp);
    }
    const consent: Record<string, unknown> = { ...(await consented).detail };
    expect(consent).to.include({ code: 'the-code', state, provider_id: '1000' });
    expect(consent.redirect_uri).to.equal(`${location.origin}/callback`);
    expect(consent.code_verifier).to.match(/^[\w-]{43,128}$/);
    expect(consent.correlation_id).to.match(/^[0-9a-f-]{36}$/);
    expect(callbacks).to.deep.equal([
      'event:flinks-open',
      'event:flinks-authorize',
      'consent',
      'event:flinks-consent',
      'success',
      'event:flinks-success',
    ]);
    // What the exchange endpoint really received: the contract body, as JSON.
    const requests = await _log(key);
    expect(requests).to.have.length(1);
    expect(requests[0]?.method).to.equal('POST');
    expect(requests[0]?.headers?.['content-type']).to.equal('application/json');
    expect(JSON.parse(requests[0]?.body ?? '{}')).to.deep.equal({
      code: 'the-code',
      code_verifier: consent.code_verifier,
      redirect_uri: consent.redirect_uri,
      state,
      provider_id: '1000',
      correlation_id: consent.correlation_id,
    });
    expect(popup.closed).to.equal(true);
    expect(el.state).to.equal('connected');
    expect(_statusText(el)).to.equal('Your bank is connected.');
    expect(await _axeViolations(el)).to.deep.equal([]);
  });

  it('events bubble out of the element and cross shadow roots', async () => {
    const el = await _mount(_config(_key()));
    const seen = new Promise<Event>((resolve) =>
      document.addEventListener('flinks-open', resolve, { once: true }),
    );
    _stubOpen('window');
    _click(el);
    const event = await seen;
    expect(event.bubbles).to.equal(true);
    expect(event.composed).to.equal(true);
  });

  it('without exchange-url hands code and code_verifier to the page in flinks-consent and exchanges nothing', async () => {
    const key = _key();
    const el = await _mount(_config(key));
    const { state } = await _startPopupFlow(el);
    const consent = _next(el, 'flinks-consent');
    _bankAnswers({ code: 'c0de', state });
    const { detail } = await consent;
    expect(detail.code).to.equal('c0de');
    expect(detail.code_verifier).to.have.length.greaterThan(42);
    await _wait(50);
    expect(await _log(key)).to.deep.equal([]);
  });

  /**
   * Starts a popup flow, lets `forge` send something that must not count (given the attempt's state), waits
   * `settle` ms, and checks that nothing happened; then the bank's real answer still connects: the listeners
   * were live, the forgery just did not count.
   */
  async function _ignoredThenConnects(forge: (state: string) => void, settle: number) {
    const key = _key();
    const el = await _mount(_config(key, { 'exchange-url': `/__exchange/ok?key=${key}` }));
    const events = _record(el);
    const { state } = await _startPopupFlow(el);
    forge(state);
    await _wait(settle);
    expect(events.map((e) => e.name)).to.deep.equal(['flinks-open', 'flinks-authorize']);
    expect(el.state).to.equal('authorizing');
    expect(await _log(key)).to.deep.equal([]);
    const success = _next(el, 'flinks-success');
    _bankAnswers({ code: 'real', state });
    await success;
  }

  it('ignores a callback message from another origin', async () => {
    await _ignoredThenConnects((state) => {
      const data = {
        type: 'flinks-connect:callback',
        url: `${location.origin}/callback?code=forged&state=${state}`,
      };
      window.dispatchEvent(new MessageEvent('message', { data, origin: 'https://evil.example' }));
    }, 100);
  });

  it('ignores a callback whose URL is of another origin, even with its state, on the same-origin channel', async () => {
    // Any page of this origin (another tab, an iframe) may post on the BroadcastChannel: a response that was not
    // sent to this origin's redirect-uri is not the bank's answer to this element, whatever state it carries.
    await _ignoredThenConnects((state) => {
      const channel = new BroadcastChannel(CALLBACK_CHANNEL);
      channel.postMessage({
        type: 'flinks-connect:callback',
        url: `https://evil.example/callback?code=forged&state=${state}`,
      });
      channel.close();
    }, 200);
  });

  it('ignores a message from a real cross-origin frame', async () => {
    const key = _key();
    const el = await _mount(_config(key, { 'exchange-url': `/__exchange/ok?key=${key}` }));
    const events = _record(el);
    const { state } = await _startPopupFlow(el);
    const other = new URL(location.href);
    other.hostname = other.hostname === 'localhost' ? '127.0.0.1' : 'localhost';
    const frame = document.createElement('iframe');
    frame.title = 'forger';
    const target = `${location.origin}/callback?code=forged&state=${state}`;
    frame.src = `${other.origin}/__forge.html?target=${encodeURIComponent(target)}`;
    const arrived = new Promise<MessageEvent>((resolve) =>
      window.addEventListener('message', (e) => e.origin === other.origin && resolve(e), { once: false }),
    );
    document.body.append(frame);
    const message = await arrived;
    expect(message.data.type).to.equal('flinks-connect:callback');
    await _wait(100);
    frame.remove();
    expect(events.map((e) => e.name)).to.deep.equal(['flinks-open', 'flinks-authorize']);
    expect(await _log(key)).to.deep.equal([]);
  });

  it('emits STATE_MISMATCH for an unknown state and exchanges nothing', async () => {
    const key = _key();
    const el = await _mount(_config(key, { 'exchange-url': `/__exchange/ok?key=${key}` }));
    const events = _record(el);
    await _startPopupFlow(el);
    const error = _next(el, 'flinks-error');
    _bankAnswers({ code: 'stolen', state: 'not-a-state-of-this-browser' });
    const { detail } = await error;
    expect(detail.code).to.equal('STATE_MISMATCH');
    expect(detail.message).to.match(/state/i);
    await _wait(100);
    expect(events.map((e) => e.name)).to.not.include('flinks-consent');
    expect(await _log(key)).to.deep.equal([]);
    expect(el.state).to.equal('error');
    expect(_statusText(el)).to.match(/could not be verified/);
    expect(await _axeViolations(el)).to.deep.equal([]);
  });

  it('accepts a state only once', async () => {
    const key = _key();
    const el = await _mount(_config(key, { 'exchange-url': `/__exchange/ok?key=${key}` }));
    const { state } = await _startPopupFlow(el);
    const success = _next(el, 'flinks-success');
    _bankAnswers({ code: 'one', state });
    await success;
    // A replay in a new attempt: the old state is gone.
    await _startPopupFlow(el);
    const error = _next(el, 'flinks-error');
    _bankAnswers({ code: 'two', state });
    expect((await error).detail.code).to.equal('STATE_MISMATCH');
    expect(await _log(key)).to.have.length(1);
  });

  it('emits ISSUER_MISMATCH when iss is not the configured issuer, and exchanges nothing', async () => {
    const key = _key();
    const el = await _mount(
      _config(key, { 'exchange-url': `/__exchange/ok?key=${key}`, issuer: 'https://bank.example' }),
    );
    const { state } = await _startPopupFlow(el);
    const error = _next(el, 'flinks-error');
    _bankAnswers({ code: 'c', state, iss: 'https://evil.example' });
    const { detail } = await error;
    expect(detail.code).to.equal('ISSUER_MISMATCH');
    expect(detail.message).to.include('https://bank.example');
    await _wait(50);
    expect(await _log(key)).to.deep.equal([]);
  });

  it('accepts the right iss when issuer is set', async () => {
    const key = _key();
    const el = await _mount(
      _config(key, { 'exchange-url': `/__exchange/ok?key=${key}`, issuer: 'https://bank.example' }),
    );
    const { state } = await _startPopupFlow(el);
    const success = _next(el, 'flinks-success');
    _bankAnswers({ code: 'c', state, iss: 'https://bank.example' });
    await success;
  });

  it('emits flinks-exit with access_denied when the user refuses', async () => {
    const key = _key();
    const el = await _mount(_config(key, { 'exchange-url': `/__exchange/ok?key=${key}` }));
    const events = _record(el);
    let exitCallback: unknown;
    el.onExit = (detail) => {
      exitCallback = detail;
    };
    const { state } = await _startPopupFlow(el);
    const exit = _next(el, 'flinks-exit');
    _bankAnswers({ error: 'access_denied', error_description: 'The customer said no', state });
    const { detail } = await exit;
    expect(detail).to.include({
      reason: 'access_denied',
      error: 'access_denied',
      error_description: 'The customer said no',
    });
    expect(exitCallback).to.deep.equal(detail);
    expect(events.map((e) => e.name)).to.deep.equal(['flinks-open', 'flinks-authorize', 'flinks-exit']);
    expect(await _log(key)).to.deep.equal([]);
    expect(el.state).to.equal('idle');
    // A refusal, not a cancel: the customer declined at the bank.
    expect(_statusText(el)).to.equal('The connection to your bank was declined.');
    expect(await _axeViolations(el)).to.deep.equal([]);
  });

  it('emits AUTHORIZATION_FAILED with the bank error passed on for a bank failure', async () => {
    const el = await _mount(_config(_key()));
    const { state } = await _startPopupFlow(el);
    const error = _next(el, 'flinks-error');
    _bankAnswers({ error: 'temporarily_unavailable', error_description: 'Maintenance', state });
    const { detail } = await error;
    expect(detail).to.include({
      code: 'AUTHORIZATION_FAILED',
      error: 'temporarily_unavailable',
      error_description: 'Maintenance',
    });
    expect(detail.message).to.include('temporarily_unavailable');
  });

  it('emits EXCHANGE_FAILED with the status when the exchange endpoint answers 500', async () => {
    const key = _key();
    const el = await _mount(_config(key, { 'exchange-url': `/__exchange/fail?key=${key}` }));
    let errorCallback: unknown;
    el.onError = (detail) => {
      errorCallback = detail;
    };
    const { state } = await _startPopupFlow(el);
    const error = _next(el, 'flinks-error');
    _bankAnswers({ code: 'c', state });
    const { detail } = await error;
    expect(detail.code).to.equal('EXCHANGE_FAILED');
    expect(detail.status).to.equal(500);
    expect(detail.message).to.include('500');
    expect(errorCallback).to.deep.equal(detail);
    expect(await _log(key)).to.have.length(1);
    expect(el.state).to.equal('error');
    expect(_statusText(el)).to.equal('The connection could not be finished. Please try again.');
    expect(el.shadowRoot?.querySelector('[part~="retry"]')?.textContent).to.equal('Try again');
    expect(await _axeViolations(el)).to.deep.equal([]);
  });

  it('emits POPUP_BLOCKED when the browser blocks the popup', async () => {
    const el = await _mount(_config(_key(), { 'no-redirect-fallback': '' }));
    _stubOpen('blocked');
    const events = _record(el);
    const error = _next(el, 'flinks-error');
    _click(el);
    const { detail } = await error;
    expect(detail.code).to.equal('POPUP_BLOCKED');
    expect(detail.message).to.match(/pop-?up/i);
    expect(events.map((e) => e.name)).to.deep.equal(['flinks-open', 'flinks-error']);
    expect(el.state).to.equal('error');
    expect(_statusText(el)).to.match(/blocked the bank’s window/);
  });

  it('reports INVALID_CONFIG saying what to fix, and works once the attribute is fixed', async () => {
    const el = await _mount(_config(_key(), { 'authorize-url': 'http://bank.example/authorize' }));
    const { calls } = _stubOpen('window');
    const error = _next(el, 'flinks-error');
    _click(el);
    const { detail } = await error;
    expect(detail.code).to.equal('INVALID_CONFIG');
    expect(detail.message).to.include('authorize-url');
    expect(detail.message).to.include('https');
    expect(calls).to.have.length(0);
    expect(el.state).to.equal('error');
    await el.updateComplete;
    // No "Try again" that cannot work: the customer sees that the button is not set up, the partner the message.
    expect(el.shadowRoot?.querySelector('[part~="retry"]')).to.equal(null);
    expect(_statusText(el)).to.equal('This button is not set up correctly.');
    expect(await _axeViolations(el)).to.deep.equal([]);
    el.setAttribute('authorize-url', `${location.origin}/__authorize`);
    await el.updateComplete;
    const authorize = _next(el, 'flinks-authorize');
    _click(el);
    await authorize;
    expect(calls).to.have.length(1);
  });

  it('reports INVALID_CONFIG for a missing client-id, an unknown scope and a bad mode', async () => {
    const cases: [Record<string, string>, RegExp][] = [
      [{ 'client-id': '' }, /client-id/],
      [{ scope: 'ACCOUNT_BASIC EVERYTHING' }, /EVERYTHING/],
      [{ mode: 'tab' }, /mode/],
      [{ 'provider-id': '' }, /provider-id/],
    ];
    for (const [attrs, message] of cases) {
      const el = await _mount(_config(_key(), attrs));
      const error = _next(el, 'flinks-error');
      _click(el);
      const { detail } = await error;
      expect(detail.code).to.equal('INVALID_CONFIG');
      expect(detail.message).to.match(message);
    }
  });

  it('uses the driver instead of a popup and still emits the same events', async () => {
    const el = await _mount({ 'provider-id': '1000', lang: 'en' });
    const { calls } = _stubOpen('window');
    const requests: unknown[] = [];
    el.driver = {
      async connect(request) {
        requests.push(request);
        return { type: 'success', result: { accounts: 2 } };
      },
    };
    const events = _record(el);
    const success = _next(el, 'flinks-success');
    _click(el);
    const { detail } = await success;
    expect(detail).to.include({ provider_id: '1000' });
    expect(detail.result).to.deep.equal({ accounts: 2 });
    expect(calls).to.have.length(0);
    expect(requests).to.deep.equal([{ provider_id: '1000', session_id: detail.session_id }]);
    expect(events.map((e) => e.name)).to.deep.equal(['flinks-open', 'flinks-success']);
    expect(el.state).to.equal('connected');
  });

  it('maps a driver exit and a driver error to flinks-exit and flinks-error', async () => {
    const el = await _mount({ 'provider-id': '1000', lang: 'en' });
    el.driver = { connect: async () => ({ type: 'exit', reason: 'closed' }) };
    const exit = _next(el, 'flinks-exit');
    _click(el);
    expect((await exit).detail.reason).to.equal('closed');
    el.driver = { connect: async () => ({ type: 'error', code: 'EXCHANGE_FAILED', message: 'HTTP 502' }) };
    const error = _next(el, 'flinks-error');
    _click(el);
    expect((await error).detail).to.include({ code: 'EXCHANGE_FAILED', message: 'HTTP 502' });
  });

  it('saves the pending flow in sessionStorage with the core flow store', async () => {
    const el = await _mount(_config(_key()));
    const { state } = await _startPopupFlow(el);
    const flow = await createStorageFlowStore().take(state);
    expect(flow?.provider_id).to.equal('1000');
    expect(flow?.redirect_uri).to.equal(`${location.origin}/callback`);
  });
});
