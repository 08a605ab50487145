import { expect } from '@esm-bundle/chai';
import { emulateMedia } from '@web/test-runner-commands';
import type { FlinksConnect } from '../../widget/index.ts';
import {
  _axeViolations,
  _bankAnswers,
  _click,
  _config,
  _erroredElement,
  _key,
  _mount,
  _next,
  _skipIn,
  _startPopupFlow,
  _statusText,
  _stubOpen,
  _wait,
} from './_helpers.ts';

function _buttons(el: FlinksConnect): string[] {
  return [...(el.shadowRoot?.querySelectorAll('button') ?? [])].map((b) => b.textContent?.trim() ?? '');
}

/** The picker opened from providers-url, Desjardins chosen: the bank's window (a stub) is open on it. */
async function _connectingToDesjardins(extra: Record<string, string> = {}) {
  const key = _key();
  const config = _config(key, { 'providers-url': `/__providers/ok?key=${key}`, ...extra });
  delete config['provider-id'];
  const el = await _mount(config);
  _stubOpen('window');
  _click(el);
  for (let i = 0; i < 100 && !el.shadowRoot?.querySelector('[part~="item"]'); i++) await _wait(20);
  const authorize = _next(el, 'flinks-authorize');
  el.shadowRoot?.querySelectorAll<HTMLElement>('[part~="item"]')[1]?.click();
  const state = new URL((await authorize).detail.url).searchParams.get('state') ?? '';
  await el.updateComplete;
  return { el, state };
}

describe('<flinks-connect> states: connecting, connected, refused, error', () => {
  it('says which bank it is connecting to while the bank’s window is open', async () => {
    const { el } = await _connectingToDesjardins();
    expect(el.state).to.equal('authorizing');
    expect(_statusText(el)).to.equal('Connecting to Desjardins… Continue in its window.');
    expect(await _axeViolations(el)).to.deep.equal([]);
  });

  it('shows the bank connected with a check, and offers "Connect another bank" as the one button', async () => {
    const { el, state } = await _connectingToDesjardins({ 'exchange-url': '/__exchange/ok' });
    const success = _next(el, 'flinks-success');
    _bankAnswers({ code: 'c', state });
    await success;
    await el.updateComplete;
    expect(_statusText(el)).to.equal('Connected to Desjardins.');
    expect(el.shadowRoot?.querySelector('[part~="status"] .check')?.getAttribute('aria-hidden')).to.equal(
      'true',
    );
    expect(_buttons(el)).to.deep.equal(['Connect another bank']);
    expect(await _axeViolations(el)).to.deep.equal([]);
    const open = _next(el, 'flinks-open');
    _click(el);
    await open;
    expect(el.state).to.equal('choosing');
  });

  it('hides its button once connected with hide-when-connected', async () => {
    const key = _key();
    const el = await _mount(
      _config(key, { 'exchange-url': `/__exchange/ok?key=${key}`, 'hide-when-connected': '' }),
    );
    const { state } = await _startPopupFlow(el);
    const success = _next(el, 'flinks-success');
    _bankAnswers({ code: 'c', state });
    await success;
    await el.updateComplete;
    expect(_buttons(el)).to.deep.equal([]);
    expect(_statusText(el)).to.equal('Your bank is connected.');
    expect(await _axeViolations(el)).to.deep.equal([]);
  });

  it('says the connection was declined when the customer refuses at the bank, in English and French', async () => {
    for (const [lang, text] of [
      ['en', 'The connection to Desjardins was declined.'],
      ['fr', 'La connexion à Desjardins a été refusée.'],
    ] as const) {
      const { el, state } = await _connectingToDesjardins({ lang });
      const exit = _next(el, 'flinks-exit');
      _bankAnswers({ error: 'access_denied', state });
      expect((await exit).detail.reason).to.equal('access_denied');
      await el.updateComplete;
      expect(el.state).to.equal('idle');
      expect(_statusText(el)).to.equal(text);
      expect(await _axeViolations(el)).to.deep.equal([]);
    }
  });

  it('offers one action after an error: the main button becomes "Try again"', async () => {
    const el = await _erroredElement();
    expect(_buttons(el)).to.deep.equal(['Try again']);
    const button = el.shadowRoot?.querySelector('button');
    expect(button?.getAttribute('part')).to.equal('button retry');
    const open = _next(el, 'flinks-open');
    _click(el, 'retry');
    await open;
    expect(el.state).to.equal('authorizing');
  });

  it('offers no retry for INVALID_CONFIG: only the button, unchanged', async () => {
    const el = await _mount(_config(_key(), { 'authorize-url': 'http://bank.example/authorize' }));
    const error = _next(el, 'flinks-error');
    _click(el);
    expect((await error).detail.code).to.equal('INVALID_CONFIG');
    await el.updateComplete;
    expect(_buttons(el)).to.deep.equal(['Connect your bank']);
    expect(el.shadowRoot?.querySelector('[part~="retry"]')).to.equal(null);
  });

  it('has no accessibility violations in dark mode: the picker dialog, connecting, connected', async function () {
    _skipIn(
      this,
      ['Firefox', 'WebKit'],
      'Chromium only: media features are emulated over the DevTools protocol, which WebDriver BiDi and WebDriver lack',
    );
    await emulateMedia({ colorScheme: 'dark' });
    try {
      const key = _key();
      const config = _config(key, { 'providers-url': `/__providers/popular?key=${key}` });
      delete config['provider-id'];
      const picker = await _mount(config);
      _click(picker);
      for (let i = 0; i < 100 && !picker.shadowRoot?.querySelector('[part~="item"]'); i++) await _wait(20);
      expect(await _axeViolations(picker)).to.deep.equal([]);
      picker.close();
      const { el, state } = await _connectingToDesjardins({ 'exchange-url': '/__exchange/ok' });
      expect(await _axeViolations(el)).to.deep.equal([]);
      const success = _next(el, 'flinks-success');
      _bankAnswers({ code: 'c', state });
      await success;
      await el.updateComplete;
      expect(await _axeViolations(el)).to.deep.equal([]);
    } finally {
      await emulateMedia({ colorScheme: 'light' });
    }
  });

  it('counts banks with the language’s plural rules', async () => {
    const key = _key();
    for (const [lang, kind, text] of [
      ['fr', 'ok', '4 banques'],
      ['en', 'broken', '3 banks'],
    ] as const) {
      const config = _config(key, { 'providers-url': `/__providers/${kind}?key=${key}`, lang });
      delete config['provider-id'];
      const el = await _mount(config);
      _click(el);
      for (let i = 0; i < 100 && !el.shadowRoot?.querySelector('.count'); i++) await _wait(20);
      expect(el.shadowRoot?.querySelector('.count')?.textContent?.trim()).to.equal(text);
      el.close();
    }
  });
});
