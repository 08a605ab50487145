// Checks the built widget bundle (`npm test` builds before it runs node tests): the size budget DESIGN.md sets,
// one self-contained module, importable on a server, and nothing in it that looks like a secret. Failure
// messages quote only the offending bit, never the 46 kB bundle.
import assert from 'node:assert/strict';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import { brotliCompressSync, constants, gzipSync } from 'node:zlib';
import { DEMO_CLIENT } from '../../demo/client.ts';

const dir = new URL('../../../dist/widget/', import.meta.url);
const file = new URL('flinks-connect.js', dir);
/**
 * Lit, the picker and both languages included: 16 KB brotli (quality 11), what servers and CDNs send (DESIGN.md's
 * contract), and 18 KB gzip (level 9) for servers that only gzip.
 */
const BROTLI_BUDGET = 16 * 1024;
const GZIP_BUDGET = 18 * 1024;

function bundle(): string {
  assert.ok(existsSync(file), `${file.pathname} is missing: run \`npm run build\` first.`);
  return readFileSync(file, 'utf8');
}

describe('dist/widget/flinks-connect.js', () => {
  it(`is at most ${BROTLI_BUDGET} bytes with brotli at quality 11`, () => {
    const size = brotliCompressSync(bundle(), {
      params: {
        [constants.BROTLI_PARAM_QUALITY]: 11,
        [constants.BROTLI_PARAM_MODE]: constants.BROTLI_MODE_TEXT,
      },
    }).length;
    assert.ok(
      size <= BROTLI_BUDGET,
      `the bundle is ${size} bytes with brotli, ${size - BROTLI_BUDGET} over the ${BROTLI_BUDGET}-byte budget`,
    );
  });

  it(`is at most ${GZIP_BUDGET} bytes gzipped at level 9`, () => {
    const size = gzipSync(bundle(), { level: 9 }).length;
    assert.ok(
      size <= GZIP_BUDGET,
      `the bundle is ${size} bytes gzipped, ${size - GZIP_BUDGET} over the ${GZIP_BUDGET}-byte budget`,
    );
  });

  it('is one self-contained ES module that defines <flinks-connect>', () => {
    const code = bundle();
    assert.deepEqual(readdirSync(dir).sort(), ['flinks-connect.js', 'flinks-connect.js.sri']);
    // Statement-level `import x from`, `import {…}`, `import "…"`, or a dynamic import().
    const imports = code.match(/(?:^|[;}\n])\s*import\s*[\w{*"'`]|\bimport\s*\(/g);
    assert.equal(imports, null, `the bundle imports another module: ${imports?.join(' | ')}`);
    assert.ok(
      code.includes('customElements.define(`flinks-connect`'),
      'the bundle does not define <flinks-connect>',
    );
  });

  it('is minified', () => {
    const code = bundle();
    const lines = code.split('\n').length;
    assert.ok(lines < 60, `${lines} lines: the bundle does not look minified`);
    assert.ok(!code.includes('/**'), 'the bundle keeps JSDoc comments');
  });

  it("opens with V8's compile hint, on its very first line, where alone V8 reads it", () => {
    // The exact text V8 recognises (Chrome 136 and later): every function compiled off the main thread at load.
    assert.equal(bundle().split('\n', 1)[0], '//# allFunctionsCalledOnLoad');
  });

  it('carries no client_secret and nothing that looks like a secret', () => {
    const code = bundle();
    assert.ok(!/client_secret/i.test(code), 'the bundle mentions client_secret');
    assert.ok(!code.includes(DEMO_CLIENT.client_secret), 'the demo client secret is in the bundle');
    for (const pattern of [
      /-----BEGIN [A-Z ]*PRIVATE KEY-----/,
      /\b(?:sk|rk)_(?:live|test)_[0-9a-zA-Z]{10,}/,
      /\bAKIA[0-9A-Z]{16}\b/,
      /\beyJ[\w-]{10,}\.[\w-]{10,}\.[\w-]{10,}/, // a JWT
      /\bBasic [A-Za-z0-9+/]{16,}={0,2}/,
      /\bBearer [\w.~+/-]{16,}/,
    ]) {
      const found = pattern.exec(code);
      assert.equal(found, null, `secret-looking string in the bundle: ${found?.[0].slice(0, 12)}…`);
    }
  });

  it('imports on a server without a DOM, twice, without throwing', async () => {
    const first = (await import(file.href)) as Record<string, unknown>;
    await import(`${file.href}?again`);
    assert.equal(typeof first.FlinksConnect, 'function');
    assert.equal(typeof (globalThis as { window?: unknown }).window, 'undefined');
  });
});
