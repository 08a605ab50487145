// A partner site built for the attack tests: pages the demo does not have (two elements on one page, the
// partner's other OAuth callback, chosen exchange endpoints and issuers), every page under the strict CSP, and
// exchange endpoints that really exchange at the sandbox, or answer slowly, hugely or deeply nested.
import { readFile } from 'node:fs/promises';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { Readable } from 'node:stream';
import { createExchangeHandler } from '../../core/server/index.ts';
import { toNodeHandler } from '../../core/server/node/index.ts';
import { STRICT_CSP } from '../demo/server.ts';
import { getFreePort } from '../ports.ts';
import { type Sandbox, startSandbox } from '../sandbox/index.ts';
import { WIDGET_BUNDLE } from './_demo.ts';

export const ATTACK_CLIENT = {
  client_id: 'dc-attack-tests',
  client_secret: 'attack-tests-secret-4b9e1c7d2a',
  kind: 'recipient' as const,
  name: 'Attack tests partner',
};

/** One exchange the site's endpoints received: which endpoint, the code, and how it ended. */
export interface _Exchange {
  endpoint: string;
  code: string;
  status: number;
}

export interface _AttackSite {
  url: string;
  sandbox: Sandbox;
  exchanges: _Exchange[];
  close(): Promise<void>;
}

/** The element's attributes for one page; `exchange` picks the endpoint, `issuer` overrides the sandbox's. */
function element(
  site: string,
  sandbox: Sandbox,
  options: { id?: string; mode?: string; exchange?: string; issuer?: string; timeout?: string },
): string {
  const attributes: Record<string, string> = {
    'client-id': ATTACK_CLIENT.client_id,
    'authorize-url': sandbox.authorizeUrl,
    'redirect-uri': `${site}/callback`,
    scope: 'ACCOUNT_BASIC',
    'provider-id': '1000',
    'exchange-url': options.exchange ?? '/exchange/ok',
    issuer: options.issuer ?? sandbox.issuer,
    lang: 'en',
  };
  if (options.mode) attributes.mode = options.mode;
  if (options.timeout) attributes['exchange-timeout'] = options.timeout;
  if (options.id) attributes.id = options.id;
  const text = Object.entries(attributes)
    .map(([name, value]) => `${name}="${value.replace(/&/g, '&amp;').replace(/"/g, '&quot;')}"`)
    .join(' ');
  return `<flinks-connect ${text}></flinks-connect>`;
}

function page(body: string): string {
  return `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>Attack tests partner</title>
<script src="/record.js"></script><script type="module" src="/flinks-connect.js"></script></head>
<body>${body}</body></html>`;
}

/** Records every flinks-* event on the page (and its analytics copy) in window.events, before the bundle runs. */
const RECORD = `window.events = [];
for (const name of ['flinks-open', 'flinks-authorize', 'flinks-consent', 'flinks-success', 'flinks-exit', 'flinks-error', 'flinks-event']) {
  document.addEventListener(name, (e) => window.events.push({ type: name, id: e.target.id || '', detail: e.detail }));
}`;

/** The hostile opener's ears: every message any window posts to it. */
const OPENER = `window.heard = [];
addEventListener('message', (e) => window.heard.push({ origin: e.origin, data: e.data }));`;

/** Starts a sandbox and the attack partner site on localhost (its redirect-uri registered at the sandbox). */
export async function _startAttackSite(): Promise<_AttackSite> {
  const port = await getFreePort();
  const url = `http://localhost:${port}`;
  const sandbox = await startSandbox({
    clients: [{ ...ATTACK_CLIENT, redirect_uris: [`${url}/callback`] }],
  });
  const exchanges: _Exchange[] = [];
  const exchange = toNodeHandler(
    createExchangeHandler({
      tokenUrl: sandbox.tokenUrl,
      issuer: sandbox.issuer,
      clientId: ATTACK_CLIENT.client_id,
      clientSecret: ATTACK_CLIENT.client_secret,
      redirectUris: [`${url}/callback`],
      onTokens: async () => ({ connected: true }),
    }),
  );
  const bundle = await readFile(WIDGET_BUNDLE);

  const server = createServer(async (req: IncomingMessage, res: ServerResponse) => {
    const at = new URL(req.url ?? '/', url);
    const send = (status: number, type: string, body: string | Buffer) => {
      res.writeHead(status, {
        'Content-Type': type,
        'Content-Security-Policy': STRICT_CSP,
        'Cache-Control': 'no-store',
      });
      res.end(body);
    };
    const q = (name: string) => at.searchParams.get(name) ?? undefined;
    if (at.pathname === '/flinks-connect.js') return send(200, 'text/javascript', bundle);
    if (at.pathname === '/record.js') return send(200, 'text/javascript', RECORD);
    if (at.pathname === '/opener.js') return send(200, 'text/javascript', OPENER);
    if (at.pathname === '/opener') {
      // A hostile page on another origin that opens the partner's callback page and listens to what it posts.
      return send(
        200,
        'text/html; charset=utf-8',
        '<!doctype html><title>opener</title><script src="/opener.js"></script>',
      );
    }
    const endpoint = /^\/exchange\/(\w+)$/.exec(at.pathname)?.[1];
    if (endpoint && req.method === 'POST') {
      const chunks: Buffer[] = [];
      for await (const chunk of req) chunks.push(chunk as Buffer);
      const raw = Buffer.concat(chunks);
      const code = String(JSON.parse(raw.toString('utf8')).code ?? '');
      const record: _Exchange = { endpoint, code, status: 0 };
      exchanges.push(record);
      res.on('finish', () => {
        record.status = res.statusCode;
      });
      if (endpoint === 'slow') await new Promise((resolve) => setTimeout(resolve, 2500));
      if (endpoint === 'huge') {
        // 8 MB of JSON: a hostile or broken endpoint.
        const rows = Array.from({ length: 80_000 }, (_, i) => ({ id: i, filler: 'x'.repeat(90) }));
        return send(200, 'application/json', JSON.stringify({ connected: true, rows }));
      }
      if (endpoint === 'deep') {
        // 200,000 levels of nesting: a recursive parser or walker would blow its stack.
        const depth = 200_000;
        return send(
          200,
          'application/json',
          `{"connected":true,"deep":${'['.repeat(depth)}${']'.repeat(depth)}}`,
        );
      }
      // The real exchange, at the sandbox, with the secret that stays in this process.
      const replay = Object.assign(Readable.from([raw]) as unknown as IncomingMessage, {
        headers: req.headers,
        method: req.method,
        url: req.url,
        socket: req.socket,
      });
      exchange(replay, res);
      return;
    }
    if (req.method !== 'GET') return send(405, 'text/plain', 'Method not allowed');
    const options = { mode: q('mode'), exchange: q('exchange'), issuer: q('issuer'), timeout: q('timeout') };
    if (at.pathname === '/' || at.pathname === '/callback') {
      return send(200, 'text/html; charset=utf-8', page(element(url, sandbox, options)));
    }
    if (at.pathname === '/two') {
      const a = element(url, sandbox, { ...options, id: 'a', exchange: '/exchange/a' });
      const b = element(url, sandbox, { ...options, id: 'b', exchange: '/exchange/b' });
      return send(200, 'text/html; charset=utf-8', page(`${a}${b}`));
    }
    if (at.pathname === '/google/callback') {
      // The partner's other OAuth callback: the same layout, so the element (redirect mode) is on it too.
      return send(
        200,
        'text/html; charset=utf-8',
        page(element(url, sandbox, { ...options, mode: 'redirect' })),
      );
    }
    return send(404, 'text/plain', 'Not found');
  });
  await new Promise<void>((resolve) => server.listen(port, '127.0.0.1', resolve));
  return {
    url,
    sandbox,
    exchanges,
    close: async () => {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      await sandbox.close();
    },
  };
}
