/**
 * The bench's partner site: one page per contender doing the same job against the same sandbox (popup, PKCE,
 * code exchanged), their callback pages, the widget's exchange endpoint and oidc-client-ts's token pass-through.
 * It notes when each callback request arrives (in the epoch milliseconds browsers use for `performance.timeOrigin`).
 */
import { readFile } from 'node:fs/promises';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { build } from 'esbuild';
import { createExchangeHandler } from '../../core/server/index.ts';
import { toNodeHandler } from '../../core/server/node/index.ts';
import { DEMO_CLIENT } from '../demo/client.ts';
import { getFreePort } from '../ports.ts';
import { type Sandbox, startSandbox } from '../sandbox/index.ts';

export const VARIANTS = ['flinks', 'oidc', 'floor'] as const;
export type Variant = (typeof VARIANTS)[number];
/**
 * The contenders of the start-up measurement: the three above and `lit`, a Lit element with one button in a bundle
 * that also evaluates all of the widget's code (pages/lit.ts).
 */
export const STARTERS = [...VARIANTS, 'lit'] as const;
export type Starter = (typeof STARTERS)[number];

/** The script whose download end counts as "script end" for each contender. */
export const LIBRARY: Record<Starter, string> = {
  flinks: '/flinks-connect.js',
  oidc: '/oidc.js',
  floor: '/floor.js',
  lit: '/lit.js',
};

export interface HarnessOptions {
  port: number;
  client_id: string;
  client_secret: string;
  authorizeUrl: string;
  tokenUrl: string;
  issuer: string;
  /** A busy wait (ms) the flinks page's probe adds at start-up and in the click. */
  delayMs: number;
  /** Another build of the widget to measure (e.g. the previous commit's), instead of dist/. */
  widgetBundle?: string;
}

export interface Harness {
  origin: string;
  /** Epoch ms of the last callback request per contender. */
  callbacks: Map<Variant, number>;
  /** Bytes of each contender's script (what a partner ships), for the size table. */
  scripts: Record<Starter, Buffer>;
  close(): Promise<void>;
}

const root = new URL('../..', import.meta.url).pathname;
export const now = (): number => performance.timeOrigin + performance.now();

// The widget's Lit: its server-safe build, with the widget's two-name stand-in for the DOM shim.
const WIDGET_LIT = {
  conditions: ['node', 'module', 'production'],
  alias: { '@lit-labs/ssr-dom-shim': `${root}widget/server-dom.ts` },
};

async function bundle(entry: string, format: 'esm' | 'iife', options: object = {}): Promise<Buffer> {
  const result = await build({
    entryPoints: [new URL(`pages/${entry}`, import.meta.url).pathname],
    bundle: true,
    minify: true,
    format,
    target: 'es2022',
    write: false,
    legalComments: 'none',
    ...options,
  });
  return Buffer.from((result.outputFiles[0] as { contents: Uint8Array }).contents);
}

/**
 * A script's first line when it is a V8 magic comment (`//# allFunctionsCalledOnLoad`, the widget's compile hint:
 * widget/vite.widget.ts), which V8 reads only on the very first line; else nothing.
 */
function hintOf(script: Buffer): Buffer {
  return script.subarray(0, 4).toString() === '//# '
    ? script.subarray(0, script.indexOf('\n') + 1)
    : Buffer.alloc(0);
}

const escapeHtml = (value: string) => value.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
const attributes = (values: Record<string, string>) =>
  Object.entries(values)
    .map(([name, value]) => `${name}="${escapeHtml(value)}"`)
    .join(' ');

function page(head: string, body: string): string {
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<title>flinks-connect bench</title>
${head}
</head>
<body>
${body}
</body>
</html>
`;
}

export function redirectUri(port: number, variant: Variant): string {
  return `http://localhost:${port}/cb/${variant}`;
}

/** Starts the harness on `options.port` (the sandbox must already know its redirect URIs). */
export async function startHarness(options: HarnessOptions): Promise<Harness> {
  const origin = `http://localhost:${options.port}`;
  const [flinks, oidc, floor, lit, probe] = await Promise.all([
    readFile(options.widgetBundle ?? `${root}dist/widget/flinks-connect.js`),
    bundle('oidc.ts', 'esm'),
    bundle('floor.ts', 'esm'),
    bundle('lit.ts', 'esm', WIDGET_LIT),
    bundle('probe.ts', 'iife'),
  ]);
  // The one-button reference is built as the widget ships, with the widget's compile hint if it has one.
  const scripts: Record<Starter, Buffer> = { flinks, oidc, floor, lit: Buffer.concat([hintOf(flinks), lit]) };
  const files: Record<string, Buffer> = { '/probe.js': probe };
  // Each library is served with one statement in front, its first to run: it records when the library began to
  // run, so what comes before (its compile, the end of parsing, a frame the browser renders meanwhile) is not
  // counted as its work. The sizes are those of the library as shipped. A compile hint stays the first line.
  const libraryAt = Buffer.from('window.__bench&&(__bench.libraryAt=performance.now());\n');
  for (const starter of STARTERS) {
    const script = scripts[starter];
    const hint = hintOf(script);
    files[LIBRARY[starter]] = Buffer.concat([hint, libraryAt, script.subarray(hint.length)]);
  }
  const callbacks = new Map<Variant, number>();

  const exchange = toNodeHandler(
    createExchangeHandler({
      tokenUrl: options.tokenUrl,
      issuer: options.issuer,
      clientId: options.client_id,
      clientSecret: options.client_secret,
      redirectUris: [redirectUri(options.port, 'flinks'), redirectUri(options.port, 'floor')],
      onTokens: () => ({ connected: true }),
    }),
  );

  const probeTag = (variant: Starter, delay: number) =>
    `<script src="/probe.js" ${attributes({ 'data-variant': variant, 'data-lib': LIBRARY[variant], 'data-delay': String(delay) })}></script>`;
  const button = (variant: Variant, extra: Record<string, string>) =>
    `<button id="connect" disabled ${attributes({ 'data-client-id': options.client_id, 'data-redirect-uri': redirectUri(options.port, variant), ...extra })}>Connect your bank</button>`;
  const oidcButton = () =>
    button('oidc', { 'data-authority': options.issuer, 'data-token-endpoint': `${origin}/oidc/token` });
  const floorButton = () =>
    button('floor', { 'data-authorize-url': options.authorizeUrl, 'data-issuer': options.issuer });

  const element = `<flinks-connect ${attributes({
    'client-id': options.client_id,
    'authorize-url': options.authorizeUrl,
    'redirect-uri': redirectUri(options.port, 'flinks'),
    'provider-id': '1000',
    'exchange-url': '/exchange',
    issuer: options.issuer,
  })}></flinks-connect>`;

  const pages: Record<string, () => string> = {
    '/flinks': () =>
      page(
        `${probeTag('flinks', options.delayMs)}\n<script type="module" src="/flinks-connect.js"></script>`,
        element,
      ),
    // The same element on the page, upgraded by a Lit element with one button (the widget's code evaluated beside).
    '/lit': () => page(`${probeTag('lit', 0)}\n<script type="module" src="/lit.js"></script>`, element),
    '/oidc': () =>
      page(`${probeTag('oidc', 0)}\n<script type="module" src="/oidc.js"></script>`, oidcButton()),
    '/floor': () =>
      page(`${probeTag('floor', 0)}\n<script type="module" src="/floor.js"></script>`, floorButton()),
    // Each callback page loads only what its contender needs there.
    '/cb/flinks': () => page('<script type="module" src="/flinks-connect.js"></script>', ''),
    '/cb/oidc': () => page('<script type="module" src="/oidc.js"></script>', oidcButton()),
    '/cb/floor': () => page('<script type="module" src="/floor.js"></script>', floorButton()),
  };

  const server = createServer(async (req: IncomingMessage, res: ServerResponse) => {
    const url = new URL(req.url ?? '/', origin);
    const variant = /^\/cb\/(\w+)$/.exec(url.pathname)?.[1] as Variant | undefined;
    if (variant) callbacks.set(variant, now());
    const send = (status: number, type: string, body: string | Buffer) => {
      res.writeHead(status, { 'Content-Type': type, 'Cache-Control': 'no-store' });
      res.end(body);
    };
    try {
      if (url.pathname === '/exchange') return exchange(req, res);
      if (url.pathname === '/oidc/token' && req.method === 'POST') {
        // The partner's pass-through for oidc-client-ts: the secret is added here, never in the browser.
        const chunks: Buffer[] = [];
        for await (const chunk of req) chunks.push(chunk as Buffer);
        const form = new URLSearchParams(Buffer.concat(chunks).toString('utf8'));
        form.set('client_secret', options.client_secret);
        const answer = await fetch(options.tokenUrl, {
          method: 'POST',
          headers: { 'Content-Type': 'application/x-www-form-urlencoded' },
          body: form,
        });
        return send(answer.status, 'application/json', Buffer.from(await answer.arrayBuffer()));
      }
      const file = files[url.pathname];
      if (file) return send(200, 'text/javascript', file);
      const html = pages[url.pathname];
      if (html) return send(200, 'text/html; charset=utf-8', html());
      return send(404, 'text/plain', 'Not found');
    } catch (error) {
      if (!res.headersSent) send(500, 'text/plain', String(error));
    }
  });
  await new Promise<void>((resolve) => server.listen(options.port, '127.0.0.1', resolve));
  const port = (server.address() as AddressInfo).port;
  if (port !== options.port) throw new Error(`harness: listening on ${port}, not ${options.port}`);
  return {
    origin,
    callbacks,
    scripts,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

/**
 * The bench's whole site on loopback: a sandbox that knows the demo client with every contender's callback, and
 * the harness beside it on a free port, measuring `widgetBundle` (default dist/) with `delayMs` injected.
 */
export async function startBenchSite(options: {
  delayMs: number;
  widgetBundle?: string;
}): Promise<{ sandbox: Sandbox; harness: Harness }> {
  const port = await getFreePort();
  const sandbox = await startSandbox({
    clients: [{ ...DEMO_CLIENT, redirect_uris: VARIANTS.map((variant) => redirectUri(port, variant)) }],
  });
  const harness = await startHarness({
    port,
    client_id: DEMO_CLIENT.client_id,
    client_secret: DEMO_CLIENT.client_secret,
    authorizeUrl: sandbox.authorizeUrl,
    tokenUrl: sandbox.tokenUrl,
    issuer: sandbox.issuer,
    delayMs: options.delayMs,
    ...(options.widgetBundle ? { widgetBundle: options.widgetBundle } : {}),
  }).catch(async (error: unknown) => {
    await sandbox.close();
    throw error;
  });
  return { sandbox, harness };
}
