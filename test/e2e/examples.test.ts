/**
 * The React and Vue examples (test/examples/): each built with vite, with `flinks-connect` resolved to this
 * checkout's built package, served beside a server-kit exchange endpoint, and connected in Chromium against the
 * sandbox.
 */
import assert from 'node:assert/strict';
import { readFile, rm } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { extname, join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { Browser } from 'playwright-core';
import { createExchangeHandler } from '../../core/server/index.ts';
import { toNodeHandler } from '../../core/server/node/index.ts';
import { type Sandbox, startSandbox } from '../sandbox/index.ts';
import { _launchChromium } from './_browser.ts';
import { _signInAndDecide } from './_demo.ts';

const root = new URL('../..', import.meta.url).pathname;
const TYPES: Record<string, string> = { '.html': 'text/html', '.js': 'text/javascript', '.css': 'text/css' };

describe('the React and Vue examples, built with vite, connecting a sandbox bank', () => {
  let browser: Browser;

  before(async () => {
    browser = await _launchChromium();
  });
  after(async () => {
    await browser?.close();
  });

  for (const example of ['react', 'vue']) {
    it(`${example}: shows what the exchange endpoint answered after the customer allows`, async () => {
      const partner: Server = createServer();
      await new Promise<void>((resolve) => partner.listen(0, '127.0.0.1', resolve));
      const origin = `http://localhost:${(partner.address() as AddressInfo).port}`;
      const client = {
        client_id: `dc-example-${example}`,
        client_secret: 'example-secret-1',
        kind: 'recipient' as const,
        redirect_uris: [`${origin}/callback.html`],
      };
      const sandbox: Sandbox = await startSandbox({ clients: [client] });
      const outDir = join(tmpdir(), `flinks-example-${example}-${process.pid}`);
      try {
        const { build } = await import('vite');
        await build({
          root: join(root, 'test/examples', example),
          configFile: join(root, 'test/examples', example, 'vite.config.js'),
          logLevel: 'warn',
          build: { outDir, emptyOutDir: true },
          define: {
            'import.meta.env.VITE_FLINKS_CLIENT_ID': JSON.stringify(client.client_id),
            'import.meta.env.VITE_FLINKS_AUTHORIZE_URL': JSON.stringify(sandbox.authorizeUrl),
            'import.meta.env.VITE_FLINKS_ISSUER': JSON.stringify(sandbox.issuer),
          },
          resolve: {
            alias: [
              { find: /^flinks-connect\/react$/, replacement: join(root, 'dist/lib/react.js') },
              { find: /^flinks-connect$/, replacement: join(root, 'dist/widget/flinks-connect.js') },
            ],
          },
        });
        const exchange = toNodeHandler(
          createExchangeHandler({
            tokenUrl: sandbox.tokenUrl,
            clientId: client.client_id,
            clientSecret: client.client_secret,
            redirectUris: client.redirect_uris,
            onTokens: () => ({ connected: example }),
          }),
        );
        partner.on('request', async (req, res) => {
          const path = new URL(req.url ?? '/', origin).pathname;
          if (path === '/api/flinks/exchange') return void exchange(req, res);
          const file = await readFile(join(outDir, path === '/' ? 'index.html' : path)).catch(
            () => undefined,
          );
          if (!file || path.includes('..')) return void res.writeHead(404).end();
          res.writeHead(200, {
            'content-type': TYPES[extname(path) || '.html'] ?? 'application/octet-stream',
          });
          res.end(file);
        });

        const page = await browser.newPage();
        await page.goto(`${origin}/`);
        const [bank] = await Promise.all([
          page.waitForEvent('popup'),
          page.locator('flinks-connect button').first().click(),
        ]);
        await _signInAndDecide(bank, 'Allow');
        // The page's own status line, not the element's (which also has role=status, in its shadow root).
        const status = page.locator('main > p[role="status"]');
        await status.filter({ hasText: /Connected:|Failed:/ }).waitFor({ timeout: 15_000 });
        assert.equal(await status.textContent(), `Connected: {"connected":"${example}"}`);
        await page.close();
      } finally {
        await sandbox.close();
        partner.closeAllConnections();
        await new Promise((resolve) => partner.close(resolve));
        await rm(outDir, { recursive: true, force: true });
      }
    });
  }
});
