/// <reference types="mocha" />
import { sendKeys } from '@web/test-runner-commands';
import type { FlinksConnect } from '../../widget/index.ts';
import '../../widget/index.ts';

type Details = GlobalEventHandlersEventMap;

interface AxeResult {
  violations: { id: string; impact: string; help: string; nodes: { target: unknown }[] }[];
}
declare global {
  interface Window {
    axe?: { run(context: Element | Document, options?: object): Promise<AxeResult> };
  }
}

/** Loads axe-core once (it is UMD, so through a script element rather than an import). */
async function _loadAxe(): Promise<NonNullable<Window['axe']>> {
  if (!window.axe) {
    await new Promise<void>((resolve, reject) => {
      const script = document.createElement('script');
      script.src = '/node_modules/axe-core/axe.min.js';
      script.onload = () => resolve();
      script.onerror = () => reject(new Error('axe-core did not load'));
      document.head.append(script);
    });
  }
  if (!window.axe) throw new Error('axe-core did not define window.axe');
  return window.axe;
}

/** Runs axe-core (WCAG 2.x A and AA, best practices) on the element; returns readable violations. */
export async function _axeViolations(el: Element): Promise<string[]> {
  const axe = await _loadAxe();
  const result = await axe.run(el, {
    runOnly: {
      type: 'tag',
      values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'wcag22aa', 'best-practice'],
    },
    rules: { region: { enabled: false } },
  });
  return result.violations.map(
    (v) => `${v.id} (${v.impact}): ${v.help} at ${JSON.stringify(v.nodes.map((n) => n.target))}`,
  );
}

/**
 * The engine these tests run in (web-test-runner runs them in one browser at a time). WebKitGTK's MiniBrowser
 * identifies itself as Safari does.
 */
export const _ENGINE: 'Chromium' | 'Firefox' | 'WebKit' = /\bFirefox\//.test(navigator.userAgent)
  ? 'Firefox'
  : /Chrome\//.test(navigator.userAgent) // HeadlessChrome/… too
    ? 'Chromium'
    : 'WebKit';

/**
 * Skips a test in the engines that cannot run it, saying so in the output with the browser's name and why: what
 * only Chromium's DevTools protocol can do here (WebDriver BiDi and WebDriver have no media emulation, and
 * web-test-runner's WebDriver launcher no viewport). Never silently.
 */
export function _skipIn(test: Mocha.Context, engines: (typeof _ENGINE)[], why: string): void {
  if (!engines.includes(_ENGINE)) return;
  console.warn(`${_ENGINE}: skipped "${test.test?.title}": ${why}`);
  test.skip();
}

/**
 * Presses a key with a modifier held (`Shift+Tab`) as real key presses: down, press, up, as Puppeteer over
 * WebDriver BiDi knows no `Shift+Tab` chord. (web-test-runner's WebDriver launcher has no down/up.)
 */
export async function _pressChord(modifier: 'Shift', key: 'Tab'): Promise<void> {
  await sendKeys({ down: modifier });
  await sendKeys({ press: key });
  await sendKeys({ up: modifier });
}

/** A unique key for the middleware's request log. */
export function _key(): string {
  return crypto.randomUUID();
}

export function _config(key: string, extra: Record<string, string> = {}): Record<string, string> {
  return {
    'client-id': 'dc-test-client',
    'authorize-url': `${location.origin}/__authorize?key=${key}`,
    'redirect-uri': `${location.origin}/callback`,
    'provider-id': '1000',
    lang: 'en',
    ...extra,
  };
}

const mounted: Element[] = [];

export async function _mount(attributes: Record<string, string>): Promise<FlinksConnect> {
  const el = document.createElement('flinks-connect');
  for (const [name, value] of Object.entries(attributes)) el.setAttribute(name, value);
  document.body.append(el);
  mounted.push(el);
  await el.updateComplete;
  return el;
}

/** The request log the middleware kept for this key: what really reached the server. */
export async function _log(
  key: string,
): Promise<{ path: string; method: string; body?: string; headers?: Record<string, string> }[]> {
  const response = await fetch(`/__log?key=${key}`);
  return response.json();
}

/** Resolves with the next `name` event from the element, or rejects after `ms`. */
export function _next<N extends keyof Details>(el: Element, name: N, ms = 8000): Promise<Details[N]> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`no ${name} within ${ms} ms`)), ms);
    el.addEventListener(
      name,
      (event) => {
        clearTimeout(timer);
        resolve(event as Details[N]);
      },
      { once: true },
    );
  });
}

/** Every event the element sent, in order (from `flinks-event`). */
export function _record(el: HTMLElement): { name: string; detail: Record<string, unknown> }[] {
  const events: { name: string; detail: Record<string, unknown> }[] = [];
  el.addEventListener('flinks-event', (event) => {
    events.push({ name: event.detail.name, detail: event.detail });
  });
  return events;
}

export interface _FakePopup {
  closed: boolean;
  focused: number;
  location: { href: string };
  focus(): void;
  close(): void;
}

const realOpen = window.open;

/** Replaces window.open in this test page: `null` plays a popup blocker, otherwise a window that records. */
export function _stubOpen(result: 'blocked' | 'window'): { popup: _FakePopup; calls: string[][] } {
  const popup: _FakePopup = {
    closed: false,
    focused: 0,
    location: { href: '' },
    focus() {
      this.focused++;
    },
    close() {
      this.closed = true;
    },
  };
  const calls: string[][] = [];
  window.open = ((...args: string[]) => {
    calls.push(args);
    // A window opened on a URL is at that URL; one opened blank waits for the element to send it on.
    if (args[0]) popup.location.href = args[0];
    return result === 'blocked' ? null : (popup as unknown as Window);
  }) as typeof window.open;
  return { popup, calls };
}

/** Clicks connect with a recording popup and returns the stub, the state the bank must send back, and the event. */
export async function _startPopupFlow(el: FlinksConnect) {
  await el.updateComplete;
  const stub = _stubOpen('window');
  const authorize = _next(el, 'flinks-authorize');
  _click(el);
  const { detail } = await authorize;
  return { ...stub, state: new URL(detail.url).searchParams.get('state') ?? '', detail };
}

/** A mounted element whose exchange failed: it shows its error and offers "Try again". */
export async function _erroredElement() {
  const key = _key();
  const el = await _mount(_config(key, { 'exchange-url': `/__exchange/fail?key=${key}` }));
  const { state } = await _startPopupFlow(el);
  const error = _next(el, 'flinks-error');
  _bankAnswers({ code: 'c', state });
  await error;
  await el.updateComplete;
  return el;
}

/** The bank sending the customer back: the popup's callback page posting to its opener (same origin). */
export function _bankAnswers(params: Record<string, string>): void {
  const url = new URL('/callback', location.origin);
  for (const [name, value] of Object.entries(params)) url.searchParams.set(name, value);
  window.postMessage({ type: 'flinks-connect:callback', url: url.href }, location.origin);
}

/** Clicks the element's button, as a user would (a trusted-enough click for window.open's stub). */
export function _click(el: FlinksConnect, part = 'button'): void {
  const button = el.shadowRoot?.querySelector<HTMLButtonElement>(`[part~="${part}"]`);
  if (!button) throw new Error(`no [part~="${part}"] in the shadow root`);
  button.click();
}

export function _statusText(el: FlinksConnect): string {
  return el.shadowRoot?.querySelector('[part~="status"]')?.textContent?.trim() ?? '';
}

export function _wait(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

// axe-core is half a megabyte: load it once, before the first test's clock starts, with room for a busy machine.
before(async function () {
  this.timeout(30_000);
  await _loadAxe();
});

afterEach(() => {
  window.open = realOpen;
  for (const el of mounted.splice(0)) el.remove();
  sessionStorage.clear();
});
