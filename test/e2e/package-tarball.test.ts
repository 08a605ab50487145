/**
 * The package as a partner gets it: `npm pack` in a clean copy of the repository (prepack builds what ships),
 * the tarball installed into fresh projects under the system's temp directory that cannot see this repository,
 * then every export imported, every bin run, and the widget loaded from that node_modules in Chromium against
 * the sandbox from the same node_modules: in a plain page, in the README's guide, and in the React and Vue
 * examples (test/examples/) built with vite in the partner project.
 */
import assert from 'node:assert/strict';
import { type ChildProcess, execFile, spawn } from 'node:child_process';
import {
  cpSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  rmSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import { readFile } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, extname, join, posix } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { pathToFileURL } from 'node:url';
import { promisify } from 'node:util';
import type { Browser } from 'playwright-core';
import { getFreePort } from '../ports.ts';
import { _launchChromium } from './_browser.ts';
import { _signInAndDecide } from './_demo.ts';

const root = new URL('../..', import.meta.url).pathname;
const pkg = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8'));
const exec = promisify(execFile);

/** The environment of every npm and node run: none of `npm test`'s npm_* settings, nothing pointing at the repo. */
const cleanEnv = (): NodeJS.ProcessEnv => ({
  PATH: process.env.PATH,
  HOME: process.env.HOME,
  NODE_NO_WARNINGS: '1',
});

async function sh(command: string, args: string[], cwd: string, env: NodeJS.ProcessEnv = cleanEnv()) {
  try {
    return await exec(command, args, { cwd, env, maxBuffer: 64 * 1024 * 1024, timeout: 180_000 });
  } catch (error) {
    const { stdout, stderr } = error as { stdout?: string; stderr?: string };
    throw new Error(`${command} ${args.join(' ')} failed in ${cwd}:\n${stdout ?? ''}\n${stderr ?? ''}`, {
      cause: error,
    });
  }
}

/** `npm install` in `dir`, from the npm cache when it has the packages (this machine may be offline). */
async function install(dir: string, specs: string[]): Promise<void> {
  mkdirSync(dir, { recursive: true });
  writeFileSync(
    join(dir, 'package.json'),
    `${JSON.stringify({ name: 'partner-app', private: true, type: 'module' })}\n`,
  );
  await sh('npm', ['install', '--prefer-offline', '--no-audit', '--no-fund', ...specs], dir);
}

let work: string;
let tarball: string;
let packed: string[];
/** A partner project with the sandbox's optional peer dependency, and one with the widget and server kit only. */
let app: string;
let widgetOnly: string;
const installed = (project: string, file = '') => join(project, 'node_modules', 'flinks-connect', file);
/** An export of the package installed in `project`, by subpath ('./server'), typed as its source here. */
const importInstalled = <T>(project: string, subpath: string): Promise<T> =>
  import(pathToFileURL(installed(project, pkg.exports[subpath].default)).href);

before(async () => {
  work = mkdtempSync(join(tmpdir(), 'flinks-tarball-'));
  // A clean checkout: the tracked and new files, no dist/, the repository's node_modules for the build tools.
  const source = join(work, 'source');
  const { stdout } = await sh('git', ['ls-files', '-z', '--cached', '--others', '--exclude-standard'], root);
  for (const file of stdout.split('\0').filter(Boolean)) {
    if (!existsSync(join(root, file))) continue; // deleted in the work tree
    mkdirSync(dirname(join(source, file)), { recursive: true });
    cpSync(join(root, file), join(source, file));
  }
  symlinkSync(join(root, 'node_modules'), join(source, 'node_modules'));
  const pack = await sh('npm', ['pack', '--json', '--pack-destination', work], source);
  const [result] = JSON.parse(pack.stdout.slice(pack.stdout.indexOf('['))) as {
    filename: string;
    files: { path: string }[];
  }[];
  assert.ok(result);
  tarball = join(work, result.filename);
  packed = result.files.map((f) => f.path).sort();
  rmSync(source, { recursive: true, force: true });

  app = join(work, 'app');
  widgetOnly = join(work, 'widget-only');
  await install(app, [tarball, `oidc-provider@${pkg.peerDependencies['oidc-provider']}`]);
  await install(widgetOnly, [tarball]);
});

after(() => {
  if (work) rmSync(work, { recursive: true, force: true });
});

describe('the npm tarball', () => {
  it('holds exactly what partners need: the bundle, the libraries with types, the manifest and the docs', () => {
    const required = [
      'package.json',
      'README.md',
      'LICENSE',
      'CHANGELOG.md',
      'custom-elements.json',
      'dist/widget/flinks-connect.js',
      'dist/widget/flinks-connect.js.sri',
      ...Object.values(pkg.exports as Record<string, { types: string; default: string }>).flatMap((e) => [
        posix.normalize(e.types),
        posix.normalize(e.default),
      ]),
      ...Object.values(pkg.bin as Record<string, string>).map((b) => posix.normalize(b)),
    ];
    for (const file of required) assert.ok(packed.includes(file), `${file} is in the tarball`);
    const stray = packed.filter(
      (file) =>
        !/^dist\/(widget|lib)\/[^/]+\.(js|js\.map|js\.sri)$/.test(file) &&
        !/^dist\/types\/.+\.d\.ts$/.test(file) &&
        !/(^|\/)README\.md$/.test(file) &&
        !/^extension\/store\/[\w.]+\.md$/.test(file) &&
        !['package.json', 'LICENSE', 'CHANGELOG.md', 'custom-elements.json'].includes(file),
    );
    assert.deepEqual(stray, [], 'nothing else: no sources, tests, extension builds or screenshots');
  });

  it('has no broken relative link in the Markdown it ships', () => {
    for (const doc of packed.filter((f) => f.endsWith('.md'))) {
      const text = readFileSync(installed(app, doc), 'utf8');
      for (const [, target] of text.matchAll(/\]\(([^)\s#]+)(?:#[^)]*)?\)/g)) {
        if (!target || /^[a-z]+:/i.test(target)) continue;
        const file = posix.normalize(posix.join(posix.dirname(doc), target));
        assert.ok(packed.includes(file), `${doc} links to ${target}, which the tarball holds`);
      }
    }
  });

  it('passes publint with warnings as errors', async () => {
    const { stdout } = await sh(join(root, 'node_modules/.bin/publint'), ['run', tarball, '--strict'], work);
    assert.match(stdout, /All good!/);
  });

  it('has types that resolve for every export under Node 16+ ESM and bundlers (attw, ESM-only profile)', async () => {
    const { stdout } = await sh(
      join(root, 'node_modules/.bin/attw'),
      [tarball, '--profile', 'esm-only', '--format', 'json'],
      work,
    );
    const report = JSON.parse(stdout) as {
      analysis: { problems: { kind: string; resolutionKind: string }[] };
    };
    const problems = report.analysis.problems.filter(
      (p) => p.resolutionKind !== 'node10' && p.resolutionKind !== 'node16-cjs',
    );
    assert.deepEqual(problems, []);
    const entrypoints = Object.keys(
      (report.analysis as unknown as { entrypoints: Record<string, unknown> }).entrypoints,
    );
    assert.deepEqual(entrypoints.sort(), Object.keys(pkg.exports).sort(), 'attw checked every export');
  });
});

describe('a partner project with the tarball installed', () => {
  it('cannot resolve what only this repository has installed', async () => {
    const script = "import('vite').then(() => console.log('found'), (e) => console.log(e.code))";
    const { stdout } = await sh('node', ['--input-type=module', '-e', script], app);
    assert.equal(stdout.trim(), 'ERR_MODULE_NOT_FOUND');
  });

  it('imports every export by its package name', async () => {
    const script = `
      const element = await import('flinks-connect');
      const core = await import('flinks-connect/core');
      const server = await import('flinks-connect/server');
      const serverNode = await import('flinks-connect/server/node');
      const { startSandbox } = await import('flinks-connect/sandbox');
      const sandbox = await startSandbox({ port: 0 });
      const providers = await fetch(sandbox.url + '/').then((r) => r.ok);
      await sandbox.close();
      // React is an optional peer not installed yet (the React example below adds it): the wrapper must
      // resolve all but react.
      const react = await import('flinks-connect/react').then(() => 'imported', (e) => e.message);
      console.log(JSON.stringify({
        element: typeof element.FlinksConnect,
        core: typeof core.createAuthorizationRequest,
        server: typeof server.createExchangeHandler,
        serverNode: typeof serverNode.toNodeHandler + ' ' + typeof serverNode.createFileTokenStore,
        sandbox: providers,
        react,
      }));`;
    const { stdout } = await sh('node', ['--input-type=module', '-e', script], app);
    const { react, ...exports } = JSON.parse(stdout.trim().split('\n').at(-1) ?? '');
    assert.deepEqual(exports, {
      element: 'function',
      core: 'function',
      server: 'function',
      serverNode: 'function function',
      sandbox: true,
    });
    assert.match(
      react,
      /^Cannot find package 'react' imported from .*\/flinks-connect\/dist\/lib\/react\.js/,
    );
  });

  it('runs flinks-sandbox and flinks-outbound from node_modules/.bin against each other', async () => {
    const bin = (name: string) => join(app, 'node_modules/.bin', name);
    const version = await sh(bin('flinks-outbound'), ['--version'], app);
    assert.equal(version.stdout, `${pkg.version}\n`);
    const help = await sh(bin('flinks-sandbox'), ['--help'], app);
    assert.match(help.stderr, /Usage: flinks-sandbox \[--port N\]/);

    const child = spawn(bin('flinks-sandbox'), ['--port', '0'], { cwd: app, env: cleanEnv() });
    try {
      const url = await sandboxUrl(child);
      const { stdout } = await sh(bin('flinks-outbound'), ['providers', '--json'], app, {
        ...cleanEnv(),
        FLINKS_BASE_URL: url,
        FLINKS_CLIENT_ID: 'partner-sandbox',
        FLINKS_CLIENT_SECRET: 'partner-sandbox-secret',
      });
      const providers = JSON.parse(stdout) as { provider_id: number | string; name: string }[];
      assert.ok(
        providers.some((p) => String(p.provider_id) === '1000'),
        stdout,
      );
    } finally {
      child.kill('SIGTERM');
    }
  });

  it('without oidc-provider, gets the widget and server kit, and the sandbox says how to install it', async () => {
    assert.ok(
      !existsSync(join(widgetOnly, 'node_modules/oidc-provider')),
      'the optional peer is not installed',
    );
    const script = `
      await import('flinks-connect');
      await import('flinks-connect/server');
      try { await import('flinks-connect/sandbox'); console.log('imported'); }
      catch (error) { console.log(error.message); }`;
    const { stdout } = await sh('node', ['--input-type=module', '-e', script], widgetOnly);
    assert.match(stdout, /needs oidc-provider.*\n.*npm install --save-dev oidc-provider@9/);
    const bin = await sh(join(widgetOnly, 'node_modules/.bin/flinks-sandbox'), [], widgetOnly).catch(
      (error: Error) => error.cause as { code: number; stderr: string },
    );
    assert.equal((bin as { code: number }).code, 1);
    assert.match((bin as { stderr: string }).stderr, /^flinks-sandbox: .*needs oidc-provider/);
    assert.doesNotMatch((bin as { stderr: string }).stderr, /\n\s+at /, 'no stack trace');
  });
});

/** Resolves the sandbox's URL from its banner. */
function sandboxUrl(child: ChildProcess): Promise<string> {
  return new Promise((resolve, reject) => {
    let output = '';
    const timer = setTimeout(() => reject(new Error(`flinks-sandbox printed no URL:\n${output}`)), 30_000);
    const read = (chunk: Buffer) => {
      output += chunk;
      const url = /Flinks Outbound sandbox: (http:\/\/\S+)/.exec(output)?.[1];
      if (url) {
        clearTimeout(timer);
        resolve(url);
      }
    };
    child.stdout?.on('data', read);
    child.stderr?.on('data', read);
    child.on('exit', (code) => reject(new Error(`flinks-sandbox exited with ${code}:\n${output}`)));
  });
}

describe('the widget from the installed package, in Chromium', () => {
  let browser: Browser;
  let partner: Server;
  let sandbox: {
    url: string;
    issuer: string;
    authorizeUrl: string;
    tokenUrl: string;
    close(): Promise<void>;
  };

  before(async () => {
    const { startSandbox } = await importInstalled<typeof import('../sandbox/package.ts')>(app, './sandbox');
    const { createExchangeHandler } = await importInstalled<typeof import('../../core/server/index.ts')>(
      app,
      './server',
    );
    const { toNodeHandler } = await importInstalled<typeof import('../../core/server/node/index.ts')>(
      app,
      './server/node',
    );
    const bundle = readFileSync(installed(app, 'dist/widget/flinks-connect.js'));
    const integrity = readFileSync(installed(app, 'dist/widget/flinks-connect.js.sri'), 'utf8').trim();

    partner = createServer();
    await new Promise<void>((resolve) => partner.listen(0, '127.0.0.1', resolve));
    const origin = `http://localhost:${(partner.address() as AddressInfo).port}`;
    const client = {
      client_id: 'dc-tarball',
      client_secret: 'tarball-secret-1',
      kind: 'recipient' as const,
      redirect_uris: [`${origin}/callback`],
    };
    sandbox = await startSandbox({ port: 0, clients: [client] });
    const exchange = toNodeHandler(
      createExchangeHandler({
        tokenUrl: sandbox.tokenUrl,
        clientId: client.client_id,
        clientSecret: client.client_secret,
        redirectUris: client.redirect_uris,
        onTokens: ({ tokens }) => ({ connected: true, scope: tokens.scope ?? null }),
      }),
    );
    const script = `<script type="module" src="/flinks-connect.js" integrity="${integrity}" crossorigin="anonymous"></script>`;
    const page = `<!doctype html><html lang="en"><head><meta charset="utf-8">${script}</head><body>
<flinks-connect client-id="${client.client_id}" authorize-url="${sandbox.authorizeUrl}"
  redirect-uri="${origin}/callback" provider-id="1000" exchange-url="/api/flinks/exchange"
  issuer="${sandbox.issuer}"></flinks-connect>
<output id="result"></output>
<script type="module">
  const element = document.querySelector('flinks-connect');
  const show = (event) => { document.querySelector('#result').textContent = event.type + ' ' + JSON.stringify(event.detail.result ?? event.detail.code ?? null); };
  element.addEventListener('flinks-success', show);
  element.addEventListener('flinks-error', show);
</script></body></html>`;
    partner.on('request', (req, res) => {
      const path = new URL(req.url ?? '/', origin).pathname;
      if (path === '/api/flinks/exchange') return void exchange(req, res);
      if (path === '/flinks-connect.js') {
        return void res.writeHead(200, { 'content-type': 'text/javascript' }).end(bundle);
      }
      if (path === '/callback') {
        return void res
          .writeHead(200, { 'content-type': 'text/html' })
          .end(`<!doctype html><html><head>${script}</head><body></body></html>`);
      }
      if (path === '/') return void res.writeHead(200, { 'content-type': 'text/html' }).end(page);
      res.writeHead(404).end();
    });
    (partner as Server & { origin: string }).origin = origin;
    browser = await _launchChromium();
  });

  after(async () => {
    await browser?.close();
    await sandbox?.close();
    partner?.closeAllConnections();
    await new Promise((resolve) => partner?.close(resolve));
  });

  it('connects a sandbox bank in the popup and ends with flinks-success from the exchange endpoint', async () => {
    const context = await browser.newContext();
    const page = await context.newPage();
    const failed: string[] = [];
    page.on('requestfailed', (r) => failed.push(r.url()));
    await page.goto(`${(partner as Server & { origin: string }).origin}/`);
    const [bank] = await Promise.all([
      page.waitForEvent('popup'),
      page.locator('flinks-connect button').click(),
    ]);
    // Listening before the click that ends the bank's part: its window may close before a later listener exists.
    const closed = bank.waitForEvent('close', { timeout: 20_000 });
    await _signInAndDecide(bank, 'Allow');
    await closed;
    const result = page.locator('#result');
    await result.filter({ hasText: /flinks-/ }).waitFor({ timeout: 15_000 });
    assert.equal(await result.textContent(), 'flinks-success {"connected":true,"scope":"ACCOUNT_BASIC"}');
    assert.deepEqual(failed, [], 'every request succeeded, the bundle with its integrity check included');
    await context.close();
  });
});

describe("the README's partner guide, followed as written in the partner project", () => {
  let readme: string;
  let sandboxPort: number;
  let appPort: number;
  const children: ChildProcess[] = [];
  let browser: Browser;

  /** A code block of the shipped README's guide, with the sandbox's and the app's ports made free ones. */
  const guide = (name: string): string => {
    const block = new RegExp(`\`\`\`\\w+ guide=${name}\\n([\\s\\S]*?)\`\`\``).exec(readme)?.[1];
    assert.ok(block, `README has a guide=${name} block`);
    return block
      .replaceAll('127.0.0.1:3001', `127.0.0.1:${sandboxPort}`)
      .replaceAll('--port 3001', `--port ${sandboxPort}`)
      .replaceAll('localhost:3000', `localhost:${appPort}`);
  };
  /** Starts a long-running command in its own process group (npx → node), so that after() stops all of it. */
  const start = (command: string, env: NodeJS.ProcessEnv = cleanEnv()) => {
    const child = spawn('bash', ['-c', command], { cwd: app, env, detached: true });
    children.push(child);
    return child;
  };

  before(async () => {
    readme = readFileSync(installed(app, 'README.md'), 'utf8');
    sandboxPort = await getFreePort();
    appPort = await getFreePort();
  });
  after(async () => {
    await browser?.close();
    for (const child of children)
      if (child.exitCode === null && child.pid) process.kill(-child.pid, 'SIGTERM');
  });

  it('step 5: starts the sandbox with npx flinks-sandbox', async () => {
    const url = await sandboxUrl(start(guide('sandbox')));
    assert.equal(url, `http://127.0.0.1:${sandboxPort}`);
  });

  it('step 1: creates the app as a recipient and registers it with two banks through npx flinks-outbound', async () => {
    const { stdout } = await sh('bash', ['-euo', 'pipefail', '-c', guide('credentials')], app);
    const recipient = JSON.parse(readFileSync(join(app, 'recipient.json'), 'utf8'));
    assert.match(recipient.client_id, /\S/);
    assert.match(recipient.client_secret, /\S/);
    assert.deepEqual(recipient.redirect_uris, [`http://localhost:${appPort}/flinks/callback`]);
    assert.equal(stdout.match(/ACTIVE/g)?.length, 2, stdout);
  });

  it('steps 3 and 4: serves the page, the callback, the bundle and the banks from server.mjs', async () => {
    writeFileSync(join(app, '.env'), guide('env'));
    writeFileSync(join(app, 'server.mjs'), guide('server'));
    writeFileSync(join(app, 'index.html'), guide('page'));
    writeFileSync(join(app, 'callback.html'), guide('callback'));
    const server = start('exec node --env-file=.env server.mjs', { ...cleanEnv(), PORT: String(appPort) });
    let output = '';
    server.stderr?.on('data', (d) => {
      output += d;
    });
    const origin = `http://localhost:${appPort}`;
    for (let tries = 0; ; tries++) {
      const up = await fetch(`${origin}/`).catch(() => undefined);
      if (up) break;
      assert.ok(tries < 100 && server.exitCode === null, `server.mjs did not listen: ${output}`);
      await new Promise((r) => setTimeout(r, 100));
    }
    const page = await fetch(`${origin}/`);
    assert.match(page.headers.get('content-security-policy') ?? '', /^script-src 'self'; style-src 'self'/);
    assert.match(await page.text(), /<flinks-connect\n/);
    const banks = (await fetch(`${origin}/api/flinks/providers`).then((r) => r.json())) as { name: string }[];
    assert.ok(
      banks.some((b) => b.name === 'Flinks Capital'),
      JSON.stringify(banks),
    );
    const bundle = await fetch(`${origin}/assets/flinks-connect.js`).then((r) => r.text());
    assert.equal(bundle, readFileSync(installed(app, 'dist/widget/flinks-connect.js'), 'utf8'));
  });

  it('step 5: connects Flinks Capital from the picker in Chromium, under the CSP, through the exchange', async () => {
    browser = await _launchChromium();
    const page = await browser.newPage();
    const violations: string[] = [];
    page.on('console', (message) => {
      if (/Content Security Policy|Trusted Type/i.test(message.text())) violations.push(message.text());
    });
    await page.goto(`http://localhost:${appPort}/`);
    await page.locator('flinks-connect button').first().click();
    const bank = page.getByText('Flinks Capital', { exact: true });
    const [popup] = await Promise.all([page.waitForEvent('popup'), bank.click()]);
    const exchanged = page.waitForResponse((r) => r.url().endsWith('/api/flinks/exchange'), {
      timeout: 20_000,
    });
    await _signInAndDecide(popup, 'Allow');
    const response = await exchanged;
    assert.equal(response.status(), 200);
    assert.match(JSON.stringify(await response.json()), /^\{"connection":"[^"]+"\}$/);
    assert.deepEqual(violations, []);
  });

  describe('in React and in Vue: the examples (test/examples/), built with vite in the partner project', () => {
    const types: Record<string, string> = {
      '.html': 'text/html',
      '.js': 'text/javascript',
      '.css': 'text/css',
    };
    let server: { createExchangeHandler: typeof import('../../core/server/index.ts').createExchangeHandler };
    let serverNode: { toNodeHandler: typeof import('../../core/server/node/index.ts').toNodeHandler };

    before(async () => {
      // What a partner adds for the framework: this repository's versions, which the npm cache holds and whose
      // Vue compiler (from the repository's @vitejs/plugin-vue) matches the runtime. npm also checks them against
      // the package's peer range for React.
      const version = (name: string) =>
        JSON.parse(readFileSync(join(root, 'node_modules', name, 'package.json'), 'utf8')).version;
      await sh(
        'npm',
        ['install', '--prefer-offline', '--no-audit', '--no-fund'].concat(
          ['react', 'react-dom', 'vue'].map((name) => `${name}@${version(name)}`),
        ),
        app,
      );
      server = await importInstalled(app, './server');
      serverNode = await importInstalled(app, './server/node');
    });

    for (const [example, framework] of [
      ['react', 'React'],
      ['vue', 'Vue'],
    ] as const) {
      it(`${framework}: builds test/examples/${example} against the installed package and connects through npx flinks-sandbox`, async () => {
        const partner = createServer();
        await new Promise<void>((resolve) => partner.listen(0, '127.0.0.1', resolve));
        try {
          const origin = `http://localhost:${(partner.address() as AddressInfo).port}`;
          const sandbox = `http://127.0.0.1:${sandboxPort}`;
          // Step 1's recipient (ACTIVE at bank 1000), with this app's callback as its redirect URI (step 2).
          const recipient = JSON.parse(readFileSync(join(app, 'recipient.json'), 'utf8'));
          await sh(
            'npx',
            [
              'flinks-outbound',
              'recipients',
              'set-redirects',
              recipient.client_id,
              `${origin}/callback.html`,
            ],
            app,
            {
              ...cleanEnv(),
              FLINKS_BASE_URL: sandbox,
              FLINKS_CLIENT_ID: 'partner-sandbox',
              FLINKS_CLIENT_SECRET: 'partner-sandbox-secret',
            },
          );

          // The sources in the partner project, so that `flinks-connect`, `flinks-connect/react`, react and vue
          // resolve from its node_modules as in a partner's app; the config stays here, where vite's plugins are.
          const source = join(app, example);
          const outDir = join(source, 'dist');
          cpSync(join(root, 'test/examples', example), source, {
            recursive: true,
            filter: (file) => !file.endsWith('vite.config.js'),
          });
          const { build } = await import('vite');
          await build({
            root: source,
            configFile: join(root, 'test/examples', example, 'vite.config.js'),
            logLevel: 'warn',
            build: { outDir, emptyOutDir: true },
            define: {
              'import.meta.env.VITE_FLINKS_CLIENT_ID': JSON.stringify(recipient.client_id),
              'import.meta.env.VITE_FLINKS_AUTHORIZE_URL': JSON.stringify(`${sandbox}/api/v1/authorize`),
              'import.meta.env.VITE_FLINKS_ISSUER': JSON.stringify(sandbox),
            },
          });

          const exchange = serverNode.toNodeHandler(
            server.createExchangeHandler({
              tokenUrl: `${sandbox}/api/v1/token`,
              clientId: recipient.client_id,
              clientSecret: recipient.client_secret,
              redirectUris: [`${origin}/callback.html`],
              onTokens: () => ({ connected: example }),
            }),
          );
          partner.on('request', async (req, res) => {
            const path = new URL(req.url ?? '/', origin).pathname;
            if (path === '/api/flinks/exchange') return void exchange(req, res);
            const file = path.includes('..')
              ? undefined
              : await readFile(join(outDir, path === '/' ? 'index.html' : path)).catch(() => undefined);
            if (!file) return void res.writeHead(404).end();
            res.writeHead(200, {
              'content-type': types[extname(path) || '.html'] ?? 'application/octet-stream',
            });
            res.end(file);
          });

          browser ??= await _launchChromium();
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
          partner.closeAllConnections();
          await new Promise((resolve) => partner.close(resolve));
        }
      });
    }
  });
});
