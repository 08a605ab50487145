import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { createConnections, type Tokens } from '../../../core/server/index.ts';
import { COMMANDS, main } from '../../../core/server/node/cli.ts';
import { createFileTokenStore } from '../../../core/server/node/index.ts';
import { SANDBOX_PARTNER, type Sandbox, startSandbox } from '../../sandbox/index.ts';
import { connect, recipient } from './_sandbox.ts';

const CLI = new URL('../../../core/server/node/cli.ts', import.meta.url).pathname;
const root = new URL('../../..', import.meta.url).pathname;

let sandbox: Sandbox;
let dir: string;
const data = recipient();
let tokens: Tokens;
/** Every stderr the CLI wrote, to check that none holds a secret or a token. */
const stderrs: string[] = [];

before(async () => {
  sandbox = await startSandbox({ clients: [data], registrationAdvanceMs: 100 });
  tokens = await connect(sandbox, data);
  dir = await mkdtemp(join(tmpdir(), 'flinks-cli-'));
});
after(async () => {
  await sandbox.close();
  await rm(dir, { recursive: true, force: true });
});

type Result = { code: number | null; stdout: string; stderr: string };

/** The environment every run gets: the sandbox and the built-in partner's credentials. */
const baseEnv = (): Record<string, string | undefined> => ({
  FLINKS_BASE_URL: sandbox.url,
  FLINKS_CLIENT_ID: SANDBOX_PARTNER.client_id,
  FLINKS_CLIENT_SECRET: SANDBOX_PARTNER.client_secret,
});

/** Runs the CLI as a user would: a new `node` process on core/server/node/cli.ts. */
function spawnCli(args: string[], env: Record<string, string | undefined> = {}): Promise<Result> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', CLI, ...args], {
      cwd: root,
      env: { PATH: process.env.PATH, NODE_NO_WARNINGS: '1', ...baseEnv(), ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (c) => {
      stdout += c;
    });
    child.stderr.on('data', (c) => {
      stderr += c;
    });
    child.on('error', reject);
    child.on('close', (code) => {
      stderrs.push(stderr);
      resolve({ code, stdout, stderr });
    });
  });
}

/** Runs the CLI's main() in this process (same code path after argument parsing, without a process start). */
async function run(args: string[], env: Record<string, string | undefined> = {}): Promise<Result> {
  let stdout = '';
  let stderr = '';
  const code = await main(args, {
    env: { ...baseEnv(), ...env },
    stdout: { write: (text: string) => (stdout += text) },
    stderr: { write: (text: string) => (stderr += text), isTTY: false },
  });
  stderrs.push(stderr);
  return { code, stdout, stderr };
}

const json = (text: string) => JSON.parse(text);

describe('flinks-outbound CLI against the sandbox', () => {
  it('prints help, and exits 2 on no command or an unknown one', async () => {
    const help = await spawnCli(['--help']);
    assert.equal(help.code, 0);
    assert.match(help.stdout, /Usage: flinks-outbound <command>/);
    assert.match(help.stdout, /recipients set-redirects/);
    const none = await run([]);
    assert.equal(none.code, 2);
    const unknown = await run(['frobnicate']);
    assert.equal(unknown.code, 2);
    assert.match(unknown.stderr, /Unknown command "frobnicate"/);
    const badFlag = await run(['providers', '--nope']);
    assert.equal(badFlag.code, 2);
  });

  it('lists every command of its table in --help, each with its usage and summary', async () => {
    const help = await run(['--help']);
    assert.equal(help.code, 0);
    const listed = help.stdout.slice(
      help.stdout.indexOf('Commands\n'),
      help.stdout.indexOf('\n\nConfiguration'),
    );
    assert.ok(COMMANDS.length >= 13, `the table has the commands (${COMMANDS.length})`);
    for (const { name, usage, summary } of COMMANDS) {
      const line = `  ${usage ? `${name} ${usage}` : name}`;
      const first = summary.split('\n')[0] as string;
      assert.ok(
        listed.split('\n').some((l) => l.startsWith(line) && l.trimEnd().endsWith(first)),
        `--help lists ${name}: ${line} … ${first}`,
      );
    }
    assert.equal(
      listed.split('\n').filter((l) => /^ {2}\S/.test(l)).length,
      COMMANDS.length,
      'and nothing else',
    );
  });

  it('exits 2 on an unknown command or sub-command, naming what it takes, before reading any setting', async () => {
    const unknown = await run(['frobnicate'], { FLINKS_BASE_URL: undefined });
    assert.equal(unknown.code, 2);
    assert.equal(
      unknown.stderr,
      'flinks-outbound: Unknown command "frobnicate". See flinks-outbound --help.\n',
    );
    assert.equal(unknown.stdout, '');
    const action = await run(['recipients', 'remove'], { FLINKS_BASE_URL: undefined });
    assert.equal(action.code, 2);
    assert.equal(
      action.stderr,
      'flinks-outbound: recipients needs one of create, list, show, set-redirects, rotate-secret (not "remove").\n',
    );
    const bare = await run(['sandbox']);
    assert.equal(bare.code, 2);
    assert.equal(bare.stderr, 'flinks-outbound: sandbox needs advance [provider_id…].\n');
  });

  it('exits 2 naming the missing setting', async () => {
    const result = await run(['providers'], { FLINKS_BASE_URL: undefined });
    assert.equal(result.code, 2);
    assert.match(result.stderr, /FLINKS_BASE_URL/);
    const insecure = await run(['providers'], { FLINKS_BASE_URL: 'http://flinks.example' });
    assert.equal(insecure.code, 2);
    assert.match(insecure.stderr, /https/);
  });

  it('prints a client:admin token the API accepts', async () => {
    const { code, stdout } = await spawnCli(['token']);
    assert.equal(code, 0);
    const response = await fetch(`${sandbox.url}/api/v1/providers`, {
      headers: { Authorization: `Bearer ${stdout.trim()}` },
    });
    assert.equal(response.status, 200);
  });

  it('lists providers as a table and as JSON, and shows one', async () => {
    const table = await run(['providers']);
    assert.equal(table.code, 0);
    assert.match(table.stdout, /^provider_id\s+name/);
    assert.match(table.stdout, /1000\s+Flinks Capital/);
    const list = json((await run(['providers', '--json'])).stdout);
    assert.ok(list.some((p: { provider_id: number }) => p.provider_id === 1000));
    const one = await run(['provider', '1000', '--json']);
    assert.equal(json(one.stdout).name, 'Flinks Capital');
  });

  it("lists a Data Recipient's providers with --role recipient", async () => {
    const env = { FLINKS_CLIENT_ID: data.client_id, FLINKS_CLIENT_SECRET: data.client_secret };
    const mine = await run(['providers', '--role', 'recipient', '--json'], env);
    assert.equal(mine.code, 0, mine.stderr);
    assert.deepEqual(
      json(mine.stdout).map((p: { provider_id: number }) => p.provider_id),
      [1000],
    );
    const refused = await run(['providers'], env);
    assert.equal(refused.code, 1);
    assert.match(refused.stderr, /invalid_scope/);
    assert.equal((await run(['providers', '--role', 'admin'])).code, 2);
  });

  it('manages recipients: create, list, show, set-redirects, rotate-secret', async () => {
    const created = json(
      (
        await run([
          'recipients',
          'create',
          '--name',
          'CLI Co',
          '--redirect-uri',
          'https://cli.example/cb',
          '--description',
          'A CLI-made recipient',
          '--contact',
          'ops@cli.example',
          '--json',
        ])
      ).stdout,
    );
    assert.match(created.client_id, /^dc-/);
    assert.equal(created.description, 'A CLI-made recipient');
    assert.deepEqual(created.contacts, ['ops@cli.example']);
    const list = await run(['recipients', 'list']);
    assert.ok(list.stdout.includes(created.client_id));
    assert.ok(list.stdout.includes('CLI Co'));
    const shown = json((await run(['recipients', 'show', created.client_id, '--json'])).stdout);
    assert.deepEqual(shown.redirect_uris, ['https://cli.example/cb']);
    const set = json(
      (
        await run([
          'recipients',
          'set-redirects',
          created.client_id,
          'https://cli.example/a',
          'https://cli.example/b',
          '--json',
        ])
      ).stdout,
    );
    assert.deepEqual(set.redirect_uris, ['https://cli.example/a', 'https://cli.example/b']);
    const rotated = json((await run(['recipients', 'rotate-secret', created.client_id, '--json'])).stdout);
    assert.ok(rotated.client_secret && rotated.client_secret !== created.client_secret);
    const usage = await run(['recipients', 'set-redirects', created.client_id]);
    assert.equal(usage.code, 2);
  });

  it('registers with providers, waits for ACTIVE and shows the statuses', async () => {
    const { client_id } = json((await run(['recipients', 'create', '--name', 'Reg Co', '--json'])).stdout);
    const result = await run(['register', '1001', '1002', '--recipient', client_id, '--wait'], {
      FLINKS_POLL_MS: '50',
    });
    assert.equal(result.code, 0, result.stderr);
    assert.match(result.stdout, /1001\s+Banque Laurentienne de Test\s+ACTIVE/);
    assert.match(result.stderr, /PENDING_/);
    const statuses = json((await run(['registrations', '--client', client_id, '--json'])).stdout);
    assert.deepEqual(statuses.map((r: { provider_id: number }) => r.provider_id).sort(), [1000, 1001, 1002]);
    const bodyForm = await run(['register', '1003', '--recipient', client_id, '--form', 'body']);
    assert.equal(bodyForm.code, 0, bodyForm.stderr);
    const bad = await run(['register', 'abc']);
    assert.equal(bad.code, 2);
  });

  it('register --wait says Flinks reviews by hand and how to advance the sandbox, which stays PENDING_APPROVAL until told', async () => {
    const quiet = await startSandbox();
    try {
      const env = { ...baseEnv(), FLINKS_BASE_URL: quiet.url, FLINKS_POLL_MS: '20' };
      const { client_id } = json(
        (await run(['recipients', 'create', '--name', 'Wait Co', '--json'], env)).stdout,
      );
      let stderr = '';
      let polls = 0;
      const waiting = main(['register', '1001', '--recipient', client_id, '--wait'], {
        env,
        stdout: { write: () => true },
        stderr: {
          write: (text: string) => {
            stderr += text;
            return true;
          },
          isTTY: false,
        },
        fetch: ((input: RequestInfo | URL, init?: RequestInit) => {
          if (String(input).includes('/providers/requests')) polls++;
          return fetch(input, init);
        }) as typeof fetch,
      });
      while (polls < 8) await new Promise((resolve) => setTimeout(resolve, 20));
      assert.match(stderr, /Waiting for Flinks to review the registration by hand/);
      assert.match(
        stderr,
        new RegExp(`flinks-outbound sandbox advance 1001 --recipient ${client_id} --to ACTIVE`),
      );
      assert.equal(
        stderr.match(/PENDING_APPROVAL/g)?.length,
        2,
        'one status line (and the notice), not one per poll',
      );
      const status = json((await run(['registrations', '--client', client_id, '--json'], env)).stdout);
      assert.equal(
        status.find((r: { provider_id: number }) => r.provider_id === 1001).registration_status,
        'PENDING_APPROVAL',
      );
      const advanced = await run(
        ['sandbox', 'advance', '1001', '--recipient', client_id, '--to', 'ACTIVE'],
        env,
      );
      assert.equal(advanced.code, 0, advanced.stderr);
      assert.match(advanced.stdout, /1001.*ACTIVE/);
      assert.equal(await waiting, 0);
    } finally {
      await quiet.close();
    }
  });

  it('names the scope the customer did not consent to when a data call answers FDX 602', async () => {
    const basic = await connect(sandbox, data, { scope: 'ACCOUNT_BASIC' });
    const env = { FLINKS_ACCESS_TOKEN: basic.access_token };
    const accounts = json((await run(['accounts', '--json'], env)).stdout);
    const id = accounts.find((a: object) => 'depositAccount' in a)?.depositAccount.accountId;
    const refused = await run(['transactions', id], env);
    assert.equal(refused.code, 1);
    assert.match(refused.stderr, /FDX code: 602/);
    assert.match(refused.stderr, /Missing scope: the customer did not consent to TRANSACTIONS/);
    const details = await run(['accounts', '--details'], env);
    assert.match(details.stderr, /did not consent to ACCOUNT_DETAILED/);
  });

  it('says the base URL must not include a path', async () => {
    const result = await run(['providers'], { FLINKS_BASE_URL: `${sandbox.url}/api/v1` });
    assert.equal(result.code, 2);
    assert.match(result.stderr, /base URL must not include a path: use http:\/\/127\.0\.0\.1:\d+,/);
  });

  it('lists accounts and pages through transactions with progress', async () => {
    const env = { FLINKS_ACCESS_TOKEN: tokens.access_token };
    const accounts = json((await run(['accounts', '--details', '--json'], env)).stdout);
    const deposit = accounts.find((a: object) => 'depositAccount' in a)?.depositAccount;
    assert.ok(deposit?.accountId);
    const table = await run(['accounts'], env);
    assert.match(table.stdout, new RegExp(deposit.accountId));
    const result = await run(
      ['transactions', deposit.accountId, '--limit', '40', '--progress', '--json'],
      env,
    );
    assert.equal(result.code, 0, result.stderr);
    const list = json(result.stdout);
    const pages = result.stderr.trim().split('\n');
    assert.ok(pages.length > 1, 'several pages');
    assert.match(
      pages.at(-1) ?? '',
      new RegExp(`page ${pages.length}: ${list.length} of ${list.length} transactions`),
    );
  });

  it('reads a stored connection from a file token store, refreshing its token', async () => {
    const store = join(dir, 'connections.json');
    const own = await connect(sandbox, data);
    const connections = createConnections({
      tokenUrl: sandbox.tokenUrl,
      clientId: data.client_id,
      clientSecret: data.client_secret,
      store: createFileTokenStore(store),
    });
    // Stored as already expired: the CLI must refresh before reading.
    await connections.save({ id: 'c1', provider_id: '1000', tokens: { ...own, expires_at: 1 } });
    const result = await run(['accounts', '--store', store, '--connection', 'c1', '--json'], {
      FLINKS_CLIENT_ID: data.client_id,
      FLINKS_CLIENT_SECRET: data.client_secret,
    });
    assert.equal(result.code, 0, result.stderr);
    assert.ok(json(result.stdout).length > 0);
    const saved = await createFileTokenStore(store).get('c1');
    assert.notEqual(saved?.tokens.access_token, own.access_token);
  });

  it('exits 1 with the Flinks error, without the secret, when Flinks refuses', async () => {
    const wrong = await spawnCli(['providers'], { FLINKS_CLIENT_SECRET: 'wrong-cli-secret' });
    assert.equal(wrong.code, 1);
    assert.match(wrong.stderr, /TOKEN_REQUEST_FAILED/);
    assert.match(wrong.stderr, /invalid_client/);
    assert.ok(!wrong.stderr.includes('wrong-cli-secret'));
    const missing = await run(['transactions', 'no-such-account'], {
      FLINKS_ACCESS_TOKEN: tokens.access_token,
    });
    assert.equal(missing.code, 1);
    assert.match(missing.stderr, /FDX code: 701/);
    assert.match(missing.stderr, /ob-correlation-id: \S+/);
    const noToken = await run(['accounts']);
    assert.equal(noToken.code, 2);
    assert.match(noToken.stderr, /--access-token/);
  });

  it('never writes a secret or a token to stderr', () => {
    assert.ok(stderrs.length > 10);
    const all = stderrs.join('\n');
    for (const secret of [
      SANDBOX_PARTNER.client_secret,
      data.client_secret,
      tokens.access_token,
      tokens.refresh_token,
    ]) {
      assert.ok(secret && !all.includes(secret), 'a secret or token reached stderr');
    }
  });
});
