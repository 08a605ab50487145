import { readFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { createRequire } from 'node:module';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type BrowserContext, chromium, type Page, type Worker } from 'playwright-core';
import { build } from 'vite';
import { createExchangeHandler } from '../../core/server/index.ts';
import { type ExtensionBrowser, extensionConfig } from '../../extension/vite.extension.ts';
import { assertChromium, CHROMIUM_ARGS, CHROMIUM_PATH } from '../browsers.ts';
import { _launchWithExtension } from './_browser.ts';

/**
 * Builds the extension for one browser with the given `FLINKS_*` configuration into a fresh temporary folder
 * (and, with `zip`, its zip beside it as `<folder>.zip`).
 */
export async function _buildExtension(
  env: Record<string, string>,
  options: { browser?: ExtensionBrowser; zip?: boolean } = {},
): Promise<string> {
  const outDir = await mkdtemp(join(tmpdir(), 'flinks-extension-'));
  const config = extensionConfig(options.browser ?? 'chrome', {
    env,
    outDir,
    zip: options.zip ? `${outDir}.zip` : false,
  });
  await build({ configFile: false, ...config });
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

/** Chromium's UI language (what `i18n.getUILanguage()` answers) comes from the environment on Linux. */
function _launchInLanguage(dir: string, userDataDir: string, lang: string): Promise<BrowserContext> {
  assertChromium();
  return chromium.launchPersistentContext(userDataDir, {
    executablePath: CHROMIUM_PATH,
    headless: true,
    env: { ...process.env, LANGUAGE: lang, LANG: `${lang}_CA.UTF-8`, LC_ALL: '' },
    locale: `${lang}-CA`,
    args: [
      ...CHROMIUM_ARGS,
      `--lang=${lang}`,
      `--disable-extensions-except=${dir}`,
      `--load-extension=${dir}`,
    ],
  });
}

/** Launches Chromium with the unpacked extension and waits for its service worker. */
export async function _loadExtension(dir: string, options: { lang?: string } = {}): Promise<LoadedExtension> {
  const userDataDir = await mkdtemp(join(tmpdir(), 'flinks-extension-profile-'));
  const context = options.lang
    ? await _launchInLanguage(dir, userDataDir, options.lang)
    : await _launchWithExtension(dir, userDataDir);
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

export interface ExchangeRecord {
  origin: string | undefined;
  body: Record<string, string>;
  status: number;
}

export interface PartnerServer {
  url: string;
  exchangeUrl: string;
  providersUrl: string;
  /** Every POST the exchange endpoint received, with what it answered. */
  exchanges: ExchangeRecord[];
  /** `ok`: exchanges at the sandbox with the server kit; `fail`: answers 502 without exchanging. */
  mode: 'ok' | 'fail';
  /** Arms the server kit's exchange handler once the extension's id (its redirect URI and origin) is known. */
  arm(options: {
    tokenUrl: string;
    client_id: string;
    client_secret: string;
    redirectUri: string;
    origin: string;
  }): void;
  close(): Promise<void>;
}

/**
 * The partner's server as the README tells partners to set it up: the server kit's exchange handler, accepting
 * the extension's origin instead of same-origin requests and answering CORS for it, plus a providers list for
 * the picker.
 */
export async function _startPartner(): Promise<PartnerServer> {
  let handler: ((request: Request) => Promise<Response>) | undefined;
  const server = createServer();
  const partner: PartnerServer = {
    url: '',
    exchangeUrl: '',
    providersUrl: '',
    exchanges: [],
    mode: 'ok',
    arm(options) {
      allowedOrigin = options.origin;
      handler = createExchangeHandler({
        tokenUrl: options.tokenUrl,
        clientId: options.client_id,
        clientSecret: options.client_secret,
        redirectUris: [options.redirectUri],
        checkRequest(request) {
          if (request.headers.get('origin') !== options.origin) throw new Error('not the extension');
        },
        onTokens: ({ provider_id, tokens }) => ({
          connected: true,
          provider_id,
          has_refresh_token: Boolean(tokens.refresh_token),
        }),
      });
    },
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
  const exchange = (request: Request) => handler?.(request) ?? Promise.reject(new Error('not armed'));
  let allowedOrigin = '';
  server.on('request', async (req: IncomingMessage, res: ServerResponse) => {
    const path = new URL(req.url ?? '/', 'http://x').pathname;
    // CORS for the extension's origin, as the extension's README tells partners to answer it. (Measured: Firefox
    // 153 ESR did not need it here, even with the host permission withdrawn; the README keeps it for safety.)
    if (allowedOrigin && req.headers.origin === allowedOrigin) {
      res.setHeader('Access-Control-Allow-Origin', allowedOrigin);
      res.setHeader('Access-Control-Allow-Credentials', 'true');
      res.setHeader('Vary', 'Origin');
      if (req.method === 'OPTIONS') {
        res.writeHead(204, {
          'Access-Control-Allow-Methods': 'POST',
          'Access-Control-Allow-Headers': 'content-type',
        });
        res.end();
        return;
      }
    }
    if (req.method === 'GET' && path === '/providers') {
      res.writeHead(200, { 'Content-Type': 'application/json' });
      res.end(JSON.stringify([{ provider_id: 1000, name: 'Flinks Capital' }]));
      return;
    }
    if (req.method !== 'POST' || path !== '/exchange') {
      res.writeHead(404).end();
      return;
    }
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    const text = Buffer.concat(chunks).toString('utf8');
    const record: ExchangeRecord = {
      origin: req.headers.origin,
      body: JSON.parse(text || '{}') as Record<string, string>,
      status: 0,
    };
    partner.exchanges.push(record);
    let response: Response;
    if (partner.mode === 'fail') {
      response = Response.json(
        { error: 'TOKEN_REQUEST_FAILED', message: 'Flinks is unavailable' },
        { status: 502 },
      );
    } else {
      const headers = new Headers();
      for (const [name, value] of Object.entries(req.headers))
        if (typeof value === 'string') headers.set(name, value);
      response = await exchange(
        new Request(`${partner.url}${req.url}`, { method: 'POST', headers, body: text }),
      );
    }
    record.status = response.status;
    res.writeHead(response.status, Object.fromEntries(response.headers));
    res.end(await response.text());
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  partner.url = `http://127.0.0.1:${port}`;
  partner.exchangeUrl = `${partner.url}/exchange`;
  partner.providersUrl = `${partner.url}/providers`;
  return partner;
}

/** Signs in at the sandbox bank in its window; the consent page follows. */
export async function _signIn(
  bank: Page,
  user = { username: 'greatday', password: 'everyday' },
): Promise<void> {
  await bank.waitForLoadState('domcontentloaded');
  await bank.locator('input[name="username"]').fill(user.username);
  await bank.locator('input[name="password"]').fill(user.password);
  await bank.getByRole('button', { name: 'Sign in' }).click();
  await bank.getByRole('button', { name: 'Allow' }).waitFor();
}

/** Signs in at the sandbox bank and answers the consent page. */
export async function _signInAndDecide(bank: Page, decision: 'Allow' | 'Deny'): Promise<void> {
  await _signIn(bank);
  await bank.getByRole('button', { name: decision }).click();
}

/** The few `chrome.*` calls the tests make inside extension pages and the worker. */
interface ChromeApi {
  runtime: { sendMessage(message: unknown): Promise<unknown> };
  action: { getBadgeText(details: object): Promise<string> };
}

/** Sends one request of the extension's message protocol from an extension page, as its own pages do. */
export function _request<T>(page: Page, request: { type: string } & Record<string, unknown>): Promise<T> {
  return page.evaluate(
    (request) => (globalThis as unknown as { chrome: ChromeApi }).chrome.runtime.sendMessage(request),
    request,
  ) as Promise<T>;
}

const AXE_SOURCE = readFileSync(createRequire(import.meta.url).resolve('axe-core/axe.min.js'), 'utf8');

/**
 * Runs axe-core (WCAG 2.1 A/AA and best practices) on an extension page; one line per violation. Evaluated over
 * DevTools, as the page's CSP rightly refuses a script tag that is not the extension's.
 */
export async function _axe(page: Page): Promise<string[]> {
  await page.evaluate(AXE_SOURCE);
  return page.evaluate(async () => {
    const axe = (
      globalThis as unknown as { axe: { run(context: Document, options: object): Promise<AxeResult> } }
    ).axe;
    const result = await axe.run(document, {
      runOnly: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'best-practice'],
    });
    return result.violations.map(
      (v) => `${v.id}: ${v.help} (${v.nodes.map((n) => n.target.join(' ')).join(', ')})`,
    );
  });
}

interface AxeResult {
  violations: { id: string; help: string; nodes: { target: string[] }[] }[];
}

/** The toolbar badge's text, read in the service worker. */
export async function _badge(ext: LoadedExtension): Promise<string> {
  return (await ext.worker()).evaluate(() =>
    (globalThis as unknown as { chrome: ChromeApi }).chrome.action.getBadgeText({}),
  );
}
