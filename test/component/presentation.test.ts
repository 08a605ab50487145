import { expect } from '@esm-bundle/chai';
import { emulateMedia, sendKeys, setViewport } from '@web/test-runner-commands';
import type { FlinksConnect } from '../../widget/index.ts';
import {
  _axeViolations,
  _bankAnswers,
  _click,
  _config,
  _ENGINE,
  _erroredElement,
  _key,
  _mount,
  _next,
  _skipIn,
  _startPopupFlow,
  _wait,
} from './_helpers.ts';

const NO_MEDIA =
  'Chromium only: media features are emulated over the DevTools protocol, which WebDriver BiDi and WebDriver lack';

function _button(el: FlinksConnect): HTMLButtonElement {
  const button = el.shadowRoot?.querySelector<HTMLButtonElement>('[part~="button"]');
  if (!button) throw new Error('no button');
  return button;
}

describe('<flinks-connect> presentation: colour schemes, motion, focus, zoom and theming', () => {
  afterEach(async () => {
    if (_ENGINE === 'Chromium') await emulateMedia({ colorScheme: 'light', reducedMotion: 'no-preference' });
    if (_ENGINE !== 'WebKit') await setViewport({ width: 800, height: 600 });
    document.documentElement.style.removeProperty('font-size');
  });

  it('has no accessibility violations in dark mode, idle and in error, with its own dark colours', async function () {
    _skipIn(this, ['Firefox', 'WebKit'], NO_MEDIA);
    const el = await _mount(_config(_key()));
    const light = getComputedStyle(_button(el)).backgroundColor;
    await emulateMedia({ colorScheme: 'dark' });
    const dark = getComputedStyle(_button(el)).backgroundColor;
    expect(dark).to.not.equal(light);
    expect(await _axeViolations(el)).to.deep.equal([]);
    const errored = await _erroredElement();
    expect(await _axeViolations(errored)).to.deep.equal([]);
  });

  it('honours the hidden attribute despite its own display', async () => {
    const el = await _mount(_config(_key()));
    expect(getComputedStyle(el).display).to.equal('inline-block');
    el.hidden = true;
    expect(getComputedStyle(el).display).to.equal('none');
  });

  it('follows --flinks-connect-* custom properties and can be styled through its parts', async () => {
    const el = await _mount(_config(_key()));
    el.style.setProperty('--flinks-connect-accent', 'rgb(1, 2, 3)');
    el.style.setProperty('--flinks-connect-radius', '0px');
    el.style.setProperty('--flinks-connect-font', 'monospace');
    const button = getComputedStyle(_button(el));
    expect(button.backgroundColor).to.equal('rgb(1, 2, 3)');
    expect(button.borderTopLeftRadius).to.equal('0px');
    expect(button.fontFamily).to.equal('monospace');
    const sheet = new CSSStyleSheet();
    sheet.replaceSync('flinks-connect::part(button) { text-transform: uppercase; }');
    document.adoptedStyleSheets = [...document.adoptedStyleSheets, sheet];
    try {
      expect(getComputedStyle(_button(el)).textTransform).to.equal('uppercase');
    } finally {
      document.adoptedStyleSheets = document.adoptedStyleSheets.filter((s) => s !== sheet);
    }
  });

  it('shows a visible focus ring when reached with the keyboard', async () => {
    const before = document.createElement('button');
    before.textContent = 'before';
    document.body.prepend(before);
    try {
      const el = await _mount(_config(_key()));
      before.focus();
      await sendKeys({ press: 'Tab' });
      expect(el.shadowRoot?.activeElement).to.equal(_button(el));
      const style = getComputedStyle(_button(el));
      expect(style.outlineStyle).to.equal('solid');
      expect(Number.parseFloat(style.outlineWidth)).to.be.at.least(2);
    } finally {
      before.remove();
    }
  });

  it('keeps its progress spinner still-ish under prefers-reduced-motion', async function () {
    _skipIn(this, ['Firefox', 'WebKit'], NO_MEDIA);
    const key = _key();
    const el = await _mount(_config(key, { 'exchange-url': `/__exchange/slow?key=${key}` }));
    const { state } = await _startPopupFlow(el);
    const consent = _next(el, 'flinks-consent');
    _bankAnswers({ code: 'c', state });
    await consent;
    await el.updateComplete;
    const spinner = el.shadowRoot?.querySelector('.spinner');
    if (!spinner) throw new Error('no spinner while exchanging');
    const normal = Number.parseFloat(getComputedStyle(spinner).animationDuration);
    await emulateMedia({ reducedMotion: 'reduce' });
    const reduced = Number.parseFloat(getComputedStyle(spinner).animationDuration);
    expect(reduced).to.be.greaterThan(normal * 2);
    await _next(el, 'flinks-success');
  });

  it('reflows at 320 CSS px with text at 200% (WCAG 1.4.10): nothing wider than the viewport', async function () {
    _skipIn(
      this,
      ['WebKit'],
      "Chromium and Firefox only: web-test-runner's WebDriver launcher cannot resize the viewport",
    );
    await setViewport({ width: 320, height: 640 });
    document.documentElement.style.fontSize = '200%';
    const key = _key();
    const config = _config(key, { 'providers-url': `/__providers/ok?key=${key}`, lang: 'fr' });
    delete config['provider-id'];
    const el = await _mount(config);
    _click(el);
    for (let i = 0; i < 100 && !el.shadowRoot?.querySelector('.count'); i++) await _wait(20);
    await el.updateComplete;
    const widest = Math.max(
      el.getBoundingClientRect().right,
      ...[...(el.shadowRoot?.querySelectorAll('*') ?? [])].map((n) => n.getBoundingClientRect().right),
    );
    expect(widest).to.be.at.most(320);
    expect(document.documentElement.scrollWidth).to.be.at.most(320);
    expect(await _axeViolations(el)).to.deep.equal([]);
  });
});
