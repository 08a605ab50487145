import assert from 'node:assert/strict';
import { createRequire } from 'node:module';
import { after, before, describe, it } from 'node:test';
import { type Browser, chromium, type Page } from 'playwright-core';
import { assertChromium, CHROMIUM_ARGS, CHROMIUM_PATH } from '../../browsers.ts';
import type { Sandbox } from '../../sandbox/index.ts';
import { startSandbox } from '../../sandbox/index.ts';
import { _authorizeUrl, RECIPIENT, REDIRECT_URI } from './_sandbox.ts';

const AXE = createRequire(import.meta.url).resolve('axe-core/axe.min.js');

/** Runs axe-core (WCAG 2.1 A/AA) on the page and returns the violations, one line each. */
async function _axe(page: Page): Promise<string[]> {
  await page.addScriptTag({ path: AXE });
  const violations = await page.evaluate(async () => {
    // biome-ignore lint/suspicious/noExplicitAny: axe is a global injected into the page
    const axe = (window as any).axe;
    const result = await axe.run(document, {
      runOnly: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'best-practice'],
    });
    return result.violations.map(
      (v: { id: string; help: string; nodes: unknown[] }) => `${v.id}: ${v.help} (${v.nodes.length})`,
    );
  });
  return violations as string[];
}

describe('sandbox bank pages in a browser', () => {
  let sb: Sandbox;
  let browser: Browser;

  before(async () => {
    assertChromium();
    sb = await startSandbox({ clients: [RECIPIENT], asOf: '2026-11-01' });
    browser = await chromium.launch({ executablePath: CHROMIUM_PATH, headless: true, args: CHROMIUM_ARGS });
  });
  after(async () => {
    await browser?.close();
    await sb?.close();
  });

  async function _open(locale: string, colorScheme: 'light' | 'dark' = 'light') {
    // bypassCSP only so axe can be injected: the pages themselves run no script.
    const context = await browser.newContext({ locale, colorScheme, bypassCSP: true });
    await context.route(`${new URL(REDIRECT_URI).origin}/**`, (route) =>
      route.fulfill({
        status: 200,
        contentType: 'text/html',
        body: '<!doctype html><title>callback</title>',
      }),
    );
    return { context, page: await context.newPage() };
  }

  it('passes axe on sign-in, sign-in error, security question and consent, driven by label and button name', async () => {
    const { context, page } = await _open('en-CA');
    await page.goto(_authorizeUrl(sb, { state: 'a11y' }).href);
    await page.getByLabel('Username').fill('mfa');
    await page.getByLabel('Password').fill('wrong');
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.getByRole('alert').waitFor();
    assert.deepEqual(await _axe(page), [], 'sign-in page (showing an error)');
    await page.getByLabel('Password').fill('everyday');
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.getByLabel('What is the name of your first bank?').fill('flinks');
    assert.deepEqual(await _axe(page), [], 'security question page');
    await page.getByRole('button', { name: 'Continue' }).click();
    await page.getByRole('button', { name: 'Allow' }).waitFor();
    assert.deepEqual(await _axe(page), [], 'consent page');
    await page.getByRole('checkbox').first().uncheck();
    await page.getByRole('button', { name: 'Allow' }).click();
    await page.waitForURL(/localhost:8080\/callback/);
    const callback = new URL(page.url());
    assert.ok(callback.searchParams.get('code'));
    assert.equal(callback.searchParams.get('state'), 'a11y');
    await context.close();
  });

  it('serves the French pages to a French browser, and they pass axe too', async () => {
    const { context, page } = await _open('fr-CA');
    await page.goto(_authorizeUrl(sb, { state: 'fr' }).href);
    assert.equal(await page.getAttribute('html', 'lang'), 'fr');
    await page.getByLabel("Nom d'utilisateur").fill('bonjour');
    await page.getByLabel('Mot de passe').fill('toutlemonde');
    await page.getByRole('button', { name: 'Se connecter' }).click();
    await page.getByRole('button', { name: 'Refuser' }).waitFor();
    assert.deepEqual(await _axe(page), [], 'page de consentement');
    await page.getByRole('button', { name: 'Refuser' }).click();
    await page.waitForURL(/localhost:8080\/callback/);
    assert.equal(new URL(page.url()).searchParams.get('error'), 'access_denied');
    await context.close();
  });

  it('sets the consent page in one type scale and the system font, buttons included', async () => {
    const { context, page } = await _open('en-CA');
    await page.goto(_authorizeUrl(sb, { state: 'type' }).href);
    await page.getByLabel('Username').fill('greatday');
    await page.getByLabel('Password').fill('everyday');
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.getByRole('button', { name: 'Allow' }).waitFor();
    const size = async (selector: string) =>
      Number.parseFloat(
        await page
          .locator(selector)
          .first()
          .evaluate((e) => getComputedStyle(e).fontSize),
      );
    const style = {
      h1: await size('h1'),
      h2: await size('h2'),
      p: await size('main p'),
      body: await page.locator('body').evaluate((e) => getComputedStyle(e).fontFamily),
      buttons: await page
        .locator('button, input')
        .evaluateAll((all) => all.map((e) => getComputedStyle(e).fontFamily)),
    };
    assert.ok(style.h1 > style.h2 && style.h2 > style.p, JSON.stringify(style));
    assert.match(style.body, /^system-ui/);
    assert.ok(style.buttons.length >= 3);
    for (const family of style.buttons) assert.equal(family, style.body);
    await context.close();
  });

  it('turns dark for a dark-mode browser from the first paint, and still passes axe', async () => {
    const { context, page } = await _open('en-CA', 'dark');
    await page.goto(_authorizeUrl(sb, { state: 'dark' }).href);
    const colours = await page.evaluate(() => ({
      meta: document.querySelector('meta[name="color-scheme"]')?.getAttribute('content'),
      metaBeforeStyle:
        (document
          .querySelector('meta[name="color-scheme"]')
          ?.compareDocumentPosition(document.querySelector('style') as Node) ?? 0) &
        Node.DOCUMENT_POSITION_FOLLOWING,
      body: getComputedStyle(document.body).backgroundColor,
      main: getComputedStyle(document.querySelector('main') as Element).backgroundColor,
      input: getComputedStyle(document.querySelector('input') as Element).backgroundColor,
    }));
    assert.equal(colours.meta, 'light dark');
    assert.ok(colours.metaBeforeStyle, 'the browser knows the page is dark before reading its CSS');
    const luminance = (rgb: string) => {
      const [r = 0, g = 0, b = 0] = (rgb.match(/\d+/g) ?? []).map(Number);
      return (0.2126 * r + 0.7152 * g + 0.0722 * b) / 255;
    };
    for (const [part, rgb] of Object.entries(colours).filter(([k]) => !k.startsWith('meta')))
      assert.ok(luminance(String(rgb)) < 0.2, `${part} is dark: ${rgb}`);
    await page.getByLabel('Username').fill('mfa');
    await page.getByLabel('Password').fill('wrong');
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.getByRole('alert').waitFor();
    assert.equal(await page.getByLabel('Username').inputValue(), 'mfa', 'the username is kept');
    assert.deepEqual(await _axe(page), [], 'dark sign-in page (showing an error)');
    await page.getByLabel('Password').fill('everyday');
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.getByLabel('What is the name of your first bank?').fill('flinks');
    await page.getByRole('button', { name: 'Continue' }).click();
    await page.getByRole('button', { name: 'Allow' }).waitFor();
    assert.deepEqual(await _axe(page), [], 'dark consent page');
    await context.close();
  });

  it('passes axe on the error page shown for an unknown client', async () => {
    const { context, page } = await _open('en-CA');
    const res = await page.goto(_authorizeUrl(sb, { client_id: 'dc-unknown' }).href);
    assert.equal(res?.status(), 400);
    assert.deepEqual(await _axe(page), []);
    await context.close();
  });
});
