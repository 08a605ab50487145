import assert from 'node:assert/strict';
import { type ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';
import { describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';

const MAIN = fileURLToPath(new URL('../../sandbox/main.ts', import.meta.url));

function _run(args: string[]): { child: ChildProcess; output: () => string } {
  const child = spawn(process.execPath, ['--import', 'tsx', MAIN, ...args], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout?.on('data', (d) => {
    output += String(d);
  });
  child.stderr?.on('data', (d) => {
    output += String(d);
  });
  return { child, output: () => output };
}

describe('npm run sandbox', { concurrency: true }, () => {
  it('prints the URL, the clients and the test users, serves them, and stops on SIGTERM', async () => {
    const { child, output } = _run([
      '--port',
      '0',
      '--seed',
      'cli-seed',
      '--client',
      'dc-cli:cli-secret-1:http://localhost:9/cb',
    ]);
    try {
      const deadline = Date.now() + 60_000;
      while (!/Ctrl\+C stops it/.test(output()) && Date.now() < deadline && child.exitCode === null) {
        await new Promise((r) => setTimeout(r, 100));
      }
      const text = output();
      const url = /Flinks Outbound sandbox: (http:\/\/127\.0\.0\.1:\d+)/.exec(text)?.[1];
      assert.ok(url, text);
      assert.match(text, /partner-sandbox \/ partner-sandbox-secret/);
      assert.match(text, /dc-cli \/ cli-secret-1 {2}http:\/\/localhost:9\/cb/);
      assert.match(text, /greatday \/ everyday/);
      assert.match(text, /mfa \/ everyday/);
      assert.match(text, /seed cli-seed/);
      const home = (await fetch(`${url}/`).then((r) => r.json())) as { test_users: { username: string }[] };
      assert.ok(home.test_users.some((u) => u.username === 'locked'));
      const token = await fetch(`${url}/Token`, {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
        body: 'grant_type=client_credentials&client_id=dc-cli&client_secret=cli-secret-1',
      });
      assert.equal(token.status, 200, 'the --client recipient exists');
    } finally {
      child.kill('SIGTERM');
    }
    const [code] = await once(child, 'exit');
    assert.equal(code, 0);
  });

  it('exits with status 2 and a usage line for bad arguments', async () => {
    await Promise.all(
      [['--port', 'abc'], ['--bogus'], ['--client', 'only-an-id'], ['--registration-advance-ms', '-5']].map(
        async (args) => {
          const { child, output } = _run(args);
          const [code] = await once(child, 'exit');
          assert.equal(code, 2, args.join(' '));
          assert.match(output(), /Usage: npm run sandbox/);
        },
      ),
    );
  });
});
