import { type CdpPage, CdpPipe } from '../_cdp-pipe.ts';

/**
 * Chromium on a DevTools pipe with the extension in `extensionDir` loaded, attached only to the targets a test asks
 * for. Playwright attaches to every service worker, and Chrome never stops a worker with DevTools attached; this
 * leaves the extension's worker alone, so its real lifetime rules apply.
 */
export type _DetachedChromium = CdpPipe;
export const _DetachedChromium = {
  launch: (extensionDir: string): Promise<CdpPipe> =>
    CdpPipe.launch({
      profilePrefix: 'flinks-extension-cdp-',
      args: [`--disable-extensions-except=${extensionDir}`, `--load-extension=${extensionDir}`],
    }),
};

/** Polls `check` in a page until it returns true. */
export async function _until(
  page: Pick<CdpPage, 'evaluate'>,
  check: string,
  timeout = 10_000,
): Promise<void> {
  const deadline = Date.now() + timeout;
  while (!(await page.evaluate<boolean>(`Boolean(${check})`).catch(() => false))) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${check}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}
