/**
 * Visual regression of `<flinks-connect>`: each state the customer sees (idle button, bank picker, exchange
 * failure with its retry, connected), in English and French, light and dark, compared pixel by pixel
 * (pixelmatch) with the PNG baselines in test/e2e/__screenshots__/. Also the sandbox's bank pages (bank-*.png):
 * the sign-in page after a wrong password and the consent page, on a phone.
 *
 * Run after a build:  npm run build:widget && node --import tsx --test test/e2e/screenshots.test.ts
 * A mismatch writes <name>.actual.png and <name>.diff.png under test-results/screenshots/ and names them.
 * A missing baseline is a failure, not a pass. When a change of look is intended, rebuild the widget, write
 * new baselines, and look at them before committing them:
 *   npm run build:widget && UPDATE_SCREENSHOTS=1 node --import tsx --test test/e2e/screenshots.test.ts
 *
 * Baselines are taken with Debian's Chromium and its default fonts (DejaVu Sans for system-ui), at a fixed
 * viewport, device scale factor 1, reduced motion and animations disabled. Another browser build or font set
 * renders text differently: regenerate them there rather than loosening the tolerance.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { Browser, Page } from 'playwright-core';
import { _authorizeUrl, RECIPIENT } from '../node/sandbox/_sandbox.ts';
import { type Sandbox, startSandbox } from '../sandbox/index.ts';
import { _launchChromium } from './_browser.ts';
import {
  _compare,
  type _Lang,
  _matchBaseline,
  type _PageServer,
  type _Scene,
  _startPageServer,
  BASELINE_DIR,
} from './_screenshot.ts';

type Scheme = 'light' | 'dark';

const VIEWPORT = { width: 560, height: 640 };

describe('<flinks-connect> looks as in its baselines (en/fr, light/dark)', () => {
  let server: _PageServer;
  let browser: Browser;

  before(async () => {
    server = await _startPageServer();
    browser = await _launchChromium();
  });
  after(async () => {
    await browser?.close();
    await server?.close();
  });

  async function _open(scene: _Scene, lang: _Lang, scheme: Scheme): Promise<Page> {
    const context = await browser.newContext({ viewport: VIEWPORT, deviceScaleFactor: 1, locale: 'en-CA' });
    const page = await context.newPage();
    await page.emulateMedia({ colorScheme: scheme, reducedMotion: 'reduce' });
    await page.goto(server.pageUrl(scene, lang));
    await page.locator('flinks-connect[state="idle"]').waitFor();
    return page;
  }

  /** Waits until nothing is left to change: fonts, Lit's render, images; then the pointer and focus away. */
  async function _settle(page: Page, keepFocus: boolean): Promise<void> {
    await page.mouse.move(0, 0);
    await page.evaluate(async (keep) => {
      await document.fonts.ready;
      const el = document.querySelector('flinks-connect');
      if (!el) throw new Error('no <flinks-connect> on the page');
      await el.updateComplete;
      const root = el.shadowRoot as ShadowRoot;
      await Promise.all([...root.querySelectorAll('img')].map((img) => img.decode()));
      if (!keep) (root.activeElement as HTMLElement | null)?.blur();
      await el.updateComplete;
      await new Promise((resolve) => requestAnimationFrame(() => requestAnimationFrame(resolve)));
    }, keepFocus);
  }

  /** Brings the element into the scene's state the way a customer does, with real clicks. */
  async function _reach(page: Page, scene: _Scene): Promise<void> {
    const host = page.locator('flinks-connect');
    if (scene === 'idle') return _settle(page, false);
    if (scene === 'picker') {
      await host.locator('[part~="button"]').click();
      // Loaded: the count under the list is showing.
      await host.locator('[part~="picker"] .count').waitFor();
      assert.equal(await host.locator('[part~="item"]').count(), 4, 'the picker lists the four banks');
      // Its search field has focus, as a customer sees it: its focus ring is part of the look.
      return _settle(page, true);
    }
    // The bank's window opens, comes straight back with a code, and the exchange endpoint answers.
    const [popup] = await Promise.all([page.waitForEvent('popup'), host.locator('[part~="button"]').click()]);
    await page.locator(`flinks-connect[state="${scene}"]`).waitFor({ timeout: 20_000 });
    // The element closes the bank's window once it took the response; it may be gone already.
    if (!popup.isClosed()) await popup.waitForEvent('close', { timeout: 20_000 });
    if (scene === 'error') await host.locator('[part~="retry"]').waitFor();
    return _settle(page, false);
  }

  async function _shoot(page: Page): Promise<Buffer> {
    return page.locator('flinks-connect').screenshot({ animations: 'disabled', caret: 'hide', scale: 'css' });
  }

  const scenes: [_Scene, string][] = [
    ['idle', 'shows the connect button'],
    ['picker', 'shows the bank picker with accented names and a logo'],
    ['error', 'shows an exchange failure with its retry button'],
    ['connected', 'shows the connected status'],
  ];
  // Each scene in its own browser context, two at a time: a small CI machine has two cores.
  describe('each state, in each language and colour scheme', { concurrency: 2 }, () => {
    for (const [scene, what] of scenes) {
      for (const lang of ['en', 'fr'] as const) {
        for (const scheme of ['light', 'dark'] as const) {
          const name = `${scene}-${lang}-${scheme}`;
          it(`${what} (${lang}, ${scheme}) as in ${name}.png`, async () => {
            const page = await _open(scene, lang, scheme);
            try {
              await _reach(page, scene);
              _matchBaseline(name, await _shoot(page));
            } finally {
              await page.context().close();
            }
          });
        }
      }
    }
  });

  // After the scenes: under UPDATE_SCREENSHOTS=1 they have just written the baselines these read.
  describe('the comparison itself', () => {
    /** The idle button (en, light) with one custom property changed, compared with its baseline. */
    async function _idleWith(property: string, value: string): Promise<ReturnType<typeof _compare>> {
      const page = await _open('idle', 'en', 'light');
      try {
        await page
          .locator('flinks-connect')
          .evaluate(
            (el: HTMLElement, [name, to]) => el.style.setProperty(name as string, to as string),
            [property, value],
          );
        await _settle(page, false);
        return _compare(await _shoot(page), readFileSync(join(BASELINE_DIR, 'idle-en-light.png')));
      } finally {
        await page.context().close();
      }
    }

    it('fails when the corners of the button change (square instead of round)', async () => {
      const changed = await _idleWith('--flinks-connect-radius', '0');
      assert.equal(changed.sizeMismatch, undefined, 'same size: only the corners differ');
      assert.ok(
        changed.differing > changed.allowed,
        `square corners must not pass: ${changed.differing} pixels differ, ${changed.allowed} allowed`,
      );
    });

    it('fails when the accent changes to a near shade of blue (#1a73e8 for #0b5cff)', async () => {
      const changed = await _idleWith('--flinks-connect-accent', '#1a73e8');
      assert.ok(
        changed.differing > changed.allowed,
        `another blue must not pass: ${changed.differing} pixels differ, ${changed.allowed} allowed`,
      );
    });

    it('fails on a missing baseline instead of passing', async () => {
      const png = readFileSync(join(BASELINE_DIR, 'idle-en-light.png'));
      assert.throws(
        () => _matchBaseline('no-such-baseline', png, false),
        /No baseline .*a missing baseline is a failure/,
      );
    });
  });
});

/**
 * The sandbox's bank pages, the first bank a partner's team sees: the sign-in page after a wrong password (the
 * username kept, the error shown) and the consent page, in English and French, light and dark, on a phone.
 */
describe('the sandbox bank pages look as in their baselines (en/fr, light/dark, phone)', () => {
  let sb: Sandbox;
  let browser: Browser;

  before(async () => {
    sb = await startSandbox({ clients: [RECIPIENT], asOf: '2026-11-01' });
    browser = await _launchChromium();
  });
  after(async () => {
    await browser?.close();
    await sb?.close();
  });

  const users = {
    en: { username: 'greatday', password: 'everyday', signIn: 'Sign in', allow: 'Allow' },
    fr: { username: 'bonjour', password: 'toutlemonde', signIn: 'Se connecter', allow: 'Autoriser' },
  };

  describe('each page, in each language and colour scheme', { concurrency: 2 }, () => {
    for (const lang of ['en', 'fr'] as const) {
      for (const scheme of ['light', 'dark'] as const) {
        it(`shows the sign-in error and the consent page (${lang}, ${scheme}) as in bank-*-${lang}-${scheme}.png`, async () => {
          const user = users[lang];
          const context = await browser.newContext({
            viewport: { width: 390, height: 640 },
            deviceScaleFactor: 1,
            locale: lang === 'fr' ? 'fr-CA' : 'en-CA',
            colorScheme: scheme,
            reducedMotion: 'reduce',
          });
          try {
            const page = await context.newPage();
            await page.goto(_authorizeUrl(sb, { state: 'shot', ui_locales: lang }).href);
            await page.getByLabel(/username|nom d'utilisateur/i).fill(user.username);
            await page.getByLabel(/password|mot de passe/i).fill('wrong');
            await page.getByRole('button', { name: user.signIn }).click();
            await page.getByRole('alert').waitFor();
            await page.mouse.move(0, 0);
            await page.evaluate(() => (document.activeElement as HTMLElement | null)?.blur());
            _matchBaseline(
              `bank-sign-in-error-${lang}-${scheme}`,
              await page.screenshot({ animations: 'disabled', caret: 'hide', scale: 'css' }),
            );
            await page.getByLabel(/password|mot de passe/i).fill(user.password);
            await page.getByRole('button', { name: user.signIn }).click();
            await page.getByRole('button', { name: user.allow }).waitFor();
            await page.mouse.move(0, 0);
            await page.evaluate(() => (document.activeElement as HTMLElement | null)?.blur());
            _matchBaseline(
              `bank-consent-${lang}-${scheme}`,
              await page.screenshot({ fullPage: true, animations: 'disabled', caret: 'hide', scale: 'css' }),
            );
          } finally {
            await context.close();
          }
        });
      }
    }
  });
});
