import { expect } from '@esm-bundle/chai';
import type { FlinksConnect } from '../../widget/index.ts';
import { _key, _log, _wait } from './_helpers.ts';

async function _until<T>(get: () => T | undefined | null | false, what: string): Promise<T> {
  for (let i = 0; i < 200; i++) {
    const value = get();
    if (value) return value;
    await _wait(25);
  }
  throw new Error(`never: ${what}`);
}

describe('<flinks-connect> under the strict CSP with Trusted Types', () => {
  it('renders, picks a bank, authorizes and reports an exchange failure without a single violation', async () => {
    const key = _key();
    const frame = document.createElement('iframe');
    frame.title = 'strict partner page';
    frame.src = `/__csp.html?key=${key}`;
    document.body.append(frame);
    try {
      type Strict = Window & { violations?: string[]; ready?: boolean };
      const win = () => frame.contentWindow as Strict | null;
      const el = await _until(
        () => win()?.ready && (win()?.document.querySelector('flinks-connect') as FlinksConnect | null),
        'the strict page loaded',
      );
      await _until(() => el.shadowRoot?.querySelector('[part~="button"]'), 'the element rendered');
      // Its styles arrived through adoptedStyleSheets, which style-src 'self' allows.
      expect(el.shadowRoot?.adoptedStyleSheets.length).to.be.greaterThan(0);
      const seen: string[] = [];
      let authorizeUrl = '';
      el.addEventListener('flinks-select-provider', () => seen.push('select'));
      el.addEventListener('flinks-authorize', (e) => {
        seen.push('authorize');
        authorizeUrl = e.detail.url;
      });
      el.addEventListener('flinks-error', (e) => seen.push(e.detail.code));
      el.shadowRoot?.querySelector<HTMLButtonElement>('[part~="button"]')?.click();
      const item = await _until(
        () => el.shadowRoot?.querySelector<HTMLElement>('[part~="item"]'),
        'the picker listed the banks',
      );
      item.click();
      await _until(() => authorizeUrl, 'authorize');
      // The bank answers; the exchange endpoint fails: the error state with its retry renders too.
      const state = new URL(authorizeUrl).searchParams.get('state');
      const callback = `${location.origin}/callback?code=c&state=${state}`;
      win()?.postMessage({ type: 'flinks-connect:callback', url: callback }, location.origin);
      await _until(() => el.shadowRoot?.querySelector('[part~="retry"]'), 'the error state');
      expect(seen).to.deep.equal(['select', 'authorize', 'EXCHANGE_FAILED']);
      expect(win()?.violations).to.deep.equal([]);
      expect((await _log(key)).map((r) => r.path)).to.deep.equal(['/__providers/ok', '/__exchange/fail']);
    } finally {
      frame.remove();
    }
  });
});
