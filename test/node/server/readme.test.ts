/**
 * Runs every `ts example=NAME` block of README.md against the sandbox, as a partner would after
 * copying it: only the package import is pointed at this checkout.
 */
import assert from 'node:assert/strict';
import { type ChildProcess, spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { connect as tcpConnect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { pathToFileURL } from 'node:url';
import { getFreePort } from '../../ports.ts';
import { type Sandbox, startSandbox } from '../../sandbox/index.ts';
import { authorize, recipient } from './_sandbox.ts';

const root = new URL('../../..', import.meta.url).pathname;
const readme = readFileSync(join(root, 'README.md'), 'utf8');
const examples = new Map(
  [...readme.matchAll(/```ts example=(\S+)\n([\s\S]*?)```/g)].map((m) => [m[1] as string, m[2] as string]),
);

/** Where a bare import resolves from this checkout, or undefined when the package is not installed. */
function resolved(specifier: string): string | undefined {
  if (specifier === 'flinks-connect/server') return pathToFileURL(join(root, 'core/server/index.ts')).href;
  if (specifier === 'flinks-connect/server/node') {
    return pathToFileURL(join(root, 'core/server/node/index.ts')).href;
  }
  try {
    return import.meta.resolve(specifier);
  } catch {
    return undefined;
  }
}

let sandbox: Sandbox;
let dir: string;
const client = recipient({ redirect_uris: ['http://localhost:5999/callback'] });
before(async () => {
  sandbox = await startSandbox({ clients: [client] });
  dir = await mkdtemp(join(tmpdir(), 'flinks-readme-'));
});
after(async () => {
  await sandbox.close();
  await rm(dir, { recursive: true, force: true });
});

const settings = () => ({
  FLINKS_BASE_URL: sandbox.url,
  FLINKS_TOKEN_URL: sandbox.tokenUrl,
  FLINKS_CLIENT_ID: client.client_id,
  FLINKS_CLIENT_SECRET: client.client_secret,
  FLINKS_REDIRECT_URI: client.redirect_uris[0] as string,
});

/** Writes the example with its imports resolved; returns its path, or the first import that is not installed. */
async function materialize(name: string): Promise<{ path?: string; missing?: string }> {
  const code = examples.get(name);
  assert.ok(code, `README has a ts example=${name} block`);
  let missing: string | undefined;
  const source = code.replace(/from '([^']+)'/g, (whole, specifier: string) => {
    if (specifier.startsWith('node:')) return whole;
    const url = resolved(specifier);
    if (!url) missing ??= specifier;
    return `from '${url}'`;
  });
  if (missing) return { missing };
  const path = join(dir, `${name}.mts`);
  await writeFile(path, source);
  return { path };
}

/** Imports an example that reads process.env at load, with the sandbox's settings in the environment. */
async function load(path: string): Promise<Record<string, unknown>> {
  const saved = { ...process.env };
  Object.assign(process.env, settings());
  try {
    return await import(pathToFileURL(path).href);
  } finally {
    for (const key of Object.keys(settings())) {
      if (saved[key] === undefined) delete process.env[key];
      else process.env[key] = saved[key];
    }
  }
}

function exchangeRequest(url: string, body: unknown): Request {
  return new Request(url, {
    method: 'POST',
    headers: { 'Content-Type': 'application/json', 'Sec-Fetch-Site': 'same-origin' },
    body: JSON.stringify(body),
  });
}

function waitForPort(port: number, child: ChildProcess, output: () => string): Promise<void> {
  const deadline = Date.now() + 15_000;
  return new Promise((resolve, reject) => {
    const attempt = () => {
      if (child.exitCode !== null) return reject(new Error(`the example exited: ${output()}`));
      const socket = tcpConnect(port, '127.0.0.1');
      socket.once('connect', () => {
        socket.destroy();
        resolve();
      });
      socket.once('error', () => {
        socket.destroy();
        if (Date.now() > deadline) reject(new Error(`the example did not listen: ${output()}`));
        else setTimeout(attempt, 100);
      });
    };
    attempt();
  });
}

/** Checks an exchange answer: 200, a connection id, and no token or secret. */
async function assertConnected(response: Response, code_verifier: string): Promise<Record<string, unknown>> {
  const text = await response.text();
  assert.equal(response.status, 200, text);
  for (const secret of [client.client_secret, code_verifier]) assert.ok(!text.includes(secret));
  assert.doesNotMatch(text, /access_token|refresh_token/);
  return JSON.parse(text);
}

describe('README "Your exchange endpoint" examples', () => {
  it('has each example under 20 lines', () => {
    assert.deepEqual([...examples.keys()].sort(), [
      'express',
      'hono',
      'nextjs',
      'node-http',
      'reconnect',
      'worker',
    ]);
    for (const [name, code] of examples) {
      const lines = code.replace(/\n+$/, '').split('\n').length;
      assert.ok(lines < 20, `${name} has ${lines} lines`);
    }
  });

  for (const name of ['node-http', 'express']) {
    it(`runs the ${name} example as a server that exchanges a real code`, async (t) => {
      const { path, missing } = await materialize(name);
      if (!path) return t.skip(`${missing} is not installed (npm install)`);
      const port = await getFreePort();
      let output = '';
      const child = spawn(process.execPath, ['--import', 'tsx', path], {
        cwd: root,
        env: {
          PATH: process.env.PATH,
          ...settings(),
          PORT: String(port),
          HOST: '127.0.0.1',
          NODE_NO_WARNINGS: '1',
        },
        stdio: ['ignore', 'pipe', 'pipe'],
      });
      child.stdout?.on('data', (c) => {
        output += c;
      });
      child.stderr?.on('data', (c) => {
        output += c;
      });
      try {
        await waitForPort(port, child, () => output);
        const body = await authorize(sandbox, client);
        const base = `http://127.0.0.1:${port}`;
        const answer = await assertConnected(
          await fetch(exchangeRequest(`${base}/api/flinks/exchange`, body)),
          body.code_verifier,
        );
        assert.match(String(answer.connection), /^[0-9a-f-]{36}$/);
        const reused = await fetch(exchangeRequest(`${base}/api/flinks/exchange`, body));
        assert.equal(reused.status, 502);
        assert.equal((await reused.json()).flinks_error, 'invalid_grant');
        assert.equal((await fetch(`${base}/elsewhere`)).status, 404);
        assert.doesNotMatch(output, new RegExp(client.client_secret));
      } finally {
        child.kill();
      }
    });
  }

  it('runs the picker-and-reconnect example: Activated banks for the picker, and a renewed connection keeps its id', async () => {
    const { path } = await materialize('reconnect');
    assert.ok(path);
    type Handler = (request: Request) => Promise<Response>;
    const { providers, exchange } = (await load(path)) as { providers: Handler; exchange: Handler };
    const picker = await providers(new Request('http://localhost:5999/api/flinks/providers'));
    assert.equal(picker.status, 200);
    assert.deepEqual(
      ((await picker.json()) as { provider_id: number; name: string }[]).map((p) => [p.provider_id, p.name]),
      [[1000, 'Flinks Capital']],
    );
    const url = 'http://localhost:5999/api/flinks/exchange';
    const first = await authorize(sandbox, client);
    const { connection } = await assertConnected(
      await exchange(exchangeRequest(url, first)),
      first.code_verifier,
    );
    assert.match(String(connection), /^[0-9a-f-]{36}$/);
    const second = await authorize(sandbox, client);
    const renewed = await assertConnected(
      await exchange(exchangeRequest(`${url}?reconnect=${connection}`, second)),
      second.code_verifier,
    );
    assert.equal(renewed.connection, connection, 'the same connection id');
    const third = await authorize(sandbox, client);
    const unknown = await exchange(exchangeRequest(`${url}?reconnect=no-such-id`, third));
    assert.equal(unknown.status, 500);
    assert.equal((await unknown.json()).error, 'CALLBACK_FAILED');
  });

  it('runs the Hono example through app.fetch', async (t) => {
    const { path, missing } = await materialize('hono');
    if (!path) return t.skip(`${missing} is not installed (npm install)`);
    const { app } = (await load(path)) as { app: { fetch(request: Request): Promise<Response> } };
    const body = await authorize(sandbox, client);
    const answer = await assertConnected(
      await app.fetch(exchangeRequest('http://localhost:5999/api/flinks/exchange', body)),
      body.code_verifier,
    );
    assert.match(String(answer.connection), /^[0-9a-f-]{36}$/);
    const wrongType = await app.fetch(
      new Request('http://localhost:5999/api/flinks/exchange', { method: 'POST', body: 'code=x' }),
    );
    assert.equal(wrongType.status, 415);
  });

  it('runs the Next.js route handler', async () => {
    const { path } = await materialize('nextjs');
    assert.ok(path);
    const { POST } = (await load(path)) as { POST: (request: Request) => Promise<Response> };
    const body = await authorize(sandbox, client);
    const answer = await assertConnected(
      await POST(exchangeRequest('http://localhost:5999/api/flinks/exchange', body)),
      body.code_verifier,
    );
    assert.match(String(answer.connection), /^[0-9a-f-]{36}$/);
    const tooBig = await POST(exchangeRequest('http://localhost:5999/x', { ...body, pad: 'x'.repeat(9000) }));
    assert.equal(tooBig.status, 413);
  });

  it('runs the Cloudflare Worker with its env and a KV binding', async () => {
    const { path } = await materialize('worker');
    assert.ok(path);
    const worker = (
      (await import(pathToFileURL(path).href)) as {
        default: { fetch(request: Request, env: object): Promise<Response> };
      }
    ).default;
    const kv = new Map<string, string>();
    const env = {
      ...settings(),
      CONNECTIONS: {
        put: async (key: string, value: string) => {
          kv.set(key, value);
        },
      },
    };
    const body = await authorize(sandbox, client);
    const response = await worker.fetch(
      exchangeRequest('https://partner.example/api/flinks/exchange', body),
      env,
    );
    assert.deepEqual(await assertConnected(response, body.code_verifier), { connected: true });
    const stored = JSON.parse(kv.get(body.correlation_id) ?? '{}');
    assert.ok(stored.access_token && stored.refresh_token);
    const other = await worker.fetch(new Request('https://partner.example/'), env);
    assert.equal(other.status, 404);
  });
});
