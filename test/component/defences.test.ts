// Browser-side defences of issue 10: exchange-url and providers-url must be https (http only on loopback),
// the analytics copy (`flinks-event`) never carries what could finish a flow, and hostile provider data in the
// picker stays text.
import { expect } from '@esm-bundle/chai';
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
  _stubOpen,
  _wait,
} from './_helpers.ts';

describe('<flinks-connect> refuses an exchange-url that is not https (http only on loopback)', () => {
  for (const url of [
    'data:application/json,{"connected":true}',
    'javascript:alert(1)',
    'http://partner.example/api/flinks/exchange',
  ]) {
    it(`reports INVALID_CONFIG for ${url.split(/[,(]/)[0]} and opens no window`, async () => {
      const el = await _mount(_config(_key(), { 'exchange-url': url }));
      const { calls } = _stubOpen('window');
      const events = _record(el);
      const error = _next(el, 'flinks-error');
      _click(el);
      const { detail } = await error;
      expect(detail.code).to.equal('INVALID_CONFIG');
      expect(detail.message).to.include('exchange-url');
      expect(detail.message).to.match(/must use https \(plain http is allowed only on localhost\)/);
      expect(calls).to.have.length(0);
      expect(events.map((e) => e.name)).to.deep.equal(['flinks-open', 'flinks-error']);
      expect(await _axeViolations(el)).to.deep.equal([]);
    });
  }

  it('checks exchange-url again when the code comes back: a changed attribute cannot fake a success', async () => {
    const key = _key();
    const el = await _mount(_config(key, { 'exchange-url': `/__exchange/ok?key=${key}` }));
    const events = _record(el);
    const { state } = await _startPopupFlow(el);
    // A script swaps the endpoint while the customer is at the bank.
    el.setAttribute('exchange-url', 'data:application/json,{"connected":true}');
    const error = _next(el, 'flinks-error');
    _bankAnswers({ code: 'c', state });
    expect((await error).detail.code).to.equal('INVALID_CONFIG');
    await _wait(50);
    expect(events.map((e) => e.name)).to.not.include('flinks-success');
    expect(el.state).to.equal('error');
  });

  it('accepts a relative exchange-url, an https one and plain http on loopback', async () => {
    for (const url of ['/api/exchange', 'https://partner.example/x', 'http://127.0.0.1:9/x']) {
      const el = await _mount(_config(_key(), { 'exchange-url': url }));
      _stubOpen('window');
      const authorize = _next(el, 'flinks-authorize');
      _click(el);
      await authorize;
      expect(el.state).to.equal('authorizing');
    }
  });

  it('never fetches a providers-url that is not https, and says why in PROVIDERS_FAILED', async () => {
    const el = await _mount(
      _config(_key(), {
        'provider-id': '',
        'providers-url': 'data:application/json,[{"provider_id":1,"name":"Fake"}]',
      }),
    );
    const error = _next(el, 'flinks-error');
    _click(el);
    const { detail } = await error;
    expect(detail.code).to.equal('PROVIDERS_FAILED');
    expect(detail.message).to.match(/providers-url .* must use https/);
    await el.updateComplete;
    expect(el.shadowRoot?.querySelector('[part~="item"]')).to.equal(null);
  });
});

describe('<flinks-connect> keeps code, code_verifier and state out of flinks-event', () => {
  it('sends analytics copies of every event without the code, its verifier or the state', async () => {
    const key = _key();
    const el = await _mount(_config(key, { 'exchange-url': `/__exchange/ok?key=${key}` }));
    const analytics: Record<string, unknown>[] = [];
    el.addEventListener('flinks-event', (e) => analytics.push(e.detail));
    const viaCallback: Record<string, unknown>[] = [];
    el.onEvent = (detail) => viaCallback.push(detail);
    _stubOpen('window');
    const authorize = _next(el, 'flinks-authorize');
    _click(el);
    const authorizeUrl = (await authorize).detail.url;
    const state = new URL(authorizeUrl).searchParams.get('state') ?? '';
    const consent = _next(el, 'flinks-consent');
    const success = _next(el, 'flinks-success');
    _bankAnswers({ code: 'the-secret-code', state });
    const full = (await consent).detail;
    await success;
    // flinks-consent itself still hands the page everything it needs.
    expect(full).to.include({ code: 'the-secret-code', state });
    expect(full.code_verifier).to.match(/^[\w-]{43,128}$/);
    expect(analytics.map((d) => d.name)).to.deep.equal([
      'flinks-open',
      'flinks-authorize',
      'flinks-consent',
      'flinks-success',
    ]);
    expect(viaCallback).to.deep.equal(analytics);
    for (const detail of analytics) {
      expect(detail).to.not.have.any.keys('code_verifier', 'state');
      if (detail.name !== 'flinks-error') expect(detail).to.not.have.property('code');
      const text = JSON.stringify(detail);
      for (const secret of ['the-secret-code', full.code_verifier, state])
        expect(text).to.not.include(secret);
    }
    // What analytics may keep: the step, the bank, the correlation id, the authorize endpoint.
    const consentCopy = analytics[2] ?? {};
    expect(consentCopy).to.include({ provider_id: '1000', correlation_id: full.correlation_id });
    const copyUrl = new URL(String(analytics[1]?.url));
    expect(copyUrl.pathname).to.equal('/__authorize');
    expect(copyUrl.searchParams.get('client_id')).to.equal('dc-test-client');
    expect(copyUrl.searchParams.has('state')).to.equal(false);
  });

  it('keeps the error code on the analytics copy of flinks-error', async () => {
    const el = await _mount(_config(_key()));
    const analytics: Record<string, unknown>[] = [];
    el.addEventListener('flinks-event', (e) => analytics.push(e.detail));
    _stubOpen('window');
    const authorize = _next(el, 'flinks-authorize');
    _click(el);
    await authorize;
    const error = _next(el, 'flinks-error');
    _bankAnswers({ code: 'x', state: 'forged' });
    await error;
    expect(analytics.at(-1)).to.include({ name: 'flinks-error', code: 'STATE_MISMATCH' });
  });
});

describe('<flinks-connect> shows hostile provider data as text', () => {
  it('renders markup in bank names as text and drops javascript: and data: logos', async () => {
    const key = _key();
    const el = await _mount(
      _config(key, { 'provider-id': '', 'providers-url': `/__providers/hostile?key=${key}` }),
    );
    // Every logo ever rendered, kept even if it is gone by the time the test looks (a logo that fails to load
    // is replaced by its monogram).
    const rendered: (string | null)[] = [];
    new MutationObserver((records) => {
      for (const record of records)
        for (const node of record.addedNodes)
          if (node instanceof Element)
            for (const img of [node, ...node.querySelectorAll('img')].filter((n) => n.localName === 'img'))
              rendered.push(img.getAttribute('src'));
    }).observe(el.shadowRoot as ShadowRoot, { childList: true, subtree: true });
    _click(el);
    for (let i = 0; i < 100 && !el.shadowRoot?.querySelector('[part~="item"]'); i++) await _wait(20);
    const items = [...(el.shadowRoot?.querySelectorAll('[part~="item"]') ?? [])];
    expect(items.map((li) => li.textContent)).to.deep.equal([
      '<img src=x onerror="window.pwned=1">Evil Bank',
      'Data Bank',
      'Fine Bank',
    ]);
    const logos = [...(el.shadowRoot?.querySelectorAll('img') ?? [])].map((img) => img.getAttribute('src'));
    expect(logos).to.deep.equal(['/__logo.svg']);
    expect(rendered, 'no javascript: or data: logo was ever put in the page').to.deep.equal(['/__logo.svg']);
    await _wait(100);
    expect((window as Window & { pwned?: number }).pwned).to.equal(undefined);
    expect(await _axeViolations(el)).to.deep.equal([]);
    el.close();
    expect((await _log(key)).map((r) => r.path)).to.deep.equal(['/__providers/hostile']);
  });
});
