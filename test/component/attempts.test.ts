// Attacks on the popup path (issue 10, finding 1): a callback is taken only by the attempt whose `state` it
// carries, no other window is closed or answered, and an attempt that ends leaves no flow behind.
import { expect } from '@esm-bundle/chai';
import { sendMouse } from '@web/test-runner-commands';
import type { FlinksConnect } from '../../widget/index.ts';
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
  _wait,
} from './_helpers.ts';

const FLOW = 'flinks-connect:flow:';

interface _Fake {
  name: string;
  closed: boolean;
  location: { href: string };
  focus(): void;
  close(): void;
}

/** window.open that hands out a new recording window per call, as a browser does for distinct names. */
function _stubWindows(): _Fake[] {
  const opened: _Fake[] = [];
  window.open = ((_url: string, name: string) => {
    const popup: _Fake = {
      name,
      closed: false,
      location: { href: '' },
      focus() {},
      close() {
        this.closed = true;
      },
    };
    opened.push(popup);
    return popup as unknown as Window;
  }) as typeof window.open;
  return opened;
}

async function _start(el: FlinksConnect): Promise<string> {
  await el.updateComplete;
  const authorize = _next(el, 'flinks-authorize');
  _click(el);
  return new URL((await authorize).detail.url).searchParams.get('state') ?? '';
}

/**
 * A real mouse click on `button`: a user activation, so the browser lets the page open a real window. (A key
 * press is not enough in Firefox, whose popup blocker only counts pointer and click events.)
 */
async function _press(button: HTMLElement | null | undefined): Promise<void> {
  button?.scrollIntoView({ block: 'center' });
  const box = button?.getBoundingClientRect() ?? new DOMRect();
  await sendMouse({
    type: 'click',
    position: [Math.round(box.x + box.width / 2), Math.round(box.y + box.height / 2)],
  });
}

async function _until(check: () => boolean, what: string): Promise<void> {
  for (let i = 0; i < 200 && !check(); i++) await _wait(25);
  if (!check()) throw new Error(`never: ${what}`);
}

/** Records the real windows the page opens (they still open: not a stub). */
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

/**
 * A callback posted to this page by another same-origin window (a frame standing in for another popup: the
 * partner's other OAuth popup, another element's, a cancelled attempt's), as the callback page's relay does.
 */
async function _answerFromOtherWindow(params: Record<string, string>): Promise<void> {
  const url = new URL('/callback', location.origin);
  for (const [name, value] of Object.entries(params)) url.searchParams.set(name, value);
  const frame = document.createElement('iframe');
  frame.title = 'another window';
  const message = JSON.stringify({ type: 'flinks-connect:callback', url: url.href });
  const sent = new Promise((resolve) => window.addEventListener('message', resolve, { once: true }));
  frame.srcdoc = `<script>parent.postMessage(${message}, parent.location.origin)</script>`;
  document.body.append(frame);
  await sent;
  frame.remove();
}

describe('<flinks-connect> takes only its own attempt’s callback', () => {
  it('with two elements authorizing on one page, each takes only the callback of its own state', async () => {
    const [keyA, keyB] = [_key(), _key()];
    const a = await _mount(_config(keyA, { 'exchange-url': `/__exchange/ok?key=${keyA}` }));
    const b = await _mount(_config(keyB, { 'exchange-url': `/__exchange/ok?key=${keyB}` }));
    expect(await _axeViolations(a)).to.deep.equal([]);
    const windows = _stubWindows();
    const eventsA = _record(a);
    await _start(a);
    const stateB = await _start(b);
    const success = _next(b, 'flinks-success');
    await _answerFromOtherWindow({ code: 'code-for-b', state: stateB });
    await success;
    await _wait(50);
    // B's code went to B's exchange endpoint only; A is still waiting for its own bank, its window open.
    expect(await _log(keyA)).to.deep.equal([]);
    expect(JSON.parse((await _log(keyB))[0]?.body ?? '{}').code).to.equal('code-for-b');
    expect(eventsA.map((e) => e.name)).to.deep.equal(['flinks-open', 'flinks-authorize']);
    expect(a.state).to.equal('authorizing');
    expect(windows.map((w) => w.closed)).to.deep.equal([false, true]);
  });

  it('opens each attempt in a window of its own, never reusing another element’s popup', async () => {
    const [keyA, keyB] = [_key(), _key()];
    const a = await _mount(_config(keyA));
    const b = await _mount(_config(keyB));
    const opened = _spyOpen();
    try {
      const authorizeA = _next(a, 'flinks-authorize');
      await _press(a.shadowRoot?.querySelector<HTMLElement>('[part~="button"]'));
      const urlA = (await authorizeA).detail.url;
      const authorizeB = _next(b, 'flinks-authorize');
      await _press(b.shadowRoot?.querySelector<HTMLElement>('[part~="button"]'));
      const urlB = (await authorizeB).detail.url;
      expect(opened).to.have.length(2);
      expect(opened[0] === opened[1], 'the second attempt reused the first one’s window').to.equal(false);
      await _until(
        () => opened.every((w) => w.location.href.includes('/__authorize')),
        'both windows at the bank',
      );
      // A's window still shows A's authorization: B did not take it over.
      expect(opened[0]?.location.href).to.equal(urlA);
      expect(opened[1]?.location.href).to.equal(urlB);
    } finally {
      for (const w of opened) w.close();
    }
  });

  it('ignores the callback of a cancelled attempt, which left no flow behind', async () => {
    const key = _key();
    const el = await _mount(_config(key, { 'exchange-url': `/__exchange/ok?key=${key}` }));
    const windows = _stubWindows();
    const events = _record(el);
    const cancelled = await _start(el);
    await el.updateComplete;
    _click(el, 'cancel');
    expect(sessionStorage.getItem(FLOW + cancelled)).to.equal(null);
    const current = await _start(el);
    // The cancelled attempt's bank answers late (e.g. a popup whose handle COOP had severed).
    await _answerFromOtherWindow({ code: 'cancelled-code', state: cancelled });
    await _wait(150);
    expect(await _log(key)).to.deep.equal([]);
    expect(events.map((e) => e.name)).to.not.include('flinks-consent');
    expect(el.state).to.equal('authorizing');
    expect(windows[1]?.closed).to.equal(false);
    // The current attempt still finishes.
    const success = _next(el, 'flinks-success');
    _bankAnswers({ code: 'current-code', state: current });
    await success;
    expect((await _log(key)).map((r) => JSON.parse(r.body ?? '{}').code)).to.deep.equal(['current-code']);
  });

  it('forgets the pending flow when the attempt ends: cancel, closed popup, new attempt, removal', async () => {
    const el = await _mount(_config(_key()));
    const windows = _stubWindows();
    const first = await _start(el);
    expect(sessionStorage.getItem(FLOW + first)).to.not.equal(null);
    // The customer closed the window; a click starts again.
    (windows[0] as _Fake).closed = true;
    const second = await _start(el);
    expect(sessionStorage.getItem(FLOW + first)).to.equal(null);
    expect(sessionStorage.getItem(FLOW + second)).to.not.equal(null);
    el.reset();
    expect(sessionStorage.getItem(FLOW + second)).to.equal(null);
    const third = await _start(el);
    el.remove();
    await _wait(0);
    expect(sessionStorage.getItem(FLOW + third)).to.equal(null);
    expect(windows[2]?.closed).to.equal(true);
  });

  it('keeps its attempt when the element is only moved in the page', async () => {
    const key = _key();
    const el = await _mount(_config(key, { 'exchange-url': `/__exchange/ok?key=${key}` }));
    _stubWindows();
    const state = await _start(el);
    const box = document.createElement('div');
    document.body.append(box);
    box.append(el);
    await _wait(0);
    const success = _next(el, 'flinks-success');
    _bankAnswers({ code: 'after-move', state });
    await success;
    el.remove();
    box.remove();
  });

  it('leaves the partner’s other same-origin OAuth popup alone while its own popup is open', async () => {
    const key = _key();
    const el = await _mount(_config(key, { 'exchange-url': `/__exchange/ok?key=${key}` }));
    const events = _record(el);
    const opened = _spyOpen();
    const trigger = document.createElement('button');
    trigger.textContent = 'sign in with another provider';
    let theirs: Window | null = null;
    trigger.addEventListener('click', () => {
      theirs = window.open('/__relay.html?code=theirs&state=their-state', 'partner-login', 'popup');
    });
    document.body.append(trigger);
    const heard: unknown[] = [];
    const listen = (event: MessageEvent) => heard.push(event.data);
    window.addEventListener('message', listen);
    try {
      const authorize = _next(el, 'flinks-authorize');
      await _press(el.shadowRoot?.querySelector<HTMLElement>('[part~="button"]'));
      await authorize;
      await _press(trigger);
      await _until(() => heard.length > 0, 'the other popup relayed its callback');
      await _wait(400);
      expect((theirs as Window | null)?.closed).to.equal(false);
      expect(opened[0]?.closed).to.equal(false);
      expect(events.map((e) => e.name)).to.deep.equal(['flinks-open', 'flinks-authorize']);
      expect(el.state).to.equal('authorizing');
      expect((await _log(key)).filter((r) => r.method === 'POST')).to.deep.equal([]);
    } finally {
      window.removeEventListener('message', listen);
      (theirs as Window | null)?.close();
      for (const w of opened) w.close();
      trigger.remove();
    }
  });

  it('fails with STATE_MISMATCH when its own popup comes back with a state it never issued', async () => {
    const key = _key();
    const el = await _mount(_config(key, { 'exchange-url': `/__exchange/ok?key=${key}` }));
    const opened = _spyOpen();
    try {
      const authorize = _next(el, 'flinks-authorize');
      await _press(el.shadowRoot?.querySelector<HTMLElement>('[part~="button"]'));
      const state = new URL((await authorize).detail.url).searchParams.get('state') ?? '';
      const popup = opened[0] as Window;
      await _until(() => popup.location.href.includes('/__authorize'), 'the popup at the bank');
      const error = _next(el, 'flinks-error');
      // An attacker's redirect instead of the bank's: their code and a state of their own, in our window.
      popup.location.href = `${location.origin}/__relay.html?code=attacker-code&state=attacker-state`;
      const { detail } = await error;
      expect(detail.code).to.equal('STATE_MISMATCH');
      await _until(() => popup.closed, 'its own popup closed');
      // The attempt is over, its flow with it: even the genuine answer arriving now is not exchanged.
      expect(sessionStorage.getItem(FLOW + state)).to.equal(null);
      _bankAnswers({ code: 'genuine', state });
      await _wait(100);
      expect((await _log(key)).filter((r) => r.method === 'POST')).to.deep.equal([]);
    } finally {
      for (const w of opened) w.close();
    }
  });
});
