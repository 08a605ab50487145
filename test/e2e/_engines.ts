/**
 * One small driver over the three engines, for the flows that must work in each: Chromium and Firefox through
 * puppeteer-core (DevTools protocol and WebDriver BiDi: playwright-core cannot drive a stock Firefox), WebKitGTK
 * through plain W3C WebDriver over `fetch` (WebKitWebDriver, under xvfb-run when there is no display). Scripts
 * are function bodies (`arguments` holds the values passed), so the same text runs over either protocol.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import * as puppeteer from 'puppeteer-core';
import { assertBrowser, BROWSER_PATHS, type BrowserName, CHROMIUM_ARGS, FIREFOX_PREFS } from '../browsers.ts';
import { getFreePort } from '../ports.ts';

export type { BrowserName };

/** The browser the cross-engine suites run in: `E2E_BROWSER` (chromium, firefox or webkit), Chromium by default. */
export function _engineFromEnv(): BrowserName {
  const name = process.env.E2E_BROWSER ?? 'chromium';
  if (name !== 'chromium' && name !== 'firefox' && name !== 'webkit')
    throw new Error(`E2E_BROWSER=${name}: expected chromium, firefox or webkit`);
  return name;
}

/** A window (or the first frame in it, from `frame()`) of one session. */
export interface _Window {
  /** Runs a function body in the window's document; resolves with what it returns. */
  run<T = unknown>(body: string, ...args: unknown[]): Promise<T>;
  /** Waits until a function body returns a truthy value; resolves with it. */
  until<T = unknown>(body: string, what: string, timeoutMs?: number, ...args: unknown[]): Promise<T>;
  /** A real (trusted) click on the element a function body returns. */
  click(body: string, ...args: unknown[]): Promise<void>;
  /** Real key presses into the element a function body returns. */
  type(body: string, text: string, ...args: unknown[]): Promise<void>;
  goto(url: string): Promise<void>;
  url(): Promise<string>;
  /** The first frame of this window's document. */
  frame(): _Window;
  /** Whether the window was closed (by its own script, or the test). */
  closed(): Promise<boolean>;
  close(): Promise<void>;
}

/** One browser session: its own cookies and storage, as a fresh customer's browser. */
export interface _Session {
  readonly main: _Window;
  /** Resolves with the next window this session opens (a popup); ask before the click that opens it. */
  nextWindow(timeoutMs?: number): Promise<_Window>;
  close(): Promise<void>;
}

export interface _Engine {
  name: BrowserName;
  /** As people call it, for test titles and output. */
  label: string;
  newSession(): Promise<_Session>;
  close(): Promise<void>;
}

const LABELS: Record<BrowserName, string> = { chromium: 'Chromium', firefox: 'Firefox', webkit: 'WebKit' };

/** Resolves with the first truthy answer of `check`, polled every 100 ms. */
export async function _poll<T>(check: () => Promise<T>, what: string, timeoutMs: number): Promise<T> {
  const end = Date.now() + timeoutMs;
  let last: unknown;
  for (;;) {
    try {
      const value = await check();
      if (value) return value;
    } catch (error) {
      last = error;
    }
    if (Date.now() > end)
      throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`, { cause: last });
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

/** A body whose answer, when it is a DOM node, comes back as `true` (a node does not cross the protocols). */
const _noNodes = (body: string) =>
  `const value = (function () { ${body} }).apply(this, arguments); return value instanceof Node ? true : value;`;

// Puppeteer serialises a function by its source, so a body becomes a function with its own `arguments`.
const _fn = (body: string) => new Function(body) as (...args: unknown[]) => unknown;

/** Launches the engine: one browser (or one WebDriver server) for the suite, a fresh session per scenario. */
export async function _launchEngine(name: BrowserName, options: { args?: string[] } = {}): Promise<_Engine> {
  return name === 'webkit' ? _launchWebKit() : _launchPuppeteer(name, options);
}

/** Chromium (DevTools protocol) or Firefox (WebDriver BiDi) through puppeteer-core. */
export async function _launchPuppeteer(
  name: 'chromium' | 'firefox',
  options: { args?: string[]; extraPrefs?: Record<string, unknown> } = {},
): Promise<_Engine & { browser: puppeteer.Browser }> {
  assertBrowser(name);
  const browser = await puppeteer.launch(
    name === 'firefox'
      ? {
          browser: 'firefox',
          executablePath: BROWSER_PATHS.firefox,
          headless: true,
          args: options.args ?? [],
          extraPrefsFirefox: { ...FIREFOX_PREFS, ...options.extraPrefs },
        }
      : {
          browser: 'chrome',
          executablePath: BROWSER_PATHS.chromium,
          headless: true,
          args: [...CHROMIUM_ARGS, ...(options.args ?? [])],
        },
  );
  return {
    name,
    label: LABELS[name],
    browser,
    async newSession() {
      const context = await browser.createBrowserContext();
      const page = await context.newPage();
      const windowOf = (page: puppeteer.Page, inFrame = false): _Window => {
        const target = () => {
          if (!inFrame) return page.mainFrame();
          const frame = page.mainFrame().childFrames()[0];
          if (!frame) throw new Error('the page has no frame');
          return frame;
        };
        const element = async (body: string, args: unknown[]) => {
          const handle = (await target().evaluateHandle(_fn(body), ...args)).asElement();
          if (!handle) throw new Error(`no element from: ${body}`);
          return handle as puppeteer.ElementHandle<Element>;
        };
        const self: _Window = {
          run: async <T>(body: string, ...args: unknown[]) =>
            (await target().evaluate(_fn(body), ...args)) as T,
          until: (body, what, timeoutMs = 15_000, ...args) =>
            _poll(() => self.run(_noNodes(body), ...args), what, timeoutMs),
          click: async (body, ...args) => (await element(body, args)).click(),
          type: async (body, text, ...args) => (await element(body, args)).type(text),
          goto: async (url) => {
            await page.goto(url);
          },
          url: async () => target().url(),
          frame: () => windowOf(page, true),
          closed: async () => page.isClosed(),
          close: () => page.close(),
        };
        return self;
      };
      return {
        main: windowOf(page),
        nextWindow: (timeoutMs = 10_000) =>
          new Promise<_Window>((resolve, reject) => {
            const timer = setTimeout(() => reject(new Error('no new window')), timeoutMs);
            context.once('targetcreated', async (target: puppeteer.Target) => {
              clearTimeout(timer);
              const popup = await target.page();
              if (popup) resolve(windowOf(popup));
              else reject(new Error(`a new ${target.type()}, not a window`));
            });
          }),
        close: () => context.close(),
      };
    },
    close: () => browser.close(),
  };
}

type Json = Record<string, unknown>;
const ELEMENT = 'element-6066-11e4-a52e-4f735466cecf';

/** WebKitGTK's MiniBrowser through WebKitWebDriver: one WebDriver session per scenario. */
async function _launchWebKit(): Promise<_Engine> {
  assertBrowser('webkit');
  const port = await getFreePort();
  const command = [BROWSER_PATHS.webkit, `--port=${port}`];
  // MiniBrowser has no headless mode: it needs a display, which xvfb-run gives when there is none.
  if (!process.env.DISPLAY) command.unshift('xvfb-run', '--auto-servernum');
  const driver: ChildProcess = spawn(command[0] as string, command.slice(1), {
    detached: true,
    stdio: 'ignore',
  });
  const base = `http://127.0.0.1:${port}`;
  await _poll(() => fetch(`${base}/status`).then((r) => r.ok), 'WebKitWebDriver to start', 15_000);

  async function call(method: string, path: string, body?: Json): Promise<unknown> {
    const response = await fetch(`${base}${path}`, {
      method,
      headers: body ? { 'Content-Type': 'application/json' } : {},
      body: body ? JSON.stringify(body) : undefined,
    });
    const answer = (await response.json()) as { value: unknown };
    if (!response.ok) {
      const value = answer.value as { error?: string; message?: string };
      throw new Error(`WebDriver ${method} ${path}: ${value.error}: ${value.message}`);
    }
    return answer.value;
  }

  return {
    name: 'webkit',
    label: LABELS.webkit,
    async newSession() {
      const created = (await call('POST', '/session', {
        capabilities: { alwaysMatch: { 'webkitgtk:browserOptions': { args: ['--automation'] } } },
      })) as { sessionId: string };
      const s = `/session/${created.sessionId}`;
      const known = new Set((await call('GET', `${s}/window/handles`)) as string[]);
      // WebDriver has one current window and frame: each call goes to the window it was made for.
      let current = '';
      const windowOf = (handle: string, inFrame = false): _Window => {
        const focus = async () => {
          if (current !== handle) await call('POST', `${s}/window`, { handle });
          current = handle;
          await call('POST', `${s}/frame`, { id: null });
          if (inFrame) await call('POST', `${s}/frame`, { id: 0 });
        };
        const element = async (body: string, args: unknown[]) => {
          const found = (await self.run<Json | null>(body, ...args)) ?? {};
          const id = found[ELEMENT];
          if (typeof id !== 'string') throw new Error(`no element from: ${body}`);
          return id;
        };
        const self: _Window = {
          async run<T>(body: string, ...args: unknown[]) {
            await focus();
            return (await call('POST', `${s}/execute/sync`, { script: body, args })) as T;
          },
          until: (body, what, timeoutMs = 15_000, ...args) =>
            _poll(() => self.run(_noNodes(body), ...args), what, timeoutMs),
          async click(body, ...args) {
            const id = await element(body, args);
            await call('POST', `${s}/element/${id}/click`, {});
          },
          async type(body, text, ...args) {
            const id = await element(body, args);
            await call('POST', `${s}/element/${id}/value`, { text });
          },
          async goto(url) {
            await focus();
            await call('POST', `${s}/url`, { url });
          },
          async url() {
            if (!inFrame) {
              await focus();
              return (await call('GET', `${s}/url`)) as string;
            }
            return self.run<string>('return location.href');
          },
          frame: () => windowOf(handle, true),
          async closed() {
            return !((await call('GET', `${s}/window/handles`)) as string[]).includes(handle);
          },
          async close() {
            await focus();
            await call('DELETE', `${s}/window`);
            current = '';
          },
        };
        return self;
      };
      const [first] = known;
      return {
        main: windowOf(first as string),
        nextWindow: async (timeoutMs = 10_000) => {
          const handle = await _poll(
            async () =>
              ((await call('GET', `${s}/window/handles`)) as string[]).find((h) => !known.has(h)) ?? '',
            'a new window',
            timeoutMs,
          );
          known.add(handle);
          return windowOf(handle);
        },
        close: async () => {
          await call('DELETE', s).catch(() => {});
        },
      };
    },
    async close() {
      try {
        if (driver.pid) process.kill(-driver.pid, 'SIGTERM');
      } catch {
        // already gone
      }
    },
  };
}

/** The element's main button, in its shadow root. */
export const BUTTON_EXPRESSION = `document.querySelector('flinks-connect').shadowRoot.querySelector('[part~="button"]')`;
export const BUTTON = `return ${BUTTON_EXPRESSION}`;

/** The first element matching `arguments[0]` whose text is `arguments[1]` (trimmed). */
export const BY_TEXT = `return [...document.querySelectorAll(arguments[0])].find((e) => e.textContent.trim() === arguments[1]) ?? null`;
