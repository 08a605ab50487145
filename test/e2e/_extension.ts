import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { BrowserContext, Page, Worker } from 'playwright-core';
import { build } from 'vite';
import { extensionConfig } from '../../extension/vite.extension.ts';
import { _launchWithExtension } from './_browser.ts';

/** Builds the Chrome extension with the given `FLINKS_*` configuration into a fresh temporary folder. */
export async function _buildExtension(env: Record<string, string>): Promise<string> {
  const outDir = await mkdtemp(join(tmpdir(), 'flinks-extension-'));
  await build({ configFile: false, ...extensionConfig('chrome', { env, outDir, zip: false }) });
  return outDir;
}

export interface LoadedExtension {
  context: BrowserContext;
  id: string;
  /** `identity.getRedirectURL()` of this install. */
  redirectUri: string;
  worker(): Promise<Worker>;
  /** Opens an extension page (`extension/popup.html`, `extension/options.html`) in a tab. */
  open(path: string): Promise<Page>;
  close(): Promise<void>;
}

/** Launches Chromium with the unpacked extension and waits for its service worker. */
export async function _loadExtension(dir: string): Promise<LoadedExtension> {
  const userDataDir = await mkdtemp(join(tmpdir(), 'flinks-extension-profile-'));
  const context = await _launchWithExtension(dir, userDataDir);
  const worker = async () =>
    context.serviceWorkers().find((w) => w.url().startsWith('chrome-extension://')) ??
    (await context.waitForEvent('serviceworker'));
  const id = new URL((await worker()).url()).host;
  return {
    context,
    id,
    redirectUri: `https://${id}.chromiumapp.org/`,
    worker,
    async open(path) {
      const page = await context.newPage();
      await page.goto(`chrome-extension://${id}/${path}`);
      return page;
    },
    async close() {
      await context.close();
      await rm(userDataDir, { recursive: true, force: true });
    },
  };
}
