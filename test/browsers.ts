import { existsSync } from 'node:fs';

/**
 * The browsers the suites use, all from Debian: nothing here downloads a browser of its own. Each path can be
 * overridden: CHROMIUM_PATH, FIREFOX_PATH, WEBKIT_DRIVER_PATH (web-test-runner.config.mjs reads the same ones).
 */
export type BrowserName = 'chromium' | 'firefox' | 'webkit';

/** Debian's Chromium. */
export const CHROMIUM_PATH = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
/** Debian's Firefox ESR, driven over WebDriver BiDi. */
export const FIREFOX_PATH = process.env.FIREFOX_PATH ?? '/usr/bin/firefox-esr';
/** WebKitGTK's WebDriver server (it starts MiniBrowser, which needs a display: xvfb-run gives one). */
export const WEBKIT_DRIVER_PATH = process.env.WEBKIT_DRIVER_PATH ?? '/usr/bin/WebKitWebDriver';

export const BROWSER_PATHS: Record<BrowserName, string> = {
  chromium: CHROMIUM_PATH,
  firefox: FIREFOX_PATH,
  webkit: WEBKIT_DRIVER_PATH,
};

/** The Debian packages each browser needs (WebKit also needs an X server for MiniBrowser). */
export const BROWSER_PACKAGES: Record<BrowserName, string[]> = {
  chromium: ['chromium'],
  firefox: ['firefox-esr'],
  webkit: ['webkit2gtk-driver', 'xvfb', 'xauth'],
};

/** Flags for Chromium on this kind of machine: no sandbox as root, no calls to Google's hosts. */
export const CHROMIUM_ARGS = [
  '--no-sandbox',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-sync',
  '--disable-dev-shm-usage',
];

/**
 * Firefox's automation profile turns the popup blocker and tracking protection off; a customer's Firefox has
 * them on, so the tests do too (a blocked popup, partitioned third-party storage).
 */
export const FIREFOX_PREFS: Record<string, unknown> = {
  'dom.disable_open_during_load': true,
  'network.cookie.cookieBehavior': 5,
};

export function assertBrowser(name: BrowserName): void {
  const path = BROWSER_PATHS[name];
  if (!existsSync(path)) {
    const variable = { chromium: 'CHROMIUM_PATH', firefox: 'FIREFOX_PATH', webkit: 'WEBKIT_DRIVER_PATH' }[
      name
    ];
    throw new Error(
      `${name} not found at ${path}. Install Debian's package: apt-get install -y ${BROWSER_PACKAGES[name].join(' ')} (or set ${variable}).`,
    );
  }
}

export function assertChromium(): void {
  assertBrowser('chromium');
}
