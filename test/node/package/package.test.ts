import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
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

  it('keeps the server kit out of the browser core', () => {
    const core = readFileSync(new URL(pkg.exports['./core'].default, root), 'utf8');
    assert.doesNotMatch(core, /from ['"]node:/, 'no Node built-in in the browser core');
  });
});
