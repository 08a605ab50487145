/**
 * The extension's builds: each browser's manifest (least privilege, version, Firefox id), what ships (no remote
 * code, no secret, both languages), the zips, `web-ext lint`, and a build without configuration loaded in
 * Chromium. Builds into temporary folders itself (no `npm run build` needed).
 */
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { promisify } from 'node:util';
import { inflateRawSync } from 'node:zlib';
import {
  assertSameVersion,
  buildManifest,
  extensionConfig,
  hostPermissions,
  readBuildSettings,
} from '../../extension/vite.extension.ts';
import { _buildExtension, _loadExtension, _request } from './_extension.ts';

const root = new URL('../..', import.meta.url).pathname;
const SECRET = 'partner-client-secret-must-never-ship-42';
const ENV = {
  FLINKS_CLIENT_ID: 'dc-0b7f6a52-build-test',
  FLINKS_AUTHORIZE_URL: 'https://ob.flinksapp.com/api/v1/authorize',
  FLINKS_EXCHANGE_URL: 'https://partner.example/api/flinks/exchange',
  FLINKS_PROVIDERS_URL: 'https://api.partner.example/flinks/providers',
  FLINKS_SCOPE: 'ACCOUNT_BASIC TRANSACTIONS',
  FLINKS_ISSUER: 'https://ob.flinksapp.com',
  FLINKS_GECKO_ID: 'flinks-connect@partner.example',
  // Lives in the same environment on a partner's build machine; nothing may carry it into the extension.
  FLINKS_CLIENT_SECRET: SECRET,
};

function files(dir: string): string[] {
  return readdirSync(dir, { recursive: true, encoding: 'utf8' })
    .filter((f) => statSync(join(dir, f)).isFile())
    .map((f) => f.split('\\').join('/'))
    .sort();
}

function json(path: string): Record<string, unknown> {
  return JSON.parse(readFileSync(path, 'utf8')) as Record<string, unknown>;
}

/** Reads a zip's entries (central directory, deflate or stored) into memory. */
function unzip(path: string): Map<string, Buffer> {
  const zip = readFileSync(path);
  const end = zip.lastIndexOf(Buffer.from([0x50, 0x4b, 0x05, 0x06]));
  assert.ok(end >= 0, 'the zip has an end of central directory');
  const count = zip.readUInt16LE(end + 10);
  let at = zip.readUInt32LE(end + 16);
  const entries = new Map<string, Buffer>();
  for (let i = 0; i < count; i++) {
    assert.equal(zip.readUInt32LE(at), 0x02014b50, 'a central directory entry');
    const method = zip.readUInt16LE(at + 10);
    const size = zip.readUInt32LE(at + 20);
    const nameLength = zip.readUInt16LE(at + 28);
    const extra = zip.readUInt16LE(at + 30);
    const comment = zip.readUInt16LE(at + 32);
    const local = zip.readUInt32LE(at + 42);
    const name = zip.subarray(at + 46, at + 46 + nameLength).toString('utf8');
    const dataStart = local + 30 + zip.readUInt16LE(local + 26) + zip.readUInt16LE(local + 28);
    const data = zip.subarray(dataStart, dataStart + size);
    entries.set(name, method === 8 ? inflateRawSync(data) : Buffer.from(data));
    at += 46 + nameLength + extra + comment;
  }
  return entries;
}

describe('the extension builds (Chrome and Firefox)', () => {
  let chrome: string;
  let firefox: string;

  before(async () => {
    // One after the other: @crxjs/vite-plugin keeps some state per process.
    chrome = await _buildExtension(ENV, { browser: 'chrome', zip: true });
    firefox = await _buildExtension(ENV, { browser: 'firefox', zip: true });
  });

  after(async () => {
    for (const dir of [chrome, firefox]) {
      if (!dir) continue;
      await rm(dir, { recursive: true, force: true });
      await rm(`${dir}.zip`, { force: true });
    }
  });

  it('asks Chrome for identity, storage and the configured exchange and providers origins only', () => {
    const manifest = json(join(chrome, 'manifest.json'));
    assert.equal(manifest.manifest_version, 3);
    assert.deepEqual(manifest.permissions, ['identity', 'storage']);
    assert.deepEqual(manifest.host_permissions, [
      'https://partner.example/*',
      'https://api.partner.example/*',
    ]);
    for (const key of ['content_scripts', 'externally_connectable', 'web_accessible_resources', 'key']) {
      assert.equal(manifest[key], undefined, `no ${key}`);
    }
    const background = manifest.background as { service_worker?: string; type?: string };
    assert.equal(background.type, 'module');
    assert.ok(background.service_worker && files(chrome).includes(background.service_worker));
    assert.equal(manifest.browser_specific_settings, undefined);
  });

  it('sets a strict extension-pages CSP: no inline or remote script, no eval, Trusted Types', () => {
    const csp = (json(join(chrome, 'manifest.json')).content_security_policy as { extension_pages: string })
      .extension_pages;
    const directives = new Map(
      csp.split(';').map((d) => {
        const [name = '', ...values] = d.trim().split(/\s+/);
        return [name, values] as const;
      }),
    );
    assert.deepEqual(directives.get('default-src'), ["'none'"]);
    assert.deepEqual(directives.get('script-src'), ["'self'"]);
    assert.deepEqual(directives.get('object-src'), ["'none'"]);
    assert.deepEqual(directives.get('require-trusted-types-for'), ["'script'"]);
    assert.ok(!csp.includes('unsafe'), 'no unsafe-inline or unsafe-eval');
  });

  it('gives Firefox a fixed gecko id, an event-page background and no Chrome-only keys', () => {
    const manifest = json(join(firefox, 'manifest.json'));
    const gecko = (
      manifest.browser_specific_settings as { gecko: { id: string; strict_min_version: string } }
    ).gecko;
    assert.equal(gecko.id, 'flinks-connect@partner.example');
    const background = manifest.background as { scripts?: string[]; service_worker?: string };
    assert.equal(background.service_worker, undefined);
    assert.ok(background.scripts?.length === 1 && files(firefox).includes(background.scripts[0] as string));
    assert.equal(manifest.minimum_chrome_version, undefined);
    assert.deepEqual(manifest.host_permissions, json(join(chrome, 'manifest.json')).host_permissions);
  });

  it('passes web-ext lint with no errors; the one warning is lit-html parsing its own templates', async () => {
    const { stdout } = await promisify(execFile)(
      join(root, 'node_modules/.bin/web-ext'),
      ['lint', '--source-dir', firefox, '--output', 'json', '--no-config-discovery'],
      { cwd: root, maxBuffer: 16 * 1024 * 1024 },
    ).catch((error: { stdout?: string }) => ({ stdout: error.stdout ?? '' }));
    const report = JSON.parse(stdout.slice(stdout.indexOf('{'))) as {
      summary: { errors: number; warnings: number };
      errors: { message: string }[];
      warnings: { message: string; file: string; line: number }[];
    };
    assert.deepEqual(
      report.errors.map((e) => e.message),
      [],
    );
    assert.equal(report.summary.errors, 0);
    // lit-html fills a <template> with the element's static template strings (through its Trusted Types policy,
    // which the CSP enforces); the linter flags any innerHTML. Anything else is a finding.
    for (const warning of report.warnings) {
      const line = readFileSync(join(firefox, warning.file), 'utf8').split('\n')[warning.line - 1] ?? '';
      assert.equal(warning.message, 'Unsafe assignment to innerHTML', JSON.stringify(warning));
      assert.match(
        line,
        /return s\.innerHTML = t, s;/,
        `only lit-html's createElement: ${JSON.stringify(warning)}`,
      );
    }
  });

  it('carries the manifest version of package.json, and refuses to build when they differ', () => {
    const version = json(join(root, 'package.json')).version;
    assert.equal(json(join(chrome, 'manifest.json')).version, version);
    assert.equal(json(join(firefox, 'manifest.json')).version, version);
    assert.throws(
      () => assertSameVersion('0.1.0', '0.2.0'),
      /manifest\.json version 0\.1\.0 does not match package\.json version 0\.2\.0/,
    );
  });

  it('ships English and French with the same messages, and the configuration but never the secret', () => {
    for (const dir of [chrome, firefox]) {
      const en = json(join(dir, '_locales/en/messages.json'));
      const fr = json(join(dir, '_locales/fr/messages.json'));
      assert.deepEqual(Object.keys(fr).sort(), Object.keys(en).sort());
      const code = files(dir)
        .filter((f) => /\.(js|html|json)$/.test(f))
        .map((f) => readFileSync(join(dir, f), 'utf8'))
        .join('\n');
      assert.ok(!code.includes(SECRET), 'the client secret is not in the build');
      assert.ok(code.includes(ENV.FLINKS_CLIENT_ID), 'the configured client id is baked in');
      assert.ok(code.includes(ENV.FLINKS_EXCHANGE_URL), 'the configured exchange URL is baked in');
    }
  });

  it('loads no remote code: every script of the pages is a file of the extension', () => {
    for (const dir of [chrome, firefox]) {
      for (const page of ['extension/popup.html', 'extension/options.html']) {
        const html = readFileSync(join(dir, page), 'utf8');
        const sources = [...html.matchAll(/<script[^>]*\ssrc="([^"]+)"/g)].map((m) => m[1] as string);
        assert.ok(sources.length > 0, `${page} has its script`);
        assert.ok(!/<script(?![^>]*\ssrc=)[^>]*>/.test(html), `${page} has no inline script`);
        for (const src of sources) {
          // A stand-in origin for the extension's own (Node's URL has no origin for chrome-extension:).
          const url = new URL(src, `https://extension.invalid/${page}`);
          assert.equal(url.origin, 'https://extension.invalid', `${page} loads ${src} from the extension`);
          assert.ok(files(dir).includes(url.pathname.slice(1)), `${src} ships`);
        }
      }
      const code = files(dir)
        .filter((f) => f.endsWith('.js'))
        .map((f) => readFileSync(join(dir, f), 'utf8'))
        .join('\n');
      assert.ok(!/\bimport\(\s*['"`]https?:/.test(code), 'no import() of a URL');
      assert.ok(!/\bnew Function\(|\beval\(/.test(code), 'no eval');
    }
  });

  it('writes a zip of each build holding exactly its files', () => {
    for (const dir of [chrome, firefox]) {
      const entries = unzip(`${dir}.zip`);
      assert.deepEqual([...entries.keys()].sort(), files(dir));
      assert.ok(entries.get('manifest.json')?.equals(readFileSync(join(dir, 'manifest.json'))));
    }
  });

  it('shows the popup, the element and the options page in French when the browser is in French', async () => {
    const ext = await _loadExtension(chrome, { lang: 'fr' });
    try {
      const popup = await ext.open('extension/popup.html');
      await popup.locator('body[data-ready="true"]').waitFor();
      assert.equal(await popup.locator('html').getAttribute('lang'), 'fr');
      assert.equal(await popup.locator('h1').textContent(), 'Connecter une banque');
      assert.equal(
        await popup.locator('#no-connections').textContent(),
        "Aucune banque connectée pour l'instant.",
      );
      const element = popup.locator('flinks-connect');
      assert.equal(await element.getAttribute('lang'), 'fr');
      assert.equal(
        (await element.locator('[part="button"]').textContent())?.trim(),
        'Connecter votre banque',
      );
      const options = await ext.open('extension/options.html');
      assert.equal(await options.locator('h1').textContent(), 'Paramètres de Flinks Connect');
      await options.getByLabel('Portée (scope)').fill('TRANSACTIONS');
      await options.getByRole('button', { name: 'Enregistrer' }).click();
      assert.equal(
        await options.locator('#scope-error').textContent(),
        'La portée doit inclure ACCOUNT_BASIC.',
      );
    } finally {
      await ext.close();
    }
  });

  it('fails a build whose configuration is malformed, naming the variable', () => {
    assert.throws(
      () => readBuildSettings({ FLINKS_AUTHORIZE_URL: 'http://bank.example/authorize' }),
      /FLINKS_AUTHORIZE_URL="http:\/\/bank\.example\/authorize" must use https/,
    );
    assert.throws(
      () => readBuildSettings({ FLINKS_EXCHANGE_URL: 'partner/exchange' }),
      /FLINKS_EXCHANGE_URL/,
    );
    assert.throws(() => readBuildSettings({ FLINKS_SCOPE: 'ACCOUNT_BASIC EVERYTHING' }), /EVERYTHING/);
    const none = readBuildSettings({});
    assert.deepEqual(hostPermissions(none), []);
    assert.deepEqual(
      buildManifest('chrome', none).host_permissions,
      [],
      'no host permission without configuration',
    );
  });
});

describe('an extension set up without a providers server', () => {
  /** The warnings extensionConfig prints for this environment (it only reads the configuration; nothing builds). */
  function _warnings(env: Record<string, string>): string[] {
    const warnings: string[] = [];
    const warn = console.warn;
    console.warn = (...args: unknown[]) => void warnings.push(args.join(' '));
    try {
      extensionConfig('chrome', { env, outDir: join(tmpdir(), 'flinks-extension-unused'), zip: false });
    } finally {
      console.warn = warn;
    }
    return warnings;
  }

  it('reads FLINKS_PROVIDER_ID at build time and refuses one that is not a Flinks provider id', () => {
    assert.equal(readBuildSettings({ FLINKS_PROVIDER_ID: ' 1000 ' }).provider_id, '1000');
    assert.throws(() => readBuildSettings({ FLINKS_PROVIDER_ID: 'bank-1' }), /FLINKS_PROVIDER_ID="bank-1"/);
  });

  it('warns at build time when neither FLINKS_PROVIDER_ID nor FLINKS_PROVIDERS_URL is set, and only then', () => {
    const { FLINKS_PROVIDERS_URL: _url, ...noBank } = ENV;
    const [warning, ...more] = _warnings(noBank);
    assert.match(warning ?? '', /FLINKS_PROVIDER_ID.*FLINKS_PROVIDERS_URL/);
    assert.deepEqual(more, []);
    assert.deepEqual(_warnings({ ...noBank, FLINKS_PROVIDER_ID: '1000' }), []);
    assert.deepEqual(_warnings(ENV), []);
  });

  it('goes straight to the build’s bank from the popup, and shows the provider id on the options page', async () => {
    const { FLINKS_PROVIDERS_URL: _url, ...noBank } = ENV;
    const dir = await _buildExtension({ ...noBank, FLINKS_PROVIDER_ID: '1000' });
    const ext = await _loadExtension(dir);
    try {
      const popup = await ext.open('extension/popup.html');
      await popup.locator('body[data-ready="true"]').waitFor();
      assert.equal(await popup.locator('flinks-connect').getAttribute('provider-id'), '1000');
      assert.equal(await popup.locator('flinks-connect').getAttribute('providers-url'), null);
      const options = await ext.open('extension/options.html');
      const field = options.getByLabel('Provider ID (optional)');
      await field.waitFor();
      assert.equal(await field.inputValue(), '1000');
      await field.fill('bank-1');
      await options.getByRole('button', { name: 'Save' }).click();
      await options.locator('#provider_id-error').waitFor({ state: 'visible' });
      assert.equal(await field.getAttribute('aria-invalid'), 'true');
    } finally {
      await ext.close();
      await rm(dir, { recursive: true, force: true });
    }
  });
});

describe('an extension built without configuration', () => {
  it('says so in the popup and lists what to set on the options page', async () => {
    const dir = await _buildExtension({});
    const ext = await _loadExtension(dir);
    try {
      const popup = await ext.open('extension/popup.html');
      await popup.locator('body[data-ready="true"]').waitFor();
      assert.equal(await popup.locator('#setup').isVisible(), true);
      assert.match((await popup.locator('#setup-message').textContent()) ?? '', /not configured/);
      assert.equal(
        await popup.locator('flinks-connect').isVisible(),
        false,
        'no connect button to fail with',
      );

      const options = await ext.open('extension/options.html');
      await options.locator('#client_id-error').waitFor({ state: 'visible' });
      assert.equal(await options.getByLabel('Client ID').getAttribute('aria-invalid'), 'true');
      assert.equal(await options.getByLabel('Exchange URL').getAttribute('aria-invalid'), 'true');
      assert.equal(await options.getByLabel('Issuer (optional)').getAttribute('aria-invalid'), 'false');
      const view = await _request<{ overridden: boolean; settings: Record<string, string> }>(options, {
        type: 'get-settings',
      });
      assert.equal(view.overridden, false);
      assert.equal(view.settings.client_id, '');
    } finally {
      await ext.close();
      await rm(dir, { recursive: true, force: true });
    }
  });
});
