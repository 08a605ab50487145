import { type Browser, type BrowserContext, chromium } from 'playwright-core';
import { assertChromium, CHROMIUM_ARGS, CHROMIUM_PATH } from '../browsers.ts';

/** Launches Debian's Chromium headless through playwright-core. */
export async function _launchChromium(options: { args?: string[] } = {}): Promise<Browser> {
  assertChromium();
  return chromium.launch({
    executablePath: CHROMIUM_PATH,
    headless: true,
    args: [...CHROMIUM_ARGS, ...(options.args ?? [])],
  });
}

/** Launches Chromium with an unpacked extension loaded (needs a persistent context). */
export async function _launchWithExtension(
  extensionDir: string,
  userDataDir: string,
): Promise<BrowserContext> {
  assertChromium();
  return chromium.launchPersistentContext(userDataDir, {
    executablePath: CHROMIUM_PATH,
    headless: true,
    args: [
      ...CHROMIUM_ARGS,
      `--disable-extensions-except=${extensionDir}`,
      `--load-extension=${extensionDir}`,
    ],
  });
}
