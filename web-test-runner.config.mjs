// Component tests: the element with a real DOM, in one browser per run, chosen by WTR_BROWSER (chromium, the
// default; firefox; webkit), so that `npm test` runs the browsers one after the other on a small machine. The
// middleware below plays the partner's exchange endpoint and the providers list, and keeps a log of the requests
// it really received, so tests check what reached the network rather than what a mock was told.
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { createServer } from 'node:net';
import minifyHTML from '@lit-labs/rollup-plugin-minify-html-literals';
import { esbuildPlugin } from '@web/dev-server-esbuild';
import { fromRollup } from '@web/dev-server-rollup';
import { chromeLauncher } from '@web/test-runner-chrome';
import { playwrightLauncher } from '@web/test-runner-playwright';
import { webdriverLauncher } from '@web/test-runner-webdriver';
import * as puppeteer from 'puppeteer-core';

/** Requests received, by the `key` query parameter each test makes its own. */
const log = new Map();

function record(key, entry) {
  if (!log.has(key)) log.set(key, []);
  log.get(key).push(entry);
}

async function readBody(req) {
  const chunks = [];
  for await (const chunk of req) chunks.push(chunk);
  return Buffer.concat(chunks).toString('utf8');
}

/** @type {import('koa').Middleware} */
async function partner(ctx, next) {
  const url = new URL(ctx.url, 'http://localhost');
  const key = url.searchParams.get('key') ?? '';
  if (url.pathname === '/__log') {
    ctx.type = 'application/json';
    ctx.body = JSON.stringify(log.get(key) ?? []);
    return;
  }
  const exchange = /^\/__exchange\/(\w+)$/.exec(url.pathname);
  if (exchange && ctx.headers.origin && ctx.headers.origin !== ctx.origin) {
    // Cross-origin exchange endpoints: `cors` allows the origin, `corscred` also allows credentials.
    ctx.set('Access-Control-Allow-Origin', ctx.headers.origin);
    if (exchange[1] === 'corscred') ctx.set('Access-Control-Allow-Credentials', 'true');
    if (ctx.method === 'OPTIONS') {
      ctx.set('Access-Control-Allow-Methods', 'POST');
      ctx.set('Access-Control-Allow-Headers', 'content-type, accept, x-csrf-token');
      ctx.status = 204;
      return;
    }
  }
  if (exchange) {
    const body = ctx.method === 'POST' ? await readBody(ctx.req) : '';
    record(key, {
      path: url.pathname,
      method: ctx.method,
      headers: ctx.headers,
      body,
    });
    const kind = exchange[1];
    if (kind === 'ok' || kind === 'cors' || kind === 'corscred') {
      ctx.type = 'application/json';
      ctx.body = JSON.stringify({ connected: true, accounts: [{ id: 'a1' }] });
    } else if (kind === 'fail') {
      ctx.status = 500;
      ctx.type = 'application/json';
      ctx.body = JSON.stringify({ error: 'server_error', error_description: 'token endpoint down' });
    } else if (kind === 'text') {
      ctx.type = 'text/html';
      ctx.body = '<html>not json</html>';
    } else if (kind === 'slow' || kind === 'stall') {
      await new Promise((resolve) => setTimeout(resolve, kind === 'slow' ? 1500 : 10_000));
      ctx.type = 'application/json';
      ctx.body = '{"late":true}';
    }
    return;
  }
  const providers = /^\/__providers\/(\w+)$/.exec(url.pathname);
  if (providers) {
    record(key, { path: url.pathname, method: ctx.method });
    const kind = providers[1];
    if (kind === 'fail' || (kind === 'flaky' && log.get(key).length === 1)) {
      ctx.status = 503;
      ctx.body = 'unavailable';
      return;
    }
    if (kind === 'slow') await new Promise((resolve) => setTimeout(resolve, 400));
    ctx.type = 'application/json';
    if (kind === 'hostile') {
      // A compromised or careless providers endpoint: markup in names, script and data URLs as logos.
      ctx.body = JSON.stringify([
        {
          provider_id: 1,
          name: '<img src=x onerror="window.pwned=1">Evil Bank',
          logo_url: 'javascript:window.pwned=2',
        },
        { provider_id: 2, name: 'Data Bank', logo_url: 'data:image/svg+xml,<svg onload="window.pwned=3"/>' },
        { provider_id: 4, name: 'Fine Bank', logo_url: '/__logo.svg' },
      ]);
      return;
    }
    const banks = [
      { provider_id: 1000, name: 'Flinks Capital' },
      { provider_id: 2001, name: 'Desjardins' },
      { provider_id: 2002, name: 'Banque Nationale' },
      { provider_id: 2003, name: 'Caisse Économie', logo_url: '/__logo.svg' },
    ];
    if (kind === 'popular') {
      // The object form: a few banks to show before the customer types.
      ctx.body = JSON.stringify({ providers: banks, popular: ['2002', 1000, 'unknown'] });
      return;
    }
    if (kind === 'broken') {
      ctx.body = JSON.stringify([
        { provider_id: 1, name: 'Broken Bank', logo_url: '/__no-such-logo.png' },
        banks[1],
        banks[3],
      ]);
      return;
    }
    ctx.body = JSON.stringify(
      kind === 'empty'
        ? []
        : [
            { provider_id: 1000, name: 'Flinks Capital' },
            { provider_id: 2001, name: 'Desjardins' },
            { provider_id: 2002, name: 'Banque Nationale' },
            { provider_id: 2003, name: 'Caisse Économie', logo_url: '/__logo.svg' },
          ],
    );
    return;
  }
  if (url.pathname === '/__listener.js') {
    await new Promise((resolve) => setTimeout(resolve, 300));
    ctx.type = 'text/javascript';
    ctx.body = `window.heard = [];
      for (const name of ['flinks-consent', 'flinks-success', 'flinks-error', 'flinks-exit']) {
        document.querySelector('flinks-connect').addEventListener(name, (e) => window.heard.push([name, e.detail.code ?? '']));
      }
      window.ready = true;`;
    return;
  }
  if (url.pathname === '/__logo.svg') {
    ctx.type = 'image/svg+xml';
    ctx.body =
      '<svg xmlns="http://www.w3.org/2000/svg" width="24" height="24"><circle cx="12" cy="12" r="10"/></svg>';
    return;
  }
  if (url.pathname === '/__forge.html') {
    // Served on the other loopback name: a real cross-origin frame trying to inject a code.
    ctx.type = 'text/html';
    ctx.body = `<!doctype html><title>forger</title><script>
      parent.postMessage({ type: 'flinks-connect:callback', url: ${JSON.stringify(url.searchParams.get('target') ?? '')} }, '*');
    </script>`;
    return;
  }
  if (url.pathname === '/__authorize') {
    // A bank in one line: with bank=approve it sends the customer straight back with a code.
    record(key, { path: url.pathname, method: ctx.method, query: url.search });
    const redirect = url.searchParams.get('redirect_uri');
    if (url.searchParams.get('bank') === 'approve' && redirect) {
      const back = new URL(redirect);
      back.searchParams.set('code', 'bank-code');
      back.searchParams.set('state', url.searchParams.get('state') ?? '');
      ctx.redirect(back.href);
      return;
    }
    ctx.type = 'text/html';
    ctx.body = '<!doctype html><title>bank</title><p>bank</p>';
    return;
  }
  if (url.pathname === '/__csp.html') {
    // The strict policy of the contract, enforced: no inline script or style, Trusted Types for every sink.
    ctx.set(
      'Content-Security-Policy',
      "script-src 'self'; style-src 'self'; require-trusted-types-for 'script'",
    );
    ctx.type = 'text/html';
    ctx.body = `<!doctype html><html lang="en"><title>strict</title>
      <script type="module" src="/__csp-watch.js"></script>
      <script type="module" src="/widget/index.ts"></script>
      <flinks-connect client-id="dc-test-client" authorize-url="${ctx.origin}/__authorize?key=${key}"
        redirect-uri="${ctx.origin}/callback" providers-url="/__providers/ok?key=${key}"
        exchange-url="/__exchange/fail?key=${key}"></flinks-connect>`;
    return;
  }
  if (url.pathname === '/__csp-watch.js') {
    ctx.type = 'text/javascript';
    ctx.body = `window.violations = [];
      document.addEventListener('securitypolicyviolation', (e) => window.violations.push(e.violatedDirective + ' ' + e.blockedURI));
      window.open = () => ({ closed: false, location: { href: '' }, focus() {}, close() { this.closed = true; } });
      window.ready = true;`;
    return;
  }
  if (url.pathname === '/__relay.html') {
    // A redirect-uri page as the contract asks of a popup flow: it only loads the bundle.
    ctx.type = 'text/html';
    ctx.body =
      '<!doctype html><html lang="en"><title>callback</title><script type="module" src="/widget/index.ts"></script>';
    return;
  }
  if (url.pathname === '/__page.html') {
    // A partner page in a frame: the element from source, window.open blocked as a popup blocker does (or,
    // with `sandboxed`, by Chromium itself because the test puts the frame in a sandbox without allow-popups).
    const self = `${ctx.origin}/__page.html?key=${key}${url.searchParams.get('mode') === 'redirect' ? '&mode=redirect' : ''}${url.searchParams.has('sandboxed') ? '&sandboxed' : ''}`;
    const attributes = [
      'client-id="dc-test-client"',
      `authorize-url="${ctx.origin}/__authorize?key=${key}&amp;bank=approve"`,
      `redirect-uri="${self}"`,
      `mode="${url.searchParams.get('mode') === 'redirect' ? 'redirect' : 'popup'}"`,
      'provider-id="1000"',
      `exchange-url="/__exchange/ok?key=${key}"`,
    ].join(' ');
    ctx.type = 'text/html';
    // The page's own script loads after the bundle and late, as a partner's often does.
    ctx.body = `<!doctype html><html lang="en"><title>partner</title>
      ${url.searchParams.has('sandboxed') ? '' : '<script>window.open = () => null;</script>'}
      <script type="module" src="/widget/index.ts"></script>
      <flinks-connect ${attributes}></flinks-connect>
      <script type="module" src="/__listener.js"></script>`;
    return;
  }
  return next();
}

// The same defaults as test/browsers.ts (a TypeScript module this plain config cannot import).
const CHROMIUM_PATH = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
const FIREFOX_PATH = process.env.FIREFOX_PATH ?? '/usr/bin/firefox-esr';
const WEBKIT_DRIVER_PATH = process.env.WEBKIT_DRIVER_PATH ?? '/usr/bin/WebKitWebDriver';
const BROWSER = process.env.WTR_BROWSER ?? 'chromium';

function need(path, what) {
  if (!existsSync(path))
    throw new Error(`${what} not found at ${path}: run \`npm test\`, which installs it.`);
}

function freePort() {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address();
      server.close(() => resolve(port));
    });
  });
}

/**
 * Starts WebKitGTK's WebDriver (under xvfb-run when there is no display: MiniBrowser needs one even headless)
 * and stops it, with its browser and X server, when the test run ends.
 */
async function startWebKitDriver() {
  need(WEBKIT_DRIVER_PATH, 'WebKitWebDriver');
  const port = await freePort();
  const command = [WEBKIT_DRIVER_PATH, `--port=${port}`];
  if (!process.env.DISPLAY) command.unshift('xvfb-run', '--auto-servernum');
  const driver = spawn(command[0], command.slice(1), { detached: true, stdio: 'ignore' });
  const stop = () => {
    try {
      process.kill(-driver.pid, 'SIGTERM');
    } catch {}
  };
  process.once('exit', stop);
  for (let i = 0; i < 100; i++) {
    const up = await fetch(`http://127.0.0.1:${port}/status`).then(
      (r) => r.ok,
      () => false,
    );
    if (up) return port;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  stop();
  throw new Error(`WebKitWebDriver did not start on port ${port}`);
}

async function launcher() {
  if (BROWSER === 'chromium') {
    need(CHROMIUM_PATH, 'Chromium');
    return playwrightLauncher({
      product: 'chromium',
      launchOptions: {
        executablePath: CHROMIUM_PATH,
        args: [
          '--no-sandbox',
          '--disable-background-networking',
          '--disable-component-update',
          '--disable-gpu',
        ],
      },
    });
  }
  if (BROWSER === 'firefox') {
    need(FIREFOX_PATH, 'Firefox');
    // Over WebDriver BiDi: playwright-core cannot drive a stock Firefox, and geckodriver is not packaged here.
    return chromeLauncher({
      puppeteer,
      launchOptions: {
        browser: 'firefox',
        executablePath: FIREFOX_PATH,
        headless: true,
        // The automation profile turns the popup blocker off: a customer's Firefox has it on.
        extraPrefsFirefox: { 'dom.disable_open_during_load': true, 'network.cookie.cookieBehavior': 5 },
      },
    });
  }
  if (BROWSER === 'webkit') {
    const port = await startWebKitDriver();
    return webdriverLauncher({
      hostname: '127.0.0.1',
      port,
      path: '/',
      logLevel: 'error',
      capabilities: {
        browserName: 'MiniBrowser',
        'webkitgtk:browserOptions': { args: ['--automation'] },
        'wdio:enforceWebDriverClassic': true,
      },
    });
  }
  throw new Error(`WTR_BROWSER=${BROWSER}: expected chromium, firefox or webkit`);
}

export default {
  files: ['test/component/**/*.test.ts'],
  nodeResolve: { exportConditions: ['production'] },
  concurrency: 1,
  concurrentBrowsers: 1,
  testsFinishTimeout: 120_000,
  // Firefox and WebKit take a while to start on a busy two-core machine.
  browserStartTimeout: 120_000,
  testsStartTimeout: 120_000,
  testFramework: { config: { timeout: 10_000 } },
  middleware: [partner],
  plugins: [
    esbuildPlugin({ ts: true, target: 'es2022' }),
    // The widget's templates and styles minified as the build minifies them, so the tests check what ships.
    fromRollup(minifyHTML)({ filter: (id) => /\/widget\/[^/]+\.ts$/.test(id), failOnError: true }),
  ],
  browsers: [await launcher()],
};
