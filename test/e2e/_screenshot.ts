import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { dirname, join, relative } from 'node:path';
import pixelmatch from 'pixelmatch';
import { PNG } from 'pngjs';

const root = new URL('../..', import.meta.url).pathname;
export const WIDGET_BUNDLE = join(root, 'dist/widget/flinks-connect.js');
export const BASELINE_DIR = join(root, 'test/e2e/__screenshots__');
export const RESULTS_DIR = join(root, 'test-results/screenshots');

/** The partner page's policy from the contract: no inline script or style, Trusted Types required. */
export const STRICT_CSP = "script-src 'self'; style-src 'self'; require-trusted-types-for 'script'";

/**
 * What the comparison tolerates: anti-aliasing noise, not a changed colour, radius, glyph or layout.
 * pixelmatch's usual 0.1 lets the whole button change from #0b5cff to #1a73e8 without one differing pixel;
 * at 0.05 that is 74% of the image, while two runs on one machine differ by 0 pixels even at 0.
 */
export const PIXEL_THRESHOLD = 0.05;
export const MAX_DIFF_RATIO = 0.002;

export type _Lang = 'en' | 'fr';
/** Every state of the element a customer can see. */
export type _Scene =
  | 'idle'
  | 'picker'
  | 'picker-loading'
  | 'picker-empty'
  | 'picker-error'
  | 'connecting'
  | 'connected'
  | 'refused'
  | 'error';

/**
 * Banks of the picker: accents, a logo and monograms (the banks without one) included, so their rendering is
 * part of the look.
 */
export const PROVIDERS = [
  { provider_id: '3001', name: 'Banque Laurentienne', logo_url: '/logo.svg' },
  { provider_id: '3002', name: 'Desjardins' },
  { provider_id: '3003', name: 'Caisse d’Économie Solidaire' },
  { provider_id: '3004', name: 'Flinks Capital' },
];

// A plain square: fixed geometry and colours, so it renders the same on every run.
const LOGO =
  '<svg xmlns="http://www.w3.org/2000/svg" width="24" height="24" viewBox="0 0 24 24">' +
  '<rect width="24" height="24" rx="4" fill="#8a1538"/>' +
  '<rect x="6" y="6" width="12" height="12" fill="#fff"/></svg>';

const PAGE_CSS = `:root { color-scheme: light dark; }
body { margin: 0; padding: 16px; font: 16px/1.4 sans-serif; }
`;

export interface _PageServer {
  origin: string;
  /** The partner page for a scene: the element alone, configured for that scene, in that language. */
  pageUrl(scene: _Scene, lang: _Lang): string;
  close(): Promise<void>;
}

/**
 * The element for a scene. Every scene goes through the picker, so the states can name the chosen bank: the
 * providers endpoint answers (or not) as the picker scenes need, the bank approves, refuses or keeps its window
 * open, and the exchange endpoint decides how an approved attempt ends.
 */
function attributes(origin: string, scene: _Scene, lang: _Lang): Record<string, string> {
  const providers = { 'picker-loading': 'slow', 'picker-empty': 'empty', 'picker-error': 'fail' }[
    scene as string
  ];
  const bank = { connecting: 'stay', refused: 'deny' }[scene as string] ?? 'approve';
  return {
    lang,
    'client-id': 'dc-screenshots',
    'authorize-url': `${origin}/authorize?bank=${bank}`,
    'redirect-uri': `${origin}/callback`,
    'providers-url': `/providers/${providers ?? 'ok'}`,
    'exchange-url': scene === 'error' ? '/exchange/fail' : '/exchange/ok',
  };
}

function escapeAttr(value: string): string {
  return value.replace(/&/g, '&amp;').replace(/"/g, '&quot;').replace(/</g, '&lt;');
}

function html(lang: string, body: string): string {
  return `<!doctype html>
<html lang="${lang}">
<head>
<meta charset="utf-8">
<title>flinks-connect screenshots</title>
<link rel="stylesheet" href="/page.css">
<script type="module" src="/flinks-connect.js"></script>
</head>
<body>${body}</body>
</html>
`;
}

/**
 * Serves the test pages, the bundle and the few endpoints the scenes need on 127.0.0.1 (a free port): a bank
 * whose /authorize redirects straight back with a code, exchange endpoints answering 200 or 500, providers.
 */
export async function _startPageServer(): Promise<_PageServer> {
  if (!existsSync(WIDGET_BUNDLE))
    throw new Error(`${WIDGET_BUNDLE} is missing: run \`npm run build\` first.`);
  let origin = '';
  const send = (res: ServerResponse, status: number, type: string, body: string | Buffer) => {
    const headers: Record<string, string> = { 'Content-Type': type, 'Cache-Control': 'no-store' };
    if (type.startsWith('text/html')) headers['Content-Security-Policy'] = STRICT_CSP;
    res.writeHead(status, headers).end(body);
  };
  const handle = (req: IncomingMessage, res: ServerResponse) => {
    const url = new URL(req.url ?? '/', origin);
    switch (url.pathname) {
      case '/flinks-connect.js':
        // Read per request: a rebuilt bundle is served without restarting anything.
        return send(res, 200, 'text/javascript', readFileSync(WIDGET_BUNDLE));
      case '/page.css':
        return send(res, 200, 'text/css', PAGE_CSS);
      case '/logo.svg':
        return send(res, 200, 'image/svg+xml', LOGO);
      case '/page.html': {
        const scene = url.searchParams.get('scene') as _Scene;
        const lang = url.searchParams.get('lang') as _Lang;
        const attrs = Object.entries(attributes(origin, scene, lang))
          .map(([name, value]) => ` ${name}="${escapeAttr(value)}"`)
          .join('');
        return send(
          res,
          200,
          'text/html; charset=utf-8',
          html(lang, `<flinks-connect${attrs}></flinks-connect>`),
        );
      }
      case '/providers/ok':
        return send(res, 200, 'application/json', JSON.stringify(PROVIDERS));
      case '/providers/empty':
        return send(res, 200, 'application/json', '[]');
      case '/providers/fail':
        return send(res, 503, 'text/plain', 'unavailable');
      case '/providers/slow':
        // Never answers while the screenshot is taken: the picker stays on "Loading banks…".
        return;
      case '/authorize': {
        const bank = url.searchParams.get('bank');
        if (bank === 'stay') return send(res, 200, 'text/html; charset=utf-8', html('en', '<p>bank</p>'));
        const back = new URL('/callback', origin);
        if (bank === 'deny') back.searchParams.set('error', 'access_denied');
        else back.searchParams.set('code', 'screenshot-code');
        back.searchParams.set('state', url.searchParams.get('state') ?? '');
        res.writeHead(302, { Location: back.href }).end();
        return;
      }
      case '/callback':
        // The popup's callback page only loads the bundle, which hands the response to the opener.
        return send(res, 200, 'text/html; charset=utf-8', html('en', ''));
      case '/exchange/ok':
        req.resume();
        return send(res, 200, 'application/json', JSON.stringify({ connected: true }));
      case '/exchange/fail':
        req.resume();
        return send(res, 500, 'application/json', JSON.stringify({ error: 'server_error' }));
      default:
        return send(res, 404, 'text/plain', 'not found');
    }
  };
  const server = createServer(handle);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    origin,
    pageUrl: (scene, lang) => `${origin}/page.html?scene=${scene}&lang=${lang}`,
    close: () =>
      new Promise((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

export interface _Comparison {
  /** Why the images cannot be compared pixel by pixel (different sizes), if so. */
  sizeMismatch?: string;
  differing: number;
  allowed: number;
  diff?: PNG;
}

/** Compares two PNGs with pixelmatch; `differing` is the number of pixels beyond the colour threshold. */
export function _compare(actual: Buffer, expected: Buffer): _Comparison {
  const a = PNG.sync.read(actual);
  const e = PNG.sync.read(expected);
  if (a.width !== e.width || a.height !== e.height) {
    return {
      sizeMismatch: `size ${a.width}×${a.height}, baseline ${e.width}×${e.height}`,
      differing: Number.POSITIVE_INFINITY,
      allowed: 0,
    };
  }
  const diff = new PNG({ width: a.width, height: a.height });
  const differing = pixelmatch(a.data, e.data, diff.data, a.width, a.height, { threshold: PIXEL_THRESHOLD });
  return { differing, allowed: Math.floor(a.width * a.height * MAX_DIFF_RATIO), diff };
}

function write(path: string, data: Buffer): string {
  mkdirSync(dirname(path), { recursive: true });
  writeFileSync(path, data);
  return relative(root, path);
}

/**
 * Checks a screenshot against `__screenshots__/<name>.png`. A missing baseline fails; with `update` (the
 * UPDATE_SCREENSHOTS=1 run) the screenshot becomes the baseline instead. On a mismatch the actual image and a
 * diff are written under test-results/screenshots/ and the error names them.
 */
export function _matchBaseline(
  name: string,
  actual: Buffer,
  update = process.env.UPDATE_SCREENSHOTS === '1',
): void {
  const baseline = join(BASELINE_DIR, `${name}.png`);
  if (update) {
    write(baseline, actual);
    return;
  }
  const actualPath = join(RESULTS_DIR, `${name}.actual.png`);
  const diffPath = join(RESULTS_DIR, `${name}.diff.png`);
  // An earlier run's images must not be taken for this run's.
  for (const stale of [actualPath, diffPath]) rmSync(stale, { force: true });
  if (!existsSync(baseline)) {
    const written = write(actualPath, actual);
    throw new Error(
      `No baseline ${relative(root, baseline)}: a missing baseline is a failure. Look at ${written}; ` +
        'if it is right, run the suite with UPDATE_SCREENSHOTS=1 to write the baselines, and commit them.',
    );
  }
  const result = _compare(actual, readFileSync(baseline));
  if (!result.sizeMismatch && result.differing <= result.allowed) return;
  const written = [write(actualPath, actual)];
  if (result.diff) written.push(write(diffPath, PNG.sync.write(result.diff)));
  const what = result.sizeMismatch ?? `${result.differing} pixels differ (at most ${result.allowed} allowed)`;
  throw new Error(
    `${name} does not match ${relative(root, baseline)}: ${what}. See ${written.join(' and ')}. ` +
      'If the change is intended, rebuild and rerun with UPDATE_SCREENSHOTS=1, and commit the new baselines.',
  );
}
