/**
 * Visual regression of `<flinks-connect>`: every state the customer sees (idle button; the picker dialog with
 * logos and monograms, loading, empty and failed; connecting, connected, refused, error), compared pixel by
 * pixel (pixelmatch) with the PNG baselines in test/e2e/__screenshots__/, named <state>-<lang>-<scheme>-<device>.
 * Every state in every look: en/fr × light/dark × desktop/phone (72 shots).
 * Also the sandbox's bank pages (bank-*.png): the sign-in page after a wrong password and the consent page,
 * on a phone.
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
import type { Browser, BrowserContext, Page } from 'playwright-core';
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
type Device = 'desktop' | 'phone';

const VIEWPORTS: Record<Device, { width: number; height: number }> = {
  desktop: { width: 1280, height: 800 },
  phone: { width: 390, height: 844 },
};

/** Every state in every look: en/fr × light/dark × desktop/phone. */
const LOOKS: [_Lang, Scheme, Device][] = (['en', 'fr'] as const).flatMap((lang) =>
  (['light', 'dark'] as const).flatMap((scheme) =>
    (['desktop', 'phone'] as const).map((device): [_Lang, Scheme, Device] => [lang, scheme, device]),
  ),
);

const SCENES: [_Scene, string][] = [
  ['idle', 'the connect button'],
  ['picker', 'the bank picker dialog with a logo, monograms and accented names'],
  ['picker-loading', 'the picker while the banks load'],
  ['picker-empty', 'the picker with no banks to show'],
  ['picker-error', 'the picker when the list failed, with its retry'],
  ['connecting', 'the bank being connected, its window open, with Cancel'],
  ['connected', 'the bank connected, with "Connect another bank"'],
  ['refused', 'the refusal at the bank'],
  ['error', 'an exchange failure with its one "Try again" button'],
];

describe('<flinks-connect> looks as in its baselines (every state; en/fr, light/dark, desktop/phone)', () => {
  let server: _PageServer;
  let browser: Browser;
  let context: BrowserContext;
  let page: Page;

  // One context and one page for every shot: a navigation per state, not a browser context.
  before(async () => {
    server = await _startPageServer();
    browser = await _launchChromium();
    context = await browser.newContext({ deviceScaleFactor: 1, locale: 'en-CA', reducedMotion: 'reduce' });
    page = await context.newPage();
  });
  after(async () => {
    await browser?.close();
    await server?.close();
  });

  async function _open(scene: _Scene, lang: _Lang, scheme: Scheme, device: Device): Promise<void> {
    // A bank window an earlier scene left open.
    for (const other of context.pages()) if (other !== page) await other.close();
    await page.setViewportSize(VIEWPORTS[device]);
    await page.emulateMedia({ colorScheme: scheme, reducedMotion: 'reduce' });
    await page.goto(server.pageUrl(scene, lang));
    await page.locator('flinks-connect[state="idle"]').waitFor();
  }

  /** Waits until nothing is left to change: fonts, Lit's render, images; then the pointer and focus away. */
  async function _settle(keepFocus: boolean): Promise<void> {
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

  /**
   * Brings the element into the scene's state the way a customer does, with real clicks; takes the shot: the
   * whole viewport while the picker (a modal dialog over the page) is open, else the element alone.
   */
  async function _reachAndShoot(scene: _Scene): Promise<Buffer> {
    const host = page.locator('flinks-connect');
    const shot = { animations: 'disabled', caret: 'hide', scale: 'css' } as const;
    if (scene === 'idle') {
      await _settle(false);
      return host.screenshot(shot);
    }
    await host.locator('[part~="button"]').click();
    const dialog = host.locator('[part~="dialog"]');
    if (scene.startsWith('picker')) {
      const shown = {
        picker: '[part~="item"]',
        'picker-loading': '[role="status"] .spinner',
        'picker-empty': '.count',
        'picker-error': '[role="alert"]',
      }[scene as string] as string;
      await dialog.locator(shown).first().waitFor();
      if (scene === 'picker')
        assert.equal(await host.locator('[part~="item"]').count(), 4, 'four banks listed');
      // Its search field has focus, as a customer sees it: its focus ring is part of the look.
      await _settle(true);
      return page.screenshot(shot);
    }
    // The flow states: Desjardins chosen in the picker, its window opened by the element.
    const bank = host.locator('[part~="item"]', { hasText: 'Desjardins' });
    const [popup] = await Promise.all([page.waitForEvent('popup'), bank.click()]);
    const state = { connecting: 'authorizing', refused: 'idle' }[scene as string] ?? scene;
    await page.locator(`flinks-connect[state="${state}"]`).waitFor({ timeout: 20_000 });
    if (scene !== 'connecting') {
      // The element closes the bank's window once it took the response; it may be gone already.
      if (!popup.isClosed()) await popup.waitForEvent('close', { timeout: 20_000 });
      if (scene === 'refused') await host.locator('[part~="status"]', { hasText: /Desjardins/ }).waitFor();
      if (scene === 'error') await host.locator('[part~="retry"]').waitFor();
    }
    await _settle(false);
    return host.screenshot(shot);
  }

  describe('each state, in each look', () => {
    for (const [lang, scheme, device] of LOOKS) {
      for (const [scene, what] of SCENES) {
        const name = `${scene}-${lang}-${scheme}-${device}`;
        it(`shows ${what} (${lang}, ${scheme}, ${device}) as in ${name}.png`, async () => {
          await _open(scene, lang, scheme, device);
          _matchBaseline(name, await _reachAndShoot(scene));
        });
      }
    }
  });

  // After the scenes: under UPDATE_SCREENSHOTS=1 they have just written the baselines these read.
  describe('the comparison itself', () => {
    const BASELINE = 'idle-en-light-desktop.png';

    /** The idle button (en, light, desktop) with one custom property changed, compared with its baseline. */
    async function _idleWith(property: string, value: string): Promise<ReturnType<typeof _compare>> {
      await _open('idle', 'en', 'light', 'desktop');
      await page
        .locator('flinks-connect')
        .evaluate(
          (el: HTMLElement, [name, to]) => el.style.setProperty(name as string, to as string),
          [property, value],
        );
      await _settle(false);
      const shot = await page
        .locator('flinks-connect')
        .screenshot({ animations: 'disabled', caret: 'hide', scale: 'css' });
      return _compare(shot, readFileSync(join(BASELINE_DIR, BASELINE)));
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
      const png = readFileSync(join(BASELINE_DIR, BASELINE));
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
