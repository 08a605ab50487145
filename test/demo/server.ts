import { readFile } from 'node:fs/promises';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { extname, join } from 'node:path';
import { createExchangeHandler, createFdxClient, createProvidersHandler } from '../../core/server/index.ts';
import { toNodeHandler } from '../../core/server/node/index.ts';

/** The demo partner's Flinks settings. The secret stays in this server process. */
export interface DemoOptions {
  port?: number;
  host?: string;
  /** The origin the browser uses for this site (default `http://localhost:<port>`). */
  publicOrigin?: string;
  clientId: string;
  clientSecret: string;
  authorizeUrl: string;
  tokenUrl: string;
  issuer: string;
  /** FDX base, e.g. `http://127.0.0.1:4001/api/fdx/5`. */
  fdxUrl: string;
  /** Flinks' API host, for the providers this client is ACTIVE with (the picker's list). */
  apiUrl: string;
  providerId?: string;
  scope?: string;
}

export interface Demo {
  url: string;
  redirectUri: string;
  /** Exchange requests this server received (for tests: what the browser sent). */
  exchanges: { status: number }[];
  close(): Promise<void>;
}

const root = new URL('../..', import.meta.url).pathname;
const TYPES: Record<string, string> = {
  '.js': 'text/javascript',
  '.css': 'text/css',
  '.map': 'application/json',
  '.svg': 'image/svg+xml',
};

/** The page's own icon: without one, the browser's request for /favicon.ico is a 404 in the console. */
const FAVICON =
  '<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 32 32"><rect width="32" height="32" rx="7" fill="#b3261e"/>' +
  '<path d="M16 5l3 7 5-2-2 6 4 2-7 3 1 5-4-3-4 3 1-5-7-3 4-2-2-6 5 2z" fill="#fff"/></svg>';

type Lang = 'en' | 'fr';

/** The demo's text in English and French (narrow no-break space before the French colon). */
const TEXT = {
  en: {
    title: 'Demo partner — connect your bank',
    tagline: 'A demo partner site. Connect a bank through the local Flinks sandbox.',
    variants: 'Demo variants',
    popupBank: 'Popup, Flinks Capital',
    popupPicker: 'Popup, choose a bank',
    redirectBank: 'Redirect, Flinks Capital',
    redirectPicker: 'Redirect, choose a bank',
    other: 'Français',
    caption: 'Connected accounts',
    account: 'Account',
    type: 'Type',
    number: 'Number',
    balance: 'Balance',
    events: 'Events',
  },
  fr: {
    title: 'Partenaire de démonstration — connectez votre banque',
    tagline: 'Un site partenaire de démonstration. Connectez une banque au bac à sable Flinks local.',
    variants: 'Variantes de la démo',
    popupBank: 'Fenêtre, Flinks Capital',
    popupPicker: 'Fenêtre, choisir une banque',
    redirectBank: 'Redirection, Flinks Capital',
    redirectPicker: 'Redirection, choisir une banque',
    other: 'English',
    caption: 'Comptes connectés',
    account: 'Compte',
    type: 'Type',
    number: 'Numéro',
    balance: 'Solde',
    events: 'Événements',
  },
} as const;

/** `?lang=fr|en`, else the browser's first language: the callback page of redirect mode has no query of ours. */
function langOf(url: URL, req: IncomingMessage): Lang {
  const asked = url.searchParams.get('lang') ?? req.headers['accept-language'] ?? '';
  return /^fr\b/i.test(asked.trim()) ? 'fr' : 'en';
}
/** Every page of the demo runs under the strict CSP the widget promises to work with. */
export const STRICT_CSP =
  "script-src 'self'; style-src 'self'; require-trusted-types-for 'script'; object-src 'none'";

function escapeHtml(value: string): string {
  return value.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

function page(title: string, body: string, lang = 'en'): string {
  return `<!doctype html>
<html lang="${lang}">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${escapeHtml(title)}</title>
<link rel="icon" href="/favicon.svg" type="image/svg+xml">
<link rel="stylesheet" href="/demo.css">
<script type="module" src="/flinks-connect.js"></script>
</head>
<body>
${body}
</body>
</html>
`;
}

/** Starts the demo partner site: a page with `<flinks-connect>`, its callback page and its exchange endpoint. */
export async function startDemo(options: DemoOptions): Promise<Demo> {
  const server = createServer();
  await new Promise<void>((resolve) =>
    server.listen(options.port ?? 0, options.host ?? '127.0.0.1', resolve),
  );
  const port = (server.address() as AddressInfo).port;
  const origin = options.publicOrigin ?? `http://localhost:${port}`;
  const redirectUri = `${origin}/callback`;
  const exchanges: { status: number }[] = [];

  const exchange = toNodeHandler(
    createExchangeHandler({
      tokenUrl: options.tokenUrl,
      issuer: options.issuer,
      clientId: options.clientId,
      clientSecret: options.clientSecret,
      redirectUris: [redirectUri],
      // The browser gets the accounts to show, never the tokens: they stay on this server.
      onTokens: async ({ tokens }) => {
        const fdx = createFdxClient({ baseUrl: options.fdxUrl, accessToken: tokens.access_token });
        const { accounts } = await fdx.accounts({ resultType: 'details' });
        return { connected: true, accounts };
      },
    }),
  );

  // The picker's list: the banks this recipient is Activated with, read with its client-credentials token.
  const providers = toNodeHandler(
    createProvidersHandler({
      baseUrl: options.apiUrl,
      tokenUrl: options.tokenUrl,
      clientId: options.clientId,
      clientSecret: options.clientSecret,
      cacheMs: 60_000,
    }),
  );

  const attributes = (mode: string, picker: boolean) =>
    [
      ['client-id', options.clientId],
      ['authorize-url', options.authorizeUrl],
      ['redirect-uri', redirectUri],
      ['scope', options.scope ?? 'ACCOUNT_BASIC ACCOUNT_DETAILED TRANSACTIONS'],
      // With a provider-id the button goes straight to that bank; without, the element shows the picker.
      picker ? ['providers-url', '/api/flinks/providers'] : ['provider-id', options.providerId ?? '1000'],
      ['exchange-url', '/api/flinks/exchange'],
      ['issuer', options.issuer],
      ...(mode === 'redirect' ? [['mode', 'redirect']] : []),
    ]
      .map(([name, value]) => `${name}="${escapeHtml(value as string)}"`)
      .join('\n    ');

  // The same page serves as the start page and, at the redirect-uri, as the callback page: in popup mode the
  // bundle there hands the callback to the opener and closes; in redirect mode the element there finishes.
  const home = (mode: string, picker: boolean, lang: Lang) => {
    const t = TEXT[lang];
    const variant = (redirect: boolean, choose: boolean) =>
      `/${redirect || choose ? '?' : ''}${[redirect && 'mode=redirect', choose && 'picker'].filter(Boolean).join('&')}`;
    const withLang = (href: string, to: Lang) =>
      escapeHtml(to === 'fr' ? `${href}${href.includes('?') ? '&' : '?'}lang=fr` : href);
    const q = (redirect: boolean, choose: boolean) => withLang(variant(redirect, choose), lang);
    const otherLang: Lang = lang === 'en' ? 'fr' : 'en';
    const otherHref = withLang(variant(mode === 'redirect', picker), otherLang);
    return page(
      t.title,
      `<header>
  <p class="brand"><span class="logo" aria-hidden="true"></span>Maple Budget</p>
  <h1>${escapeHtml(t.title)}</h1>
  <p class="tagline">${escapeHtml(t.tagline)}</p>
  <nav aria-label="${escapeHtml(t.variants)}">
    <a href="${q(false, false)}">${t.popupBank}</a> <a href="${q(false, true)}">${t.popupPicker}</a>
    <a href="${q(true, false)}">${t.redirectBank}</a> <a href="${q(true, true)}">${t.redirectPicker}</a>
    <a href="${otherHref}" lang="${otherLang}" hreflang="${otherLang}">${t.other}</a>
  </nav>
</header>
<main>
  <flinks-connect
    ${attributes(mode, picker)}
  ></flinks-connect>
  <p id="status" role="status" aria-live="polite"></p>
  <table id="accounts" hidden>
    <caption>${escapeHtml(t.caption)}</caption>
    <thead><tr><th scope="col">${t.account}</th><th scope="col">${t.type}</th><th scope="col">${t.number}</th><th scope="col" class="amount">${t.balance}</th></tr></thead>
    <tbody></tbody>
  </table>
  <details><summary>${escapeHtml(t.events)}</summary><div id="log"></div></details>
</main>
<script type="module" src="/demo.js"></script>`,
      lang,
    );
  };

  server.on('request', async (req: IncomingMessage, res: ServerResponse) => {
    const url = new URL(req.url ?? '/', origin);
    const send = (status: number, type: string, body: string | Buffer) => {
      res.writeHead(status, {
        'Content-Type': type,
        'Content-Security-Policy': STRICT_CSP,
        'X-Content-Type-Options': 'nosniff',
        'Referrer-Policy': 'no-referrer',
        'Cache-Control': 'no-store',
      });
      res.end(body);
    };
    try {
      if (url.pathname === '/api/flinks/exchange') {
        res.on('finish', () => exchanges.push({ status: res.statusCode }));
        exchange(req, res);
        return;
      }
      if (req.method !== 'GET' && req.method !== 'HEAD') return send(405, 'text/plain', 'Method not allowed');
      if (url.pathname === '/' || url.pathname === '/callback') {
        const html = home(
          url.searchParams.get('mode') ?? 'popup',
          url.searchParams.has('picker'),
          langOf(url, req),
        );
        return send(200, 'text/html; charset=utf-8', html);
      }
      if (url.pathname === '/api/flinks/providers') {
        providers(req, res);
        return;
      }
      if (url.pathname === '/flinks-connect.js') {
        const file = await readFile(join(root, 'dist/widget/flinks-connect.js')).catch(() => undefined);
        if (!file)
          return send(500, 'text/plain', 'dist/widget/flinks-connect.js is missing: run `npm run build`.');
        return send(200, 'text/javascript', file);
      }
      if (url.pathname === '/favicon.svg' || url.pathname === '/favicon.ico')
        return send(200, 'image/svg+xml', FAVICON);
      if (url.pathname === '/demo.js' || url.pathname === '/demo.css') {
        const file = await readFile(join(root, 'test/demo/public', url.pathname));
        return send(200, TYPES[extname(url.pathname)] ?? 'text/plain', file);
      }
      return send(404, 'text/plain', 'Not found');
    } catch (error) {
      console.error('demo:', error instanceof Error ? error.message : error);
      if (!res.headersSent) send(500, 'text/plain', 'Internal error');
    }
  });

  return {
    url: `${origin}/`,
    redirectUri,
    exchanges,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
