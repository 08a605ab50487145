import { expect } from '@esm-bundle/chai';
import { FlinksConnect } from '../../widget/index.ts';
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

/** Starts a flow that reaches the exchange endpoint `kind`, and resolves once the element is exchanging. */
async function _toExchange(el: FlinksConnect) {
  const flow = await _startPopupFlow(el);
  const consent = _next(el, 'flinks-consent');
  _bankAnswers({ code: 'c', state: flow.state });
  await consent;
  return flow;
}

const timings = { ...FlinksConnect.timings };

describe('<flinks-connect> popup lifecycle, states and exchange failures', () => {
  beforeEach(() => {
    Object.assign(FlinksConnect.timings, { poll: 20, severed: 150, grace: 60 });
  });
  afterEach(() => {
    Object.assign(FlinksConnect.timings, timings);
  });

  it('has no accessibility violations while authorizing', async () => {
    const el = await _mount(_config(_key()));
    await _startPopupFlow(el);
    await el.updateComplete;
    expect(el.shadowRoot?.querySelector('[part~="cancel"]')?.textContent).to.equal('Cancel');
    expect(await _axeViolations(el)).to.deep.equal([]);
  });

  it('emits flinks-exit with reason closed when the customer closes the popup', async () => {
    const el = await _mount(_config(_key()));
    const { popup } = await _startPopupFlow(el);
    await _wait(200); // past the time a COOP severance shows up
    const exit = _next(el, 'flinks-exit');
    popup.closed = true;
    const { detail } = await exit;
    expect(detail.reason).to.equal('closed');
    expect(detail).to.not.have.property('error');
    expect(el.state).to.equal('idle');
    await el.updateComplete;
    expect(_statusText(el)).to.equal('Connection cancelled.');
  });

  it('does not take a popup that looks closed right after navigating (COOP) as closed, and accepts the channel', async () => {
    const key = _key();
    const el = await _mount(_config(key, { 'exchange-url': `/__exchange/ok?key=${key}` }));
    const events = _record(el);
    const { popup, state } = await _startPopupFlow(el);
    popup.closed = true; // what a COOP-severed handle reports
    await _wait(300);
    // Not an exit: only the analytics event that the window was lost, while the channel stays the way back.
    expect(events.map((e) => e.name)).to.deep.equal(['flinks-open', 'flinks-authorize', 'flinks-stalled']);
    expect(el.state).to.equal('authorizing');
    // The callback page, with no opener, falls back to the BroadcastChannel.
    const success = _next(el, 'flinks-success');
    const channel = new BroadcastChannel('flinks-connect');
    channel.postMessage({
      type: 'flinks-connect:callback',
      url: `${location.origin}/callback?code=c&state=${state}`,
    });
    channel.close();
    await success;
  });

  it('offers to reopen the bank’s window or cancel, and reports flinks-stalled, when its handle reads closed at once', async () => {
    const el = await _mount(_config(_key()));
    const events = _record(el);
    const { popup } = await _startPopupFlow(el);
    const stalled = _next(el, 'flinks-event');
    popup.closed = true; // closed at once, or severed by COOP: the element cannot tell which
    const { detail } = await stalled;
    expect(detail).to.include({ name: 'flinks-stalled', reason: 'window_lost' });
    expect(detail.session_id).to.equal(events[0]?.detail.session_id);
    await el.updateComplete;
    expect(el.state).to.equal('authorizing');
    expect(_statusText(el)).to.match(/Reopen it or cancel/);
    expect(el.shadowRoot?.querySelector('[part~="reopen"]')?.textContent).to.equal(
      'Reopen the bank’s window',
    );
    expect(el.shadowRoot?.querySelector('[part~="cancel"]')?.textContent).to.equal('Cancel');
    expect(await _axeViolations(el)).to.deep.equal([]);
    // Reopen: the lost attempt ends as closed, and a new one opens a new window on the same bank.
    const again = _stubOpen('window');
    const authorize = _next(el, 'flinks-authorize');
    _click(el, 'reopen');
    const { detail: next } = await authorize;
    expect(again.calls).to.have.length(1);
    expect(next.provider_id).to.equal('1000');
    expect(events.map((e) => e.name)).to.deep.equal([
      'flinks-open',
      'flinks-authorize',
      'flinks-stalled',
      'flinks-exit',
      'flinks-open',
      'flinks-authorize',
    ]);
    expect(events[3]?.detail.reason).to.equal('closed');
    expect(next.session_id).to.not.equal(events[0]?.detail.session_id);
    await el.updateComplete;
    expect(el.shadowRoot?.querySelector('[part~="reopen"]')).to.equal(null);
  });

  it('reports flinks-stalled with reason no_callback once the bank’s window sent nothing back in time', async () => {
    FlinksConnect.timings.stalled = 300;
    const el = await _mount(_config(_key()));
    await _startPopupFlow(el);
    await el.updateComplete;
    expect(el.shadowRoot?.querySelector('[part~="reopen"]')).to.equal(null);
    const { detail } = await _next(el, 'flinks-event');
    expect(detail).to.include({ name: 'flinks-stalled', reason: 'no_callback' });
    await el.updateComplete;
    expect(el.shadowRoot?.querySelector('[part~="reopen"]')).to.not.equal(null);
    // Cancel still ends it as the customer's choice.
    const exit = _next(el, 'flinks-exit');
    _click(el, 'cancel');
    expect((await exit).detail.reason).to.equal('cancelled');
  });

  it('ignores a broadcast callback for another tab’s state', async () => {
    const el = await _mount(_config(_key()));
    const events = _record(el);
    await _startPopupFlow(el);
    const channel = new BroadcastChannel('flinks-connect');
    channel.postMessage({
      type: 'flinks-connect:callback',
      url: `${location.origin}/callback?code=c&state=other-tab`,
    });
    channel.close();
    await _wait(150);
    expect(events.map((e) => e.name)).to.deep.equal(['flinks-open', 'flinks-authorize']);
    expect(el.state).to.equal('authorizing');
  });

  it('focuses the open popup on a second click instead of starting a second flow', async () => {
    const el = await _mount(_config(_key()));
    const events = _record(el);
    const { popup, calls } = await _startPopupFlow(el);
    _click(el);
    el.open();
    expect(popup.focused).to.equal(2);
    expect(calls).to.have.length(1);
    expect(events.filter((e) => e.name === 'flinks-open')).to.have.length(1);
  });

  it('cancel ends the attempt with flinks-exit reason cancelled and closes the popup', async () => {
    const el = await _mount(_config(_key()));
    const { popup } = await _startPopupFlow(el);
    await el.updateComplete;
    const exit = _next(el, 'flinks-exit');
    _click(el, 'cancel');
    expect((await exit).detail.reason).to.equal('cancelled');
    expect(popup.closed).to.equal(true);
    expect(el.state).to.equal('idle');
  });

  it('reflects each state as an attribute: idle, authorizing, exchanging, connected', async () => {
    const key = _key();
    const el = await _mount(_config(key, { 'exchange-url': `/__exchange/slow?key=${key}` }));
    const seen: string[] = [el.getAttribute('state') ?? ''];
    const observer = new MutationObserver(() => seen.push(el.getAttribute('state') ?? ''));
    observer.observe(el, { attributeFilter: ['state'] });
    await _toExchange(el);
    expect(el.state).to.equal('exchanging');
    await el.updateComplete;
    const button = el.shadowRoot?.querySelector('button[part~="button"]');
    expect(button?.hasAttribute('disabled')).to.equal(true);
    expect(_statusText(el)).to.equal('Finishing the connection…');
    expect(el.shadowRoot?.querySelector('.spinner')).to.not.equal(null);
    expect(await _axeViolations(el)).to.deep.equal([]);
    await _next(el, 'flinks-success');
    await Promise.resolve();
    observer.disconnect();
    expect(seen).to.deep.equal(['idle', 'authorizing', 'exchanging', 'connected']);
    // The property is read-only.
    expect(() => {
      (el as unknown as { state: string }).state = 'idle';
    }).to.throw(TypeError);
  });

  it('emits EXCHANGE_TIMEOUT when the exchange takes longer than exchange-timeout', async () => {
    const key = _key();
    const el = await _mount(
      _config(key, { 'exchange-url': `/__exchange/stall?key=${key}`, 'exchange-timeout': '300' }),
    );
    const events = _record(el);
    await _toExchange(el);
    // Waited for only once the exchange is under way: opening the bank's window can take seconds on a loaded
    // machine, and the endpoint answers (too late) after 10 s, so a timer that fired late still wins.
    const { detail } = await _next(el, 'flinks-error').catch((cause) => {
      throw new Error(`${cause.message}; events: ${events.map((e) => e.name).join(', ')}`);
    });
    expect(detail.code).to.equal('EXCHANGE_TIMEOUT');
    expect(el.state).to.equal('error');
    await el.updateComplete;
    expect(_statusText(el)).to.equal('The server took too long to answer. Please try again.');
    expect(await _log(key)).to.have.length(1);
  });

  it('emits EXCHANGE_INVALID_RESPONSE when the exchange answers 2xx without JSON', async () => {
    const key = _key();
    const el = await _mount(_config(key, { 'exchange-url': `/__exchange/text?key=${key}` }));
    const error = _next(el, 'flinks-error');
    await _toExchange(el);
    expect((await error).detail.code).to.equal('EXCHANGE_INVALID_RESPONSE');
  });

  it('emits EXCHANGE_NETWORK_ERROR when the exchange endpoint cannot be reached', async () => {
    // Port 9 on loopback: nothing listens there, the connection is refused.
    const el = await _mount(_config(_key(), { 'exchange-url': 'http://127.0.0.1:9/exchange' }));
    const error = _next(el, 'flinks-error');
    await _toExchange(el);
    const { detail } = await error;
    expect(detail.code).to.equal('EXCHANGE_NETWORK_ERROR');
    expect(detail.message).to.include('http://127.0.0.1:9/exchange');
    await el.updateComplete;
    expect(_statusText(el)).to.match(/server could not be reached/);
  });

  it('close() during the exchange aborts it with EXCHANGE_ABORTED', async () => {
    const key = _key();
    const el = await _mount(_config(key, { 'exchange-url': `/__exchange/slow?key=${key}` }));
    const events = _record(el);
    await _toExchange(el);
    const error = _next(el, 'flinks-error');
    el.close();
    expect((await error).detail.code).to.equal('EXCHANGE_ABORTED');
    await _wait(1600); // past the slow answer: it must not turn into a success
    expect(events.map((e) => e.name)).to.not.include('flinks-success');
    expect(el.state).to.equal('error');
  });

  it('removing the element during the exchange aborts it with EXCHANGE_ABORTED', async () => {
    const key = _key();
    const el = await _mount(_config(key, { 'exchange-url': `/__exchange/slow?key=${key}` }));
    await _toExchange(el);
    const error = _next(el, 'flinks-error');
    el.remove();
    expect((await error).detail.code).to.equal('EXCHANGE_ABORTED');
  });

  it('reset() returns to idle and clears the status', async () => {
    const key = _key();
    const el = await _mount(_config(key, { 'exchange-url': `/__exchange/fail?key=${key}` }));
    const error = _next(el, 'flinks-error');
    await _toExchange(el);
    await error;
    el.reset();
    await el.updateComplete;
    expect(el.state).to.equal('idle');
    expect(el.getAttribute('state')).to.equal('idle');
    expect(_statusText(el)).to.equal('');
    expect(el.shadowRoot?.querySelector('[part~="retry"]')).to.equal(null);
  });

  it('the retry button starts a new attempt with a new session', async () => {
    const key = _key();
    const el = await _mount(_config(key, { 'exchange-url': `/__exchange/fail?key=${key}` }));
    const error = _next(el, 'flinks-error');
    await _toExchange(el);
    const first = (await error).detail.session_id;
    await el.updateComplete;
    const { calls } = _stubOpen('window');
    const open = _next(el, 'flinks-open');
    _click(el, 'retry');
    const second = (await open).detail.session_id;
    expect(second).to.not.equal(first);
    expect(calls).to.have.length(1);
    expect(el.state).to.equal('authorizing');
  });

  it('sends exchangeHeaders (object or function) and keeps Content-Type JSON', async () => {
    for (const headers of [
      { 'X-CSRF-Token': 'csrf-1' },
      async () => ({ 'X-CSRF-Token': 'csrf-2', 'Content-Type': 'text/plain' }),
    ]) {
      const key = _key();
      const el = await _mount(_config(key, { 'exchange-url': `/__exchange/ok?key=${key}` }));
      el.exchangeHeaders = headers;
      const success = _next(el, 'flinks-success');
      await _toExchange(el);
      await success;
      const [request] = await _log(key);
      expect(request?.headers?.['x-csrf-token']).to.match(/^csrf-[12]$/);
      expect(request?.headers?.['content-type']).to.equal('application/json');
    }
  });

  it('rejects an exchange-credentials value other than same-origin or include', async () => {
    const el = await _mount(_config(_key(), { 'exchange-credentials': 'omit-all' }));
    const error = _next(el, 'flinks-error');
    _stubOpen('window');
    _click(el);
    const { detail } = await error;
    expect(detail.code).to.equal('INVALID_CONFIG');
    expect(detail.message).to.include('exchange-credentials');
  });
});
