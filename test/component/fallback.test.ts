import { expect } from '@esm-bundle/chai';
import { sendMouse } from '@web/test-runner-commands';
import type { FlinksConnect } from '../../widget/index.ts';
import { _ENGINE, _key, _log, _wait } from './_helpers.ts';

/** Waits until the frame's current document has loaded the widget, and returns its element. */
async function _frameElement(frame: HTMLIFrameElement, until: (el: FlinksConnect) => boolean) {
  for (let i = 0; i < 100; i++) {
    const win = frame.contentWindow as (Window & { ready?: boolean }) | null;
    const el = win?.ready ? win.document.querySelector('flinks-connect') : null;
    if (el && until(el)) return el;
    await _wait(40);
  }
  throw new Error('the framed partner page never got there');
}

describe('<flinks-connect> when the popup is blocked', () => {
  it('emits POPUP_BLOCKED, falls back to a full-page redirect and finishes on the redirect-uri page', async () => {
    const key = _key();
    const frame = document.createElement('iframe');
    frame.title = 'partner page';
    frame.src = `/__page.html?key=${key}`;
    document.body.append(frame);
    try {
      const el = await _frameElement(frame, () => true);
      await el.updateComplete;
      const events: { name: string; detail: Record<string, unknown> }[] = [];
      el.addEventListener('flinks-event', (e) => events.push({ name: e.detail.name, detail: e.detail }));
      el.shadowRoot?.querySelector<HTMLButtonElement>('[part~="button"]')?.click();
      // The bank answers, the frame comes back to the redirect-uri page, whose element resumes the flow.
      const back = await _frameElement(frame, (e) => e.state === 'connected');
      expect(events.map((e) => [e.name, e.detail.code ?? e.detail.mode])).to.deep.equal([
        ['flinks-open', undefined],
        ['flinks-error', 'POPUP_BLOCKED'],
        ['flinks-authorize', 'redirect'],
      ]);
      const url = new URL(frame.contentWindow?.location.href ?? '');
      expect(url.searchParams.has('code')).to.equal(false);
      expect(url.searchParams.has('state')).to.equal(false);
      expect(url.searchParams.get('key')).to.equal(key);
      const requests = await _log(key);
      expect(requests.map((r) => `${r.method} ${r.path}`)).to.deep.equal([
        'GET /__authorize',
        'POST /__exchange/ok',
      ]);
      expect(JSON.parse(requests[1]?.body ?? '{}').code).to.equal('bank-code');
      expect(back.state).to.equal('connected');
    } finally {
      frame.remove();
    }
  });

  it('falls back the same way when the browser itself blocks the popup (frame sandboxed without allow-popups)', async function () {
    // A frame to load, paint and click (twice if a busy browser drops the first): more than the default 10 s under load.
    this.timeout(30_000);
    const key = _key();
    const frame = document.createElement('iframe');
    frame.title = 'partner page';
    frame.setAttribute('sandbox', 'allow-scripts allow-same-origin allow-forms');
    frame.src = `/__page.html?key=${key}&sandboxed`;
    document.body.append(frame);
    try {
      const el = await _frameElement(frame, () => true);
      await el.updateComplete;
      // How each engine refuses there: Firefox throws (InvalidAccessError), Chromium and WebKit return null.
      // A wrapper in the frame's own script records which, and passes the answer (or the throw) on. It records
      // it on this page, not the frame's window: the fallback navigates the frame away at once, and a note
      // left on the frame's window would go with it before the test could read it.
      const top = window as Window & { refusals?: Record<string, string> };
      top.refusals = {};
      const spy = el.ownerDocument.createElement('script');
      spy.textContent = `const open = window.open;
        const note = (answer) => { parent.refusals[${JSON.stringify(key)}] = answer; };
        window.open = function (...args) {
          try { const handle = open.apply(this, args); note(String(handle)); return handle; }
          catch (error) { note(error.name); throw error; }
        };`;
      el.ownerDocument.body.append(spy);
      const codes: string[] = [];
      el.addEventListener('flinks-error', (e) => codes.push(e.detail.code));
      // A real click: with a user activation Firefox's popup blocker lets the call through to the sandbox.
      const button = el.shadowRoot?.querySelector<HTMLButtonElement>('[part~="button"]');
      const refusal = () => top.refusals?.[key];
      // Painted first: Firefox drops a click on a frame it has not painted yet.
      await new Promise((resolve) =>
        frame.contentWindow?.requestAnimationFrame(() => setTimeout(resolve, 100)),
      );
      const click = async () => {
        const outer = frame.getBoundingClientRect();
        const inner = button?.getBoundingClientRect() ?? new DOMRect();
        await sendMouse({
          type: 'click',
          position: [
            Math.round(outer.x + frame.clientLeft + inner.x + inner.width / 2),
            Math.round(outer.y + frame.clientTop + inner.y + inner.height / 2),
          ],
        });
        for (let i = 0; i < 125 && refusal() === undefined; i++) await _wait(40);
      };
      // A click a busy browser dropped leaves the element idle: click again (a received one never does).
      for (let i = 0; i < 4 && refusal() === undefined && el.state === 'idle'; i++) await click();
      expect(refusal(), `window.open never called; the element is ${el.state}`).to.equal(
        _ENGINE === 'Firefox' ? 'InvalidAccessError' : 'null',
      );
      await _frameElement(frame, (e) => e.state === 'connected');
      expect(codes).to.deep.equal(['POPUP_BLOCKED']);
      expect((await _log(key)).map((r) => `${r.method} ${r.path}`)).to.deep.equal([
        'GET /__authorize',
        'POST /__exchange/ok',
      ]);
    } finally {
      frame.remove();
    }
  });

  it('stays on the page with no-redirect-fallback', async () => {
    const key = _key();
    const frame = document.createElement('iframe');
    frame.title = 'partner page';
    frame.src = `/__page.html?key=${key}`;
    document.body.append(frame);
    try {
      const el = await _frameElement(frame, () => true);
      el.toggleAttribute('no-redirect-fallback', true);
      await el.updateComplete;
      el.shadowRoot?.querySelector<HTMLButtonElement>('[part~="button"]')?.click();
      await _wait(300);
      expect(el.state).to.equal('error');
      expect(frame.contentWindow?.document.querySelector('flinks-connect')).to.equal(el);
      expect(await _log(key)).to.deep.equal([]);
    } finally {
      frame.remove();
    }
  });
});
